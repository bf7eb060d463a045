"""The record commands: check, validate, schema and generate."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from ..engine import Auditor
from ..findings import SEVERITIES, Finding, Rejection
from ..intake import admit
from ..origins import Origins
from ..prose import counted
from ..progress import progress
from ..records import RECORD_MODELS
from ..rulebook import Rulebook
from ..terminal import visible
from ..writers import make_writer, summary_line
from .io import (
    as_error, input_paths, output, records_of, refuse_unsafe_output, run_header, strictly, write_summary,
    writer_options,
)
from .options import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK


def check(args: Any, book: Rulebook) -> int:
    as_of = args.as_of or date.today()
    summary_path = getattr(args, "summary", None)
    # A report that lies in a folder being read is not read as records.
    paths = input_paths(args.paths, [args.output, summary_path, getattr(args, "baseline", None)])
    refuse_unsafe_output(getattr(args, "output", None), paths)
    refuse_unsafe_output(summary_path, paths + ([args.output] if args.output else []), "--summary")
    baseline = _baseline(args.baseline, book) if getattr(args, "baseline", None) else None
    suppressions = _suppressions(getattr(args, "suppressions", []), as_of, book,
                                 getattr(args, "suppressions_max_days", None))
    history = _history(args.history, book) if getattr(args, "history", None) else None
    jobs = getattr(args, "jobs", 1)
    if jobs > 1 and args.format == "html":
        # The report's trend and cohort charts count each record with its own findings as it is checked.
        print("leder-audit: the HTML report is made in one process; --jobs is not used for it", file=sys.stderr)
        jobs = 1
    if jobs > 1 and history is not None:
        print("leder-audit: --history counts each record with its own findings in one process; --jobs is not used "
              "with it", file=sys.stderr)
        jobs = 1
    if jobs == 1:
        auditor: Any = Auditor(book, as_of=as_of, suppressions=suppressions)
    else:
        from ..parallel import ParallelAuditor

        auditor = ParallelAuditor(book, as_of=as_of, jobs=jobs, suppressions=suppressions)
    items = records_of(paths, args.input_format, getattr(args, "mapping", None), getattr(args, "sheet", None))
    if args.strict:
        items = strictly(items)
    origins = Origins()
    items = iter(progress(items, sys.stderr, args.paths, quiet=getattr(args, "quiet", False)))
    redact = getattr(args, "redact", False)
    if args.format in ("html", "fhir") or redact:
        items = origins.track(items)  # only these read a finding's record back (to quote it, or for its patient)
    redactor = None
    if redact:
        from ..redact import Redactor

        redactor = Redactor(origins)
    threshold = SEVERITIES.index(args.fail_on)
    rank = {severity: n for n, severity in enumerate(SEVERITIES)}
    worst = -1
    with output(args.output) as out:
        limit = getattr(args, "html_max_findings", None)
        writer = make_writer(args.format, out, rulebook=book, origins=origins, redact=redactor,
                             **({} if limit is None else {"max_findings": limit}), **writer_options(args))
        # NDJSON has no header: reading every input a second time to hash it would be wasted, unless the
        # summary file or the history keeps the hashes.
        header = run_header(book, paths, as_of,
                            hash_inputs=args.format != "ndjson" or bool(summary_path) or history is not None)
        writer.start(header)
        # The HTML report counts its cohort and trend charts from each record and its findings, in this pass.
        observe = _observers(getattr(writer, "observe", None), history.observe if history else None)
        write_json = getattr(writer, "finding_json", None)
        if write_json is not None and isinstance(auditor, Auditor) and not (observe or redactor or baseline):
            for found in auditor.found(items):  # written as JSON with no Finding model made
                write_json(found.json())
                if rank[found.severity] > worst:
                    worst = rank[found.severity]
        else:
            for finding in auditor.run(items, observe=observe) if observe else auditor.run(items):
                if baseline is not None and not baseline.is_new(finding):
                    continue
                writer.finding(redactor(finding) if redactor else finding)
                if rank[finding.severity] > worst:
                    worst = rank[finding.severity]
        if baseline is not None:
            baseline.silenced(silenced.finding for silenced in auditor.tally.suppressed)
            auditor.tally.baseline = baseline.finish().summary()
        writer.finish(auditor.tally)
    if summary_path:
        write_summary(summary_path, header, auditor.tally)
    if (args.format != "table" or args.output) and not getattr(args, "quiet", False):
        print(summary_line(auditor.tally), file=sys.stderr)
    if history is not None:
        from ..history import record_run

        run_id = record_run(args.history, header, auditor.tally, history.counts())
        if not getattr(args, "quiet", False):
            print(f"leder-audit: run {run_id} added to the history {args.history}", file=sys.stderr)
    failed = auditor.tally.errors_count
    if failed and not getattr(args, "keep_going", False):
        # A rule that raised decided nothing on that record: the check is incomplete, which is not "no issues".
        print(f"leder-audit: {counted(failed, 'rule error')}: {'that rule' if failed == 1 else 'those rules'} "
              f"decided nothing on {'that record' if failed == 1 else 'those records'}, so the check is incomplete "
              "(listed in the report); exit 2. "
              "--keep-going reports them without failing the run", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_FINDINGS if worst >= threshold and not args.exit_zero else EXIT_OK


def _baseline(path: str, book: Rulebook) -> Any:
    """The baseline report, read before any record; one made with other rules is named on stderr."""
    from ..baseline import Baseline, read_report

    report = read_report(path)
    if report.rulebook_hash is not None and report.rulebook_hash != book.hash:
        print(f"leder-audit: warning: the baseline {path} was made with another rulebook (hash "
              f"{report.rulebook_hash[:12]}, now {book.hash[:12]}): findings of rules added, changed or removed "
              "since then count as new or fixed", file=sys.stderr)
    if report.compared:
        print(f"leder-audit: warning: the baseline {path} was itself made against a baseline and lists only the "
              "findings new then; use a full report (made without --baseline) as the baseline", file=sys.stderr)
    return Baseline(report)


def _history(path: str, book: Rulebook) -> Any:
    """A counter for the history file, which is made (or checked to be a history) before any record is read."""
    from ..history import HistoryCounter, prepare_history

    prepare_history(path)
    return HistoryCounter(book)


def _observers(*observers: Callable[[dict[str, Any], list[Finding]], None] | None
               ) -> Callable[[dict[str, Any], list[Finding]], None] | None:
    """One observer calling each of those given, or None when none is."""
    given = [observer for observer in observers if observer is not None]
    if len(given) < 2:
        return given[0] if given else None

    def every(record: dict[str, Any], findings: list[Finding]) -> None:
        for observer in given:
            observer(record, findings)
    return every


def _suppressions(paths: list[str], as_of: date, book: Rulebook, max_days: int | None) -> Any:
    """Every suppressions file given, read before any record; expired and doubtful entries are named on stderr."""
    from ..suppressions import DEFAULT_MAX_DAYS, Suppressions, load_suppressions

    loaded = Suppressions()
    for path in paths:
        loaded = loaded + load_suppressions(path)
    for entry in loaded.expired(as_of):
        what = entry.fingerprint or f"{entry.rule_id} on {entry.record_id}"
        print(visible(f"leder-audit: suppression at {entry.source} ({what}) expired on {entry.expires.isoformat()}"
                      " and no longer silences anything"), file=sys.stderr)
    for note in loaded.doubtful((rule.id for rule in book.rules), as_of, max_days or DEFAULT_MAX_DAYS):
        print(visible(f"leder-audit: {note}"), file=sys.stderr)
    return loaded


def validate(args: Any) -> int:
    bad = total = 0
    paths = input_paths(args.paths)
    for item in records_of(paths, args.input_format, getattr(args, "mapping", None), getattr(args, "sheet", None)):
        total += 1
        admitted = admit(item, total)
        if isinstance(admitted, Rejection):
            bad += 1
            print(f"{item.source}, {item.location}: {item.message}" if isinstance(item, Rejection) else as_error(admitted))
    print(f"{counted(total, 'record')} read: {total - bad:,} valid, {bad:,} rejected")
    return EXIT_FINDINGS if bad else EXIT_OK


def schema(args: Any) -> int:
    from ..findings import Finding

    folder = Path(args.output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    schemas = {name: model.model_json_schema() for name, model in RECORD_MODELS.items()}
    schemas["finding"] = Finding.model_json_schema()
    for name, content in schemas.items():
        (folder / f"{name}.schema.json").write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(folder / f"{name}.schema.json")
    return EXIT_OK


def generate(args: Any) -> int:
    from ..generate import write_ndjson

    rate = 1.0 if getattr(args, "findings_heavy", False) else args.problem_rate
    if args.count < 0 or not 0.0 <= rate <= 1.0:
        raise InputError("N must be 0 or more and --problem-rate between 0 and 1", "generate")
    with output(args.output) as out:
        written = write_ndjson(out, args.count, seed=args.seed, problem_rate=rate, unique_text=args.unique_text)
    if args.output:
        print(f"{counted(written, 'record')} written to {args.output}", file=sys.stderr)
    return EXIT_OK
