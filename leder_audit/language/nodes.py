"""The rule language's syntax tree: small frozen nodes that print back to source."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Container, Union

# Binding strength, loosest first; a child printed inside a tighter parent gets parentheses.
LET, OR, AND, NOT, COMPARE, SUM, PRODUCT, NEGATE, POSTFIX, ATOM = range(10)

BINARY_PRECEDENCE = {
    "or": OR, "and": AND,
    "==": COMPARE, "!=": COMPARE, "<": COMPARE, "<=": COMPARE, ">": COMPARE, ">=": COMPARE,
    "in": COMPARE, "not in": COMPARE,
    "+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT,
}


@dataclass(frozen=True, slots=True)
class Duration:
    """A span of time: calendar months and days, kept apart because months vary in length."""

    days: int = 0
    months: int = 0

    def __str__(self) -> str:
        if self.months and not self.days:
            return f"{self.months} month" + ("s" if self.months != 1 else "")
        return f"{self.days} day" + ("s" if self.days != 1 else "")

    def approximate_days(self) -> float:
        """Length in days, a month counted as the average Gregorian month."""
        return self.days + self.months * 30.436875


# A value of the language: what a literal holds, or a list of values (from a record or a list expression).
Value = Union[None, bool, int, float, str, date, Duration, list["Value"]]


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node; `line` and `column` place it in the condition's text."""

    line: int = field(default=0, compare=False, kw_only=True, repr=False)
    column: int = field(default=0, compare=False, kw_only=True, repr=False)

    @property
    def precedence(self) -> int:
        return ATOM


def _print_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Value

    @property
    def precedence(self) -> int:
        if isinstance(self.value, (int, float)) and not isinstance(self.value, bool) and self.value < 0:
            return NEGATE
        return ATOM

    def __str__(self) -> str:
        value = self.value
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return _print_string(value)
        if isinstance(value, float):
            return json.dumps(value)
        return str(value)


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Field(Node):
    target: Node
    name: str

    @property
    def precedence(self) -> int:
        return POSTFIX

    def __str__(self) -> str:
        return f"{_wrap(self.target, POSTFIX)}.{self.name}"


@dataclass(frozen=True, slots=True)
class Index(Node):
    target: Node
    index: Node

    @property
    def precedence(self) -> int:
        return POSTFIX

    def __str__(self) -> str:
        return f"{_wrap(self.target, POSTFIX)}[{self.index}]"


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str
    args: tuple[Node, ...] = ()
    keywords: tuple[tuple[str, Node], ...] = ()

    def __str__(self) -> str:
        parts = [str(a) for a in self.args] + [f"{k}={v}" for k, v in self.keywords]
        return f"{self.function}({', '.join(parts)})"


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str  # "not" or "-"
    operand: Node

    @property
    def precedence(self) -> int:
        return NOT if self.op == "not" else NEGATE

    def __str__(self) -> str:
        if self.op == "not":
            return f"not {_wrap(self.operand, NOT)}"
        return f"-{_wrap(self.operand, NEGATE + 1 if _is_negative_literal(self.operand) else NEGATE)}"


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node

    @property
    def precedence(self) -> int:
        return BINARY_PRECEDENCE[self.op]

    def __str__(self) -> str:
        mine = self.precedence
        # Comparisons do not chain, so both sides bind tighter; other operators are left-associative.
        left_min = mine + 1 if mine == COMPARE else mine
        return f"{_wrap(self.left, left_min)} {self.op} {_wrap(self.right, mine + 1)}"


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple[Node, ...] = ()

    def __str__(self) -> str:
        return "[" + ", ".join(str(i) for i in self.items) + "]"


@dataclass(frozen=True, slots=True)
class Quantifier(Node):
    kind: str  # "any", "all" or "count"
    variable: str
    source: Node
    body: Node

    @property
    def precedence(self) -> int:
        return ATOM if self.kind == "count" else LET

    def __str__(self) -> str:
        head = f"{self.variable} in {_wrap(self.source, OR)}: {self.body}"
        return f"count({head})" if self.kind == "count" else f"{self.kind} {head}"


@dataclass(frozen=True, slots=True)
class Let(Node):
    name: str
    value: Node
    body: Node

    @property
    def precedence(self) -> int:
        return LET

    def __str__(self) -> str:
        return f"let {self.name} = {_wrap(self.value, OR)}; {self.body}"


def _is_negative_literal(node: Node) -> bool:
    return isinstance(node, Literal) and node.precedence == NEGATE


def _wrap(node: Node, minimum: int) -> str:
    return f"({node})" if node.precedence < minimum else str(node)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of a node, in source order."""
    match node:
        case Field(target=t):
            return (t,)
        case Index(target=t, index=i):
            return (t, i)
        case Call(args=a, keywords=k):
            return a + tuple(v for _, v in k)
        case Unary(operand=o):
            return (o,)
        case Binary(left=l, right=r):
            return (l, r)
        case ListExpr(items=i):
            return i
        case Quantifier(source=s, body=b):
            return (s, b)
        case Let(value=v, body=b):
            return (v, b)
    return ()


def with_children(node: Node, new: Sequence[Node]) -> Node:
    """The node with its direct sub-expressions replaced by `new`, given in the order of children(node)."""
    match node:
        case Field():
            return replace(node, target=new[0])
        case Index():
            return replace(node, target=new[0], index=new[1])
        case Call(args=a, keywords=k):
            return replace(node, args=tuple(new[: len(a)]), keywords=tuple(zip((key for key, _ in k), new[len(a):])))
        case Unary():
            return replace(node, operand=new[0])
        case Binary():
            return replace(node, left=new[0], right=new[1])
        case ListExpr():
            return replace(node, items=tuple(new))
        case Quantifier():
            return replace(node, source=new[0], body=new[1])
        case Let():
            return replace(node, value=new[0], body=new[1])
    return node


def record_path(node: Node, variables: Container[str]) -> tuple[str, ...] | None:
    """The field names of a path from the record (`person.age`), or None for any other expression."""
    names: list[str] = []
    while isinstance(node, Field):
        names.append(node.name)
        node = node.target
    if not isinstance(node, Name) or node.name in variables:
        return None
    names.append(node.name)
    return tuple(reversed(names))
