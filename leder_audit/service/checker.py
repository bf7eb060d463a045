"""One warm checker shared by every request: the rulebook loaded and its Auditor made once, at start."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Sequence

from ..engine import Auditor
from ..findings import Finding, FoundFinding
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
    """A record's findings as the engine found them, and how many rules failed to run on it (a partial
    check when not 0). Cards and the page read the found findings as they are; `findings` are their models."""

    found: list[FoundFinding]
    rule_errors: int

    @property
    def findings(self) -> list[Finding]:
        return [f.model() for f in self.found]


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
            return self._check(record)

    def check_now(self, records: Sequence[Any]) -> list[Checked] | None:
        """Findings on each record, or None at once when another thread is checking (nothing waits)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return [self._check(record) for record in records]
        finally:
            self._lock.release()

    def _check(self, record: Any) -> Checked:
        auditor = self._auditor
        if self._as_of is None and auditor.context.today != date.today():
            auditor = self._auditor = Auditor(self.rulebook, as_of=date.today())
        errors_before = auditor.errors_count
        found = auditor.check_found(record)
        return Checked(found, auditor.errors_count - errors_before)


Finished = Callable[[float], None]
_Job = tuple[Sequence[Any], asyncio.AbstractEventLoop, "asyncio.Future[list[Checked] | None]", Finished]


def _settle(future: "asyncio.Future[list[Checked] | None]", result: list[Checked] | None,
            error: BaseException | None, finished: Finished, seconds: float) -> None:
    finished(seconds)
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

    def submit(self, records: Sequence[Any], loop: asyncio.AbstractEventLoop,
               finished: Finished = lambda seconds: None) -> "asyncio.Future[list[Checked] | None]":
        """A future of each record's findings (or of the error the first bad record raised); `finished` is
        called on the loop with the seconds the check took once the thread is done with it, whether or not
        the future was still waited for."""
        if self._thread is None:
            with self._start:
                if self._closed:
                    raise RuntimeError("the checking thread has stopped")
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
        future: asyncio.Future[list[Checked] | None] = loop.create_future()
        self._jobs.put((records, loop, future, finished))
        return future

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            records, loop, future, finished = job
            result: list[Checked] | None = None
            error: BaseException | None = None
            started = time.perf_counter()
            try:
                result = [self.checker.check(record) for record in records]
            except Exception as failure:
                error = failure
            try:
                loop.call_soon_threadsafe(_settle, future, result, error, finished, time.perf_counter() - started)
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


# The slowest a check has been known to go, per byte of the body: a 10,000-character text dense with cue
# words, each looked at. A body is short enough to check on the event loop when even at this pace its check
# would end within half the deadline (6,000 bytes for 300 ms)...
SLOWEST_SECONDS_PER_BYTE = 25e-6
# ... and when the slowest recent check of such a body, this many times over, still ends before the deadline.
QUICK_MARGIN = 10
# How fast the slowest recent check is forgotten: by this factor at every check of a short body.
FORGET = 0.99


class Checks:
    """Where each check runs: on the event loop itself when it is known to be quick, else on the checking
    thread, where a slow check cannot hold the loop past the deadline.

    Handing a check to a thread and back costs more CPU (two thread switches, a wake-up of the loop) than
    the rest of a call but the check. A check runs on the loop only when its body is short enough that even
    the slowest text known would be checked within half the deadline (SLOWEST_SECONDS_PER_BYTE), the
    thread is idle (so the loop never waits for the checker), and the slowest recent check of a short body,
    measured wherever it ran, would end QUICK_MARGIN times over before the deadline. Until a short body has
    been checked there is no such figure, so the first checks go to the thread; one slow check sends the
    next ones back to the thread until it is forgotten (FORGET).
    """

    def __init__(self, checker: WarmChecker, deadline: float) -> None:
        self.checker, self.deadline = checker, deadline
        self.thread = CheckThread(checker)
        self.slowest = float("inf")  # seconds: the slowest recent check of a short body
        self.busy = 0  # checks handed to the thread that it has not finished

    def _timed(self, quick: bool, seconds: float) -> None:
        if quick:
            self.slowest = seconds if self.slowest == float("inf") else max(seconds, self.slowest * FORGET)

    def _returned(self, quick: bool, seconds: float) -> None:
        self.busy -= 1
        self._timed(quick, seconds)

    async def run(self, records: Sequence[Any], body_bytes: int) -> list[Checked] | None:
        """Every record's findings, or None when the deadline passed first."""
        quick = body_bytes * SLOWEST_SECONDS_PER_BYTE * 2 <= self.deadline
        if quick and not self.busy and self.slowest * QUICK_MARGIN < self.deadline:
            started = time.perf_counter()
            checked = self.checker.check_now(records)
            if checked is not None:
                self._timed(True, time.perf_counter() - started)
                return checked
        loop = asyncio.get_running_loop()
        self.busy += 1
        work = self.thread.submit(records, loop, lambda seconds: self._returned(quick, seconds))
        timer = loop.call_later(self.deadline, _expire, work)
        try:
            return await work
        finally:
            timer.cancel()

    def close(self) -> None:
        self.thread.close()


def _expire(work: "asyncio.Future[list[Checked] | None]") -> None:
    if not work.done():
        work.set_result(None)
