"""A plain tree-walking evaluator that also records why: the reference that the compiled closures, deciding
and explaining, are tested against. It reads the meaning of values and operators from semantics.py and of
functions from the registry, never from the compiler it checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from .functions import FUNCTIONS, call_explained, keyword_values, prepared_arguments
from .nodes import Binary, Call, Field, Index, Let, ListExpr, Literal, Name, Node, Quantifier, Unary
from .semantics import (CONTEXT, RECORD, Env, arithmetic, both, compare, contains, either, get_field, get_index,
                        logical_not, negate, quantify)
from .trace import HOLDERS, MAX_INPUTS, Located, Step, Trace, plain, subset, with_items


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
        inputs = reads if len(reads) <= MAX_INPUTS else dict(list(reads.items())[:MAX_INPUTS])
        self.trace.steps.append(Step(str(node), plain(value), inputs))
        if value is not True:
            del self.trace.sightings[sightings_before:]
        return value

    def eval(self, node: Node, env: Env, paths: dict[str, Located]) -> Located:
        return _EVALUATORS[type(node)](self, node, env, paths)

    def _read(self, value: Any, path: str | None) -> Located:
        """A value read from the record, with its path; noted as an input of the step when tracing."""
        # Only recorded values are worth showing; the records and lists that hold them are not.
        if isinstance(value, list):
            return with_items(value, path)
        if self.trace is not None and path is not None and not isinstance(value, HOLDERS):
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
                located = with_items(item, path)
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
        constants = prepared_arguments(node)
        located = [Located(c) if c is not None else self.eval(a, env, paths) for a, c in zip(node.args, constants)]
        value, found = call_explained(function, env[CONTEXT], env[RECORD], [a.value for a in located],
                                      keyword_values(node))
        if self.trace is not None and value is True and found is not None:
            path = located[0].path if located else None
            if path is not None and found.field is not None:
                path = f"{path}.{found.field}"
            self.trace.sightings.append((found, path))
        if function.keeps_item_paths and isinstance(value, list) and located[0].item_paths:
            return subset(value, located[0])
        return Located(value)


# Each evaluator takes the class of node it is kept under, which a dict's type cannot say: hence Any.
_Evaluator = Callable[[Interpreter, Any, Env, dict[str, Located]], Located]
_EVALUATORS: dict[type[Node], _Evaluator] = {Literal: Interpreter._literal, Name: Interpreter._name, Field: Interpreter._field,
               Index: Interpreter._index, ListExpr: Interpreter._listexpr, Unary: Interpreter._unary,
               Binary: Interpreter._binary, Quantifier: Interpreter._quantifier, Let: Interpreter._let,
               Call: Interpreter._call}


def interpret(node: Node, env: Env, trace: Trace | None = None) -> Any:
    """Evaluate a condition by walking its tree; with a trace, record what decided it."""
    return Interpreter(trace).run(node, env)
