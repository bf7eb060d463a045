"""One warm checker shared by every request: the rulebook loaded and its Auditor made once, at start."""

from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from ..engine import Auditor
from ..findings import Finding
from ..rulebook import Rulebook


WARM_UP_RECORDS = (
    {"record_type": "dnacpr_decision", "id": "warm-up", "rationale": "Frail; not because of Down's syndrome or LD",
     "reason_not_discussed": "family not available"},
    {"record_type": "death_certificate", "id": "warm-up",
     "part1": [{"text": "Aspiration pneumonia", "interval": "3 days", "icd10": "J69.0"},
               {"text": "learning disability", "icd10": "F79"}], "part2": [{"text": "Epilepsy", "icd10": "G40.9"}]},
    {"record_type": "mortality_review", "id": "warm-up", "narrative": "History of autism; no learning disability"},
)


@dataclass(frozen=True, slots=True)
class Checked:
    """A record's findings, and how many rules failed to run on it (a partial check when not 0)."""

    findings: list[Finding]
    rule_errors: int


class WarmChecker:
    """Checks records against one rulebook; safe to call from several threads, one record at a time.

    The Auditor keeps counters across records, so calls are serialised. The date rules judge by is
    today's, moved on when the day changes, unless `as_of` fixes it.
    """

    def __init__(self, rulebook: Rulebook, as_of: date | None = None) -> None:
        self.rulebook = rulebook
        self.rulebook_hash = rulebook.hash
        self._as_of = as_of
        self._auditor = Auditor(rulebook, as_of=as_of or date.today())
        self._lock = threading.Lock()
        self._warm_up()

    def _warm_up(self) -> None:
        """Check one record of each type on a throwaway Auditor, so the first call is as quick as the rest.

        The first record of a kind builds what later ones reuse (concept matchers, compiled patterns).
        """
        scratch = Auditor(self.rulebook, as_of=self._as_of or date.today())
        for record in WARM_UP_RECORDS:
            scratch.check(record)

    def check(self, record: Any) -> Checked:
        """Findings on one record (a dict or model); InputError when it does not fit its model."""
        with self._lock:
            auditor = self._auditor
            if self._as_of is None and auditor.context.today != date.today():
                auditor = self._auditor = Auditor(self.rulebook, as_of=date.today())
            errors_before = auditor.tally.errors_count
            findings = auditor.check(record)
            return Checked(findings, auditor.tally.errors_count - errors_before)


_Job = tuple[Sequence[Any], asyncio.AbstractEventLoop, "asyncio.Future[list[Checked] | None]"]


def _settle(future: "asyncio.Future[list[Checked] | None]", result: list[Checked] | None,
            error: BaseException | None) -> None:
    if future.done():  # answered already: the deadline passed, or the caller went away
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class CheckThread:
    """One long-lived thread that runs every check, one after another, so the checker is never entered twice
    and a slow check never holds the event loop: the loop can answer by the deadline while the thread finishes.

    A check is handed over as a job on a queue and its findings come back to the loop as the result of an
    asyncio future, with no executor, work item or wrapping future between them.
    """

    def __init__(self, checker: WarmChecker, name: str = "leder-audit-check") -> None:
        self.checker = checker
        self._name = name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._closed = False

    def submit(self, records: Sequence[Any], loop: asyncio.AbstractEventLoop) -> "asyncio.Future[list[Checked] | None]":
        """A future of each record's findings (or of the error the first bad record raised)."""
        if self._thread is None:
            with self._start:
                if self._closed:
                    raise RuntimeError("the checking thread has stopped")
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
        future: asyncio.Future[list[Checked] | None] = loop.create_future()
        self._jobs.put((records, loop, future))
        return future

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            records, loop, future = job
            result: list[Checked] | None = None
            error: BaseException | None = None
            try:
                result = [self.checker.check(record) for record in records]
            except Exception as failure:
                error = failure
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop has closed: nobody is waiting
                pass

    def close(self) -> None:
        """Stop the thread once the check in hand is done; checks still queued are dropped."""
        with self._start:
            self._closed = True
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                try:
                    job[1].call_soon_threadsafe(job[2].cancel)
                except RuntimeError:
                    pass
        self._jobs.put(None)
