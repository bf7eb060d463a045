"""Two reports compared: the findings new in the later one, those fixed since the earlier one, and those
that persist, by theme and by rule, as a table, JSON or a small HTML page."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

from .baseline import Baseline, KnownFinding, Report
from .findings import NOT_RECORDED, SEVERITIES

KINDS = ("new", "fixed", "persisting")


@dataclass(frozen=True, slots=True)
class ReportDiff:
    """What changed between an earlier and a later report."""

    old: Report
    new: Report
    added: list[KnownFinding]
    fixed: list[KnownFinding]
    persisting: list[KnownFinding]
    persisting_under_new_rule_version: int

    @property
    def rulebooks_differ(self) -> bool:
        return None not in (self.old.rulebook_hash, self.new.rulebook_hash) and \
            self.old.rulebook_hash != self.new.rulebook_hash

    def by_kind(self) -> dict[str, list[KnownFinding]]:
        return {"new": self.added, "fixed": self.fixed, "persisting": self.persisting}

    def by_theme(self, not_recorded: bool = False) -> dict[str, dict[str, int]]:
        """Counts per theme tag: recorded failures, or (not_recorded) the findings decided on unknown."""
        counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        for kind, findings in self.by_kind().items():
            for finding in findings:
                if finding.decided_on_unknown == not_recorded:
                    counts[kind].update(tag for tag in finding.tags if tag != NOT_RECORDED)
        themes = sorted(set().union(*counts.values()))
        return {theme: {kind: counts[kind][theme] for kind in KINDS} for theme in themes}

    def by_rule(self) -> dict[str, dict[str, Any]]:
        """Counts per rule, with the rule's title as the later report gives it (or the earlier, if fixed)."""
        rows: dict[str, dict[str, Any]] = {}
        for kind, findings in self.by_kind().items():
            for finding in findings:
                row = rows.setdefault(finding.rule_id, {"title": finding.title, **{k: 0 for k in KINDS}})
                row[kind] += 1
        return dict(sorted(rows.items()))

    def worst_new(self) -> int:
        """The rank in SEVERITIES of the most severe new finding, -1 when there is none."""
        return max((SEVERITIES.index(f.severity) for f in self.added), default=-1)


def compare(old: Report, new: Report) -> ReportDiff:
    """Sort the later report's findings against the earlier's, as `check --baseline` does."""
    baseline = Baseline(old)
    added: list[KnownFinding] = []
    persisting: list[KnownFinding] = []
    for finding in new.findings:
        (added if baseline.is_new_known(finding) else persisting).append(finding)
    counts = baseline.finish()
    return ReportDiff(old, new, added, baseline.fixed_findings(), persisting,
                      counts.persisting_under_new_rule_version)


def _run_of(report: Report) -> dict[str, Any]:
    header = report.header or {}
    return {"file": report.source, **{key: header.get(key) for key in ("version", "rulebook_hash", "run_time", "as_of")},
            "findings": len(report.findings)}


def _finding_json(finding: KnownFinding) -> dict[str, Any]:
    data = asdict(finding)
    data["tags"] = list(finding.tags)
    return data


def diff_json(diff: ReportDiff) -> str:
    """The comparison as one JSON document: both runs, the counts, the tables, and every finding by kind."""
    document = {
        "old": _run_of(diff.old), "new": _run_of(diff.new), "rulebooks_differ": diff.rulebooks_differ,
        "summary": {"new": len(diff.added), "fixed": len(diff.fixed), "persisting": len(diff.persisting),
                    "persisting_under_new_rule_version": diff.persisting_under_new_rule_version},
        "by_theme": diff.by_theme(), "not_recorded_by_theme": diff.by_theme(not_recorded=True),
        "by_rule": diff.by_rule(),
        "findings": {kind: [_finding_json(f) for f in findings] for kind, findings in diff.by_kind().items()},
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _sorted(findings: list[KnownFinding]) -> list[KnownFinding]:
    return sorted(findings, key=lambda f: (-SEVERITIES.index(f.severity), f.rule_id, f.record_type, f.record_id))


def _counts_table(title: str, rows: dict[str, dict[str, Any]], width: int = 28) -> list[str]:
    if not rows:
        return []
    lines = [f"\n{title:{width}} {'new':>7} {'fixed':>7} {'persisting':>11}"]
    for name, row in rows.items():
        lines.append(f"{name:{width}} {row['new']:>7,} {row['fixed']:>7,} {row['persisting']:>11,}")
    return lines


def _listing(title: str, findings: list[KnownFinding]) -> list[str]:
    if not findings:
        return []
    lines = [f"\n{title}:"]
    for f in _sorted(findings):
        where = f" at {f.path}" if f.path else ""
        gap = " (not recorded)" if f.decided_on_unknown else ""
        lines.append(f"  {f.severity.upper():8} {f.rule_id} on {f.record_type} {f.record_id}{where}: {f.title}{gap}")
    return lines


def diff_table(diff: ReportDiff) -> str:
    """The comparison for a person at a terminal: the counts, the tables by theme and rule, then the findings."""
    lines = [f"{diff.old.source} -> {diff.new.source}: {len(diff.added):,} new, {len(diff.fixed):,} fixed, "
             f"{len(diff.persisting):,} persisting"
             + (f" ({diff.persisting_under_new_rule_version:,} of them raised by a newer version of their rule)"
                if diff.persisting_under_new_rule_version else "")]
    if diff.rulebooks_differ:
        lines.append("The two reports were made with different rulebooks: findings of rules added, changed or "
                     "removed count as new or fixed.")
    lines += _counts_table("theme (recorded failures)", diff.by_theme())
    lines += _counts_table("theme (not recorded)", diff.by_theme(not_recorded=True))
    lines += _counts_table("rule", {rule: row for rule, row in diff.by_rule().items()}, width=18)
    lines += _listing("New findings", diff.added)
    lines += _listing("Fixed findings (in the earlier report, not in the later)", diff.fixed)
    return "\n".join(lines) + "\n"


def diff_html(diff: ReportDiff) -> str:
    """The comparison as one self-contained HTML page (no scripts, no outside files); every value escaped."""
    from jinja2 import Environment, StrictUndefined

    environment = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    template = environment.from_string(
        resources.files("leder_audit").joinpath("templates/diff.html").read_text(encoding="utf-8"))
    return template.render(
        old=_run_of(diff.old), new=_run_of(diff.new), rulebooks_differ=diff.rulebooks_differ,
        counts={"new": len(diff.added), "fixed": len(diff.fixed), "persisting": len(diff.persisting)},
        moved=diff.persisting_under_new_rule_version, by_theme=diff.by_theme(),
        not_recorded_by_theme=diff.by_theme(not_recorded=True), by_rule=diff.by_rule(),
        added=_sorted(diff.added), fixed=_sorted(diff.fixed))
