"""How a spreadsheet export spells its columns and values, read from a YAML mapping file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any


from ..errors import InputError, RuleError
from ..yamlfile import load, read_text
from ..paths import BadPath, FieldPath, parse as parse_path
from .fieldpaths import Kind

TRUE_SPELLINGS = ("y", "yes", "true", "t", "1")
FALSE_SPELLINGS = ("n", "no", "false", "f", "0")
UNKNOWN_SPELLINGS = ("unknown", "not known", "nk", "n/k", "not recorded", "?")
# UK exports write day first; a US month-first date is never assumed.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
MAPPING_KEYS = {"record_type", "delimiter", "encoding", "columns", "values", "booleans", "unknown", "dates",
                "list_separator", "constants"}


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


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file; InputError naming the file and key when it cannot be used."""
    source = str(path)
    try:
        text = read_text(Path(path), source)
        data = load(text, source).data if text.strip() else None
    except OSError as error:
        raise InputError(f"cannot read the mapping file: {error.strerror}", source) from None
    except RuleError as error:  # read as every YAML file is: safely, duplicate keys refused
        problem = error.message.removeprefix("YAML error: ") + (f" ({error.hint})" if error.hint else "")
        raise InputError(f"the mapping file is not valid YAML: {problem}", source,
                         f"line {error.line}, column {error.column}") from None
    if not isinstance(data, dict):
        raise InputError("a mapping file holds a YAML mapping with `columns:` and other keys", source)
    return mapping_from(data, source)


def mapping_from(data: dict[str, Any], source: str = "<mapping>") -> Mapping:
    """A Mapping from the parsed content of a mapping file."""
    unknown_keys = set(data) - MAPPING_KEYS
    if unknown_keys:
        raise InputError(f"unknown key{'s' if len(unknown_keys) > 1 else ''} {', '.join(sorted(map(str, unknown_keys)))}; "
                         f"a mapping file may use {', '.join(sorted(MAPPING_KEYS))}", source)
    constants = {_path(k, source, "constants"): v for k, v in _dict(data, "constants", source).items()}
    if data.get("record_type") is not None:
        constants[("record_type",)] = str(data["record_type"])
    booleans = _dict(data, "booleans", source)
    return Mapping(
        columns={str(column): (None if target is None else _path(target, source, "columns"))
                 for column, target in _dict(data, "columns", source).items()},
        values={_path(target, source, "values"): _value_spellings(_dict({"values": spellings}, "values", source))
                for target, spellings in _dict(data, "values", source).items()},
        true=_spellings(booleans.get("true"), TRUE_SPELLINGS),
        false=_spellings(booleans.get("false"), FALSE_SPELLINGS),
        unknown=_spellings(data.get("unknown"), UNKNOWN_SPELLINGS),
        date_formats=tuple(_strings(data, "dates", source) or DATE_FORMATS),
        list_separator=str(data.get("list_separator", ";")),
        constants=constants,
        delimiter=_delimiter(data.get("delimiter"), source),
        encoding=str(data.get("encoding", "utf-8-sig")),
    )


def _dict(data: Any, key: str, source: str) -> dict[Any, Any]:
    value = data.get(key) if isinstance(data, dict) else data
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"`{key}` must be a mapping of names to values", source)
    return value


def _strings(data: dict[str, Any], key: str, source: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"`{key}` must be a list of strings", source)
    return value


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


def _path(target: Any, source: str, key: str) -> FieldPath:
    try:
        return parse_path(str(target))
    except BadPath as error:
        raise InputError(f"in `{key}`: {error}", source) from None


def _delimiter(value: Any, source: str) -> str | None:
    if value is None:
        return None
    text = {"tab": "\t", "\\t": "\t"}.get(str(value), str(value))
    if len(text) != 1:
        raise InputError("`delimiter` must be one character, or `tab`", source)
    return text
