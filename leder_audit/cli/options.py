"""What the commands share: exit codes, and the options several commands take, each defined once."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Callable

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
INPUT_FORMATS = ["json", "ndjson", "csv", "tsv", "fhir", "xlsx"]
MAX_JOBS = 64  # more processes than this only compete for the same cores and memory


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-03-31") from None


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An option's whole number, refused unless low <= it (<= high)."""
    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {value}")
        return value
    return read


def rules_options(parser: argparse.ArgumentParser, *, ignore: bool = True,
                  rules_help: str = "a folder (or file) of your own rules and concepts, added to the built-in ones",
                  builtin_help: str = "leave out the built-in rules",
                  select_help: str = "run only rules with this id, theme tag or profile:NAME (repeatable)") -> None:
    """--rules, --no-builtin, --select and (unless ignore=False) --ignore."""
    parser.add_argument("--rules", action="append", default=[], metavar="DIR", help=rules_help)
    parser.add_argument("--no-builtin", action="store_true", help=builtin_help)
    parser.add_argument("--select", action="append", default=[], metavar="ID|TAG", help=select_help)
    if ignore:
        parser.add_argument("--ignore", action="append", default=[], metavar="ID|TAG",
                            help="leave out rules with this id, theme tag or profile:NAME (repeatable)")


def input_options(parser: argparse.ArgumentParser) -> None:
    """--input-format and --mapping: how the record files are read."""
    parser.add_argument("--input-format", choices=INPUT_FORMATS, help="read every PATH in this format")
    parser.add_argument("--mapping", metavar="FILE",
                        help="a YAML mapping file: how a CSV/TSV export or a workbook names its columns and values")
    parser.add_argument("--sheet", metavar="NAME", help="the sheet of each .xlsx workbook to read (default: the first)")


def as_of_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", type=parse_date, metavar="DATE",
                        help="the date open reviews are judged at (default: today)")


def output_option(parser: argparse.ArgumentParser, what: str = "the report") -> None:
    parser.add_argument("--output", metavar="FILE", help=f"write {what} here instead of standard output")


def quiet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar and no totals line on standard error (warnings and errors still shown)")
