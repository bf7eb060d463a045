"""Checked syntax tree -> one straight-line Python function per rule, to decide it (None is unknown).

The closures of compile.py call one closure per node, so a certificate rule that loops over Part I makes
hundreds of Python calls a record. The functions made here decide the same rules with the same answers in
one frame each: every node's value is a local variable, `and`, `or`, `not` and the quantifiers are written
as the branches and loops they mean, and only the registry's functions and the semantics' primitives are
called. Sub-expressions that several rules of a record type compute are kept in the environment's MEMO, in
the slots and on the conditions compile.py keeps them on.

Rule text never becomes Python source. The source is made from fixed templates only: every literal, field
name, concept, regex, function and primitive reaches the code as a constant argument (`k0`, `k1`, ...),
every value is held in a local the generator names (`t1`, `v2`, ...), and the only numbers written are
those names' counters and MEMO slots. Two rules that differ in their literals and field names alone give
the same source (`tests/test_language_generate.py` checks this over generated rules, and that no name and
no text constant outside that scheme appears in it). Explaining stays with compile.py's builder.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .compile import Compiled, Compiler, Scope, _worth_sharing, compile_condition, inline
from .functions import FUNCTIONS, keyword_values, prepared_arguments
from .nodes import (Binary, Call, Duration, Field, Index, Let, ListExpr, Literal, Name, Node, Quantifier, Unary)
from .semantics import CONTEXT, MEMO, ORDER, RECORD, arithmetic, compare, contains, get_field, get_index, negate, shift

__all__ = ["generate_shared", "generated_source"]

_OPERATORS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}
_NUMBER_OPERATORS = {"+": "+", "-": "-", "*": "*"}
_UNSET = object()


def _shifted(value: Any, duration: Duration, sign: int) -> Any:
    """`notification_date + 6 months`, as compile.py's closure gives it."""
    if value is None:
        return None
    if isinstance(value, date):
        return shift(value, duration, sign)
    return arithmetic("+" if sign == 1 else "-", value, duration)


class _Writer:
    """The source of one rule's function, and the constants it is given."""

    def __init__(self, shared: frozenset[Node], slots: dict[Node, int]) -> None:
        self.shared = shared
        self.slots = slots  # MEMO slots, shared by every rule of the record type
        self.constants: list[Any] = []
        self.shared_constants: list[int] = []  # the places of the language's constants among them
        self.lines: list[str] = []
        self.counter = 0
        self.uses: set[str] = set()  # rec, ctx, m

    def const(self, value: Any) -> str:
        """A constant of the language (a primitive, a function, an operator): given once, however often used."""
        for index in self.shared_constants:
            if self.constants[index] is value:
                return f"k{index}"
        self.shared_constants.append(len(self.constants))
        return self.datum(value)

    def datum(self, value: Any) -> str:
        """A value of the rule (a literal, a field name, a concept, a regex): a constant of its own at each
        place, so that which of a rule's values are equal never shapes the code."""
        self.constants.append(value)
        return f"k{len(self.constants) - 1}"

    def local(self, prefix: str = "t") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    # Each method writes the statements that compute a node at `indent` and gives the name holding its value.

    def value(self, node: Node, scope: Scope, names: dict[str, str], indent: int, let_value: bool = False) -> str:
        if _worth_sharing(node) or let_value and not isinstance(node, (Literal, Name, Field)):
            key = inline(node, scope)
            if key is not None and (key in self.shared or let_value):
                slot = self.slots.setdefault(key, len(self.slots))
                self.uses.add("m")
                held = self.local()
                unset = self.const(_UNSET)
                self.emit(indent, f"{held} = m.get({slot}, {unset})")
                self.emit(indent, f"if {held} is {unset}:")
                computed = self.node(node, scope, names, indent + 1)
                self.emit(indent + 1, f"{held} = m[{slot}] = {computed}")
                return held
        return self.node(node, scope, names, indent)

    def node(self, node: Node, scope: Scope, names: dict[str, str], indent: int) -> str:
        if isinstance(node, Literal):
            return self.datum(node.value)
        if isinstance(node, Name):
            if node.name in names:
                return names[node.name]
            self.uses.add("rec")
            held = self.local()
            self.emit(indent, f"{held} = rec.get({self.datum(node.name)})")
            return held
        if isinstance(node, Field):
            target = self.value(node.target, scope, names, indent)
            held = self.local()
            name, read = self.datum(node.name), self.const(get_field)
            self.emit(indent, f"{held} = None if {target} is None else {target}.get({name}) "
                              f"if type({target}) is dict else {read}({target}, {name})")
            return held
        if isinstance(node, Index):
            target = self.value(node.target, scope, names, indent)
            index = self.value(node.index, scope, names, indent)
            held = self.local()
            self.emit(indent, f"{held} = {self.const(get_index)}({target}, {index})")
            return held
        if isinstance(node, ListExpr):
            if all(isinstance(item, Literal) for item in node.items):
                held = self.local()
                constant = tuple(item.value for item in node.items if isinstance(item, Literal))
                self.emit(indent, f"{held} = list({self.datum(constant)})")
                return held
            items = [self.value(item, scope, names, indent) for item in node.items]
            held = self.local()
            self.emit(indent, f"{held} = [{', '.join(items)}{',' if len(items) == 1 else ''}]")
            return held
        if isinstance(node, Unary):
            operand = self.value(node.operand, scope, names, indent)
            held = self.local()
            if node.op == "not":
                self.emit(indent, f"{held} = None if {operand} is None else not {operand}")
            else:
                self.emit(indent, f"{held} = {self.const(negate)}({operand})")
            return held
        if isinstance(node, Binary):
            return self.binary(node, scope, names, indent)
        if isinstance(node, Quantifier):
            return self.quantifier(node, scope, names, indent)
        if isinstance(node, Let):
            return self.let(node, scope, names, indent)
        if isinstance(node, Call):
            return self.call(node, scope, names, indent)
        raise AssertionError(f"no code for {type(node).__name__}")

    def binary(self, node: Binary, scope: Scope, names: dict[str, str], indent: int) -> str:
        op = node.op
        if op in ("and", "or"):
            parts = _operands(node, op)
            held = self.local()
            decisive, otherwise = ("True", "False") if op == "or" else ("False", "True")
            self.emit(indent, f"{held} = {otherwise}")
            for number, part in enumerate(parts):
                inner = indent
                if number:  # the parts after the first are computed only while the chain is undecided
                    self.emit(indent, f"if {held} is not {decisive}:")
                    inner = indent + 1
                value = self.value(part, scope, names, inner)
                self.emit(inner, f"if {value} is {decisive}:")
                self.emit(inner + 1, f"{held} = {decisive}")
                self.emit(inner, f"elif {value} is None:")
                self.emit(inner + 1, f"{held} = None")
            return held
        left = self.value(node.left, scope, names, indent)
        right_literal = node.right.value if isinstance(node.right, Literal) else _UNSET
        held = self.local()
        if op in ORDER:
            if right_literal is not _UNSET and right_literal is not None and not isinstance(right_literal, Duration):
                self.emit(indent, f"{held} = None if {left} is None else {left} {_OPERATORS[op]} "
                                  f"{self.datum(right_literal)}")
                return held
            right = self.value(node.right, scope, names, indent)
            self.emit(indent, f"{held} = {self.const(compare)}({self.const(op)}, {left}, {right})")
            return held
        if op in ("+", "-") and isinstance(right_literal, Duration):
            self.emit(indent, f"{held} = {self.const(_shifted)}({left}, {self.datum(right_literal)}, "
                              f"{1 if op == '+' else -1})")
            return held
        if op in _NUMBER_OPERATORS and isinstance(right_literal, (int, float)) and not isinstance(right_literal, bool):
            self.emit(indent, f"{held} = None if {left} is None else {left} {_NUMBER_OPERATORS[op]} "
                              f"{self.datum(right_literal)}")
            return held
        right = self.value(node.right, scope, names, indent)
        primitive = contains if op in ("in", "not in") else arithmetic
        self.emit(indent, f"{held} = {self.const(primitive)}({self.const(op)}, {left}, {right})")
        return held

    def quantifier(self, node: Quantifier, scope: Scope, names: dict[str, str], indent: int) -> str:
        source = self.value(node.source, scope, names, indent)
        held, item = self.local(), self.local("v")
        inner_scope: Scope = {**scope, node.variable: None}
        inner_names = {**names, node.variable: item}
        self.emit(indent, f"if {source} is None:")
        self.emit(indent + 1, f"{held} = None")
        self.emit(indent, "else:")
        if node.kind == "count":
            self.emit(indent + 1, f"{held} = 0")
            self.emit(indent + 1, f"for {item} in {source}:")
            body = self.value(node.body, inner_scope, inner_names, indent + 2)
            self.emit(indent + 2, f"if {body} is True:")
            self.emit(indent + 3, f"{held} += 1")
            return held
        decisive = "True" if node.kind == "any" else "False"  # any stops at the first true, all at the first false
        self.emit(indent + 1, f"{held} = {'False' if node.kind == 'any' else 'True'}")
        self.emit(indent + 1, f"for {item} in {source}:")
        body = self.value(node.body, inner_scope, inner_names, indent + 2)
        self.emit(indent + 2, f"if {body} is {decisive}:")
        self.emit(indent + 3, f"{held} = {decisive}")
        self.emit(indent + 3, "break")
        self.emit(indent + 2, f"if {body} is None:")
        self.emit(indent + 3, f"{held} = None")
        return held

    def let(self, node: Let, scope: Scope, names: dict[str, str], indent: int) -> str:
        key = inline(node.value, scope)
        if key is not None:
            # As compile.py keeps it: the inlined value, computed once per record (kept in MEMO).
            value = self.value(key, {}, {}, indent, let_value=True)
        else:  # it reads a variable of a loop around it: computed where it is
            value = self.value(node.value, scope, names, indent, let_value=True)
        bound = self.local("v")
        self.emit(indent, f"{bound} = {value}")
        return self.value(node.body, {**scope, node.name: key}, {**names, node.name: bound}, indent)

    def call(self, node: Call, scope: Scope, names: dict[str, str], indent: int) -> str:
        function = FUNCTIONS[node.function]
        constants = prepared_arguments(node)
        keywords = keyword_values(node)
        args: list[str] = []
        computed: list[str] = []
        for arg, constant in zip(node.args, constants):
            if constant is not None:
                args.append(self.datum(constant))
            else:
                value = self.value(arg, scope, names, indent)
                args.append(value)
                computed.append(value)
        leading = ["ctx"]
        self.uses.add("ctx")
        if function.takes_record:
            leading.append("rec")
            self.uses.add("rec")
        if keywords:
            args.append(f"**{self.datum(keywords)}")
        held = self.local()
        if function.found is not None:
            expression = f"{self.const(function.found)}({', '.join(leading + args)}) is not None"
        else:
            expression = f"{self.const(function.impl)}({', '.join(leading + args)})"
        if function.sees_unknown or not computed:
            self.emit(indent, f"{held} = {expression}")
            return held
        self.emit(indent, f"if {' or '.join(f'{a} is None' for a in computed)}:")
        self.emit(indent + 1, f"{held} = None")
        self.emit(indent, "else:")
        self.emit(indent + 1, f"{held} = {expression}")
        return held

    def source(self, body: list[str], result: str) -> str:
        head = ["def decide(env):"]
        if "rec" in self.uses:
            head.append(f"    rec = env[{self.const(RECORD)}]")
        if "ctx" in self.uses:
            head.append(f"    ctx = env[{self.const(CONTEXT)}]")
        if "m" in self.uses:
            head.append(f"    m = env[{self.const(MEMO)}]")
        parameters = ", ".join(f"k{i}" for i in range(len(self.constants)))
        lines = [f"def make({parameters}):", *("    " + line for line in head + body),
                 f"        return {result}", "    return decide"]
        return "\n".join(lines) + "\n"


def _operands(node: Node, op: str) -> list[Node]:
    """`a and b and c` as [a, b, c]: a chain of the same connective, flattened."""
    if isinstance(node, Binary) and node.op == op:
        return _operands(node.left, op) + _operands(node.right, op)
    return [node]


def _written(node: Node, shared: frozenset[Node], slots: dict[Node, int]) -> tuple[str, list[Any]]:
    """One condition's function as source, and the constants it is made with."""
    writer = _Writer(shared, slots)
    result = writer.value(node, {}, {}, 1)
    return writer.source(writer.lines, result), writer.constants


def _shared(conditions: list[Node]) -> frozenset[Node]:
    """The sub-expressions compile.py would share between these conditions: those met more than once."""
    seen: dict[Node, int] = {}
    counter = Compiler(seen=seen)
    for node in conditions:
        counter.compile(node)
    return frozenset(k for k, n in seen.items() if n > 1)


def generated_source(conditions: list[Node]) -> list[tuple[str, list[Any]]]:
    """Each condition's function as source, with the constants it is made with (for tests and reading)."""
    shared, slots = _shared(conditions), {}  # type: ignore[var-annotated]
    return [_written(node, shared, slots) for node in conditions]


def generate_shared(conditions: list[Node]) -> list[Compiled]:
    """Decide the conditions of the rules one record type runs, as compile_shared does, each with a function
    of its own; the functions need MEMO in the environment, a fresh dict for each record.

    A condition nested deeper than Python nests blocks (a hundred loops inside each other) is decided by
    compile.py's closures instead, on its own: the same answers, with nothing shared."""
    made: list[Compiled] = []
    for node, (source, constants) in zip(conditions, generated_source(conditions)):
        try:
            code = compile(source, "<rule>", "exec")
        except (SyntaxError, RecursionError, MemoryError):
            made.append(compile_condition(node))
            continue
        namespace: dict[str, Any] = {"__builtins__": {"type": type, "dict": dict, "list": list}}
        exec(code, namespace)  # source of fixed templates only, see above
        made.append(namespace["make"](*constants))
    return made
