"""A plain tree-walking evaluator that also records why: the reference for the compiler, and
the source of every finding's explanation and evidence."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from pydantic import BaseModel

from ..paths import step
from .compile import (CONTEXT, RECORD, Env, arithmetic, both, call, compare, contains, either, get_field, get_index,
                      keyword_values, literal_arguments, logical_not, negate, quantify, record_path)
from .functions import FUNCTIONS, Sighting
from .nodes import Binary, Call, Duration, Field, Index, Let, ListExpr, Literal, Name, Node, Quantifier, Unary, children


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


_MAX_INPUTS = 12


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
    if isinstance(value, (date, Duration)):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, list):
        return [plain(v) for v in value[:_MAX_INPUTS]]
    if isinstance(value, dict):  # a part of a record, as its model would show it
        return _as_json(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, str) and len(value) > 500:
        return value[:500] + "..."
    return value


_HOLDERS = (dict, BaseModel)

# What is worked out once per node: its text, and a call's constant arguments. The caches hold the nodes
# they describe, so an id stays theirs; they are emptied when full, for the rulebooks a process loads.
_TEXTS: dict[int, tuple[Node, str]] = {}
_CONSTANTS: dict[int, tuple[Node, list[Any]]] = {}
_PER_NODE_LIMIT = 4096


def _per_node(cache: dict[int, tuple[Node, Any]], node: Node, work: Callable[[Any], Any]) -> Any:
    """`work(node)`, done once for each node: trees are frozen, so the answer never changes."""
    known = cache.get(id(node))
    if known is None:
        if len(cache) >= _PER_NODE_LIMIT:
            cache.clear()
        known = cache[id(node)] = (node, work(node))
    return known[1]


class Interpreter:
    """Evaluates a tree node by node; `paths` maps variables to where their values came from."""

    def __init__(self, trace: Trace | None = None) -> None:
        self.trace = trace

    def run(self, node: Node, env: Env) -> Any:
        """Evaluate a condition, recording its top-level sub-conditions when tracing."""
        return self._skeleton(node, env, {})

    def _skeleton(self, node: Node, env: Env, paths: dict[str, Located]) -> Any:
        if isinstance(node, Binary) and node.op in ("and", "or"):
            left = self._skeleton(node.left, env, paths)
            combine = both if node.op == "and" else either
            return combine(left, lambda: self._skeleton(node.right, env, paths))
        if isinstance(node, Unary) and node.op == "not":
            with self._no_evidence():
                return logical_not(self._skeleton(node.operand, env, paths))
        if isinstance(node, Let):
            bound = self.eval(node.value, env, paths)
            return self._skeleton(node.body, {**env, node.name: bound.value}, {**paths, node.name: bound})
        return self._leaf(node, env, paths)

    def _leaf(self, node: Node, env: Env, paths: dict[str, Located]) -> Any:
        if self.trace is None:
            return self.eval(node, env, paths).value
        self.trace.reads = {}
        sightings_before = len(self.trace.sightings)
        value = self.eval(node, env, paths).value
        reads = self.trace.reads
        self.trace.reads = {}
        inputs = reads if len(reads) <= _MAX_INPUTS else dict(list(reads.items())[:_MAX_INPUTS])
        self.trace.steps.append(Step(_per_node(_TEXTS, node, str), plain(value), inputs))
        if value is not True:
            del self.trace.sightings[sightings_before:]
        return value

    def eval(self, node: Node, env: Env, paths: dict[str, Located]) -> Located:
        return _EVALUATORS[type(node)](self, node, env, paths)

    def _read(self, value: Any, path: str | None) -> Located:
        """A value read from the record, with its path; noted as an input of the step when tracing."""
        # Only recorded values are worth showing; the records and lists that hold them are not.
        if isinstance(value, list):
            return _with_items(value, path)
        if self.trace is not None and path is not None and not isinstance(value, _HOLDERS):
            self.trace.reads.setdefault(path, plain(value))
        return Located(value, path)

    def _literal(self, node: Literal, env: Env, paths: dict[str, Located]) -> Located:
        return Located(node.value)

    def _name(self, node: Name, env: Env, paths: dict[str, Located]) -> Located:
        if node.name in paths:
            return paths[node.name]
        return self._read(get_field(env[RECORD], node.name), node.name)

    def _field(self, node: Field, env: Env, paths: dict[str, Located]) -> Located:
        target = self.eval(node.target, env, paths)
        path = f"{target.path}.{node.name}" if target.path else None
        return self._read(get_field(target.value, node.name), path)

    def _index(self, node: Index, env: Env, paths: dict[str, Located]) -> Located:
        target = self.eval(node.target, env, paths)
        index = self.eval(node.index, env, paths).value
        value = get_index(target.value, index)
        path = None
        if value is not None and isinstance(target.value, list) and target.item_paths is not None:
            path = target.item_paths[int(index)]
        return self._read(value, path)

    def _listexpr(self, node: ListExpr, env: Env, paths: dict[str, Located]) -> Located:
        return Located([self.eval(i, env, paths).value for i in node.items])

    def _unary(self, node: Unary, env: Env, paths: dict[str, Located]) -> Located:
        if node.op != "not":
            return Located(negate(self.eval(node.operand, env, paths).value))
        with self._no_evidence():
            return Located(logical_not(self.eval(node.operand, env, paths).value))

    @contextmanager
    def _no_evidence(self) -> Iterator[None]:
        """What a negated condition found is not evidence for the condition that holds."""
        kept = len(self.trace.sightings) if self.trace is not None else 0
        try:
            yield
        finally:
            if self.trace is not None:
                del self.trace.sightings[kept:]

    def _binary(self, node: Binary, env: Env, paths: dict[str, Located]) -> Located:
        left = self.eval(node.left, env, paths).value
        if node.op in ("and", "or"):
            combine = both if node.op == "and" else either
            return Located(combine(left, lambda: self.eval(node.right, env, paths).value))
        right = self.eval(node.right, env, paths).value
        if node.op in ("in", "not in"):
            return Located(contains(node.op, left, right))
        if node.op in ("==", "!=", "<", "<=", ">", ">="):
            return Located(compare(node.op, left, right))
        return Located(arithmetic(node.op, left, right))

    def _quantifier(self, node: Quantifier, env: Env, paths: dict[str, Located]) -> Located:
        source = self.eval(node.source, env, paths)
        if source.value is None:
            return Located(None)
        item_paths = source.item_paths or [None] * len(source.value)

        def results() -> Iterator[bool | None]:
            for item, path in zip(source.value, item_paths):
                located = _with_items(item, path)
                kept = len(self.trace.sightings) if self.trace is not None else 0
                value = self.eval(node.body, {**env, node.variable: item}, {**paths, node.variable: located}).value
                if self.trace is not None and value is not True:
                    del self.trace.sightings[kept:]  # only the items that hold are evidence
                yield value

        return Located(quantify(node.kind, results()))

    def _let(self, node: Let, env: Env, paths: dict[str, Located]) -> Located:
        bound = self.eval(node.value, env, paths)
        return self.eval(node.body, {**env, node.name: bound.value}, {**paths, node.name: bound})

    def _call(self, node: Call, env: Env, paths: dict[str, Located]) -> Located:
        function = FUNCTIONS[node.function]
        constants = _per_node(_CONSTANTS, node, literal_arguments)
        located = [Located(c) if c is not None else self.eval(a, env, paths) for a, c in zip(node.args, constants)]
        context = env[CONTEXT]
        context.sighting = None
        value = call(function, context, [a.value for a in located], keyword_values(node))
        if self.trace is not None and value is True and context.sighting is not None:
            path = located[0].path if located else None
            if path is not None and context.sighting.field is not None:
                path = f"{path}.{context.sighting.field}"
            self.trace.sightings.append((context.sighting, path))
        context.sighting = None
        if function.keeps_item_paths and isinstance(value, list) and located[0].item_paths:
            return _subset(value, located[0])
        return Located(value)


# Each evaluator takes the class of node it is kept under, which a dict's type cannot say: hence Any.
_Evaluator = Callable[[Interpreter, Any, Env, dict[str, Located]], Located]
_EVALUATORS: dict[type[Node], _Evaluator] = {Literal: Interpreter._literal, Name: Interpreter._name, Field: Interpreter._field,
               Index: Interpreter._index, ListExpr: Interpreter._listexpr, Unary: Interpreter._unary,
               Binary: Interpreter._binary, Quantifier: Interpreter._quantifier, Let: Interpreter._let,
               Call: Interpreter._call}


def _with_items(value: Any, path: str | None) -> Located:
    if isinstance(value, list) and path is not None:
        return Located(value, path, [step(path, i) for i in range(len(value))])
    return Located(value, path)


def _subset(items: list[Any], source: Located) -> Located:
    # Items kept from the source list keep the paths they had there.
    by_identity = {id(v): p for v, p in zip(source.value, source.item_paths or [])}
    return Located(items, None, [by_identity.get(id(v)) for v in items])


def interpret(node: Node, env: Env, trace: Trace | None = None) -> Any:
    """Evaluate a condition by walking its tree; with a trace, record what decided it."""
    return Interpreter(trace).run(node, env)


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
        constants = _per_node(_CONSTANTS, node, literal_arguments)  # concept names, regexes, codes
        return all(_collect(arg, bound, paths) for arg, constant in zip(node.args, constants) if constant is None) \
            and all(_collect(value, bound, paths) for _, value in node.keywords)
    return all(_collect(child, bound, paths) for child in children(node))

