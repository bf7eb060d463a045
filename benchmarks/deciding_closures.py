"""Print the code every built-in rule is decided by: each rule's generated function (its source, with the kind
of each constant it is given), rule by rule.

    python benchmarks/deciding_closures.py > after.txt

Run it on two versions of the code and compare the files: when they are the same, the rules are decided by
the same code, and any difference in how fast they are decided is the machine's.
"""

from __future__ import annotations

import sys

from leder_audit import load_rulebook
from leder_audit.language.generate import generated_source


def main() -> int:
    book = load_rulebook()
    out: list[str] = []
    for record_type, typed in sorted(book.by_type.items()):
        made = generated_source([rule.condition for rule in typed])
        for rule, (source, constants) in zip(typed, made):
            out.append(f"{record_type} {rule.id}")
            out.append(source.rstrip("\n"))
            out.append("  constants: " + ", ".join(type(c).__name__ for c in constants))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
