"""Syntax tree -> Python closures. Three-valued logic lives here: None is unknown."""

from __future__ import annotations

import calendar
import operator
from datetime import date
from typing import Any, Callable

from .functions import CONCEPT, FUNCTIONS, Function, prepare_literal
from .nodes import Binary, Call, Duration, Field, Index, Let, ListExpr, Literal, Name, Node, Quantifier, Unary

Env = dict[str, Any]
Compiled = Callable[[Env], Any]

RECORD = "$record"  # the record the rule is checking, in every environment
CONTEXT = "$context"  # the RunContext the functions consult

_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
          "==": operator.eq, "!=": operator.ne}


def get_field(target: Any, name: str) -> Any:
    """A field of a record or part; unknown when the record itself is unknown."""
    if target is None:
        return None
    if isinstance(target, dict):
        return target.get(name)
    return getattr(target, name, None)


def get_index(target: Any, index: Any) -> Any:
    """An item of a list or text; unknown when out of range."""
    if target is None or index is None:
        return None
    if isinstance(index, float):
        if not index.is_integer():
            return None
        index = int(index)
    try:
        return target[index]
    except (IndexError, TypeError):
        return None


def _durations(a: Duration, b: Duration) -> tuple[float, float]:
    if not a.months and not b.months or not a.days and not b.days:
        return (a.months, a.days), (b.months, b.days)  # type: ignore[return-value]
    return a.approximate_days(), b.approximate_days()


def compare(op: str, left: Any, right: Any) -> bool | None:
    """A comparison; unknown if either side is unknown."""
    if left is None or right is None:
        return None
    if isinstance(left, Duration) and isinstance(right, Duration):
        left, right = _durations(left, right)
    return _ORDER[op](left, right)


def contains(op: str, item: Any, collection: Any) -> bool | None:
    """`in` and `not in` over lists and text."""
    if item is None or collection is None:
        return None
    found = item in collection
    return found if op == "in" else not found


def add_months(day: date, months: int) -> date:
    """The same day of the month, months later, clamped to the month's end."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def shift(day: date, duration: Duration, sign: int) -> date:
    """A date moved by a duration, forwards (sign 1) or back (sign -1)."""
    from datetime import timedelta

    return add_months(day, sign * duration.months) + timedelta(days=sign * duration.days)


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """+ - * / on numbers, dates, durations and text; unknown in, unknown out."""
    if left is None or right is None:
        return None
    if isinstance(left, date) and isinstance(right, Duration):
        return shift(left, right, 1 if op == "+" else -1)
    if isinstance(left, Duration) and isinstance(right, date):
        return shift(right, left, 1)
    if isinstance(left, date) and isinstance(right, date):
        return Duration(days=(left - right).days)
    if isinstance(left, Duration) and isinstance(right, Duration):
        sign = 1 if op == "+" else -1
        return Duration(days=left.days + sign * right.days, months=left.months + sign * right.months)
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    return None if right == 0 else left / right


def negate(value: Any) -> Any:
    """Unary minus."""
    if value is None:
        return None
    if isinstance(value, Duration):
        return Duration(days=-value.days, months=-value.months)
    return -value


def logical_not(value: bool | None) -> bool | None:
    return None if value is None else not value


def both(left: bool | None, right_thunk: Callable[[], bool | None]) -> bool | None:
    """Kleene `and`: false wins, then unknown."""
    if left is False:
        return False
    right = right_thunk()
    if right is False:
        return False
    return None if left is None or right is None else True


def either(left: bool | None, right_thunk: Callable[[], bool | None]) -> bool | None:
    """Kleene `or`: true wins, then unknown."""
    if left is True:
        return True
    right = right_thunk()
    if right is True:
        return True
    return None if left is None or right is None else False


def quantify(kind: str, results: list[bool | None] | Any) -> Any:
    """Combine the body's values over a list: any, all, or count of true."""
    if kind == "count":
        return sum(1 for r in results if r is True)
    seen_unknown = False
    decisive = kind == "any"  # any stops at the first true, all at the first false
    for result in results:
        if result is decisive:
            return decisive
        seen_unknown = seen_unknown or result is None
    return None if seen_unknown else not decisive


def call(function: Function, context: Any, args: list[Any], keywords: dict[str, Any]) -> Any:
    """Call a library function, honouring its treatment of unknown arguments."""
    if not function.sees_unknown and any(a is None for a in args):
        return None
    return function.impl(context, *args, **keywords)


def literal_arguments(node: Call) -> list[Any]:
    """Arguments that are constants of the rulebook (concept names, regexes, codes), else None."""
    function = FUNCTIONS[node.function]
    prepared: list[Any] = []
    for position, arg in enumerate(node.args):
        param = function.params[position] if position < len(function.params) else function.variadic
        if param.type == CONCEPT:
            prepared.append(arg.name if isinstance(arg, Name) else arg.value)
        elif param.literal:
            prepared.append(prepare_literal(function, arg.value))
        else:
            prepared.append(None)
    return prepared


class Compiler:
    """Builds one closure per node, once; evaluation never walks the tree again."""

    def compile(self, node: Node, variables: frozenset[str] = frozenset()) -> Compiled:
        return getattr(self, f"_{type(node).__name__.lower()}")(node, variables)

    def _literal(self, node: Literal, variables: frozenset[str]) -> Compiled:
        value = node.value
        return lambda env: value

    def _name(self, node: Name, variables: frozenset[str]) -> Compiled:
        name = node.name
        if name in variables:
            return lambda env: env[name]
        return lambda env: getattr(env[RECORD], name, None)

    def _field(self, node: Field, variables: frozenset[str]) -> Compiled:
        path = _record_path(node, variables)
        if path is not None:
            return _path_getter(path)
        target, name = self.compile(node.target, variables), node.name
        return lambda env: get_field(target(env), name)

    def _index(self, node: Index, variables: frozenset[str]) -> Compiled:
        target, index = self.compile(node.target, variables), self.compile(node.index, variables)
        return lambda env: get_index(target(env), index(env))

    def _listexpr(self, node: ListExpr, variables: frozenset[str]) -> Compiled:
        if all(isinstance(i, Literal) for i in node.items):
            constant = tuple(i.value for i in node.items)  # e.g. `any i in [0, 1, 2]`: built once
            return lambda env: list(constant)
        items = [self.compile(i, variables) for i in node.items]
        return lambda env: [item(env) for item in items]

    def _unary(self, node: Unary, variables: frozenset[str]) -> Compiled:
        operand = self.compile(node.operand, variables)
        if node.op == "not":
            return lambda env: logical_not(operand(env))
        return lambda env: negate(operand(env))

    def _binary(self, node: Binary, variables: frozenset[str]) -> Compiled:
        left, right, op = self.compile(node.left, variables), self.compile(node.right, variables), node.op
        if op == "and":
            return _and(left, right)
        if op == "or":
            return _or(left, right)
        if op in _ORDER:
            return _comparison(_ORDER[op], left, right)
        if op in ("in", "not in"):
            return lambda env: contains(op, left(env), right(env))
        return lambda env: arithmetic(op, left(env), right(env))

    def _quantifier(self, node: Quantifier, variables: frozenset[str]) -> Compiled:
        source = self.compile(node.source, variables)
        body = self.compile(node.body, variables | {node.variable})
        kind, variable = node.kind, node.variable

        def run(env: Env) -> Any:
            items = source(env)
            if items is None:
                return None
            saved = env.get(variable)
            try:
                return quantify(kind, (_bind(env, variable, item, body) for item in items))
            finally:
                env[variable] = saved

        return run

    def _let(self, node: Let, variables: frozenset[str]) -> Compiled:
        value = self.compile(node.value, variables)
        body = self.compile(node.body, variables | {node.name})
        name = node.name

        def run(env: Env) -> Any:
            saved = env.get(name)
            env[name] = value(env)
            try:
                return body(env)
            finally:
                env[name] = saved

        return run

    def _call(self, node: Call, variables: frozenset[str]) -> Compiled:
        function = FUNCTIONS[node.function]
        constants = literal_arguments(node)
        args = [(lambda env, c=c: c) if c is not None else self.compile(a, variables)
                for a, c in zip(node.args, constants)]
        keywords = {k: v.value for k, v in node.keywords}
        if not keywords and len(args) in (1, 2):
            return _direct_call(function, args)
        if len(args) == 1:
            (only,) = args
            return lambda env: call(function, env[CONTEXT], [only(env)], keywords)
        return lambda env: call(function, env[CONTEXT], [a(env) for a in args], keywords)


# Specialised closures for the hottest nodes: the same results as both/either/compare/call, with no
# per-evaluation thunk, operator lookup or argument list.


def _record_path(node: Node, variables: frozenset[str]) -> tuple[str, ...] | None:
    """The field names of a path from the record (`person.age`), or None for any other expression."""
    names: list[str] = []
    while isinstance(node, Field):
        names.append(node.name)
        node = node.target
    if not isinstance(node, Name) or node.name in variables:
        return None
    names.append(node.name)
    return tuple(reversed(names))


def _path_getter(path: tuple[str, ...]) -> Compiled:
    """One closure for a whole field path, each step as get_field."""
    first, rest = path[0], path[1:]

    def run(env: Env) -> Any:
        value = getattr(env[RECORD], first, None)
        for name in rest:
            if value is None:
                return None
            value = value.get(name) if isinstance(value, dict) else getattr(value, name, None)
        return value

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
            a, b = _durations(a, b)
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
