"""Writers: each streams findings to a file as they come, with the run's header and totals."""

from __future__ import annotations

import json
from typing import IO, Any, Callable, Protocol

from ..findings import SEVERITIES, Finding, Tally
from ..prose import counted
from ..terminal import visible



class Writer(Protocol):
    def start(self, header: dict[str, Any]) -> None: ...
    def finding(self, finding: Finding) -> None: ...
    def finish(self, tally: Tally) -> None: ...


class JsonWriter:
    """One JSON document: run header, findings, totals, rejected records and rule errors."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.first = True

    def start(self, header: dict[str, Any]) -> None:
        self.out.write('{"run": ' + json.dumps(header, ensure_ascii=False) + ',\n "findings": [')

    def finding(self, finding: Finding) -> None:
        self.finding_json(finding.model_dump_json())

    def finding_json(self, text: str) -> None:
        """A finding already written as JSON (`FoundFinding.json()`)."""
        self.out.write(("\n  " if self.first else ",\n  ") + text)
        self.first = False

    def finish(self, tally: Tally) -> None:
        self.out.write("\n ],\n")
        tail = {
            "summary": tally.summary(),
            "rules": {rule_id: stats.model_dump() for rule_id, stats in tally.rule_stats.items()},
            "rejected": [r.model_dump() for r in tally.rejected],
            "rule_errors": [e.model_dump() for e in tally.errors],
            "suppressed": [s.model_dump(mode="json") for s in tally.suppressed],
            "duplicates": [d.model_dump() for d in tally.duplicates.listed],
        }
        body = json.dumps(tail, ensure_ascii=False, indent=1)
        self.out.write(body[2:] + "\n")


class NdjsonWriter:
    """One Finding per line and nothing else, for pipelines; totals go to the run summary on stderr."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def start(self, header: dict[str, Any]) -> None:
        pass

    def finding(self, finding: Finding) -> None:
        self.out.write(finding.model_dump_json() + "\n")

    def finding_json(self, text: str) -> None:
        """A finding already written as JSON (`FoundFinding.json()`)."""
        self.out.write(text + "\n")

    def finish(self, tally: Tally) -> None:
        pass


class TableWriter:
    """Findings for a person at a terminal, grouped by record, most severe first within each."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.current: str | None = None
        self.pending: list[Finding] = []

    def start(self, header: dict[str, Any]) -> None:
        inputs = ", ".join(i["path"] for i in header.get("inputs", []))
        self.out.write(f"leder-audit {header['version']}: {counted(header['rule_count'], 'rule')} over {visible(inputs or 'input')}\n")

    def finding(self, finding: Finding) -> None:
        key = f"{finding.record_type} {finding.record_id}"
        if key != self.current:
            self._flush()
            self.current = key
        self.pending.append(finding)

    def _flush(self) -> None:
        if not self.pending:
            return
        self.out.write(f"\n{visible(self.current or '')}\n")
        for f in sorted(self.pending, key=lambda f: -SEVERITIES.index(f.severity)):
            where = f" at {visible(f.path)}" if f.path else ""
            self.out.write(f"  {f.severity.upper():8} {f.rule_id}{where}: {visible(f.title)}\n")
            self.out.write(_wrap(visible(f.message), "           ") + "\n")
        self.pending = []

    def finish(self, tally: Tally) -> None:
        self._flush()
        self.out.write("\n" + summary_line(tally) + "\n")
        # Every line below quotes what the input gave (ids, file names, keys): its control characters are escaped.
        for rejection in tally.rejected:
            field = f" (field {rejection.field})" if rejection.field else ""
            self._line(f"  rejected {rejection.source}, {rejection.location}{field}: {rejection.message}")
        for error in tally.errors:
            self._line(f"  rule error {error.rule_id} on record {error.record_id}: {error.message}")
        for repeat in tally.duplicates.listed:
            self._line(f"  duplicate id {repeat.source}, {repeat.location}: {repeat.record_type} {repeat.record_id}"
                       " was seen earlier; both were checked")
        for silenced in tally.suppressed:
            f = silenced.finding
            self._line(f"  suppressed {f.rule_id} on {f.record_type} {f.record_id}: {silenced.reason} "
                       f"({silenced.reviewer}, until {silenced.expires.isoformat()})")

    def _line(self, text: str) -> None:
        self.out.write(visible(text) + "\n")


def _wrap(text: str, indent: str, width: int = 100) -> str:
    import textwrap

    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent)


def summary_line(tally: Tally) -> str:
    """Totals in one line: read, checked, rejected, findings by severity."""
    summary = tally.summary()
    severities = ", ".join(f"{count:,} {name}" for name, count in reversed(list(summary["by_severity"].items())))
    return (f"{counted(summary['records_read'], 'record')} read: {summary['records_checked']:,} checked, "
            f"{summary['records_rejected']:,} rejected; {counted(summary['findings'], 'finding')}"
            + (f" ({severities})" if severities else "")
            + (f", {summary['not_recorded']:,} of them not recorded" if summary.get("not_recorded") else "")
            + (f"; {summary['suppressed']:,} suppressed" if summary["suppressed"] else "")
            + (f"; {counted(summary['rule_errors'], 'rule error')}" if summary["rule_errors"] else "")
            + (f"; {counted(summary['duplicate_ids'], 'duplicate id')}" if summary.get("duplicate_ids") else "")
            + (_against_baseline(summary["baseline"]) if summary.get("baseline") else ""))


def _against_baseline(counts: dict[str, Any]) -> str:
    moved = counts.get("persisting_under_new_rule_version")
    return (f"; against the baseline: {counts['new']:,} new (listed), {counts['persisting']:,} persisting"
            + (f" ({moved:,} of them raised by a newer version of their rule)" if moved else "")
            + f", {counts['fixed']:,} fixed")


def summary_document(header: dict[str, Any], tally: Tally) -> dict[str, Any]:
    """The run header and its counts as one JSON document: what `--summary FILE` holds, for any format."""
    return {
        "run": header,
        "summary": tally.summary(),
        "rules": {rule_id: stats.model_dump() for rule_id, stats in tally.rule_stats.items()},
    }


def _more_writers() -> dict[str, Callable[..., Writer]]:
    # Imported only when their format is asked for, to keep the start of a run short.
    from .csvout import CsvWriter
    from .fhirissues import FhirWriter
    from .html import HtmlWriter
    from .sarif import SarifWriter
    from .xlsx import XlsxWriter

    return {"csv": CsvWriter, "sarif": SarifWriter, "fhir": FhirWriter, "html": HtmlWriter, "xlsx": XlsxWriter}


WRITERS: dict[str, Callable[[IO[str]], Writer]] = {"json": JsonWriter, "ndjson": NdjsonWriter, "table": TableWriter}


def make_writer(name: str, out: IO[str], **options: Any) -> Writer:
    """A writer by format name; options (rulebook, origins, redact, max_findings) go to the writers that take them."""
    if name in WRITERS:
        return WRITERS[name](out)
    return _more_writers()[name](out, **options)


def __getattr__(name: str) -> Any:
    if name == "DEFAULT_MAX_FINDINGS":  # the HTML writer's, read from it only when asked for
        from .html import DEFAULT_MAX_FINDINGS

        return DEFAULT_MAX_FINDINGS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

