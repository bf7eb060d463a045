"""Check records in several processes at once, with the same findings, order and counts as one process.

The parent reads records and sends them to worker processes in chunks; each worker loads the
rulebook once and checks whole chunks. Results come back in input order and the workers' counts
are merged, so every output format is identical to a run with one process. Only a few chunks are
in flight at a time, so memory stays bounded however long the input.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from contextlib import contextmanager, nullcontext
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import islice
from typing import Any, Iterable, Iterator

from .engine import Auditor, finding_of
from .errors import LederAuditError
from .intake import Incoming
from .findings import Evidence, Finding, Rejection, RuleStats, Step, Tally
from .rulebook import Rulebook, load_rulebook
from .suppressions import Suppressions

CHUNK_SIZE = 2000
CHUNKS_IN_FLIGHT_PER_JOB = 3


@dataclass(frozen=True, slots=True)
class RulebookRecipe:
    """How to load a rulebook again in another process: its rule folders, whether built-in, the rules chosen."""

    paths: tuple[str, ...] = ()
    builtin: bool = True
    rule_ids: tuple[str, ...] | None = None
    left_out: tuple[str, ...] = ()  # cases of those rules the selection left out (Rulebook.left_out)

    @classmethod
    def of(cls, book: Rulebook) -> "RulebookRecipe":
        """The recipe of a rulebook made by load_rulebook (and select)."""
        if book.loaded_with is None:
            raise ValueError("this rulebook was built with concepts given in code, so other processes cannot load it;"
                             " load it with load_rulebook(paths...) instead")
        paths, builtin = book.loaded_with
        return cls(paths, builtin, tuple(rule.id for rule in book.rules), book.left_out())

    def load(self) -> Rulebook:
        book = load_rulebook(*self.paths, builtin=self.builtin)
        return (book.select(self.rule_ids) if self.rule_ids is not None else book).leave_out(self.left_out)


@lru_cache(maxsize=4)
def rulebook_for(recipe: RulebookRecipe) -> Rulebook:
    """The rulebook of a recipe, loaded once per process."""
    return recipe.load()


# A record travels to a worker as a plain (data, source, location) tuple: pickling tuples costs a
# fifth of pickling Incoming objects, and unpickling a fifteenth.
Packed = tuple[Any, str, str] | Rejection


# A finding travels back as a plain tuple of what differs from one finding of a rule to the next:
# unpickling a Finding model with its evidence and steps costs about ten times as much. The parent
# takes the rule's own fields (title, severity, tags, references) from its copy of the rulebook.
PackedFinding = tuple[Any, ...]


def pack_finding(finding: Finding) -> PackedFinding:
    """The parts of a finding that are not the rule's own, as plain values."""
    evidence = finding.evidence
    return (finding.rule_id, finding.record_id, finding.record_type, finding.message, finding.path,
            None if evidence is None else (evidence.text, evidence.start, evidence.end, evidence.path,
                                           evidence.context),
            [(step.expression, step.value, step.inputs) for step in finding.explanation],
            finding.decided_on_unknown, finding.source, finding.location)


def unpack_finding(packed: PackedFinding, book: Rulebook) -> Finding:
    """The finding `pack_finding` packed, with its rule's fields from the same rulebook."""
    rule_id, record_id, record_type, message, path, evidence, steps, decided_on_unknown, source, location = packed
    rule = book.by_id[rule_id]
    return finding_of(
        rule.spec, rule.unknown if decided_on_unknown else rule.recorded,  # type: ignore[arg-type]
        source=source, location=location, record_id=record_id, record_type=record_type,
        message=message, path=path, evidence=None if evidence is None else Evidence.trusted(*evidence),
        explanation=[Step.trusted(*step) for step in steps],
    )


def check_chunk(recipe: RulebookRecipe, as_of: date, items: list[Packed],
                suppressions: Suppressions | None = None) -> tuple[list[PackedFinding], Tally]:
    """Findings (packed) and counts of one chunk of records, in order."""
    auditor = Auditor(rulebook_for(recipe), as_of=as_of, suppressions=suppressions)
    auditor.tally.duplicates.order = []  # replayed in input order by the parent, to find repeats across chunks
    findings = auditor.run(item if isinstance(item, Rejection) else Incoming(*item) for item in items)
    return [pack_finding(finding) for finding in findings], auditor.tally


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Packed]]:
    """Lists of up to `size` items; bare records are numbered across the whole input, as one process does."""
    numbered = (_packed(item, number) for number, item in enumerate(items, 1))
    while chunk := list(islice(numbered, size)):
        yield chunk


def _packed(item: Any, number: int) -> Packed:
    if isinstance(item, Rejection):
        return item
    if isinstance(item, Incoming):
        return (item.data, item.source, item.location)
    return (item, "<input>", f"record {number}")


class ParallelAuditor:
    """Like Auditor, over `jobs` worker processes; `run` yields findings in input order, `tally` the merged counts."""

    def __init__(self, rulebook: Rulebook, as_of: date | None = None, jobs: int = 0,
                 chunk_size: int = CHUNK_SIZE, suppressions: Suppressions | None = None) -> None:
        self.recipe = RulebookRecipe.of(rulebook)
        self.rulebook = rulebook
        self.suppressions = suppressions
        self.as_of = as_of or date.today()
        self.jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
        self.chunk_size = chunk_size
        self.tally = Tally(rule_stats={rule.id: RuleStats() for rule in rulebook.rules})

    def run(self, items: Iterable[Any]) -> Iterator[Finding]:
        """Findings of every record in input order; records that do not fit are counted as rejected."""
        # spawn, not fork: the same behaviour on every platform, and no locks inherited mid-use. An executor,
        # not a Pool, because a worker that dies (the OOM killer's kill -9) breaks it at once, where a Pool
        # waits for the lost chunk for ever.
        pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_leave_signals_to_the_parent)
        pending: deque[Future[tuple[list[PackedFinding], Tally]]] = deque()
        try:
            for number, chunk in enumerate(chunks(items, self.chunk_size)):
                # The executor starts a worker on each of its first `jobs` submissions.
                with _signals_held() if number < self.jobs else nullcontext():
                    pending.append(pool.submit(check_chunk, self.recipe, self.as_of, chunk, self.suppressions))
                if len(pending) >= self.jobs * CHUNKS_IN_FLIGHT_PER_JOB:
                    yield from self._collect(pending.popleft().result())
            while pending:
                yield from self._collect(pending.popleft().result())
        except BrokenProcessPool:
            raise WorkerLost("a --jobs worker process stopped before finishing its records (killed, perhaps for "
                             "lack of memory); no report was written. Run again with fewer --jobs or more memory"
                             ) from None
        finally:
            pool.shutdown(wait=not pending, cancel_futures=True)

    def _collect(self, result: tuple[list[PackedFinding], Tally]) -> list[Finding]:
        packed, tally = result
        self.tally.merge(tally)
        return [unpack_finding(finding, self.rulebook) for finding in packed]


class WorkerLost(LederAuditError):
    """A worker process stopped before returning its records' findings; the run cannot be complete."""


HELD = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait while a worker is started, then act as usual.

    Starting a worker is two steps: its process is started, then the parent writes it what it needs to run. A
    signal acted on between the two would stop the parent with the worker still waiting to be told, and the
    worker would print a traceback of its own on the way out. The executor's thread, started meanwhile, keeps
    the signals held for good, so they reach only the parent's main thread.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks, and no such signals to hold
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _leave_signals_to_the_parent() -> None:
    """Ctrl-C and SIGTERM reach the whole process group: only the parent acts on them, and stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # a worker starts with the mask it was started under: SIGTERM held
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD)
