"""Reading the record files a command is given, and writing its report safely."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import sys
import tempfile
import warnings
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator

from .. import __version__
from ..errors import InputError
from ..findings import Rejection
from ..intake import Incoming, admit
from ..readers import EXTENSIONS, detect_format, read
from ..rulebook import Rulebook


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


def refuse_unsafe_output(path: str | None, inputs: list[str], option: str = "--output") -> None:
    """Refuse, before any work, an --output that would destroy an input or a file the user may not write."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{option} names a folder; give a file name for the report", path)
    if not target.parent.is_dir():
        raise InputError(f"{option} is in a folder that does not exist", path)
    if target.is_file():
        for given in inputs:
            if Path(given).is_file() and os.path.samefile(given, target):
                raise InputError(f"{option} is one of the input files or the report; it would be replaced",
                                 path)
        mode = target.stat().st_mode
        if not os.access(target, os.W_OK) or not mode & 0o222:
            raise InputError(f"{option} names a read-only file; it is not replaced (remove it or choose another name)",
                             path)
    elif any(Path(given) == target for given in inputs):
        raise InputError(f"{option} is one of the input files or the report; it would be replaced", path)


def writer_options(args: Any) -> dict[str, Any]:
    """The options only one format takes, for its writer."""
    if args.format == "csv":
        return {"excel": bool(getattr(args, "excel_csv", False))}
    if args.format == "sarif":
        return {"root": getattr(args, "sarif_root", None) or os.getcwd()}
    return {}


def write_summary(path: str, header: dict[str, Any], tally: Any) -> None:
    """The run header and counts as JSON in their own file (`--summary`), written safely like a report."""
    import json

    from ..writers import summary_document

    with output(path) as out:
        out.write(json.dumps(summary_document(header, tally), ensure_ascii=False, indent=1) + "\n")


@contextmanager
def output(path: str | None) -> Iterator[IO[str]]:
    """Standard output, or a file written beside its destination and moved into place when complete."""
    if path is None:
        yield sys.stdout
        return
    target = Path(path)
    if target.exists() and not target.is_file():
        # A device or pipe (/dev/null, a named pipe) is written in place, never replaced.
        try:
            with target.open("w", encoding="utf-8") as stream:
                yield stream
        except OSError as error:
            raise _naming(error, path) from None
        return
    # The partial file's name is chosen before it exists, so that a signal arriving at any moment after
    # can still remove it: a report is either complete and in place, or not there at all.
    partial = (target.parent or Path(".")) / f".{target.name}.{secrets.token_hex(4)}.part"
    try:
        with partial.open("x", encoding="utf-8") as handle:
            yield handle
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise _naming(error, path) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _naming(error: OSError, path: str) -> OSError:
    """The error of writing a report, naming the report's file (a full disk names none)."""
    if error.filename is None or str(error.filename).endswith(".part"):
        error.filename = path
    return error


STDIN = ("-", "/dev/stdin")
STDIN_SOURCE = "<stdin>"


def input_paths(paths: list[str], leave_out: list[str | None] | None = None) -> list[str]:
    """The record files named, each folder replaced by the record files directly in it (by extension, in order
    of name); what a folder holds but is not read is named on stderr. A path that is not there is an error."""
    found: list[str] = []
    reports = {Path(p).resolve() for p in leave_out or [] if p}
    for given in paths:
        path = Path(given)
        if given in STDIN:
            found.append(given)
        elif path.is_dir():
            found += _record_files(path, reports)
        elif path.exists():
            found.append(given)
        else:
            raise InputError("no such file or folder", given)
    return found


def _record_files(folder: Path, reports: set[Path]) -> list[str]:
    chosen: list[str] = []
    skipped: list[str] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.is_dir():
            skipped.append(entry.name + "/")
        elif entry.suffix.lower() not in EXTENSIONS:
            skipped.append(entry.name)
        elif entry.resolve() in reports:
            skipped.append(f"{entry.name} (the report)")
        else:
            chosen.append(str(entry))
    names = ", ".join(skipped[:10]) + (f" and {len(skipped) - 10:,} more" if len(skipped) > 10 else "")
    if not chosen:
        raise InputError("the folder holds no record file (" + ", ".join(EXTENSIONS) + ")"
                         + (f"; it holds {names}" if skipped else ""), str(folder))
    print(f"leder-audit: {folder}: reading {len(chosen)} record file{'s' if len(chosen) != 1 else ''}"
          + (f"; skipped {names} (not a record file by its extension; folders are not read)" if skipped else ""),
          file=sys.stderr)
    return chosen


def records_of(paths: list[str], input_format: str | None, mapping: str | None = None,
               sheet: str | None = None) -> Iterator[Incoming | Rejection]:
    loaded = None
    if mapping:
        from ..readers.mapping import load_mapping

        loaded = load_mapping(mapping)
    for path in paths:
        items = standard_input(input_format, loaded, sheet) if path in STDIN else read(path, input_format, loaded, sheet)
        first = next(items, None)
        if first is None:
            print(f"leder-audit: {STDIN_SOURCE if path in STDIN else path}: the file holds no records", file=sys.stderr)
            continue
        yield first
        yield from items  # handed on by the interpreter, with no Python code run per record


def standard_input(input_format: str | None, mapping: Any, sheet: str | None) -> Iterator[Incoming | Rejection]:
    """The records on standard input, located as <stdin>: copied to a private temporary file first, so that
    its format can be sniffed, a JSON document read whole and a workbook read with seeks."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("standard input is closed", STDIN_SOURCE)
    with tempfile.TemporaryDirectory(prefix="leder-audit-") as folder:  # made readable by the user alone
        copy = Path(folder) / "stdin"
        with copy.open("xb") as spool:
            shutil.copyfileobj(stream, spool, 1 << 20)
        with _as_stdin():
            fmt = input_format or _sniffed(copy)
            items = read(copy, fmt, mapping, sheet)
            # A CSV header's warnings are given when its first record is read.
            with warnings.catch_warnings(record=True) as said:
                warnings.simplefilter("always")
                first = next(items, None)
            for warning in said:
                warnings.warn_explicit(type(warning.message)(str(warning.message).replace(str(copy), STDIN_SOURCE)),
                                       warning.category, warning.filename, warning.lineno)
            if first is None:
                return
            yield _relabelled(first, str(copy))
            for item in items:
                yield _relabelled(item, str(copy))


def _sniffed(copy: Path) -> str:
    try:
        return detect_format(copy)
    except InputError:
        raise InputError("cannot tell the format of standard input from its first bytes (JSON, NDJSON, FHIR and "
                         "workbooks can be told; CSV and TSV cannot): give --input-format csv, tsv, json, ndjson, "
                         "fhir or xlsx", STDIN_SOURCE) from None


@contextmanager
def _as_stdin() -> Iterator[None]:
    """Errors raised while reading the copy of standard input name <stdin>, not the copy."""
    try:
        yield
    except InputError as error:
        raise InputError(error.message, STDIN_SOURCE, error.location, error.field) from None


def _relabelled(item: Incoming | Rejection, copy: str) -> Incoming | Rejection:
    if item.source != copy:
        return item
    if isinstance(item, Incoming):
        return item._replace(source=STDIN_SOURCE)
    return item.model_copy(update={"source": STDIN_SOURCE})


def strictly(items: Iterator[Incoming | Rejection]) -> Iterator[Incoming | Rejection]:
    for number, item in enumerate(items, 1):
        admitted = admit(item, number)
        if isinstance(admitted, Rejection):
            raise InputError(admitted.message, admitted.source, admitted.location, admitted.field)
        yield item


def as_error(rejection: Rejection) -> str:
    """A rejected record as the InputError reading it raised: source, location, message and field."""
    return str(InputError(rejection.message, rejection.source, rejection.location, rejection.field))
