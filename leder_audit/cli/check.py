"""What each command does, once its arguments are parsed."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator

from .. import __version__
from ..engine import Auditor, Explanation
from ..errors import InputError
from ..findings import NOT_RECORDED, SEVERITIES, Rejection
from ..intake import Incoming, admit
from ..readers import read
from ..records import RECORD_MODELS
from ..rulebook import Rulebook
from ..origins import Origins
from ..progress import progress
from ..writers import make_writer, summary_line
from .options import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK



def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_header(book: Rulebook, paths: list[str], as_of: date, hash_inputs: bool = True) -> dict[str, Any]:
    """What every report says about the run that made it (the inputs' SHA-256 only when hash_inputs)."""
    return {
        "tool": "leder-audit",
        "version": __version__,
        "rulebook_hash": book.hash,
        "rule_count": len(book.rules),
        "inputs": [{"path": p, **({"sha256": file_sha256(Path(p))} if hash_inputs else {})}
                   for p in paths if Path(p).is_file()],
        "run_time": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "as_of": as_of.isoformat(),
    }


def refuse_unsafe_output(path: str | None, inputs: list[str]) -> None:
    """Refuse, before any work, an --output that would destroy an input or a file the user may not write."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise InputError("--output names a folder; give a file name for the report", path)
    if not target.parent.is_dir():
        raise InputError("--output is in a folder that does not exist", path)
    if target.is_file():
        for given in inputs:
            if Path(given).is_file() and os.path.samefile(given, target):
                raise InputError("--output is one of the input files; the report would replace the records", path)
        mode = target.stat().st_mode
        if not os.access(target, os.W_OK) or not mode & 0o222:
            raise InputError("--output names a read-only file; it is not replaced (remove it or choose another name)",
                             path)


@contextmanager
def output(path: str | None) -> Iterator[IO[str]]:
    """Standard output, or a file written beside its destination and moved into place when complete."""
    if path is None:
        yield sys.stdout
        return
    target = Path(path)
    if target.exists() and not target.is_file():
        # A device or pipe (/dev/null, a named pipe) is written in place, never replaced.
        with target.open("w", encoding="utf-8") as stream:
            yield stream
        return
    # The partial file's name is chosen before it exists, so that a signal arriving at any moment after
    # can still remove it: a report is either complete and in place, or not there at all.
    partial = (target.parent or Path(".")) / f".{target.name}.{secrets.token_hex(4)}.part"
    try:
        with partial.open("x", encoding="utf-8") as handle:
            yield handle
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def records_of(paths: list[str], input_format: str | None, mapping: str | None = None) -> Iterator[Incoming | Rejection]:
    loaded = None
    if mapping:
        from ..readers.mapping import load_mapping

        loaded = load_mapping(mapping)
    for path in paths:
        items = read(path, input_format, loaded)
        first = next(items, None)
        if first is None:
            print(f"leder-audit: {path}: the file holds no records", file=sys.stderr)
            continue
        yield first
        yield from items  # handed on by the interpreter, with no Python code run per record


def _strictly(items: Iterator[Incoming | Rejection]) -> Iterator[Incoming | Rejection]:
    for number, item in enumerate(items, 1):
        admitted = admit(item, number)
        if isinstance(admitted, Rejection):
            raise InputError(admitted.message, admitted.source, admitted.location, admitted.field)
        yield item


def check(args: Any, book: Rulebook) -> int:
    as_of = args.as_of or date.today()
    for path in args.paths:
        if not Path(path).is_file():
            raise InputError("no such file", path)
    refuse_unsafe_output(getattr(args, "output", None), args.paths)
    suppressions = _suppressions(getattr(args, "suppressions", []), as_of, book,
                                 getattr(args, "suppressions_max_days", None))
    jobs = getattr(args, "jobs", 1)
    if jobs > 1 and args.format == "html":
        # The report's trend and cohort charts count each record with its own findings as it is checked.
        print("leder-audit: the HTML report is made in one process; --jobs is not used for it", file=sys.stderr)
        jobs = 1
    if jobs == 1:
        auditor: Any = Auditor(book, as_of=as_of, suppressions=suppressions)
    else:
        from ..parallel import ParallelAuditor

        auditor = ParallelAuditor(book, as_of=as_of, jobs=jobs, suppressions=suppressions)
    items = records_of(args.paths, args.input_format, getattr(args, "mapping", None))
    if args.strict:
        items = _strictly(items)
    origins = Origins()
    items = iter(progress(items, sys.stderr))
    redact = getattr(args, "redact", False)
    if args.format == "html" or redact:
        items = origins.track(items)  # only these quote a finding's record from what was read
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
                             **({} if limit is None else {"max_findings": limit}))
        # NDJSON has no header: reading every input a second time to hash it would be wasted.
        writer.start(run_header(book, args.paths, as_of, hash_inputs=args.format != "ndjson"))
        charts = ReportCharts(book, as_of) if args.format == "html" else None
        for finding in auditor.run(items, observe=charts.observe) if charts else auditor.run(items):
            writer.finding(redactor(finding) if redactor else finding)
            if rank[finding.severity] > worst:
                worst = rank[finding.severity]
        if charts:
            sections: list[str] = getattr(writer, "sections")  # the HTML writer's extra sections
            sections.append(charts.section(auditor.tally))
        writer.finish(auditor.tally)
    if args.format != "table" or args.output:
        print(summary_line(auditor.tally), file=sys.stderr)
    failed = auditor.tally.errors_count
    if failed and not getattr(args, "keep_going", False):
        # A rule that raised decided nothing on that record: the check is incomplete, which is not "no issues".
        print(f"leder-audit: {failed:,} rule error{'s' if failed != 1 else ''}: those rules decided nothing on "
              "those records, so the check is incomplete (listed in the report); exit 2. "
              "--keep-going reports them without failing the run", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_FINDINGS if worst >= threshold and not args.exit_zero else EXIT_OK


class ReportCharts:
    """The HTML report's cohort measures and change over time, counted in the same pass as the findings."""

    def __init__(self, book: Rulebook, as_of: date) -> None:
        from ..cohort import CohortRun, load_cohort_rules
        from ..cohort.trend import TrendCounter

        # Representation needs population figures, which belong to `leder-audit cohort --population`.
        rules = [r for r in load_cohort_rules(concepts=book.concepts) if r.spec.measure.kind != "representation"]
        self.cohort = CohortRun(rules, as_of=as_of, concepts=book.concepts)
        self.trend = TrendCounter(book)

    def observe(self, record: Any, findings: list[Any]) -> None:
        self.trend.observe(record, findings)
        self.cohort.add(record)

    def section(self, tally: Any) -> str:
        from ..cohort.svg import html_section

        return html_section(self.cohort.results(), self.trend.result(tally))


def _suppressions(paths: list[str], as_of: date, book: Rulebook, max_days: int | None) -> Any:
    """Every suppressions file given, read before any record; expired and doubtful entries are named on stderr."""
    from ..suppressions import DEFAULT_MAX_DAYS, Suppressions, load_suppressions

    loaded = Suppressions()
    for path in paths:
        loaded = loaded + load_suppressions(path)
    for entry in loaded.expired(as_of):
        what = entry.fingerprint or f"{entry.rule_id} on {entry.record_id}"
        print(f"leder-audit: suppression at {entry.source} ({what}) expired on {entry.expires.isoformat()}"
              " and no longer silences anything", file=sys.stderr)
    for note in loaded.doubtful((rule.id for rule in book.rules), as_of, max_days or DEFAULT_MAX_DAYS):
        print(f"leder-audit: {note}", file=sys.stderr)
    return loaded


def list_rules(args: Any, book: Rulebook) -> int:
    if args.format == "json":
        rows = [{"id": r.id, "version": r.spec.version, "severity": r.spec.severity, "applies_to": r.spec.applies_to,
                 "tags": r.spec.tags, "title": r.spec.title, "file": r.file} for r in book.rules]
        print(json.dumps(rows, indent=1))
        return EXIT_OK
    for rule in book.rules:
        print(f"{rule.id:16} {rule.spec.severity:8} {rule.spec.applies_to:17} {','.join(rule.spec.tags):28} {rule.spec.title}")
    print(f"{len(book.rules)} rules")
    return EXIT_OK


def test_rules(args: Any, book: Rulebook) -> int:
    from ..ruletests import run_cases

    total = failed = 0
    for result in run_cases(book, as_of=args.as_of):
        total += 1
        if result.ok:
            continue
        failed += 1
        print(f"FAIL {result.rule_id} {result.expected} case {result.number}: expected {result.expected}, "
              f"got {result.actual}\n  record: {json.dumps(result.case, default=str)}"
              + (f"\n  {result.detail}" if result.detail else ""))
    print(f"{total - failed} passed, {failed} failed")
    return EXIT_FINDINGS if failed else EXIT_OK


def rule_docs(args: Any, book: Rulebook) -> int:
    from ..rulesdocs import write_rule_docs

    written = write_rule_docs(book, args.output_dir)
    print(f"{len(written)} pages written to {args.output_dir}")
    return EXIT_OK


def explain(args: Any, book: Rulebook) -> int:
    rule = book.by_id.get(args.rule_id)
    if rule is None:
        from ..language.check import did_you_mean

        raise InputError(f"no rule {args.rule_id}. " + (did_you_mean(args.rule_id, book.by_id) or ""), "explain")
    auditor = Auditor(book.select([rule.id]), as_of=args.as_of)
    print(f"{rule.id} v{rule.spec.version}: {rule.spec.title}\nwhen: {rule.condition}")
    for number, item in enumerate(read(args.record_file), 1):
        admitted = admit(item, number)
        if isinstance(item, Rejection):
            print(f"\n{item.source}, {item.location}: rejected: {item.message}")
        elif isinstance(admitted, Rejection):
            print(f"\n{_as_error(admitted)}")
        else:
            for explained in auditor.explain(rule, admitted.record):
                _print_explanation(explained, rule)
    return EXIT_OK


def _as_error(rejection: Rejection) -> str:
    """A rejected record as the InputError reading it raised: source, location, message and field."""
    return str(InputError(rejection.message, rejection.source, rejection.location, rejection.field))


def _print_explanation(explained: Explanation, rule: Any) -> None:
    verdict = {True: "FIRES", False: "does not fire", None: "unknown (data missing)"}[explained.outcome]
    if explained.outcome is None and rule.unknown is not None:
        verdict += (f" -> fires as not recorded (decided_on_unknown: true, {rule.unknown.severity}, tag"
                    f" {NOT_RECORDED}): \"{rule.unknown.title}\", a documentation gap, not a failure of care")
    print(f"\nrecord {explained.record_id}{' at ' + explained.at if explained.at else ''}: {verdict}")
    for step in explained.steps:
        inputs = ", ".join(f"{k} = {json.dumps(v, default=str)}" for k, v in step.inputs.items())
        print(f"  {step.expression}  ->  {json.dumps(step.value, default=str)}" + (f"   [{inputs}]" if inputs else ""))
    for sighting, path in explained.evidence:
        print(f"  evidence at {path}: \"{sighting.text}\" [{sighting.start}:{sighting.end}]"
              + (f" ({sighting.context})" if sighting.context else ""))


def validate(args: Any) -> int:
    bad = total = 0
    for item in records_of(args.paths, args.input_format, getattr(args, "mapping", None)):
        total += 1
        admitted = admit(item, total)
        if isinstance(admitted, Rejection):
            bad += 1
            print(f"{item.source}, {item.location}: {item.message}" if isinstance(item, Rejection) else _as_error(admitted))
    print(f"{total} records read: {total - bad} valid, {bad} rejected")
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

    if args.count < 0 or not 0.0 <= args.problem_rate <= 1.0:
        raise InputError("N must be 0 or more and --problem-rate between 0 and 1", "generate")
    with output(args.output) as out:
        written = write_ndjson(out, args.count, seed=args.seed, problem_rate=args.problem_rate,
                               unique_text=args.unique_text)
    if args.output:
        print(f"{written} records written to {args.output}", file=sys.stderr)
    return EXIT_OK
