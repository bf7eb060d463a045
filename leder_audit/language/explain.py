"""Syntax tree -> Python closures that explain a condition: its value with the trace of how it was decided.

The engine decides every rule with the closures of compile.py, which keep nothing of what they read, and
explains the rules that fire with these: each node is compiled once into a closure that returns the value
with the field path it was read from, notes the recorded values each top-level sub-condition read and the
words or codes the functions found (each function's own `found`, from the registry). They follow the
reference interpreter step for step (property tests compare their outcomes and traces on every built-in
rule), without walking the tree, dispatching on node types or copying environments as it does.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

from .functions import FUNCTIONS, call_explained, keyword_values, prepared_arguments
from .nodes import (Binary, Call, Field, Index, Let, ListExpr, Literal, Name, Node, Quantifier, Unary, children,
                    record_path)
from .semantics import (CONTEXT, RECORD, Env, arithmetic, both, compare, contains, either, get_field, get_index,
                        logical_not, negate, quantify)
from ..paths import step
from .trace import HOLDERS, MAX_INPUTS, Step, Trace, plain

# What a node gives: its value, the field path it was read from (or None) and, for a list read from the
# record, the path of each item. Plain tuples: an explanation makes one for every node it evaluates.
Read = tuple[Any, "str | None", "list[str | None] | None"]
# A node's closure: the environment (the record, the run's context and each variable in scope as a Read) and
# the trace being recorded -> what the node gives.
Evaluated = Callable[[Env, Trace], Read]
# A top-level sub-condition's closure: the value alone, its step recorded in the trace.
Decided = Callable[[Env, Trace], Any]
Explainer = Callable[[Env], tuple[Any, Trace]]


def compile_explainer(node: Node) -> Explainer:
    """A checked condition -> a closure of an environment holding $record and $context that gives the
    condition's value and its trace (steps, evidence), as the reference interpreter would record them."""
    run = _skeleton(node, frozenset())

    def explain(env: Env) -> tuple[Any, Trace]:
        trace = Trace()
        local = {RECORD: env[RECORD], CONTEXT: env[CONTEXT]}
        return run(local, trace), trace

    return explain


def _skeleton(node: Node, scope: frozenset[str]) -> Decided:
    """`and`, `or`, `not` and `let` at the top of a condition, down to the sub-conditions recorded as steps."""
    if isinstance(node, Binary) and node.op in ("and", "or"):
        left, right = _skeleton(node.left, scope), _skeleton(node.right, scope)
        return _both(left, right) if node.op == "and" else _either(left, right)
    if isinstance(node, Unary) and node.op == "not":
        operand = _skeleton(node.operand, scope)

        def negated(env: Env, trace: Trace) -> Any:
            kept = len(trace.sightings)
            value = operand(env, trace)
            del trace.sightings[kept:]  # what a negated condition found is not evidence for the one that holds
            return None if value is None else not value

        return negated
    if isinstance(node, Let):
        return _bound(node.name, _evaluated(node.value, scope), _skeleton(node.body, scope | {node.name}))
    return _step(node, _evaluated(node, scope))


def _both(left: Decided, right: Decided) -> Decided:
    """Kleene `and` (semantics.both): the right side is run, and traced, only when the left is not false."""
    def run(env: Env, trace: Trace) -> Any:
        return both(left(env, trace), lambda: right(env, trace))

    return run


def _either(left: Decided, right: Decided) -> Decided:
    """Kleene `or` (semantics.either): the right side is run, and traced, only when the left is not true."""
    def run(env: Env, trace: Trace) -> Any:
        return either(left(env, trace), lambda: right(env, trace))

    return run


def _step(node: Node, evaluated: Evaluated) -> Decided:
    text = str(node)

    def step(env: Env, trace: Trace) -> Any:
        trace.reads = {}
        before = len(trace.sightings)
        value = evaluated(env, trace)[0]
        reads = trace.reads
        trace.reads = {}
        inputs = reads if len(reads) <= MAX_INPUTS else dict(list(reads.items())[:MAX_INPUTS])
        trace.steps.append(Step(text, plain(value), inputs))
        if value is not True:
            del trace.sightings[before:]
        return value

    return step


_Body = Callable[[Env, Trace], Any]


def _bound(name: str, value: Evaluated, body: _Body) -> _Body:
    """A let: the body evaluated with the variable bound to the value (and its path)."""
    def run(env: Env, trace: Trace) -> Any:
        saved = env.get(name)
        env[name] = value(env, trace)
        try:
            return body(env, trace)
        finally:
            env[name] = saved

    return run


def _read(value: Any, path: str | None, trace: Trace) -> Read:
    """A value read from the record, with its path, noted as an input of the step: only recorded values are
    worth showing, not the records and lists that hold them."""
    if isinstance(value, list):
        return (value, path, None if path is None else [step(path, i) for i in range(len(value))])
    if path is not None and not isinstance(value, HOLDERS):
        trace.reads.setdefault(path, plain(value))
    return (value, path, None)


def _item(value: Any, path: str | None) -> Read:
    """An item of a list, bound to a quantifier's variable: a list again keeps its items' paths."""
    if isinstance(value, list) and path is not None:
        return (value, path, [step(path, i) for i in range(len(value))])
    return (value, path, None)


def _evaluated(node: Node, scope: frozenset[str]) -> Evaluated:
    compiler: Callable[[Any, frozenset[str]], Evaluated] = _COMPILERS[type(node)]
    return compiler(node, scope)


def _literal(node: Literal, scope: frozenset[str]) -> Evaluated:
    constant: Read = (node.value, None, None)
    return lambda env, trace: constant


def _name(node: Name, scope: frozenset[str]) -> Evaluated:
    name = node.name
    if name in scope:
        return lambda env, trace: env[name]  # variables hold what they were bound to
    return lambda env, trace: _read(get_field(env[RECORD], name), name, trace)


def _field(node: Field, scope: frozenset[str]) -> Evaluated:
    target, name = _evaluated(node.target, scope), node.name

    def run(env: Env, trace: Trace) -> Read:
        value, path, _ = target(env, trace)
        return _read(get_field(value, name), f"{path}.{name}" if path else None, trace)

    return run


def _index(node: Index, scope: frozenset[str]) -> Evaluated:
    target, index = _evaluated(node.target, scope), _evaluated(node.index, scope)

    def run(env: Env, trace: Trace) -> Read:
        held, _, item_paths = target(env, trace)
        at = index(env, trace)[0]
        value = get_index(held, at)
        path = None
        if value is not None and isinstance(held, list) and item_paths is not None:
            path = item_paths[int(at)]
        return _read(value, path, trace)

    return run


def _listexpr(node: ListExpr, scope: frozenset[str]) -> Evaluated:
    items = [_evaluated(i, scope) for i in node.items]
    return lambda env, trace: ([item(env, trace)[0] for item in items], None, None)


def _unary(node: Unary, scope: frozenset[str]) -> Evaluated:
    operand = _evaluated(node.operand, scope)
    if node.op != "not":
        return lambda env, trace: (negate(operand(env, trace)[0]), None, None)

    def negated(env: Env, trace: Trace) -> Read:
        kept = len(trace.sightings)
        value = operand(env, trace)[0]
        del trace.sightings[kept:]
        return (logical_not(value), None, None)

    return negated


def _binary(node: Binary, scope: frozenset[str]) -> Evaluated:
    left, right, op = _evaluated(node.left, scope), _evaluated(node.right, scope), node.op
    if op in ("and", "or"):
        combine = both if op == "and" else either
        return lambda env, trace: (combine(left(env, trace)[0], lambda: right(env, trace)[0]), None, None)
    if op in ("in", "not in"):
        return lambda env, trace: (contains(op, left(env, trace)[0], right(env, trace)[0]), None, None)
    if op in ("==", "!=", "<", "<=", ">", ">="):
        return lambda env, trace: (compare(op, left(env, trace)[0], right(env, trace)[0]), None, None)
    return lambda env, trace: (arithmetic(op, left(env, trace)[0], right(env, trace)[0]), None, None)


def _quantifier(node: Quantifier, scope: frozenset[str]) -> Evaluated:
    source, body = _evaluated(node.source, scope), _evaluated(node.body, scope | {node.variable})
    kind, variable = node.kind, node.variable

    def run(env: Env, trace: Trace) -> Read:
        items, _, item_paths = source(env, trace)
        if items is None:
            return (None, None, None)
        saved = env.get(variable)

        def results() -> Iterator[bool | None]:
            sightings = trace.sightings
            for item, path in zip(items, item_paths or [None] * len(items)):
                env[variable] = _item(item, path)
                kept = len(sightings)
                value = body(env, trace)[0]
                if value is not True:
                    del sightings[kept:]  # only the items that hold are evidence
                yield value

        try:
            return (quantify(kind, results()), None, None)
        finally:
            env[variable] = saved

    return run


def _let(node: Let, scope: frozenset[str]) -> Evaluated:
    return _bound(node.name, _evaluated(node.value, scope), _evaluated(node.body, scope | {node.name}))


def _call(node: Call, scope: frozenset[str]) -> Evaluated:
    function = FUNCTIONS[node.function]
    constants = prepared_arguments(node)
    keywords = keyword_values(node)
    args = [(lambda env, trace, c=(c, None, None): c) if c is not None else _evaluated(a, scope)
            for a, c in zip(node.args, constants)]
    keeps_item_paths = function.keeps_item_paths

    def run(env: Env, trace: Trace) -> Read:
        given = [a(env, trace) for a in args]
        value, found = call_explained(function, env[CONTEXT], env[RECORD], [g[0] for g in given], keywords)
        if value is True and found is not None:
            path = given[0][1] if given else None
            if path is not None and found.field is not None:
                path = f"{path}.{found.field}"
            trace.sightings.append((found, path))
        if keeps_item_paths and isinstance(value, list) and given[0][2]:
            # Items kept from the source list keep the paths they had there.
            by_identity = {id(v): p for v, p in zip(given[0][0], given[0][2])}
            return (value, None, [by_identity.get(id(v)) for v in value])
        return (value, None, None)

    return run


_COMPILERS: dict[type[Node], Callable[[Any, frozenset[str]], Evaluated]] = {
    Literal: _literal, Name: _name, Field: _field, Index: _index, ListExpr: _listexpr, Unary: _unary,
    Binary: _binary, Quantifier: _quantifier, Let: _let, Call: _call}


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

