"""The medical examiner's checking page: one self-contained HTML file, and what its checks send and get."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..findings import Finding, FoundFinding, Reference

ME_RECORD_ID = "checking-aid"


class MeLine(BaseModel):
    """One line of Part I as typed: no identifiers, so nothing else is accepted."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=1000)
    interval: str | None = Field(None, max_length=100)
    icd10: str | None = Field(None, max_length=16)


class MeCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, max_length=1000)
    icd10: str | None = Field(None, max_length=16)


class MeDraft(BaseModel):
    """What the page sends: Part I lines and Part II conditions, and nothing about the person."""

    model_config = ConfigDict(extra="forbid")
    part1: list[MeLine] = Field([], max_length=4)
    part2: list[MeCondition] = Field([], max_length=6)

    def record(self) -> dict[str, Any]:
        """The death_certificate record the page's lines make: each line's fields that were given (as
        model_dump(exclude_none=True) gives them, without going through the serialiser)."""
        return {"record_type": "death_certificate", "id": ME_RECORD_ID,
                "part1": [_given(text=line.text, interval=line.interval, icd10=line.icd10) for line in self.part1],
                "part2": [_given(text=condition.text, icd10=condition.icd10) for condition in self.part2]}


def _given(**fields: str | None) -> dict[str, str]:
    return {name: value for name, value in fields.items() if value is not None}


@lru_cache(maxsize=1024)
def _references(references: tuple[Reference, ...]) -> tuple[dict[str, Any], ...]:
    """A rule's references as the page shows them: the same for every finding of the rule."""
    return tuple(r.model_dump() for r in references)


def shown(finding: Finding | FoundFinding) -> dict[str, Any]:
    """What the page shows of a finding."""
    evidence = finding.evidence
    references = finding.references
    return {"rule_id": finding.rule_id, "title": finding.title, "severity": finding.severity,
            "message": finding.message, "path": finding.path,
            "evidence": None if evidence is None else {"text": evidence.text, "start": evidence.start,
                                                       "end": evidence.end, "path": evidence.path},
            "references": list(_references(references if isinstance(references, tuple) else tuple(references)))}


@lru_cache(maxsize=1)
def page() -> tuple[bytes, str]:
    """The page, and the Content-Security-Policy that lets it run its own script and reach nothing else."""
    html = files("leder_audit.service").joinpath("me.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)
    policy = (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; connect-src 'self'; "
              "img-src 'none'; form-action 'none'; frame-ancestors 'self'; base-uri 'none'")
    return html.encode(), policy
