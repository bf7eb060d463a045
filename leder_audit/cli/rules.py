"""The rules commands (list, test, docs) and explain."""

from __future__ import annotations

import json
from typing import Any

from ..engine import Auditor, Explanation
from ..errors import InputError
from ..findings import NOT_RECORDED, Rejection
from ..intake import admit
from ..prose import counted
from ..readers import read
from ..rulebook import Rulebook
from ..terminal import visible
from .io import as_error
from .options import EXIT_FINDINGS, EXIT_OK


def list_rules(args: Any, book: Rulebook) -> int:
    if args.format == "json":
        rows = [{"id": r.id, "version": r.spec.version, "severity": r.spec.severity, "applies_to": r.spec.applies_to,
                 "tags": r.spec.tags, "title": r.spec.title, "file": r.file} for r in book.rules]
        print(json.dumps(rows, indent=1))
        return EXIT_OK
    for rule in book.rules:
        print(f"{rule.id:16} {rule.spec.severity:8} {rule.spec.applies_to:17} {','.join(rule.spec.tags):28} {rule.spec.title}")
    print(counted(len(book.rules), "rule"))
    return EXIT_OK


def test_rules(args: Any, book: Rulebook) -> int:
    from ..ruletests import run_cases

    total = failed = 0
    for result in run_cases(book, as_of=args.as_of):
        total += 1
        if result.ok:
            continue
        failed += 1
        print(f"FAIL {result.rule_id} {result.expected} case {result.number}: expected {result.expected}, "
              f"got {result.actual}\n  record: {json.dumps(result.case, default=str)}"
              + (f"\n  {result.detail}" if result.detail else ""))
    print(f"{total - failed:,} passed, {failed:,} failed")
    return EXIT_FINDINGS if failed else EXIT_OK


def rule_docs(args: Any, book: Rulebook) -> int:
    from ..rulesdocs import write_rule_docs

    written = write_rule_docs(book, args.output_dir)
    print(f"{counted(len(written), 'page')} written to {args.output_dir}")
    return EXIT_OK


def explain(args: Any, book: Rulebook) -> int:
    rule = book.by_id.get(args.rule_id)
    if rule is None:
        from ..language.check import did_you_mean

        among = " among the rules --select and --ignore leave" if args.select or args.ignore else ""
        raise InputError(f"no rule {args.rule_id}{among}. " + (did_you_mean(args.rule_id, book.by_id) or ""),
                         "explain")
    auditor = Auditor(book.select([rule.id]), as_of=args.as_of)
    print(f"{rule.id} v{rule.spec.version}: {rule.spec.title}\nwhen: {rule.condition}")
    for number, item in enumerate(read(args.record_file), 1):
        admitted = admit(item, number)
        if isinstance(item, Rejection):
            print(visible(f"\n{item.source}, {item.location}: rejected: {item.message}", keep="\n"))
        elif isinstance(admitted, Rejection):
            print(visible(f"\n{as_error(admitted)}", keep="\n"))
        else:
            for explained in auditor.explain(rule, admitted.record):
                _print_explanation(explained, rule)
    return EXIT_OK


def _print_explanation(explained: Explanation, rule: Any) -> None:
    verdict = {True: "FIRES", False: "does not fire", None: "unknown (data missing)"}[explained.outcome]
    if explained.outcome is None and rule.unknown is not None:
        verdict += (f" -> fires as not recorded (decided_on_unknown: true, {rule.unknown.severity}, tag"
                    f" {NOT_RECORDED}): \"{rule.unknown.title}\", a documentation gap, not a failure of care")
    print(visible(f"\nrecord {explained.record_id}{' at ' + explained.at if explained.at else ''}: {verdict}", keep="\n"))
    for step in explained.steps:
        inputs = ", ".join(f"{k} = {json.dumps(v, default=str)}" for k, v in step.inputs.items())
        print(visible(f"  {step.expression}  ->  {json.dumps(step.value, default=str)}" + (f"   [{inputs}]" if inputs else "")))
    for sighting, path in explained.evidence:
        print(visible(f"  evidence at {path}: \"{sighting.text}\" [{sighting.start}:{sighting.end}]"
                      + (f" ({sighting.context})" if sighting.context else "")))
