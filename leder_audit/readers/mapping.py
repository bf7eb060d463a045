"""How a spreadsheet export spells its columns and values, read from a YAML mapping file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
import codecs
from typing import Any, Callable, Literal


from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..errors import InputError, RuleError
from ..records import RECORD_MODELS
from ..yamlfile import Located, Path_, load, read_text
from ..paths import BadPath, FieldPath, parse as parse_path
from .fieldpaths import Kind

TRUE_SPELLINGS = ("y", "yes", "true", "t", "1")
FALSE_SPELLINGS = ("n", "no", "false", "f", "0")
UNKNOWN_SPELLINGS = ("unknown", "not known", "nk", "n/k", "not recorded", "?")
# UK exports write day first; a US month-first date is never assumed.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


@dataclass(frozen=True)
class Mapping:
    """Column names, value spellings and constants for one kind of export."""

    columns: dict[str, FieldPath | None] = field(default_factory=dict)
    values: dict[FieldPath, dict[str, Any]] = field(default_factory=dict)
    true: frozenset[str] = frozenset(TRUE_SPELLINGS)
    false: frozenset[str] = frozenset(FALSE_SPELLINGS)
    unknown: frozenset[str] = frozenset(UNKNOWN_SPELLINGS)
    date_formats: tuple[str, ...] = DATE_FORMATS
    list_separator: str = ";"
    constants: dict[FieldPath, Any] = field(default_factory=dict)
    delimiter: str | None = None
    encoding: str = "utf-8-sig"

    def path_of(self, column: str) -> FieldPath | None:
        """The field a column fills: as mapped, else the column's own name read as a dotted path."""
        if column in self.columns:
            return self.columns[column]
        return parse_path(column)

    def typed(self, kind: Kind, text: str, path: FieldPath) -> Any:
        """A cell's value as the record model types it; None (unknown) for a blank or an unknown spelling."""
        text = text.strip()
        folded = text.casefold()
        spelled = self.values.get(path)
        if spelled is not None and folded in spelled:
            return spelled[folded]
        if not text or folded in self.unknown:
            return None
        if kind == "bool":
            return True if folded in self.true else False if folded in self.false else text
        if kind == "date":
            return self._date(text)
        if kind == "int":
            return _integer(text)
        if kind == "list":
            return [part.strip() for part in text.split(self.list_separator) if part.strip()]
        return text

    def _date(self, text: str) -> date | str:
        for form in self.date_formats:
            try:
                return datetime.strptime(text, form).date()
            except ValueError:
                continue
        return text


def _integer(text: str) -> int | str:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else text


# A spelling as YAML may read it: quoted text, or an unquoted Yes, 1 or true read as a boolean or number.
Spellings = list[str | bool | int | float] | str | bool | int | float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BooleanSpellings(_Strict):
    """`booleans:` the spellings of true and of false, each replacing the defaults."""

    true: Spellings | None = None
    false: Spellings | None = None


class MappingSpec(_Strict):
    """The keys a mapping file may hold, each checked for its type."""

    record_type: Literal[tuple(RECORD_MODELS)] | None = None  # type: ignore[valid-type]
    delimiter: str | None = None
    encoding: str | None = None
    columns: dict[str, str | None] = {}
    values: dict[str, dict[str | bool | int | float, Any]] = {}
    booleans: BooleanSpellings = BooleanSpellings()
    unknown: Spellings | None = None
    dates: list[str] = []
    list_separator: str = ";"
    constants: dict[str, Any] = {}

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError("not an encoding Python knows") from None
        return value


_HINTS = {"encoding": "give a Python codec name such as utf-8, utf-8-sig or cp1252",
          "record_type": "or leave it out and map a column to record_type",
          "columns": "`columns` must be a mapping of export column names to field paths, e.g. `Form Ref: id`",
          "values": "`values` must be a mapping of field paths to {spelling in the export: value}",
          "constants": "`constants` must be a mapping of field paths to values"}
# A mapping's paths are checked where they are used; `place` turns a problem at a key path into the error.
Place = Callable[[Path_, str, str | None], InputError]


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file; InputError naming the file, line, column and key when it cannot be used."""
    source = str(path)
    try:
        text = read_text(Path(path), source)
        doc = load(text, source) if text.strip() else None
    except OSError as error:
        raise InputError(f"cannot read the mapping file: {error.strerror}", source) from None
    except RuleError as error:  # read as every YAML file is: safely, duplicate keys and alias bombs refused
        problem = error.message.removeprefix("YAML error: ")
        raise _located(RuleError(f"the mapping file is not valid YAML: {problem}", hint=error.hint), source,
                       error.line, error.column) from None
    if doc is None or not isinstance(doc.data, dict):
        raise InputError("a mapping file holds a YAML mapping with `columns:` and other keys", source)

    def place(at: Path_, message: str, hint: str | None) -> InputError:
        problem = doc.error(at, message, hint)
        return _located(problem, source, problem.line, problem.column)

    try:
        spec = MappingSpec.model_validate(_keys_as_written(doc.data))
    except ValidationError as error:
        refused = doc.invalid((), error, MappingSpec, "mapping file", "docs/inputs.md lists the keys a mapping file takes", _HINTS)
        raise _located(refused, source, refused.line, refused.column) from None
    return _mapping(spec, place)


def mapping_from(data: dict[str, Any], source: str = "<mapping>") -> Mapping:
    """A Mapping from the parsed content of a mapping file."""
    def place(at: Path_, message: str, hint: str | None) -> InputError:
        where = ".".join(str(part) for part in at)
        return InputError(f"`{where}`: {message}" + (f" (hint: {hint})" if hint else ""), source)

    try:
        spec = MappingSpec.model_validate(_keys_as_written(data))
    except ValidationError as error:
        first = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        key = ".".join(str(part) for part in first["loc"])
        raise InputError(f"unknown key `{key}`" if first["type"] == "extra_forbidden" else f"`{key}`: {first['msg']}",
                         source) from None
    return _mapping(spec, place)


def _located(error: RuleError, source: str, line: int, column: int) -> InputError:
    hint = f" (hint: {error.hint})" if error.hint else ""
    return InputError(f"{error.message}{hint}", source, f"line {line}, column {column}")


def _keys_as_written(data: dict[Any, Any]) -> dict[Any, Any]:
    """The file's mapping with keys as the file writes them: YAML reads `true:` and `2024:` as a boolean and a
    number, where a mapping means the word and the column name."""
    written = dict(data)
    for key in ("columns", "values", "constants", "booleans"):
        if isinstance(written.get(key), dict):
            written[key] = {_as_written(k): v for k, v in written[key].items()}
    return written


def _as_written(key: Any) -> Any:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key) if isinstance(key, (int, float)) else key


def _mapping(spec: MappingSpec, place: Place) -> Mapping:
    constants = {_path(target, ("constants", target), place): value for target, value in spec.constants.items()}
    if spec.record_type is not None:
        constants[("record_type",)] = spec.record_type
    return Mapping(
        columns={column: None if target is None else _path(target, ("columns", column), place)
                 for column, target in spec.columns.items()},
        values={_path(target, ("values", target), place): _value_spellings(spellings)
                for target, spellings in spec.values.items()},
        true=_spellings(spec.booleans.true, TRUE_SPELLINGS),
        false=_spellings(spec.booleans.false, FALSE_SPELLINGS),
        unknown=_spellings(spec.unknown, UNKNOWN_SPELLINGS),
        date_formats=tuple(spec.dates or DATE_FORMATS),
        list_separator=spec.list_separator,
        constants=constants,
        delimiter=_delimiter(spec.delimiter, place),
        encoding=spec.encoding or "utf-8-sig",
    )


def _spellings(value: Any, default: tuple[str, ...]) -> frozenset[str]:
    if value is None:
        return frozenset(default)
    items = value if isinstance(value, list) else [value]
    spellings: set[str] = set()
    for item in items:
        # YAML reads an unquoted Yes/No/On/Off as a boolean: keep every spelling it may have stood for.
        if isinstance(item, bool):
            spellings.update(("true", "yes", "on") if item else ("false", "no", "off"))
        else:
            spellings.add(str(item).casefold())
    return frozenset(spellings)


def _value_spellings(spellings: dict[Any, Any]) -> dict[str, Any]:
    """Spellings matched without regard to case; a YAML boolean key stands for each way it is written."""
    folded: dict[str, Any] = {}
    for spelling, value in spellings.items():
        for key in _spellings(spelling, ()):
            folded[key] = value
    return folded


def _path(target: str, at: Path_, place: Place) -> FieldPath:
    try:
        return parse_path(target)
    except BadPath as error:
        raise place(at, f"`{'.'.join(map(str, at[:1]))}`: {error}", "write a field path such as person.age or "
                    "part1[0].text") from None


def _delimiter(value: str | None, place: Place) -> str | None:
    if value is None:
        return None
    text = {"tab": "\t", "\\t": "\t"}.get(value, value)
    if len(text) != 1:
        raise place(("delimiter",), "`delimiter` must be one character, or `tab`", None)
    return text
