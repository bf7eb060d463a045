"""The one place records enter: bytes, text or dicts in; validated record data, or a Rejection saying why not."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Iterable, NamedTuple

from pydantic import BaseModel, ValidationError

from .errors import InputError
from .findings import Rejection
from .jsontext import REPEATED, repeated_key
from .record_structs import reader as struct_reader
from .records import RECORD_MODELS, record_adapter, record_data_validator
from .paths import render, step


class Incoming(NamedTuple):
    """One record as read from a source, not yet validated: a dict, or JSON bytes."""

    data: Any
    source: str = "<input>"
    location: str = ""


class Admitted(NamedTuple):
    """A record that fits its model: its data (what rules read) and where it was read."""

    record: dict[str, Any]
    source: str
    location: str


render_loc = render  # a pydantic error location as a field path


_MODEL_NAMES = set(RECORD_MODELS)
_validate_json = record_adapter.validator.validate_json  # straight to pydantic-core, once per record
_data_json = record_data_validator.validate_json
_data_python = record_data_validator.validate_python
_read_structs = struct_reader.read


def rejection_from(error: ValidationError, source: str, location: str, record_id: str | None) -> Rejection:
    """Why a record does not fit its model, naming the field and never echoing the record."""
    first = error.errors(include_url=False, include_input=False)[0]
    loc = tuple(p for p in first["loc"] if p not in _MODEL_NAMES)
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return Rejection(source=source, location=location, record_id=record_id, field="record_type",
                         message=f"record_type must be one of {', '.join(RECORD_MODELS)}")
    more = len(error.errors()) - 1
    message = first["msg"].removeprefix("Value error, ") + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
    return Rejection(source=source, location=location, record_id=record_id, field=render_loc(loc) or None,
                     message=message)


def record_id_of(data: Any) -> str | None:
    """The id a record gives itself, when it gives one as text or a number: for naming a rejected record."""
    if isinstance(data, (bytes, str)):  # only on the way to a rejection, so parsing again costs nothing
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            return None
    value = data.get("id") if isinstance(data, dict) else None
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def validate(data: Any, source: str = "<input>", location: str = "") -> BaseModel:
    """A record model from a dict, JSON bytes or a model; InputError naming the field when it does not fit."""
    if isinstance(data, BaseModel):
        return data
    try:
        if isinstance(data, (bytes, str)):
            model: BaseModel = _validate_json(data)
            return model
        if not isinstance(data, dict):
            raise InputError(f"a record must be a JSON object, not {json_kind(data)}", source, location)
        checked: BaseModel = record_adapter.validate_python(data)
        return checked
    except ValidationError as error:
        rejection = rejection_from(error, source, location, record_id_of(data))
        message = _not_a_json_object(data, error) or rejection.message
        raise InputError(message, source, location, rejection.field) from None


def record_data(data: Any, source: str = "<input>", location: str = "") -> dict[str, Any]:
    """A record's fields as a plain dict, checked exactly as `validate` checks its model (what rules read).

    A model gives its `model_dump()`; anything that does not fit gets the InputError `validate` gives.
    JSON text is read first through the Structs derived from the models (record_structs.py), which give
    what `record_data_by_models` gives for every record they take; the models read the rest.
    """
    if isinstance(data, (bytes, str)):
        fields = _read_structs(data)
        if fields is not None:
            return fields
    return record_data_by_models(data, source, location)


def record_data_by_models(data: Any, source: str = "<input>", location: str = "") -> dict[str, Any]:
    """What `record_data` gives, read by the pydantic models alone."""
    try:
        if isinstance(data, (bytes, str)):
            fields: dict[str, Any] = _data_json(data)
            repeated = repeated_key(data, fields)
            if repeated:  # pydantic keeps the last value of a repeated key; here it is refused
                raise InputError(REPEATED, source, location, repeated)
            return fields
        if isinstance(data, dict):
            fields = _data_python(data)
            return fields
    except ValidationError:
        pass  # the model's own error message names the field
    except InputError:
        raise
    except Exception as error:  # a value pydantic cannot even look at (pandas NaT raises TypeError)
        raise unreadable(data, source, location, error) from None
    return validate(data, source, location).model_dump()


def unreadable(data: Any, source: str, location: str, error: Exception) -> InputError:
    """The error for a record holding a value that cannot be read at all, naming the first such value."""
    path, value = _first_foreign_value(data)
    what = f"a {type(value).__name__} value" if path else "a value"
    return InputError(f"{what} that cannot be read ({type(error).__name__}: {error}); "
                      "give text, a number, true/false, a date or null", source, location, path)


_PLAIN_TYPES = (str, int, float, bool, type(None), date, datetime)


def _first_foreign_value(data: Any, path: str = "") -> tuple[str | None, Any]:
    """The path and value of the first value in nested dicts and lists that is not a plain JSON or date value."""
    if isinstance(data, dict):
        items: Iterable[tuple[str, Any]] = ((step(path, str(k)), v) for k, v in data.items())
    elif isinstance(data, list):
        items = ((step(path, i), v) for i, v in enumerate(data))
    else:
        return (path or None, data) if type(data) not in _PLAIN_TYPES else (None, None)
    for item_path, value in items:
        found = _first_foreign_value(value, item_path)
        if found[0] is not None:
            return found
    return None, None


def admit(item: Any, number: int) -> Admitted | Rejection:
    """One item of a reader (Incoming or Rejection) or one bare record (the `number`th): its data, or why not."""
    if isinstance(item, Rejection):
        return item
    if isinstance(item, Incoming):
        data, source, location = item
    else:
        data, source, location = item, "<input>", f"record {number}"
    try:
        return Admitted(record_data(data, source, location), source, location)
    except InputError as error:
        return rejected(error, data)


def rejected(error: InputError, data: Any) -> Rejection:
    """The Rejection of a record that raised this InputError."""
    return Rejection(source=error.source, location=error.location, record_id=record_id_of(data), field=error.field,
                     message=error.message)


_JSON_KINDS = {list: "an array", int: "a number", float: "a number", str: "a string", bool: "true or false",
               type(None): "null"}


def json_kind(value: Any) -> str:
    """What a parsed JSON value is, in JSON's words: an array, a number, a string, null."""
    return _JSON_KINDS.get(type(value), type(value).__name__)


def _not_a_json_object(data: Any, error: ValidationError) -> str | None:
    """What is wrong with a line of JSON text that is no record object: its bytes, its syntax or its kind."""
    if not isinstance(data, (bytes, str)):
        return None
    first = error.errors(include_url=False, include_input=False)[0]
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if first["type"] == "dict_type":
        try:
            return f"a record must be a JSON object, not {json_kind(json.loads(raw))}"
        except (ValueError, RecursionError):
            return None
    if first["type"] != "json_invalid":
        return None
    nul = raw.find(b"\0")
    if nul >= 0:
        return f"NUL byte at byte {nul + 1} of the line: a binary file, or text saved as UTF-16? Save it as UTF-8"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return (f"not valid UTF-8: byte {bad.start + 1} of the line is 0x{raw[bad.start]:02X}; "
                "save the file as UTF-8")
    try:
        json.loads(raw.rstrip(b"\r\n"))
    except json.JSONDecodeError as bad:
        return f"invalid JSON at column {bad.colno}: {bad.msg.removesuffix(' at')}"
    except RecursionError:
        return "the JSON is nested too deeply to read"
    except ValueError:  # Python refuses to turn more than 4,300 digits into an int
        return "a number in the record is too long to read (more than 4,300 digits)"
    return None
