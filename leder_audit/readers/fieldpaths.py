"""Which field paths the record models declare, the type each gives its value, and putting a value at a path
(the notation itself is paths.py's)."""

from __future__ import annotations

import types
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from ..paths import FieldPath
from ..records import RECORD_MODELS


def declared(path: FieldPath) -> bool:
    """Whether some record model declares this path (list indexes stand for any line)."""
    return any(_declared_in(model, path) for model in RECORD_MODELS.values())


def _declared_in(annotation: Any, path: FieldPath) -> bool:
    for segment in path:
        annotation = _unwrap(annotation)
        if isinstance(segment, int):
            if get_origin(annotation) is not list:
                return False
            annotation = get_args(annotation)[0]
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return False
        field = annotation.model_fields.get(segment)
        if field is None:
            return False
        annotation = field.annotation
    return True


@lru_cache(maxsize=1)
def declared_names() -> tuple[str, ...]:
    """Every declared field path as a column would name it (`person.age`, `part1.0.text`), for hints."""
    names: set[str] = set()

    def walk(annotation: Any, prefix: str) -> None:
        annotation = _unwrap(annotation)
        if get_origin(annotation) is list:
            walk(get_args(annotation)[0], prefix + ".0")
            return
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for name, field in annotation.model_fields.items():
                path = f"{prefix}.{name}" if prefix else name
                names.add(path)
                if len(path.split(".")) < 6:
                    walk(field.annotation, path)

    for model in RECORD_MODELS.values():
        walk(model, "")
    return tuple(sorted(names))


def set_path(record: dict[str, Any], path: FieldPath, value: Any) -> None:
    """Put a value into nested dicts and lists, creating what is missing; list gaps become {}."""
    target: Any = record
    for segment, following in zip(path, path[1:]):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(segment, int):
            while len(target) <= segment:
                target.append({} if not isinstance(following, int) else [])
            target = target[segment]
        else:
            if not isinstance(target.get(segment), (dict, list)):
                target[segment] = empty
            target = target[segment]
    last = path[-1]
    if isinstance(last, int):
        while len(target) <= last:
            target.append(None)
    target[last] = value


Kind = Literal["text", "bool", "date", "int", "list"]


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _kind_of(annotation: Any) -> Kind:
    if annotation is bool:
        return "bool"
    if annotation is date:
        return "date"
    if annotation is int:
        return "int"
    if get_origin(annotation) is list and _unwrap(get_args(annotation)[0]) is str:
        return "list"
    return "text"


@lru_cache(maxsize=4096)
def kind_at(record_type: str | None, path: FieldPath) -> Kind:
    """How the record model types the value at a path; text for fields it does not declare."""
    annotation: Any = RECORD_MODELS.get(record_type or "")
    if annotation is None:
        return "text"
    for segment in path:
        if isinstance(segment, int):
            if get_origin(annotation) is not list:
                return "text"
            annotation = _unwrap(get_args(annotation)[0])
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return "text"
        field = annotation.model_fields.get(segment)
        if field is None:
            return "text"
        annotation = _unwrap(field.annotation)
    return _kind_of(annotation)
