"""Check a condition against a record model: field paths, functions, concepts and types."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Callable, Iterable, NoReturn

from pydantic import BaseModel

from ..errors import Origin, RuleTypeError
from .functions import FUNCTIONS, Function, Param
from .nodes import Binary, Call, Field, Index, Let, ListExpr, Literal, Name, Node, Quantifier, Unary
from .nodes import Duration
from .types import ANY, BOOL, CONCEPT, DATE, DURATION, NULL, NUMBER, STRING, Type, compatible, fields_of, is_, list_of, record

_ORDERED = ("number", "date", "duration", "string")


def did_you_mean(name: str, options: Iterable[str]) -> str | None:
    """A hint naming the closest valid option, if any is close."""
    close = difflib.get_close_matches(name, sorted(options), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def literal_type(value: object) -> Type:
    """The type of a literal's value."""
    from datetime import date

    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, date):
        return DATE
    if isinstance(value, Duration):
        return DURATION
    return ANY


@dataclass
class Checker:
    """Type-checks one condition; errors point into the condition's own text."""

    model: type[BaseModel]
    concept_names: frozenset[str]
    text: str = ""
    origin: Origin = Origin()

    def check(self, node: Node) -> Type:
        """The type of the whole condition, which must be a bool."""
        result = self.type_of(node, {})
        if not is_(result, "bool"):
            self.fail(node, f"a condition must be true or false, but this is a {result}",
                      "compare it with something, e.g. `... == true` or `exists(...)`")
        return result

    def fail(self, node: Node, message: str, hint: str | None = None) -> NoReturn:
        lines = self.text.splitlines() or [""]
        line = max(node.line, 1)
        source = lines[line - 1] if line <= len(lines) else ""
        raise RuleTypeError(message, self.origin, line=line, column=max(node.column, 1), source_line=source, hint=hint)

    def type_of(self, node: Node, scope: dict[str, Type]) -> Type:
        method: Callable[[Node, dict[str, Type]], Type] = getattr(self, f"_{type(node).__name__.lower()}")
        return method(node, scope)

    def _literal(self, node: Literal, scope: dict[str, Type]) -> Type:
        return literal_type(node.value)

    def _name(self, node: Name, scope: dict[str, Type]) -> Type:
        if node.name in scope:
            return scope[node.name]
        top = fields_of(self.model)
        if node.name in top:
            return top[node.name]
        if node.name in self.concept_names:
            self.fail(node, f"`{node.name}` is a concept, which can only be given to mentions() or mention_context()")
        if node.name in FUNCTIONS:
            self.fail(node, f"`{node.name}` is a function", f"call it: `{node.name}(...)`")
        options = list(scope) + list(top)
        self.fail(node, f"unknown field `{node.name}` in a {self.model.__name__} record", did_you_mean(node.name, options)
                  or f"fields are: {', '.join(sorted(top))}")

    def _field(self, node: Field, scope: dict[str, Type]) -> Type:
        target = self.type_of(node.target, scope)
        if target.kind == "any":
            return ANY
        if target.kind != "record" or target.model is None:
            hint = "use a quantifier: `any x in list: x.field ...`" if target.kind == "list" else None
            self.fail(node, f"`{node.target}` is a {target}, which has no field `{node.name}`", hint)
        fields = fields_of(target.model)
        if node.name not in fields:
            self.fail(node, f"unknown field `{node.name}` of `{node.target}` ({target.model.__name__})",
                      did_you_mean(node.name, fields) or f"fields are: {', '.join(sorted(fields))}")
        return fields[node.name]

    def _index(self, node: Index, scope: dict[str, Type]) -> Type:
        target = self.type_of(node.target, scope)
        index = self.type_of(node.index, scope)
        if not is_(index, "number"):
            self.fail(node.index, f"a list index must be a number, not a {index}")
        if target.kind == "list":
            return target.item or ANY
        if target.kind in ("string", "any"):
            return target
        self.fail(node, f"`{node.target}` is a {target} and cannot be indexed")

    def _listexpr(self, node: ListExpr, scope: dict[str, Type]) -> Type:
        item = NULL
        for element in node.items:
            kind = self.type_of(element, scope)
            if not compatible(item, kind):
                self.fail(element, f"a list holds values of one type, but this is a {kind} among {item}s")
            item = kind if item.kind == "null" else item
        return list_of(ANY if item.kind == "null" else item)

    def _unary(self, node: Unary, scope: dict[str, Type]) -> Type:
        operand = self.type_of(node.operand, scope)
        if node.op == "not":
            if not is_(operand, "bool"):
                self.fail(node.operand, f"`not` needs true or false, but this is a {operand}")
            return BOOL
        if not (is_(operand, "number") or operand.kind == "duration"):
            self.fail(node.operand, f"cannot negate a {operand}")
        return operand

    def _binary(self, node: Binary, scope: dict[str, Type]) -> Type:
        left, right = self.type_of(node.left, scope), self.type_of(node.right, scope)
        op = node.op
        if op in ("and", "or"):
            for side, kind in ((node.left, left), (node.right, right)):
                if not is_(kind, "bool"):
                    self.fail(side, f"`{op}` needs true or false on both sides, but `{side}` is a {kind}")
            return BOOL
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return self._comparison(node, left, right)
        if op in ("in", "not in"):
            if right.kind == "list" and not compatible(left, right.item or ANY):
                self.fail(node, f"cannot look for a {left} in a {right}")
            if right.kind not in ("list", "string", "any"):
                self.fail(node.right, f"`{op}` needs a list or text on its right, not a {right}")
            return BOOL
        return self._arithmetic(node, left, right)

    def _comparison(self, node: Binary, left: Type, right: Type) -> Type:
        for side in (node.left, node.right):
            if isinstance(side, Literal) and side.value is None:
                self.fail(side, "comparing with null is always unknown", "use exists(...) or missing(...)")
        if not compatible(left, right):
            self.fail(node, f"cannot compare a {left} with a {right}")
        if node.op not in ("==", "!=") and not any(is_(left, k) and is_(right, k) for k in _ORDERED):
            self.fail(node, f"`{node.op}` orders numbers, dates, durations or text, not a {left}")
        return BOOL

    def _arithmetic(self, node: Binary, left: Type, right: Type) -> Type:
        kinds = (left.kind, right.kind)
        if "any" in kinds:
            return ANY
        results = {
            ("+", "number", "number"): NUMBER, ("-", "number", "number"): NUMBER,
            ("*", "number", "number"): NUMBER, ("/", "number", "number"): NUMBER,
            ("+", "date", "duration"): DATE, ("+", "duration", "date"): DATE, ("-", "date", "duration"): DATE,
            ("-", "date", "date"): DURATION, ("+", "duration", "duration"): DURATION,
            ("-", "duration", "duration"): DURATION, ("+", "string", "string"): STRING,
        }
        result = results.get((node.op, *kinds))
        if result is None:
            self.fail(node, f"cannot compute {left} {node.op} {right}")
        return result

    def _quantifier(self, node: Quantifier, scope: dict[str, Type]) -> Type:
        source = self.type_of(node.source, scope)
        if source.kind not in ("list", "any"):
            self.fail(node.source, f"`{node.kind}` goes over a list, but `{node.source}` is a {source}")
        body = self.type_of(node.body, {**scope, node.variable: source.item or ANY})
        if not is_(body, "bool"):
            self.fail(node.body, f"the body of `{node.kind}` must be true or false, not a {body}")
        return NUMBER if node.kind == "count" else BOOL

    def _let(self, node: Let, scope: dict[str, Type]) -> Type:
        value = self.type_of(node.value, scope)
        return self.type_of(node.body, {**scope, node.name: value})

    def _call(self, node: Call, scope: dict[str, Type]) -> Type:
        function = FUNCTIONS.get(node.function)
        if function is None:
            self.fail(node, f"unknown function `{node.function}`",
                      did_you_mean(node.function, FUNCTIONS) or f"functions are: {', '.join(sorted(FUNCTIONS))}")
        self._check_arity(node, function)
        arg_types = [self._argument(node, function, i, arg, scope) for i, arg in enumerate(node.args)]
        for key, value in node.keywords:
            if key not in function.keywords:
                self.fail(value, f"{function.name}() has no option `{key}`",
                          did_you_mean(key, function.keywords) or None)
            wanted = function.keywords[key][0]
            if not isinstance(value, Literal) or not compatible(literal_type(value.value), wanted):
                self.fail(value, f"option `{key}` of {function.name}() must be a {wanted} literal")
        return function.returns(arg_types) if callable(function.returns) else function.returns

    def _check_arity(self, node: Call, function: Function) -> None:
        most = len(function.params)
        least = most - function.optional
        count = len(node.args)
        if count < least or (count > most and function.variadic is None):
            wanted = f"{least}" if least == most else f"{least} to {most}"
            if function.variadic is not None:
                wanted = f"at least {least}"
            self.fail(node, f"{function.name}() takes {wanted} argument{'s' if most != 1 else ''}, not {count}",
                      f"for example: {function.example}" if function.example else None)
        if function.variadic is not None and count == least:
            self.fail(node, f"{function.name}() needs at least one {function.variadic.name}",
                      f"for example: {function.example}")

    def _argument(self, node: Call, function: Function, position: int, arg: Node, scope: dict[str, Type]) -> Type:
        param = function.params[position] if position < len(function.params) else function.variadic
        if param is None:  # _check_arity has refused more arguments than the function takes
            raise AssertionError(f"{function.name}() has no parameter {position + 1}")
        if param.type is CONCEPT or param.type == CONCEPT:
            return self._concept(arg)
        if param.literal:
            self._literal_argument(function, param, arg)
        kind = self.type_of(arg, scope)
        if not compatible(kind, param.type):
            self.fail(arg, f"argument `{param.name}` of {function.name}() must be a {param.type}, not a {kind}")
        return kind

    def _concept(self, arg: Node) -> Type:
        name = arg.name if isinstance(arg, Name) else arg.value if isinstance(arg, Literal) else None
        if not isinstance(name, str):
            self.fail(arg, "this argument must name a concept, e.g. ld_or_related")
        if name not in self.concept_names:
            self.fail(arg, f"unknown concept `{name}`", did_you_mean(name, self.concept_names)
                      or f"concepts are: {', '.join(sorted(self.concept_names))}")
        return CONCEPT

    def _literal_argument(self, function: Function, param: Param, arg: Node) -> None:
        if not (isinstance(arg, Literal) and isinstance(arg.value, str)):
            self.fail(arg, f"argument `{param.name}` of {function.name}() must be written as a string literal")
        if function.prepare is not None:
            try:
                function.prepare(arg.value)
            except ValueError as error:
                self.fail(arg, str(error))


def check(node: Node, model: type[BaseModel], concept_names: frozenset[str], text: str = "", origin: Origin = Origin()) -> Type:
    """Check a parsed condition for a record model; raise RuleTypeError with a hint when it is wrong."""
    return Checker(model, concept_names, text, origin).check(node)


__all__ = ["check", "did_you_mean", "Checker", "record"]
