"""Safe YAML loading that remembers where every value was written."""

from __future__ import annotations

import difflib
import pathlib
import types as pytypes
import typing
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.composer import Composer

from .errors import Origin, RuleError

Path_ = tuple[Any, ...]
# A document whose aliases expand it past this many nodes is refused (a "billion laughs" guard).
MAX_NODES = 200_000
# Rule files are small; a bigger one is a mistake (or an attack) that would only slow every run down.
MAX_CHARACTERS = 1_000_000


if getattr(yaml, "CSafeLoader", None) is not None:
    class SafeLoader(Composer, yaml.CSafeLoader):
        """libyaml's scanner and parser (ten times faster) under PyYAML's safe composer and constructor.

        The composer stays in Python: libyaml's own recursion has no depth limit and crashes the
        interpreter on deeply nested input, where Python's stops with a RecursionError.
        """

        def __init__(self, stream: str) -> None:
            yaml.CSafeLoader.__init__(self, stream)
            Composer.__init__(self)
else:  # PyYAML built without libyaml
    SafeLoader = yaml.SafeLoader  # type: ignore[misc, assignment]


@dataclass(frozen=True, slots=True)
class Located:
    """A parsed YAML document and the 1-based line and column of each value by its key path."""

    data: Any
    positions: dict[Path_, tuple[int, int]]
    block_scalars: frozenset[Path_]
    file: str
    lines: tuple[str, ...]
    key_positions: dict[Path_, tuple[int, int]]

    def origin(self, path: Path_) -> Origin:
        line, column = self.positions.get(path, self.positions.get((), (1, 1)))
        return Origin(self.file, line, column)

    def error(self, path: Path_, message: str, hint: str | None = None, key: bool = False,
              kind: type[RuleError] = RuleError) -> RuleError:
        """An error at a value (or, with key, at its key), showing the file's line with a caret."""
        line, column = self._position(path, key)
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return kind(message, Origin(self.file, line, column), source_line=source, hint=hint, caret=column)

    def _position(self, path: Path_, key: bool) -> tuple[int, int]:
        # The nearest place written in the file: the key itself, its value, or the mapping holding it.
        if key and path in self.key_positions:
            return self.key_positions[path]
        while path and path not in self.positions:
            path = path[:-1]
        return self.positions.get(path, (1, 1))

    def text_origin(self, path: Path_) -> Origin:
        """Where the text of a scalar starts, so errors inside a condition point into the file."""
        line, column = self.positions.get(path, (1, 1))
        if path in self.block_scalars:
            body = self.lines[line] if line < len(self.lines) else ""
            return Origin(self.file, line + 1, len(body) - len(body.lstrip()) + 1, block=True)
        quoted = 0 < line <= len(self.lines) and self.lines[line - 1][column - 1:column] in ("'", '"')
        return Origin(self.file, line, column + (1 if quoted else 0))

    def invalid(self, base: Path_, error: ValidationError, model: type[BaseModel], what: str, needs: str,
                hints: dict[str, str] | None = None, kind: type[RuleError] = RuleError) -> RuleError:
        """The first problem pydantic found in the mapping at base, placed and explained."""
        # An unknown key often explains a "missing" one (a misspelling), so it is reported first.
        first = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = tuple(p for p in first["loc"] if not _union_tag(p))
        where = ".".join(str(p) for p in loc)
        if first["type"] == "extra_forbidden":
            known = _keys(_model_at(model, loc[:-1]))
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            hint: str | None = f"did you mean `{close[0]}`?" if close else f"keys are: {', '.join(known)}"
            return self.error(base + loc, f"unknown key `{where}`", hint, key=True, kind=kind)
        if first["type"] == "missing":
            return self.error(base + loc[:-1], f"the {what} has no `{where}`", needs, kind=kind)
        message = first["msg"].removeprefix("Value error, ")
        hint = next((h for name, h in (hints or {}).items() if name in loc), None)
        return self.error(base + loc, f"`{where}`: {message}" if where else message, hint, kind=kind)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel]:
    """The model of the mapping at loc inside model, for suggesting the keys it allows."""
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            continue
        inner = _nested_model(field.annotation)
        if inner is None:
            break
        model = inner
    return model


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, pytypes.UnionType, list, dict, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _nested_model(arg)
            if found is not None:
                return found
    return None


def _union_tag(part: Any) -> bool:
    # pydantic names the member of a union it tried ('str', 'dict[str,str]'); it is not a key in the file.
    return isinstance(part, str) and (part in ("str", "int", "float", "bool", "dict", "list") or "[" in part)


def _keys(model: type[BaseModel]) -> list[str]:
    return sorted(info.alias or name for name, info in model.model_fields.items())


def load_mappings(text: str, file: str, what: str, start_hint: str) -> tuple[Located, list[tuple[Path_, dict[str, Any]]]]:
    """A YAML file of one mapping or a list of them (rules), each with the key path it sits at."""
    doc = load(text, file)
    documents = doc.data if isinstance(doc.data, list) else [doc.data]
    entries = []
    for position, raw in enumerate(documents):
        base: Path_ = (position,) if isinstance(doc.data, list) else ()
        if not isinstance(raw, dict):
            raise doc.error(base, f"{what} must be a mapping of keys to values", start_hint)
        entries.append((base, raw))
    return doc, entries


def _walk(node: yaml.Node, path: Path_, positions: dict[Path_, tuple[int, int]], blocks: set[Path_], budget: list[int],
          keys: dict[Path_, tuple[int, int]]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        blocks.add(path)
    if isinstance(node, yaml.MappingNode):
        here: set[str] = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise yaml.MarkedYAMLError(problem="a key must be a plain word, not a list or mapping",
                                           problem_mark=key.start_mark)
            if key.value in here:
                raise yaml.MarkedYAMLError(problem=f"the key `{key.value}` is given twice in this mapping",
                                           problem_mark=key.start_mark)
            here.add(key.value)
            keys.setdefault(path + (key.value,), (key.start_mark.line + 1, key.start_mark.column + 1))
            _walk(value, path + (key.value,), positions, blocks, budget, keys)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), positions, blocks, budget, keys)


class _TooBig(Exception):
    pass


def read_text(path: pathlib.Path, file: str) -> str:
    """The text of a YAML file, or a RuleError naming the line and byte that is not UTF-8."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line, column = before.count(b"\n") + 1, error.start - (before.rfind(b"\n") + 1) + 1
        raise RuleError(f"the file is not valid UTF-8 (byte 0x{raw[error.start]:02X}, byte {error.start + 1:,} of the file)",
                        Origin(file, line, column),
                        hint="save it as UTF-8") from None


def load(text: str, file: str) -> Located:
    """Parse YAML safely (no tags that build objects); errors name file, line and column."""
    if len(text) > MAX_CHARACTERS:
        raise RuleError(f"the file is larger than {MAX_CHARACTERS:,} characters", Origin(file),
                        hint="a rule file holds rules, not data; split it, or check it is the file you meant")
    loader = None
    try:
        loader = SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            raise RuleError("the file is empty", Origin(file), hint="a rule file holds one rule, or a list of rules")
        positions: dict[Path_, tuple[int, int]] = {}
        blocks: set[Path_] = set()
        keys: dict[Path_, tuple[int, int]] = {}
        try:
            _walk(node, (), positions, blocks, [MAX_NODES], keys)
        except _TooBig:
            raise RuleError(f"the document expands to more than {MAX_NODES} values", Origin(file),
                            hint="YAML aliases (*name) that repeat large parts are refused") from None
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if "nesting depth" in str(error.problem):  # libyaml 0.2.5 and later stop at a depth of 1,000
            raise RuleError("YAML error: the document is nested too deeply", Origin(file, line, column),
                            hint=_TOO_DEEP) from None
        lines = text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        problem = _problem(error, source, column)
        raise RuleError(f"YAML error: {problem}", Origin(file, line, column), source_line=source,
                        hint=_hint(error, problem, source), caret=column) from None
    except yaml.reader.ReaderError as error:
        raise _unreadable(error, text, file) from None
    except yaml.YAMLError as error:
        raise RuleError(f"YAML error: {error}", Origin(file)) from None
    except RecursionError:
        raise RuleError("YAML error: the document is nested too deeply", Origin(file), hint=_TOO_DEEP) from None
    finally:
        if loader is not None:
            loader.dispose()
    return Located(data, positions, frozenset(blocks), file, tuple(text.splitlines()), keys)


def _problem(error: yaml.MarkedYAMLError, source: str, column: int) -> str:
    """What the parser found wrong, naming the character (a tab, often) where libyaml's wording leaves it out."""
    character = source[column - 1:column]
    if character and (character == "\t" or error.problem == "found character that cannot start any token"):
        return f"found character {character!r} that cannot start any token"
    return str(error.problem)


_TOO_DEEP = "rules nest a few levels at most; look for runaway brackets"


def _hint(error: yaml.MarkedYAMLError, problem: str, source: str) -> str:
    """How to fix the usual causes: a tag, a tab, a key given twice, or indentation and quoting."""
    if "constructor" in type(error).__name__.lower():
        return "tags such as !!python/object are not allowed"
    if "'\\t'" in problem or "\t" in source[:len(source) - len(source.lstrip())]:
        return "YAML indents with spaces only: replace the tab with spaces"
    if "given twice" in problem:
        return "keep one of them: YAML would silently use the last"
    return "check the indentation and quoting on this line or the one before"


def _unreadable(error: yaml.reader.ReaderError, text: str, file: str) -> RuleError:
    """A character YAML does not allow (a control character), placed at its line and column."""
    character = chr(error.character)
    at = max(text.find(character), 0)
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line, column = text.count("\n", 0, at) + 1, at - start + 1
    source = text[start:end if end >= 0 else len(text)].rstrip("\r").replace(character, "?")
    return RuleError(f"YAML error: unacceptable character #x{error.character:04X} ({error.reason})",
                     Origin(file, line, column), source_line=source, caret=column,
                     hint="remove it; YAML files hold printable text only")


def within(folder: pathlib.Path, files: list[pathlib.Path]) -> list[pathlib.Path]:
    """The YAML files found in folder, refusing any that is a link to a file outside it (never reading it)."""
    home = folder.resolve()
    for file in files:
        if not file.resolve().is_relative_to(home):
            raise RuleError(f"{file} is a link to a file outside {folder}, which is not read",
                            Origin(str(file)), hint="copy the file into the folder, or give its own folder as well")
    return files
