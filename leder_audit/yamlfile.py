"""Safe YAML loading that remembers where every value was written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .errors import Origin, RuleError

Path_ = tuple[Any, ...]
# A document whose aliases expand it past this many nodes is refused (a "billion laughs" guard).
MAX_NODES = 200_000


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

    def error(self, path: Path_, message: str, hint: str | None = None, text: str = "") -> RuleError:
        line, column = self.positions.get(path, (1, 1))
        source = text or (self.lines[line - 1] if 0 < line <= len(self.lines) else "")
        return RuleError(message, Origin(self.file, line, column), source_line=source, hint=hint, caret=column)


def _walk(node: yaml.Node, path: Path_, positions: dict, blocks: set, budget: list[int], keys: dict) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        blocks.add(path)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            keys.setdefault(path + (key.value,), (key.start_mark.line + 1, key.start_mark.column + 1))
            _walk(value, path + (key.value,), positions, blocks, budget, keys)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), positions, blocks, budget, keys)


class _TooBig(Exception):
    pass


def load(text: str, file: str) -> Located:
    """Parse YAML safely (no tags that build objects); errors name file, line and column."""
    loader = yaml.SafeLoader(text)
    try:
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
        lines = text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        hint = "tags such as !!python/object are not allowed" if "constructor" in type(error).__name__.lower() else (
            "check the indentation and quoting on this line or the one before")
        raise RuleError(f"YAML error: {error.problem}", Origin(file, line, column), source_line=source,
                        hint=hint, caret=column) from None
    except yaml.YAMLError as error:
        raise RuleError(f"YAML error: {error}", Origin(file)) from None
    finally:
        loader.dispose()
    return Located(data, positions, frozenset(blocks), file, tuple(text.splitlines()), keys)
