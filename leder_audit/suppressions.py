"""Suppressions: known, justified findings that a reviewer has agreed to silence until a date."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import Origin, RuleError
from .findings import Finding, FoundFinding, SuppressedFinding
from .yamlfile import Located, load, read_text


# A silenced finding should be looked at again within a year unless the team decides otherwise.
DEFAULT_MAX_DAYS = 365


class SuppressionError(RuleError):
    """A suppressions file that cannot be used, with file, line, column and a hint."""


class Suppression(BaseModel):
    """One entry: which finding (by fingerprint, or by rule and record), why, who agreed, until when."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fingerprint: str | None = Field(None, min_length=1)
    rule_id: str | None = Field(None, min_length=1)
    record_id: str | None = Field(None, min_length=1)
    reason: str = Field(min_length=1)
    reviewer: str = Field(min_length=1)
    expires: date
    source: str | None = Field(None, description="Where the entry was written: file and line.")

    @model_validator(mode="after")
    def _names_one_finding(self) -> "Suppression":
        if self.fingerprint is None and not (self.rule_id and self.record_id):
            raise ValueError("give either a fingerprint, or both rule_id and record_id")
        if self.fingerprint is not None and (self.rule_id or self.record_id):
            raise ValueError("give either a fingerprint, or rule_id and record_id, not both")
        if not self.reason.strip() or not self.reviewer.strip():
            raise ValueError("reason and reviewer must not be blank")
        return self

    def active_on(self, day: date) -> bool:
        """In force up to and including its expiry date."""
        return day <= self.expires

    def covers(self, finding: Finding | FoundFinding) -> bool:
        if self.fingerprint is not None:
            return self.fingerprint == finding.fingerprint
        return self.rule_id == finding.rule_id and self.record_id == finding.record_id

    def silence(self, finding: Finding) -> SuppressedFinding:
        """The finding as this entry silences it, with the entry's reason."""
        return SuppressedFinding(finding=finding, reason=" ".join(self.reason.split()), reviewer=self.reviewer,
                                 expires=self.expires, source=self.source,
                                 matched_by="fingerprint" if self.fingerprint else "rule_id and record_id")


@dataclass(frozen=True, slots=True)
class Suppressions:
    """The entries of one or more suppression files."""

    entries: tuple[Suppression, ...] = ()

    def matching(self, finding: Finding | FoundFinding, on: date) -> Suppression | None:
        """The first entry in force on the given day that covers the finding."""
        return next((s for s in self.entries if s.active_on(on) and s.covers(finding)), None)

    def expired(self, on: date) -> list[Suppression]:
        """Entries that no longer silence anything, so that someone reviews them."""
        return [s for s in self.entries if not s.active_on(on)]

    def doubtful(self, rule_ids: Iterable[str], on: date, max_days: int = DEFAULT_MAX_DAYS) -> list[str]:
        """Why each entry deserves a second look: it names no rule in the rulebook, or silences for too long."""
        known = sorted(set(rule_ids))
        notes = []
        for entry in self.entries:
            if entry.rule_id is not None and entry.rule_id not in known:
                close = difflib.get_close_matches(entry.rule_id, known, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                notes.append(f"suppression at {entry.source} names rule {entry.rule_id}, which is not among "
                             f"the rules this run checks{hint}; it silences nothing")
            if (entry.expires - on).days > max_days:
                notes.append(f"suppression at {entry.source} runs until {entry.expires.isoformat()}, more than "
                             f"{max_days:,} days from {on.isoformat()}; agree a nearer review date")
        return notes

    def __add__(self, other: "Suppressions") -> "Suppressions":
        return Suppressions(self.entries + other.entries)


_KEYS = tuple(k for k in Suppression.model_fields if k != "source")


def load_suppressions(path: str | Path) -> Suppressions:
    """Read a suppressions YAML file; a bad one is refused with its file, line and column."""
    file = Path(path)
    try:
        text = read_text(file, str(file))  # not UTF-8: refused naming the line, column and byte
    except OSError as error:
        raise SuppressionError(f"cannot read the suppressions file: {error.strerror or error}", Origin(str(file))) from None
    doc = load(text, str(file))
    entries, base = _entry_list(doc)
    return Suppressions(tuple(_entry(doc, base + (n,), raw) for n, raw in enumerate(entries)))


def _entry_list(doc: Located) -> tuple[list[Any], tuple[Any, ...]]:
    data = doc.data
    if isinstance(data, dict) and set(data) == {"suppressions"} and isinstance(data["suppressions"], list):
        return data["suppressions"], ("suppressions",)
    if isinstance(data, list):
        return data, ()
    raise doc.error((), "a suppressions file holds a list of entries under `suppressions:`",
                    "suppressions:\n    - {rule_id: ..., record_id: ..., reason: ..., reviewer: ..., expires: 2025-03-31}",
                    kind=SuppressionError)


_NEEDS = "every suppression needs a reason, a reviewer and an expires date"


def _entry(doc: Located, path: tuple[Any, ...], raw: Any) -> Suppression:
    if not isinstance(raw, dict):
        raise doc.error(path, "a suppression must be a mapping of keys to values", f"keys are: {', '.join(_KEYS)}",
                        kind=SuppressionError)
    if "source" in raw:
        raise doc.error(path + ("source",), "unknown key `source`", f"keys are: {', '.join(_KEYS)}", key=True,
                        kind=SuppressionError)
    line = doc.positions.get(path, (1, 1))[0]
    try:
        return Suppression.model_validate({**raw, "source": f"{doc.file}:{line}"})
    except ValidationError as error:
        raise doc.invalid(path, error, Suppression, "suppression", _NEEDS, {"expires": "write the date as 2025-03-31"},
                          kind=SuppressionError) from None