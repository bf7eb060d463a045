"""Card feedback kept in SQLite: which rule a card came from, whether it was accepted or overridden, and why.

Nothing free-text is kept: a card is stored by its uuid, rule and service; feedback by outcome, a coded
override reason and the time. Sending the same feedback again changes nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .cards import OVERRIDE_CODES, OVERRIDE_SYSTEM

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    uuid TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    hook TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    card TEXT NOT NULL,
    service TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
    reason TEXT,
    outcome_time TEXT NOT NULL,
    PRIMARY KEY (card, outcome, outcome_time)
);
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    """One feedback entry as kept: the card, accepted or overridden, the coded reason, when."""

    card: str
    outcome: str
    reason: str | None
    outcome_time: str


@dataclass(frozen=True, slots=True)
class RuleFeedback:
    """The override rate of one rule, from the feedback received on its cards."""

    rule_id: str
    cards: int
    accepted: int
    overridden: int
    reasons: dict[str, int]

    @property
    def override_rate(self) -> float | None:
        answered = self.accepted + self.overridden
        return self.overridden / answered if answered else None


def reason_code(override_reason: Any) -> str | None:
    """The coded reason of an override, when it is one of ours; 'other' for a client's own code."""
    if not isinstance(override_reason, dict):
        return None
    coding = override_reason.get("reason")
    if not isinstance(coding, dict):
        return None
    if coding.get("system") == OVERRIDE_SYSTEM and coding.get("code") in OVERRIDE_CODES:
        return str(coding["code"])
    return "other"


# Cards issued wait in memory for at most this many rows (the app also writes them out a second after the
# first of them): one transaction for many calls, not one a call.
MAX_PENDING = 512
FLUSH_AFTER_SECONDS = 1.0


class FeedbackStore:
    """A SQLite file of cards issued and the feedback on them; safe to share between threads.

    Cards issued are kept in memory until flush() (or MAX_PENDING of them) and written in one
    transaction; everything that reads the file, and feedback received, writes them out first.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._pending: list[tuple[str, str, str, int, str]] = []
        self._closed = False
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def issued(self, service: str, hook: str, cards: Iterable[tuple[str, str, int]]) -> bool:
        """Remember the rule behind each card (uuid, rule id, rule version), so feedback can name it.

        True when these are the first cards waiting to be written: the caller should flush() soon.
        """
        rows = [(uuid, service, rule_id, version, hook) for uuid, rule_id, version in cards]
        if not rows:
            return False
        with self._lock:
            first = not self._pending
            self._pending.extend(rows)
            if len(self._pending) >= MAX_PENDING:
                self._write_pending()
                return False
        return first

    def flush(self) -> None:
        """Write the cards issued so far to the file."""
        with self._lock:
            self._write_pending()

    def _write_pending(self) -> None:
        if self._pending and not self._closed:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR IGNORE INTO cards VALUES (?, ?, ?, ?, ?)", self._pending)
            self._db.execute("COMMIT")
            self._pending = []

    def record(self, service: str, outcomes: Iterable[Outcome]) -> tuple[int, int]:
        """Keep the outcomes; (new, already kept). Unknown cards are kept too, reported without a rule."""
        rows = [(o.card, service, o.outcome, o.reason, o.outcome_time) for o in outcomes]
        with self._lock:
            self._write_pending()
            before = self._db.total_changes
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR IGNORE INTO feedback VALUES (?, ?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")
            added = self._db.total_changes - before
        return added, len(rows) - added

    def known_cards(self, uuids: Iterable[str]) -> set[str]:
        wanted = list(uuids)
        with self._lock:
            self._write_pending()
            found = self._db.execute(f"SELECT uuid FROM cards WHERE uuid IN ({','.join('?' * len(wanted))})",
                                     wanted).fetchall() if wanted else []
        return {row[0] for row in found}

    def by_rule(self) -> list[RuleFeedback]:
        """Per rule: cards issued, and how many were accepted or overridden, with the override reasons."""
        with self._lock:
            self._write_pending()
            issued = dict(self._db.execute("SELECT rule_id, COUNT(*) FROM cards GROUP BY rule_id").fetchall())
            rows = self._db.execute(
                "SELECT c.rule_id, f.outcome, COALESCE(f.reason, ''), COUNT(DISTINCT f.card) FROM feedback f "
                "JOIN cards c ON c.uuid = f.card GROUP BY c.rule_id, f.outcome, f.reason").fetchall()
        tallies: dict[str, dict[str, Any]] = {r: {"accepted": 0, "overridden": 0, "reasons": {}} for r in issued}
        for rule_id, outcome, reason, count in rows:
            tally = tallies.setdefault(rule_id, {"accepted": 0, "overridden": 0, "reasons": {}})
            tally[outcome] += count
            if outcome == "overridden" and reason:
                tally["reasons"][reason] = tally["reasons"].get(reason, 0) + count
        return [RuleFeedback(rule_id, issued.get(rule_id, 0), t["accepted"], t["overridden"], t["reasons"])
                for rule_id, t in sorted(tallies.items())]

    def close(self) -> None:
        with self._lock:
            self._write_pending()
            self._closed = True
            self._db.close()
