"""msgspec Structs derived from the record models: a quick first reading of a record's JSON bytes.

The pydantic models in records.py stay the contract. The Structs are made from the models' own
pydantic-core schema when this module is imported, never written out, and only where msgspec checks a
value exactly as the model does: every value msgspec accepts is one the model accepts and reads as the
same value. msgspec is stricter than the models' lax reading (no "7" for 7, no 1 for true, only
YYYY-MM-DD dates) and refuses every field the model does not declare; a record it refuses is read by
the models, which accept it or reject it with their own message. A part of a model msgspec cannot
check exactly (a validator with no msgspec counterpart, a setting or constraint it has no equivalent
for) leaves the record types that hold it to the models alone.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Callable, Literal, Optional, Union

import msgspec

from .records import _an_identifier, _not_a_truth_value, _read_date, record_adapter


class Unexpressible(Exception):
    """A part of a model that msgspec cannot check exactly as pydantic checks it."""


# What msgspec may stand in for each of the records' validators with: on every value that the type the
# validator runs before accepts in msgspec, the validator hands the value on unchanged.
VALIDATORS: dict[Callable[[Any], Any], Callable[[Any], Any]] = {
    # msgspec reads a date only as YYYY-MM-DD, which the validator hands on as it is.
    _read_date: lambda inner: inner,
    # msgspec never reads true or false as a number.
    _not_a_truth_value: lambda inner: inner,
    # A blank id is refused by both (`\S` is any character str.strip() keeps); NaN, Infinity, true and
    # false are no strings to msgspec.
    _an_identifier: lambda inner: Annotated[inner, msgspec.Meta(pattern=r"\S")],
}

# The keys of a schema node that do not change what it accepts or how it reads a value.
_INERT = {"type", "metadata", "ref", "strict"}
# Model settings that leave every value msgspec accepts read the same: coerce_numbers_to_str turns a
# number into text, and msgspec refuses a number where text is expected.
_MODEL_SETTINGS = {"title", "extra_fields_behavior", "coerce_numbers_to_str"}
_CONSTRAINTS = {"int": {"ge", "le", "gt", "lt", "multiple_of"}, "str": {"min_length", "max_length"},
                "list": {"min_length", "max_length"}}


class _Deriving:
    """One walk over a core schema, keeping the Struct made for each model so that each is made once."""

    def __init__(self, definitions: dict[str, Any], given_only: bool) -> None:
        self.definitions = definitions
        self.given_only = given_only  # an absent field is left UNSET, so that writing the Struct out skips it
        self.structs: dict[tuple[Any, str | None], type[msgspec.Struct]] = {}

    def type_of(self, schema: dict[str, Any]) -> Any:
        kind = schema["type"]
        if kind == "definition-ref":
            return self.type_of(self.definitions[schema["schema_ref"]])
        if kind == "nullable":
            _only(schema, {"schema"})
            return Optional[self.type_of(schema["schema"])]
        if kind in ("str", "bool", "int", "date"):
            allowed = _CONSTRAINTS.get(kind, set())
            _only(schema, allowed)
            plain = {"str": str, "bool": bool, "int": int, "date": date}[kind]
            limits = {key: schema[key] for key in allowed if key in schema}
            return Annotated[plain, msgspec.Meta(**limits)] if limits else plain
        if kind == "literal":
            _only(schema, {"expected"})
            if not all(type(value) is str for value in schema["expected"]):
                raise Unexpressible("a literal that is not text")
            return Literal[tuple(schema["expected"])]
        if kind == "list":
            allowed = _CONSTRAINTS["list"]
            _only(schema, allowed | {"items_schema"})
            items: Any = list[self.type_of(schema["items_schema"])]  # type: ignore[misc]
            limits = {key: schema[key] for key in allowed if key in schema}
            return Annotated[items, msgspec.Meta(**limits)] if limits else items
        if kind == "function-before":
            _only(schema, {"function", "schema"})
            function = schema["function"]
            stand_in = VALIDATORS.get(function.get("function")) if function.get("type") == "no-info" else None
            if stand_in is None:
                raise Unexpressible(f"the validator {function.get('function')!r}")
            return stand_in(self.type_of(schema["schema"]))
        if kind == "model":
            return self.struct(schema)
        raise Unexpressible(f"a {kind} schema")

    def struct(self, schema: dict[str, Any], tag: tuple[str, str] | None = None) -> type[msgspec.Struct]:
        """The Struct of a model schema; `tag` (field, value): the model as one choice of a tagged union."""
        key = (schema["cls"], tag[1] if tag else None)
        made = self.structs.get(key)
        if made is not None:
            return made
        _only(schema, {"cls", "schema", "config", "custom_init", "root_model"})
        if schema.get("custom_init") or schema.get("root_model") or set(schema.get("config", {})) - _MODEL_SETTINGS:
            raise Unexpressible(f"the model {schema['cls'].__name__}")
        fields_schema = schema["schema"]
        _only(fields_schema, {"fields", "model_name", "computed_fields"})
        if fields_schema.get("computed_fields"):
            raise Unexpressible(f"the computed fields of {schema['cls'].__name__}")
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        for name, field in fields_schema["fields"].items():
            _only(field, {"schema", "frozen"})
            if tag is not None and name == tag[0]:
                continue  # the union's tag
            value_schema = field["schema"]
            if value_schema["type"] == "default":
                _only(value_schema, {"schema", "default"})
                if type(value_schema["default"]) not in (str, int, bool, type(None)):
                    raise Unexpressible(f"the default of {schema['cls'].__name__}.{name}")
                default = msgspec.UNSET if self.given_only else value_schema["default"]
                fields.append((name, self.type_of(value_schema["schema"]), default))
            else:
                fields.append((name, self.type_of(value_schema)))
        options: dict[str, Any] = {"tag_field": tag[0], "tag": tag[1]} if tag else {}
        made = msgspec.defstruct(schema["cls"].__name__ + ("Given" if self.given_only else ""), fields, kw_only=True, forbid_unknown_fields=True, gc=False,
                                 module=__name__, **options)
        self.structs[key] = made
        return made


def _only(schema: dict[str, Any], allowed: set[str]) -> None:
    """Refuse a schema node holding anything besides what it may hold and still be read as msgspec reads it."""
    other = set(schema) - allowed - _INERT
    if other:
        raise Unexpressible(f"{', '.join(sorted(other))} of a {schema['type']} schema")


_KEEP_DATES = (date,)


def _to_dict(struct: type[msgspec.Struct], names: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    """What turns one decoded record into the dict the models' reading gives: every field, in the models'
    order, the union's tag in its place."""
    tag = struct.__struct_config__.tag
    position = names.index(struct.__struct_config__.tag_field)
    as_tuple = msgspec.structs.astuple
    to_builtins = msgspec.to_builtins

    def as_dict(record: Any) -> dict[str, Any]:
        values = to_builtins(as_tuple(record), builtin_types=_KEEP_DATES)
        return dict(zip(names, (*values[:position], tag, *values[position:])))

    return as_dict


class StructReader:
    """Reads a record's JSON bytes through the derived Structs: its dict, or None for the models to read."""

    def __init__(self, core_schema: dict[str, Any]) -> None:
        definitions = {d["ref"]: d for d in core_schema.get("definitions", [])}
        union = core_schema["schema"] if core_schema["type"] == "definitions" else core_schema
        if union["type"] != "tagged-union" or not isinstance(union["discriminator"], str):
            raise Unexpressible("records that are not a union tagged by one field")
        reading, given = _Deriving(definitions, given_only=False), _Deriving(definitions, given_only=True)
        self.unexpressible: dict[str, str] = {}  # record type -> why the models alone read it
        self.as_dict: dict[type[msgspec.Struct], Callable[[Any], dict[str, Any]]] = {}
        as_given = []
        for record_type, choice in union["choices"].items():
            tag = (union["discriminator"], record_type)
            try:
                struct = reading.struct(choice, tag)
            except Unexpressible as why:
                self.unexpressible[record_type] = str(why)
                continue
            as_given.append(given.struct(choice, tag))
            self.as_dict[struct] = _to_dict(struct, tuple(choice["schema"]["fields"]))
        self.record_types = frozenset(s.__struct_config__.tag for s in self.as_dict)
        self._decode = _decoder(tuple(self.as_dict))
        self._decode_given = _decoder(tuple(as_given))
        self._encode = msgspec.json.Encoder().encode

    def read(self, raw: bytes | str) -> dict[str, Any] | None:
        """The record's fields as the models would read them, or None when this reading does not take it."""
        if not self.as_dict:
            return None
        try:
            given = self._decode_given(raw)
        except (msgspec.MsgspecError, ValueError):  # ValueError: text holding a lone surrogate
            return None
        if _may_repeat_a_key(raw, self._encode(given)):
            return None  # msgspec keeps a repeated key's last value: the models' reading decides instead
        record = self._decode(raw)
        return self.as_dict[type(record)](record)


def _decoder(kinds: tuple[type[msgspec.Struct], ...]) -> Callable[[bytes | str], Any]:
    decode: Callable[[bytes | str], Any] = msgspec.json.Decoder(Union[kinds] if kinds else Any).decode
    return decode


def _may_repeat_a_key(raw: bytes | str, given: bytes) -> bool:
    """Whether the JSON text `raw` may give a key twice, `given` being its reading written out, the keys it gave
    each once and no other.

    Outside strings a colon follows a key and nothing else, and msgspec writes a string's colons as they are. So
    the text has more colons than `given` when it repeats a key, and as many when it does not, unless a colon in
    a string is written as a \\u escape (`\\u003a`), which makes it fewer.
    """
    if isinstance(raw, bytes):
        if raw.count(b":") != given.count(b":"):
            return True
        return raw.find(b"\\") >= 0 and (b"\\u003a" in raw or b"\\u003A" in raw)
    if raw.count(":") != given.count(b":"):
        return True
    return raw.find("\\") >= 0 and ("\\u003a" in raw or "\\u003A" in raw)


reader = StructReader(record_adapter.core_schema)  # type: ignore[arg-type]
