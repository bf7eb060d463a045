"""A minimal hand-written audit doing four checks, as the baseline leder-audit's speed is compared with.

    python benchmarks/handwritten_four_checks.py records.ndjson [--as-of 2025-01-01] [--orjson]

The checks: learning disability as the last completed line of MCCD Part I; learning disability in a
DNACPR rationale; a LeDeR review completed (or still open) more than six months after notification;
no transition plan documented for someone aged 14 to 25. Embedded certificates and DNACPR decisions
of a review are checked too. It writes one line per hit to standard output and nothing else: no
validation, no negation handling, no evidence or explanation.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date

LD = re.compile(r"\b(learning (disabilit(y|ies)|difficult(y|ies))|down'?s syndrome|trisomy 21|autis(m|tic)"
                r"|global developmental delay|rett syndrome)\b|\b(LD|PMLD)\b", re.IGNORECASE)
SIX_MONTHS = 183


def last_line_is_ld(certificate: dict) -> bool:
    lines = [line.get("text") for line in certificate.get("part1") or [] if (line.get("text") or "").strip()]
    return bool(lines) and LD.search(lines[-1]) is not None


def rationale_is_ld(decision: dict) -> bool:
    return LD.search(decision.get("rationale") or "") is not None


def review_overdue(review: dict, as_of: date) -> bool:
    notified = review.get("notification_date")
    if not notified:
        return False
    completed = review.get("review_completed_date")
    end = date.fromisoformat(completed) if completed else as_of
    return (end - date.fromisoformat(notified)).days > SIX_MONTHS


def transition_plan_missing(review: dict) -> bool:
    age = (review.get("person") or {}).get("age")
    return age is not None and 14 <= age <= 25 and (review.get("transition") or {}).get("transition_plan_documented") is not True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    parser.add_argument("--orjson", action="store_true", help="parse with orjson instead of the json module")
    args = parser.parse_args()
    loads = json.loads
    if args.orjson:
        import orjson

        loads = orjson.loads
    out = sys.stdout
    hits = 0
    with open(args.path, "rb") as handle:
        for line in handle:
            record = loads(line)
            kind = record.get("record_type")
            found = []
            if kind == "death_certificate" and last_line_is_ld(record):
                found.append("ld-last-part1-line")
            elif kind == "dnacpr_decision" and rationale_is_ld(record):
                found.append("ld-dnacpr-rationale")
            elif kind == "mortality_review":
                if review_overdue(record, args.as_of):
                    found.append("review-over-six-months")
                if transition_plan_missing(record):
                    found.append("no-transition-plan")
                if last_line_is_ld(record.get("death_certificate") or {}):
                    found.append("ld-last-part1-line")
                if rationale_is_ld(record.get("dnacpr") or {}):
                    found.append("ld-dnacpr-rationale")
            for check in found:
                out.write(f'{{"record_id": "{record.get("id")}", "check": "{check}"}}\n')
            hits += len(found)
    print(f"{hits} hits", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
