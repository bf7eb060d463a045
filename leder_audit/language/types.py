"""The types the checker gives expressions, and how record model fields map to them."""

from __future__ import annotations

import types as pytypes
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class Type:
    """A value's type: a kind, with the item type of a list or the model of a record."""

    kind: str
    item: "Type | None" = None
    model: type[BaseModel] | None = None

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list of {self.item}"
        if self.kind == "record":
            return self.model.__name__ if self.model else "record"
        return self.kind


BOOL, NUMBER, STRING, DATE, DURATION = Type("bool"), Type("number"), Type("string"), Type("date"), Type("duration")
ANY, NULL, CONCEPT = Type("any"), Type("null"), Type("concept")


def list_of(item: Type) -> Type:
    return Type("list", item=item)


def record(model: type[BaseModel]) -> Type:
    return Type("record", model=model)


def compatible(a: Type, b: Type) -> bool:
    """Whether values of the two types can be compared or combined."""
    if a.kind in ("any", "null") or b.kind in ("any", "null"):
        return True
    if a.kind != b.kind:
        return False
    if a.kind == "list":
        return compatible(a.item or ANY, b.item or ANY)
    if a.kind == "record":
        return a.model is b.model
    return True


def is_(t: Type, kind: str) -> bool:
    """Whether a value of type t may be used where `kind` is needed."""
    return t.kind in (kind, "any", "null")


def from_annotation(annotation: object) -> Type:
    """The language type of a pydantic field annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return from_annotation(typing.get_args(annotation)[0])
    if origin in (typing.Union, pytypes.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return from_annotation(options[0]) if len(options) == 1 else ANY
    if origin is typing.Literal:
        values = typing.get_args(annotation)
        return NUMBER if all(isinstance(v, (int, float)) for v in values) else STRING
    if origin is list:
        (item,) = typing.get_args(annotation) or (object,)
        return list_of(from_annotation(item))
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return record(annotation)
        if issubclass(annotation, bool):
            return BOOL
        if issubclass(annotation, (int, float)):
            return NUMBER
        if issubclass(annotation, str):
            return STRING
        if issubclass(annotation, date):
            return DATE
    return ANY


@lru_cache(maxsize=None)
def fields_of(model: type[BaseModel]) -> Mapping[str, Type]:
    """Every declared field of a record model, with its language type (worked out once per model)."""
    return pytypes.MappingProxyType({name: from_annotation(info.annotation) for name, info in model.model_fields.items()})
