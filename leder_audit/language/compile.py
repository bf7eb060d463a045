"""Syntax tree -> Python closures that decide a condition (None is unknown) or decide and explain it.

One builder says what each kind of node does, for both. Built to decide, a node's closure keeps nothing of
what it read, and the hottest nodes get closures of their own (a field path read and compared in one step, a
chain of `and`s in one frame). Built to explain (`compile_explainer`), the same builder makes the same
closures with recording switched on: the closures that read the record note each value they read and where,
the functions that find evidence record it, and each top-level sub-condition of the rule (the parts joined by
`and`, `or`, `not`, `let`) records its step. A closure that reads the record by itself in the deciding build
is then made of its parts, each recording. The deciding build carries no trace of any of it: with recording
off, a builder returns the closure it always returned.

What every value and operator means is in semantics.py and what every function does in functions.py; the
closures here call them, or, for the hottest nodes, give the same answers without the calls between them.
Property tests compare both builds with the reference interpreter, outcome and trace.
"""

from __future__ import annotations

import operator
from datetime import date
from typing import Any, Callable

from ..paths import step
from .functions import FUNCTIONS, Function, call, call_explained, keyword_values, prepared_arguments
from .nodes import (Binary, Call, Duration, Field, Index, Let, ListExpr, Literal, Name, Node, Quantifier, Unary,
                    children, record_path, with_children)
from .semantics import (CONTEXT, MEMO, ORDER, RECORD, Env, arithmetic, blank, contains, durations, get_field,
                        get_index, logical_not, negate, quantify, shift)
from .trace import HOLDERS, MAX_INPUTS, Step, Trace, plain

Compiled = Callable[[Env], Any]
Explainer = Callable[[Env], tuple[Any, Trace]]

__all__ = ["CONTEXT", "MEMO", "RECORD", "Compiled", "Compiler", "Explainer", "compile_condition",
           "compile_explainer", "compile_shared", "inline"]

Scope = dict[str, "Node | None"]  # variables in scope: a let's value (inlined), or None for a quantifier's

# What an explaining environment holds besides the record, the run's context and the variables in scope:
TRACE = "$trace"  # the Trace being recorded
AT = "$at"  # where the value of the last closure that reads from the record was read from: a Location
_PLACE = "$at "  # + a variable's name: where the value bound to it was read from, a Location
_ITEMS = "$items "  # + a quantifier's variable: [the paths of the items of its list, the position reached]

# A field path and, for a list, the path of each of its items; either may be None.
Location = tuple["str | None", "list[str | None] | None"]
NOWHERE: Location = (None, None)


class Compiler:
    """Builds one closure per node, once; evaluation never walks the tree again.

    With `shared`, sub-expressions that several rules of a rulebook compute (the same function call or
    let value over the same fields) are computed once per record and kept in the environment's MEMO.
    With `explaining`, the closures also record the trace of the evaluation (never shared: each step reads
    what it reads).
    """

    def __init__(self, shared: frozenset[Node] | None = None, seen: dict[Node, int] | None = None,
                 explaining: bool = False) -> None:
        if explaining and (shared is not None or seen is not None):
            raise ValueError("an explaining build computes each sub-expression where it is")
        self.memo = shared is not None  # closures may use the environment's MEMO
        self.shared = shared or frozenset()
        self.seen = seen  # when given, counts how often each candidate sub-expression occurs
        self.memoised: dict[Node, Compiled] = {}
        self.explaining = explaining

    def compile(self, node: Node, variables: Scope | frozenset[str] = frozenset(), let_value: bool = False,
                top: bool = False) -> Compiled:
        """The node's closure; `top` when the node is the condition or one of the parts joined at its top by
        `and`, `or`, `not` and `let`, each of which an explanation records as a step."""
        if not isinstance(variables, dict):
            variables = dict.fromkeys(variables)
        if top and self.explaining:
            if isinstance(node, Binary) and node.op in ("and", "or"):
                return self._binary(node, variables, top=True)
            if isinstance(node, Unary) and node.op == "not":
                return self._unary(node, variables, top=True)
            if isinstance(node, Let):
                return self._let(node, variables, top=True)
            return _step(str(node), self.compile(node, variables))
        compiled: Compiled = getattr(self, f"_{type(node).__name__.lower()}")(node, variables)
        if self.seen is None and not self.memo:
            return compiled
        if not (_worth_sharing(node) or let_value and not isinstance(node, (Literal, Name, Field))):
            return compiled
        key = inline(node, variables)
        if key is None:
            return compiled
        if self.seen is not None:
            self.seen[key] = self.seen.get(key, 0) + 1
            return compiled
        if key not in self.shared and not let_value:
            return compiled
        memoised = self.memoised.get(key)
        if memoised is None:
            memoised = self.memoised[key] = _memoised(compiled, len(self.memoised))
        return memoised

    def _literal(self, node: Literal, variables: Scope) -> Compiled:
        value = node.value
        return lambda env: value

    def _name(self, node: Name, variables: Scope) -> Compiled:
        name = node.name
        value = variables.get(name)
        if value is not None and self.memo:
            return self.compile(value, let_value=True)  # a let's value, computed once per record
        if name in variables:
            bound: Compiled = lambda env: env[name]
            return _placed(bound, _PLACE + name) if self.explaining else bound
        read: Compiled = lambda env: env[RECORD].get(name)
        return _noted(read, name) if self.explaining else read

    def _field(self, node: Field, variables: Scope) -> Compiled:
        path = record_path(node, variables) if not self.explaining else None
        if path is not None:
            return _path_getter(path)
        target, name = self.compile(node.target, variables), node.name
        read: Compiled = lambda env: get_field(target(env), name)
        return _noted_field(read, name, _locates(node.target)) if self.explaining else read

    def _index(self, node: Index, variables: Scope) -> Compiled:
        target, index = self.compile(node.target, variables), self.compile(node.index, variables)
        if self.explaining:
            return _noted_index(target, index, _locates(node.target))
        return lambda env: get_index(target(env), index(env))

    def _listexpr(self, node: ListExpr, variables: Scope) -> Compiled:
        literals = [i for i in node.items if isinstance(i, Literal)]
        if len(literals) == len(node.items):
            constant = tuple(i.value for i in literals)  # e.g. `any i in [0, 1, 2]`: built once
            return lambda env: list(constant)
        items = [self.compile(i, variables) for i in node.items]
        return lambda env: [item(env) for item in items]

    def _unary(self, node: Unary, variables: Scope, top: bool = False) -> Compiled:
        operand = self.compile(node.operand, variables, top=top)
        if node.op == "not":
            negated: Compiled = lambda env: logical_not(operand(env))
            return _no_evidence(negated) if self.explaining else negated
        return lambda env: negate(operand(env))

    def _binary(self, node: Binary, variables: Scope, top: bool = False) -> Compiled:
        op = node.op
        if op in ("and", "or"):
            parts = [self.compile(part, variables, top=top) for part in _operands(node, op)]
            return _all(parts) if op == "and" else _any(parts)
        left = self.compile(node.left, variables)
        if op in ORDER:
            order = ORDER[op]
            if isinstance(node.right, Literal) and node.right.value is not None \
                    and not isinstance(node.right.value, Duration):
                path = record_path(node.left, variables) if not self.explaining else None
                if path is not None and len(path) <= 2:
                    return _path_comparison(order, path, node.right.value)
                return _constant_comparison(order, left, node.right.value)
            return _comparison(order, left, self.compile(node.right, variables))
        if op in ("+", "-") and isinstance(node.right, Literal) and isinstance(node.right.value, Duration):
            return _shifted(left, node.right.value, 1 if op == "+" else -1)
        if op in _NUMBER_OPS and isinstance(node.right, Literal) and isinstance(node.right.value, (int, float)) \
                and not isinstance(node.right.value, bool):
            return _number_arithmetic(_NUMBER_OPS[op], left, node.right.value)
        right = self.compile(node.right, variables)
        if op in ("in", "not in"):
            return lambda env: contains(op, left(env), right(env))
        return lambda env: arithmetic(op, left(env), right(env))

    def _quantifier(self, node: Quantifier, variables: Scope) -> Compiled:
        source = self.compile(node.source, variables)
        body = self.compile(node.body, {**variables, node.variable: None})
        kind, variable = node.kind, node.variable
        if self.explaining:
            source, body = _items_placed(source, variable, _locates(node.source)), _item_placed(body, variable)
        if kind == "count":
            def run(env: Env) -> Any:
                items = source(env)
                if items is None:
                    return None
                saved = env.get(variable)
                try:
                    return quantify(kind, (_bind(env, variable, item, body) for item in items))
                finally:
                    env[variable] = saved

            return _scoped(run, (_PLACE + variable, _ITEMS + variable)) if self.explaining else run
        decisive = kind == "any"  # any stops at the first true, all at the first false

        def until_decided(env: Env) -> Any:
            items = source(env)
            if items is None:
                return None
            saved = env.get(variable)
            unknown = False
            try:
                for item in items:
                    env[variable] = item
                    result = body(env)
                    if result is decisive:
                        return decisive
                    if result is None:
                        unknown = True
            finally:
                env[variable] = saved
            return None if unknown else not decisive

        return _scoped(until_decided, (_PLACE + variable, _ITEMS + variable)) if self.explaining else until_decided

    def _let(self, node: Let, variables: Scope, top: bool = False) -> Compiled:
        value = self.compile(node.value, variables, let_value=True)
        key = inline(node.value, variables)
        body = self.compile(node.body, {**variables, node.name: key}, top=top)
        name = node.name
        if self.memo and key is not None:
            # The body reads the value from MEMO; computing it first keeps a let's value evaluated before its body.
            if isinstance(node.value, (Literal, Name, Field)):
                return body

            def first_value(env: Env) -> Any:
                value(env)
                return body(env)

            return first_value
        if self.explaining:
            value = _value_placed(value, name, _locates(node.value))

        def run(env: Env) -> Any:
            saved = env.get(name)
            env[name] = value(env)
            try:
                return body(env)
            finally:
                env[name] = saved

        return _scoped(run, (_PLACE + name,)) if self.explaining else run

    def _call(self, node: Call, variables: Scope) -> Compiled:
        function = FUNCTIONS[node.function]
        constants = prepared_arguments(node)
        keywords = keyword_values(node)
        if self.explaining and (function.found is not None or function.keeps_item_paths):
            return self._explained_call(node, function, constants, keywords, variables)
        if not keywords and function.tests_blank is not None and not self.explaining:
            path = record_path(node.args[0], variables)
            if path is not None:
                return _pathblank(path, function.tests_blank)
        if not keywords and len(node.args) >= 2 and constants[0] is None and None not in constants[1:]:
            return _call_with_constant(function, self.compile(node.args[0], variables), tuple(constants[1:]))
        args = [(lambda env, c=c: c) if c is not None else self.compile(a, variables)
                for a, c in zip(node.args, constants)]
        if not keywords and len(args) in (1, 2) and not function.takes_record:
            return _direct_call(function, args)
        if len(args) == 1:
            (only,) = args
            return lambda env: call(function, env[CONTEXT], env[RECORD], [only(env)], keywords)
        return lambda env: call(function, env[CONTEXT], env[RECORD], [a(env) for a in args], keywords)

    def _explained_call(self, node: Call, function: Function, constants: list[Any], keywords: dict[str, Any],
                        variables: Scope) -> Compiled:
        """A function that explains itself (what it found, or the items it kept), called with recording on:
        the evidence it finds is recorded with the path of its first argument, the items it keeps keep theirs."""
        args = [(lambda env, c=c: c) if c is not None else self.compile(a, variables)
                for a, c in zip(node.args, constants)]
        if not args:
            return lambda env: call_explained(function, env[CONTEXT], env[RECORD], [], keywords)[0]
        first, rest = args[0], args[1:]
        locates = constants[0] is None and _locates(node.args[0])
        keeps_item_paths = function.keeps_item_paths
        if function.found is not None and not keeps_item_paths and constants[0] is None \
                and None not in constants[1:]:
            return _found_with_constants(function, first, tuple(constants[1:]), keywords, locates)

        def run(env: Env) -> Any:
            given = first(env)
            at = env[AT] if locates else NOWHERE
            values = [given, *[a(env) for a in rest]]
            value, found = call_explained(function, env[CONTEXT], env[RECORD], values, keywords)
            if value is True and found is not None:
                path = at[0]
                if path is not None and found.field is not None:
                    path = f"{path}.{found.field}"
                env[TRACE].sightings.append((found, path))
            if keeps_item_paths:
                item_paths = at[1]
                if isinstance(value, list) and item_paths:
                    # Items kept from the source list keep the paths they had there.
                    by_identity = {id(v): p for v, p in zip(given, item_paths)}
                    env[AT] = (None, [by_identity.get(id(v)) for v in value])
                else:
                    env[AT] = NOWHERE
            return value

        return run


def _worth_sharing(node: Node) -> bool:
    """Sub-expressions that cost more to compute than a dictionary look-up: calls, date arithmetic, quantifiers."""
    if isinstance(node, Call):
        return not FUNCTIONS[node.function].cheap
    return isinstance(node, Quantifier) or isinstance(node, Binary) and node.op in ("+", "-", "*", "/")


def inline(node: Node, variables: Scope) -> Node | None:
    """The node with each let variable replaced by its value, so equal computations compare equal.

    None when the node reads the variable of a quantifier around it (its value changes item by item) or
    holds a let of its own. A quantifier's own variable stays a name: the whole quantifier reads the same
    wherever it is written.
    """
    if isinstance(node, Name):
        if node.name not in variables:
            return node
        return variables[node.name]
    if isinstance(node, Quantifier):
        source = inline(node.source, variables)
        body = inline(node.body, {**variables, node.variable: Name(node.variable)})
        return None if source is None or body is None else with_children(node, [source, body])
    if isinstance(node, Let):
        return None
    if isinstance(node, Literal):
        return node
    inlined: list[Node] = []
    for child in children(node):
        done = inline(child, variables)
        if done is None:
            return None
        inlined.append(done)
    return with_children(node, inlined)


def _operands(node: Node, op: str) -> list[Node]:
    """`a and b and c` as [a, b, c]: a chain of the same connective, flattened."""
    if isinstance(node, Binary) and node.op == op:
        return _operands(node.left, op) + _operands(node.right, op)
    return [node]


def compile_shared(conditions: list[Node]) -> list[Compiled]:
    """Compile the conditions of the rules one record type runs, sharing their common sub-expressions.

    The closures need MEMO in the environment, a fresh dict for each record.
    """
    seen: dict[Node, int] = {}
    counter = Compiler(seen=seen)
    for node in conditions:
        counter.compile(node)
    compiler = Compiler(shared=frozenset(k for k, n in seen.items() if n > 1))
    return [compiler.compile(node) for node in conditions]


# Specialised closures for the hottest nodes: the same results as both/either/compare/call, with no
# per-evaluation thunk, operator lookup or argument list.


def _path_getter(path: tuple[str, ...]) -> Compiled:
    """One closure for a whole field path, each step as get_field."""
    first, rest = path[0], path[1:]
    if not rest:
        return lambda env: env[RECORD].get(first)
    if len(rest) == 1:
        (second,) = rest

        def two(env: Env) -> Any:
            value = env[RECORD].get(first)
            if value is None:
                return None
            return value.get(second) if isinstance(value, dict) else getattr(value, second, None)

        return two

    def run(env: Env) -> Any:
        value = env[RECORD].get(first)
        for name in rest:
            if value is None:
                return None
            value = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
        return value

    return run


def _path_comparison(order: Callable[[Any, Any], bool], path: tuple[str, ...], constant: Any) -> Compiled:
    """`transition.ehc_plan == true`: the field read and compared in one closure (paths of one or two names)."""
    if len(path) == 1:
        (first,) = path

        def one(env: Env) -> bool | None:
            value = env[RECORD].get(first)
            return None if value is None else order(value, constant)

        return one
    first, second = path

    def two(env: Env) -> bool | None:
        value = env[RECORD].get(first)
        if value is None:
            return None
        value = value.get(second) if isinstance(value, dict) else getattr(value, second, None)
        return None if value is None else order(value, constant)

    return two


def _constant_comparison(order: Callable[[Any, Any], bool], left: Compiled, constant: Any) -> Compiled:
    """A comparison with a literal that is neither null nor a duration on the right."""
    def run(env: Env) -> bool | None:
        value = left(env)
        return None if value is None else order(value, constant)

    return run


def _pathblank(path: tuple[str, ...], missing: bool) -> Compiled:
    """`exists(path)` or `missing(path)` without a closure for the function call."""
    read = _path_getter(path)
    return lambda env: blank(read(env)) is missing


def _call_with_constant(function: Function, arg: Compiled, constants: tuple[Any, ...]) -> Compiled:
    """`mentions(text, concept)`, `code_in(code, "F70-F79")`: one computed argument, the rest fixed by the rule."""
    found = function.found
    if found is not None and not function.sees_unknown and len(constants) == 1:
        return _test_with_constant(found, function.takes_record, arg, constants[0])
    impl = function.impl
    if function.takes_record:
        if function.sees_unknown:
            return lambda env: impl(env[CONTEXT], env[RECORD], arg(env), *constants)
        if len(constants) == 1:
            (only,) = constants

            def with_record(env: Env) -> Any:
                value = arg(env)
                return None if value is None else impl(env[CONTEXT], env[RECORD], value, only)

            return with_record

        def with_record_and_constants(env: Env) -> Any:
            value = arg(env)
            return None if value is None else impl(env[CONTEXT], env[RECORD], value, *constants)

        return with_record_and_constants
    if function.sees_unknown:
        return lambda env: impl(env[CONTEXT], arg(env), *constants)
    if len(constants) == 1:
        (constant,) = constants

        def one(env: Env) -> Any:
            value = arg(env)
            return None if value is None else impl(env[CONTEXT], value, constant)

        return one

    def run(env: Env) -> Any:
        value = arg(env)
        return None if value is None else impl(env[CONTEXT], value, *constants)

    return run


def _test_with_constant(found: Callable[..., Any], takes_record: bool, arg: Compiled, constant: Any) -> Compiled:
    """A test with one computed argument and one fixed by the rule (`mentions_only(line, concept)`): true when
    the function finds something, as its registry entry defines it, without the call of its generic impl."""
    if takes_record:
        def on_record(env: Env) -> bool | None:
            value = arg(env)
            return None if value is None else found(env[CONTEXT], env[RECORD], value, constant) is not None

        return on_record

    def holds(env: Env) -> bool | None:
        value = arg(env)
        return None if value is None else found(env[CONTEXT], value, constant) is not None

    return holds


_NUMBER_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def _number_arithmetic(apply: Callable[[Any, Any], Any], left: Compiled, constant: int | float) -> Compiled:
    """`len(lines) - 1`: arithmetic with a number written in the rule (never a date or duration)."""
    def run(env: Env) -> Any:
        value = left(env)
        return None if value is None else apply(value, constant)

    return run


def _shifted(left: Compiled, duration: Duration, sign: int) -> Compiled:
    """`notification_date + 6 months`: a date (or duration) moved by a duration written in the rule."""
    def run(env: Env) -> Any:
        value = left(env)
        if value is None:
            return None
        if isinstance(value, date):
            return shift(value, duration, sign)
        return arithmetic("+" if sign == 1 else "-", value, duration)

    return run


_UNSET = object()


def _memoised(compiled: Compiled, slot: int) -> Compiled:
    """A shared sub-expression: computed by the first rule that needs it on a record, then looked up."""
    def run(env: Env) -> Any:
        memo = env[MEMO]
        value = memo.get(slot, _UNSET)
        if value is _UNSET:
            value = memo[slot] = compiled(env)
        return value

    return run


def _all(parts: list[Compiled]) -> Compiled:
    """Kleene `and` over a chain: false wins, then unknown; stops at the first false."""
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return _and(*parts)
    if len(parts) == 3:
        first, second, third = parts

        def three(env: Env) -> bool | None:
            a = first(env)
            if a is False:
                return False
            b = second(env)
            if b is False:
                return False
            c = third(env)
            if c is False:
                return False
            return None if a is None or b is None or c is None else True

        return three
    return _chain(parts, decisive=False)


def _any(parts: list[Compiled]) -> Compiled:
    """Kleene `or` over a chain: true wins, then unknown; stops at the first true."""
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return _or(*parts)
    return _chain(parts, decisive=True)


def _chain(parts: list[Compiled], decisive: bool) -> Compiled:
    """`and` (decisive False) or `or` (decisive True) over a chain: the decisive value wins, then unknown."""
    chain, otherwise = tuple(parts), not decisive

    def run(env: Env) -> bool | None:
        unknown = False
        for part in chain:
            value: bool | None = part(env)
            if value is decisive:
                return decisive
            if value is None:
                unknown = True
        return None if unknown else otherwise

    return run


def _and(left: Compiled, right: Compiled) -> Compiled:
    def run(env: Env) -> bool | None:
        first = left(env)
        if first is False:
            return False
        second = right(env)
        if second is False:
            return False
        return None if first is None or second is None else True

    return run


def _or(left: Compiled, right: Compiled) -> Compiled:
    def run(env: Env) -> bool | None:
        first = left(env)
        if first is True:
            return True
        second = right(env)
        if second is True:
            return True
        return None if first is None or second is None else False

    return run


def _comparison(order: Callable[[Any, Any], bool], left: Compiled, right: Compiled) -> Compiled:
    def run(env: Env) -> bool | None:
        a, b = left(env), right(env)
        if a is None or b is None:
            return None
        if isinstance(a, Duration) and isinstance(b, Duration):
            a, b = durations(a, b)
        return order(a, b)

    return run


def _direct_call(function: Function, args: list[Compiled]) -> Compiled:
    impl = function.impl
    if len(args) == 1:
        (only,) = args
        if function.sees_unknown:
            return lambda env: impl(env[CONTEXT], only(env))

        def one(env: Env) -> Any:
            value = only(env)
            return None if value is None else impl(env[CONTEXT], value)

        return one
    first, second = args
    if function.sees_unknown:
        return lambda env: impl(env[CONTEXT], first(env), second(env))

    def two(env: Env) -> Any:
        a, b = first(env), second(env)
        return None if a is None or b is None else impl(env[CONTEXT], a, b)

    return two


def _bind(env: Env, variable: str, item: Any, body: Compiled) -> Any:
    env[variable] = item
    return body(env)


def compile_condition(node: Node) -> Compiled:
    """Compile a checked condition to a closure of an environment holding $record and $context."""
    return Compiler().compile(node)


def compile_explainer(node: Node) -> Explainer:
    """A checked condition -> a closure of an environment holding $record and $context that gives the
    condition's value and its trace (steps, evidence), as the reference interpreter records them."""
    run = Compiler(explaining=True).compile(node, top=True)

    def explain(env: Env) -> tuple[Any, Trace]:
        trace = Trace()
        return run({RECORD: env[RECORD], CONTEXT: env[CONTEXT], TRACE: trace, AT: NOWHERE}), trace

    return explain


# Recording, for the explaining build: each wraps the closure the deciding build makes, or its parts.


def _locates(node: Node) -> bool:
    """Whether the node's explaining closure leaves where its value was read from in AT: a read of the record,
    a variable, or a function that keeps items of its list argument (every other value is read from nowhere)."""
    if isinstance(node, (Name, Field, Index)):
        return True
    if isinstance(node, Let):
        return _locates(node.body)
    return isinstance(node, Call) and FUNCTIONS[node.function].keeps_item_paths


_RECORDED = frozenset({str, bool, int, float, type(None), date})  # what a field holds when it holds a value


def _note(env: Env, value: Any, path: str | None) -> None:
    """A value read from the record at a path: noted as an input of the step (only recorded values are worth
    showing, not the records and lists that hold them), and its place left in AT, a list with its items'."""
    if type(value) in _RECORDED:
        if path is not None:
            env[TRACE].reads.setdefault(path, plain(value))
        env[AT] = (path, None)
        return
    if isinstance(value, list):
        env[AT] = (path, None if path is None else [step(path, i) for i in range(len(value))])
        return
    if path is not None and not isinstance(value, HOLDERS):
        env[TRACE].reads.setdefault(path, plain(value))
    env[AT] = (path, None)


def _noted(read: Compiled, path: str) -> Compiled:
    """A field of the record itself."""
    def run(env: Env) -> Any:
        value = read(env)
        _note(env, value, path)
        return value

    return run


def _noted_field(read: Compiled, name: str, target_located: bool) -> Compiled:
    """A field of a value: read at its path below the value's."""
    def run(env: Env) -> Any:
        value = read(env)  # the target's closure was the last to set AT
        parent = env[AT][0] if target_located else None
        _note(env, value, f"{parent}.{name}" if parent else None)
        return value

    return run


def _noted_index(target: Compiled, index: Compiled, target_located: bool) -> Compiled:
    """An item of a list: read at the path the list gives its item."""
    def run(env: Env) -> Any:
        held = target(env)
        item_paths = env[AT][1] if target_located else None
        at = index(env)
        value = get_index(held, at)
        path = None
        if value is not None and isinstance(held, list) and item_paths is not None:
            path = item_paths[int(at)]
        _note(env, value, path)
        return value

    return run


def _placed(bound: Compiled, place: str) -> Compiled:
    """A variable: its value, from where the value bound to it was read."""
    def run(env: Env) -> Any:
        value = bound(env)
        env[AT] = env[place]
        return value

    return run


def _value_placed(value: Compiled, name: str, located: bool) -> Compiled:
    """A let's value, with where it was read from kept for the variable."""
    place = _PLACE + name

    def run(env: Env) -> Any:
        result = value(env)
        env[place] = env[AT] if located else NOWHERE
        return result

    return run


def _items_placed(source: Compiled, variable: str, located: bool) -> Compiled:
    """A quantifier's list, with the paths of its items kept for the loop."""
    items_key = _ITEMS + variable

    def run(env: Env) -> Any:
        items = source(env)
        if items is not None:
            item_paths = env[AT][1] if located else None
            env[items_key] = [item_paths or [None] * len(items), -1]
        return items

    return run


def _item_placed(body: Compiled, variable: str) -> Compiled:
    """A quantifier's body for one item, the item bound with its path; only the items that hold are evidence."""
    place, items_key = _PLACE + variable, _ITEMS + variable

    def run(env: Env) -> Any:
        state = env[items_key]
        position = state[1] = state[1] + 1
        path = state[0][position]
        item = env[variable]
        env[place] = (path, [step(path, i) for i in range(len(item))]) \
            if isinstance(item, list) and path is not None else (path, None)
        sightings = env[TRACE].sightings
        kept = len(sightings)
        value = body(env)
        if value is not True:
            del sightings[kept:]
        return value

    return run


def _found_with_constants(function: Function, first: Compiled, constants: tuple[Any, ...], keywords: dict[str, Any],
                          located: bool) -> Compiled:
    """A test with one computed argument and the rest fixed by the rule (`mentions(rationale, concept)`,
    `mentions_only(line, concept)`), called with recording on: what its `found` finds is recorded with the
    path of the argument, as call_explained would give it, without the argument list."""
    found_in = function.found
    assert found_in is not None
    sees_unknown, takes_record = function.sees_unknown, function.takes_record

    def run(env: Env) -> Any:
        given = first(env)
        at = env[AT] if located else NOWHERE
        if given is None and not sees_unknown:
            return None
        if takes_record:
            found = found_in(env[CONTEXT], env[RECORD], given, *constants, **keywords)
        else:
            found = found_in(env[CONTEXT], given, *constants, **keywords)
        if found is None:
            return False
        path = at[0]
        if path is not None and found.field is not None:
            path = f"{path}.{found.field}"
        env[TRACE].sightings.append((found, path))
        return True

    return run


def _scoped(run: Compiled, keys: tuple[str, ...]) -> Compiled:
    """A let or quantifier whose places are its own: those of an outer variable of the same name come back after."""
    if len(keys) == 1:
        (key,) = keys

        def one(env: Env) -> Any:
            saved = env.get(key)
            try:
                return run(env)
            finally:
                env[key] = saved

        return one
    first, second = keys

    def two(env: Env) -> Any:
        saved, saved_second = env.get(first), env.get(second)
        try:
            return run(env)
        finally:
            env[first], env[second] = saved, saved_second

    return two


def _no_evidence(negated: Compiled) -> Compiled:
    """`not`: what a negated condition found is not evidence for the one that holds."""
    def run(env: Env) -> Any:
        sightings = env[TRACE].sightings
        kept = len(sightings)
        value = negated(env)
        del sightings[kept:]
        return value

    return run


def _step(text: str, evaluated: Compiled) -> Compiled:
    """A top-level sub-condition: recorded as a step with its value and the values it read; what it found is
    evidence only when it holds."""
    def run(env: Env) -> Any:
        trace: Trace = env[TRACE]
        trace.reads = {}
        before = len(trace.sightings)
        value = evaluated(env)
        reads = trace.reads
        trace.reads = {}
        inputs = reads if len(reads) <= MAX_INPUTS else dict(list(reads.items())[:MAX_INPUTS])
        trace.steps.append(Step(text, plain(value), inputs))
        if value is not True:
            del trace.sightings[before:]
        return value

    return run
