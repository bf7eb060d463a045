"""Reading the record files a command is given, and writing its report safely."""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterator

from .. import __version__
from ..errors import InputError
from ..findings import Rejection
from ..intake import Incoming, admit
from ..readers import read
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


def strictly(items: Iterator[Incoming | Rejection]) -> Iterator[Incoming | Rejection]:
    for number, item in enumerate(items, 1):
        admitted = admit(item, number)
        if isinstance(admitted, Rejection):
            raise InputError(admitted.message, admitted.source, admitted.location, admitted.field)
        yield item


def as_error(rejection: Rejection) -> str:
    """A rejected record as the InputError reading it raised: source, location, message and field."""
    return str(InputError(rejection.message, rejection.source, rejection.location, rejection.field))
