"""The places leder-audit relies on a library's private interface, kept together and tested together.

Each is there for speed, measured, and each has a test in tests/test_private_apis.py that compares it
with the public way of doing the same thing, so that an upgrade that changes the private interface
fails those tests rather than changing results. pyproject.toml pins the versions these were written
for where a change would be silent (lark: the stored parser tables are keyed to its version).

- lark: `Lark._load_from_dict` loads the stored LALR tables (language/tables.json) instead of building
  them from the grammar at every start. The tables record the lark version that wrote them; with any
  other version the parser is built from the grammar (slower, the same results).
- pydantic: `trusted_model` makes a model instance from values already known to be valid, as
  `model_construct` does, without its walk over the fields (findings are built millions of times).
- pydantic-core: `models_as_typed_dicts` rewrites a core schema so that the same checks produce plain
  dicts instead of models (records are read as dicts by the engine).
"""

from __future__ import annotations

from typing import Any, TypeVar

from lark import Lark
from pydantic import BaseModel


def lark_parser_from_tables(data: Any, memo: Any) -> Lark:
    """A parser from tables written by `Lark.memo_serialize` with the same lark version."""
    parser: Lark = Lark._load_from_dict(data, memo)  # type: ignore[no-untyped-call]
    return parser


_Model = TypeVar("_Model", bound=BaseModel)
_set = object.__setattr__


def trusted_model(model: type[_Model], values: dict[str, Any], given: frozenset[str]) -> _Model:
    """What model.model_construct(**values) makes, without its walk over the model's fields: for values
    that are valid already. `values` holds every field, in the order the model declares them; `given`
    names those a caller of the validating constructor would have passed.
    """
    made = model.__new__(model)
    _set(made, "__dict__", values)
    _set(made, "__pydantic_fields_set__", set(given))
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made


def models_as_typed_dicts(schema: Any) -> Any:
    """A core schema with every model in it re-expressed as a typed dict: the same checks, a dict for a model.

    Extra fields are kept and absent fields get their defaults, as in the model, so the dict holds what
    `model.model_dump()` would.
    """
    if isinstance(schema, list):
        return [models_as_typed_dicts(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") != "model":
        return {key: models_as_typed_dicts(value) for key, value in schema.items()}
    fields = schema["schema"]
    if schema.get("custom_init") or schema.get("root_model") or fields.get("type") != "model-fields" \
            or fields.get("computed_fields") or any("validation_alias" in f for f in fields["fields"].values()):
        raise TypeError(f"{schema['cls'].__name__} cannot be checked as a typed dict")
    as_dict: dict[str, Any] = {
        "type": "typed-dict",
        "fields": {name: {"type": "typed-dict-field", "schema": models_as_typed_dicts(field["schema"]),
                          "required": field["schema"].get("type") != "default"}
                   for name, field in fields["fields"].items()},
        "extra_behavior": schema["config"].get("extra_fields_behavior", "ignore"),
        "config": schema["config"],
    }
    if "ref" in schema:
        as_dict["ref"] = schema["ref"] + ":data"
    return as_dict
