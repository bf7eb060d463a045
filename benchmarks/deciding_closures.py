"""Print the shape of every built-in rule's deciding closures: each closure's name and a hash of its bytecode,
down the tree, rule by rule.

    python benchmarks/deciding_closures.py > after.txt

Run it on two versions of the code and compare the files: when they are the same, the rules are decided by
the same code, and any difference in how fast they are decided is the machine's.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from leder_audit import load_rulebook


def shape(function: Any, depth: int, out: list[str]) -> None:
    code = function.__code__
    out.append(f"{'  ' * depth}{code.co_qualname} {hashlib.sha256(code.co_code).hexdigest()[:12]}")
    for cell in function.__closure__ or ():
        held = cell.cell_contents
        for item in held if isinstance(held, (list, tuple)) else (held,):
            if callable(item) and hasattr(item, "__code__") and item.__code__.co_filename.endswith("compile.py"):
                shape(item, depth + 1, out)


def main() -> int:
    book = load_rulebook()
    out: list[str] = []
    for record_type, plan in sorted(book.plans.items()):
        for rule, compiled in plan:
            out.append(f"{record_type} {rule.id}")
            shape(compiled, 1, out)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
