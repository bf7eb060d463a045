"""What the report formats say about each rule, from the rulebook when one is given, else from findings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..findings import Finding, Reference


@dataclass(frozen=True)
class RuleInfo:
    id: str
    version: int
    title: str
    severity: str
    tags: tuple[str, ...]
    references: tuple[Reference, ...]
    rationale: str = ""
    applies_to: str = ""


def catalogue(rulebook: Any) -> dict[str, RuleInfo]:
    """Every rule of a rulebook by id, in the book's order."""
    if rulebook is None:
        return {}
    return {rule.id: RuleInfo(id=rule.id, version=rule.spec.version, title=rule.spec.title,
                              severity=rule.spec.severity, tags=tuple(rule.spec.tags),
                              references=tuple(rule.spec.references), rationale=" ".join(rule.spec.rationale.split()),
                              applies_to=rule.spec.applies_to)
            for rule in rulebook.rules}


def from_finding(finding: Finding) -> RuleInfo:
    return RuleInfo(id=finding.rule_id, version=finding.rule_version, title=finding.title, severity=finding.severity,
                    tags=tuple(finding.tags), references=tuple(finding.references))


def reference_text(reference: Reference) -> str:
    return reference.source + (f", {reference.section}" if reference.section else "")


def pascal_name(title: str) -> str:
    """A rule's title as one word, the way SARIF rule names are written: 'Learning disability as cause' -> LearningDisabilityAsCause."""
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))
