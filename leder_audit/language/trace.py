"""What an explanation is made of: values with the field paths they were read from, the steps of a rule and
the words or codes its functions found, how a value is shown in a finding, and which fields a trace can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel

from ..paths import step
from .functions import FUNCTIONS, Sighting, prepared_arguments
from .nodes import Call, Duration, Field, Let, Name, Node, Quantifier, children, record_path


@dataclass(slots=True)
class Located:
    """A value with the field path it was read from, when it was read from one."""

    value: Any
    path: str | None = None
    item_paths: list[str | None] | None = None


@dataclass(slots=True)
class Step:
    expression: str
    value: Any
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Trace:
    """What an evaluation saw: each top-level sub-condition, and the words or codes it found."""

    steps: list[Step] = field(default_factory=list)
    sightings: list[tuple[Sighting, str | None]] = field(default_factory=list)
    reads: dict[str, Any] = field(default_factory=dict)


MAX_INPUTS = 12


_AS_THEY_ARE = frozenset({type(None), bool, int, float})


def _as_json(value: Any) -> Any:
    """Record data as `model_dump(mode="json", exclude_none=True)` gives it."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    return value.isoformat() if isinstance(value, date) else value


def plain(value: Any) -> Any:
    """A JSON-ready rendering of a language value."""
    if type(value) in _AS_THEY_ARE:
        return value
    if type(value) is str:
        return value[:500] + "..." if len(value) > 500 else value
    if isinstance(value, (date, Duration)):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, list):
        return [plain(v) for v in value[:MAX_INPUTS]]
    if isinstance(value, dict):  # a part of a record, as its model would show it
        return _as_json(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, str) and len(value) > 500:
        return value[:500] + "..."
    return value




HOLDERS = (dict, BaseModel)  # records and parts of them: what holds recorded values, never shown as an input


def with_items(value: Any, path: str | None) -> Located:
    """A value read from a path; a list with the path of each of its items."""
    if isinstance(value, list) and path is not None:
        return Located(value, path, [step(path, i) for i in range(len(value))])
    return Located(value, path)


def subset(items: list[Any], source: Located) -> Located:
    """Items kept from the source list, each with the path it had there."""
    by_identity = {id(v): p for v, p in zip(source.value, source.item_paths or [])}
    return Located(items, None, [by_identity.get(id(v)) for v in items])


def trace_inputs(node: Node) -> tuple[tuple[str, ...], ...] | None:
    """The field paths from the record that a traced evaluation of the condition can read, in a fixed order.

    Given a run's today and concepts, the trace (steps, evidence) is then a function of the values at these
    paths alone, lists and records included (a loop over `part1` reads the whole list). None when no such
    list can be given: the condition calls a function that reads something else.
    """
    paths: dict[tuple[str, ...], None] = {}
    return tuple(paths) if _collect(node, frozenset(), paths) else None


def _collect(node: Node, bound: frozenset[str], paths: dict[tuple[str, ...], None]) -> bool:
    if isinstance(node, Quantifier):
        return _collect(node.source, bound, paths) and _collect(node.body, bound | {node.variable}, paths)
    if isinstance(node, Let):
        return _collect(node.value, bound, paths) and _collect(node.body, bound | {node.name}, paths)
    if isinstance(node, (Name, Field)):
        path = record_path(node, bound)
        if path is not None:
            paths[path] = None
            return True
    if isinstance(node, Name):
        return True  # a let variable: what its value reads is collected from the let
    if isinstance(node, Call):
        function = FUNCTIONS[node.function]
        if function.reads_unless_given and len(node.args) < len(function.params):
            paths[function.reads_unless_given] = None
        elif function.reads_record:
            paths.update(dict.fromkeys((name,) for name in function.reads_record))
        elif not function.pure:
            return False
        constants = prepared_arguments(node)  # concept names, regexes, codes
        return all(_collect(arg, bound, paths) for arg, constant in zip(node.args, constants) if constant is None) \
            and all(_collect(value, bound, paths) for _, value in node.keywords)
    return all(_collect(child, bound, paths) for child in children(node))

