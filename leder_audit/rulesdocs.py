"""Markdown pages for the rules: one page a rule, and an index by theme. Same rules in, same bytes out."""

from __future__ import annotations

from typing import Any

import json
from datetime import date
from pathlib import Path

from .engine import Auditor
from .errors import InputError
from .findings import NOT_RECORDED, Finding
from .rulebook import Rule, Rulebook
from .ruletests import case_record
from .themes import THEME_TITLES

# Examples are run as of a fixed date so that the pages do not change from one day to the next.
DOCS_AS_OF = date(2024, 6, 30)


_UNKNOWN = {
    "pass": "the rule does not fire when the data it needs is not recorded.",
    "fire": ("the rule raises its not-recorded case (below): a documentation gap, reported at a lower severity "
             "and left out of care-failure rates."),
}


def _record_json(case: dict[str, Any]) -> str:
    return json.dumps(case, indent=2, ensure_ascii=False, default=str)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _example_finding(book: Rulebook, rule: Rule, case: dict[str, Any], expected: str = "fire") -> Finding | None:
    auditor = Auditor(book.select([rule.id]), as_of=DOCS_AS_OF)
    try:
        findings = auditor.check(case_record(rule, expected, 1, case))
    except InputError:
        return None
    return next((f for f in findings if f.rule_id == rule.id), None)


def _references(rule: Rule) -> list[str]:
    lines = []
    for ref in rule.spec.references:
        text = f"- {ref.source}"
        if ref.section:
            text += f": {ref.section}"
        if ref.url:
            text += f" <{ref.url}>"
        lines.append(text)
    return lines


def _cases(title: str, cases: list[dict[str, Any]]) -> list[str]:
    lines = [f"### {title}", ""]
    for case in cases:
        lines += ["```json", _record_json(case), "```", ""]
    return lines


def rule_page(book: Rulebook, rule: Rule) -> str:
    """The Markdown page of one rule: what it checks, why, the condition, examples, the message."""
    spec = rule.spec
    tags = ", ".join(f"`{t}`" for t in spec.tags)
    profiles = ", ".join(f"`profile:{p}`" for p in spec.profiles) or "none"
    lines = [
        f"# {spec.id}: {spec.title}", "",
        "| | |", "| --- | --- |",
        f"| Severity | {spec.severity} |",
        f"| Applies to | `{spec.applies_to}` (also when embedded in a mortality review) |"
        if spec.applies_to != "mortality_review" else f"| Applies to | `{spec.applies_to}` |",
        f"| Themes | {tags} |",
        f"| Profiles | {profiles} |",
        f"| Version | {spec.version} |", "",
        "## What it checks", "",
        f"{spec.title}. The rule fires on a `{spec.applies_to}` record when this condition is true:", "",
        "```",
        spec.when.strip(),
        "```", "",
        f"When data is missing, {_UNKNOWN[spec.when_unknown]}", "",
        "## Why it matters", "",
        _one_line(spec.rationale), "",
        "### References", "",
        *_references(rule), "",
        "## Message", "",
        f"> {_one_line(spec.message)}", "",
        *_unknown_case(rule),
        "## Examples", "",
    ]
    fired = next((f for f in (_example_finding(book, rule, c) for c in spec.tests.fire) if f), None)
    if fired is not None:
        lines += ["A record that fires it gets this finding:", "", f"> {fired.message}", ""]
    lines += _cases("Records that fire it", spec.tests.fire)
    if spec.tests.not_recorded:
        gap = next((f for f in (_example_finding(book, rule, c, "not-recorded") for c in spec.tests.not_recorded)
                    if f), None)
        if gap is not None:
            lines += [f"A record where it was not recorded gets this {gap.severity} finding:", "", f"> {gap.message}", ""]
        lines += _cases("Records that fire it as not recorded", spec.tests.not_recorded)
    lines += _cases("Records that do not fire it", spec.tests.pass_)
    return "\n".join(lines).rstrip() + "\n"


def _unknown_case(rule: Rule) -> list[str]:
    """The section on what the rule says when the data it needs was not recorded."""
    spec = rule.spec
    if spec.unknown is None:
        return []
    return ["## When it was not recorded", "",
            "| | |", "| --- | --- |",
            f"| Title | {spec.unknown.title} |",
            f"| Severity | {spec.unknown_severity} (the recorded failure is {spec.severity}) |",
            f"| Themes | {', '.join(f'`{t}`' for t in (*spec.tags, NOT_RECORDED))} |", "",
            "The finding says `decided_on_unknown: true`. It is a gap in the documentation, not a failure of care: "
            "it is listed and counted on its own, and care-failure rates leave it out.", "",
            f"> {_one_line(spec.unknown.message)}", ""]


def _theme_order(book: Rulebook) -> list[str]:
    used = {t for rule in book.rules for t in rule.spec.tags}
    known = [t for t in THEME_TITLES if t in used]
    return known + sorted(used - set(known))


def index_page(book: Rulebook) -> str:
    """The index: every rule, grouped by theme, then the rules of each profile."""
    rules = sorted(book.rules, key=lambda r: r.id)
    lines = ["# Rules", "",
             f"{len(rules)} rules. Each page says what the rule checks, why it matters, the condition, its",
             "message, and records that do and do not raise it. Generated by `leder-audit rules docs`;",
             "do not edit by hand.", ""]
    for theme in _theme_order(book):
        lines += [f"## {THEME_TITLES.get(theme, theme)} (`{theme}`)", "",
                  "| Rule | Severity | Applies to | Title |", "| --- | --- | --- | --- |"]
        for rule in rules:
            if theme in rule.spec.tags:
                spec = rule.spec
                lines.append(f"| [{spec.id}]({spec.id}.md) | {spec.severity} | `{spec.applies_to}` | {spec.title} |")
        lines.append("")
    lines += ["## Profiles", ""]
    for profile in sorted({p for rule in rules for p in rule.spec.profiles}):
        chosen = ", ".join(f"[{r.id}]({r.id}.md)" for r in rules if profile in r.spec.profiles)
        lines += [f"- `profile:{profile}`: {chosen}"]
    return "\n".join(lines).rstrip() + "\n"


def rule_docs(book: Rulebook) -> dict[str, str]:
    """Every page by file name: index.md and one <RULE-ID>.md per rule."""
    pages = {"index.md": index_page(book)}
    for rule in sorted(book.rules, key=lambda r: r.id):
        pages[f"{rule.id}.md"] = rule_page(book, rule)
    return pages


def write_rule_docs(book: Rulebook, folder: str | Path) -> list[Path]:
    """Write the pages into a folder, removing pages of rules that no longer exist; the paths written."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    pages = rule_docs(book)
    for stale in sorted(target.glob("*.md")):
        if stale.name not in pages:
            stale.unlink()
    written = []
    for name, text in pages.items():
        path = target / name
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    return written
