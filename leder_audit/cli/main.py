"""The leder-audit command line: argument parsing and exit codes."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from .. import __version__
from ..errors import LederAuditError, UnusedColumn
from ..terminal import visible
from ..findings import SEVERITIES
from .completion import add_completion_parser, completion
from .config import add_config_parser, configure, show_config
from .helptext import finish_help
from .options import (
    EXIT_ERROR, MAX_JOBS, as_of_option, input_options, output_option, quiet_option, rules_options, whole,
)

if TYPE_CHECKING:
    from ..rulebook import Rulebook

_positive = whole(1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leder-audit", description=(
        "Check death certificates, DNACPR decisions and LeDeR reviews against the LeDeR recommendations."))
    parser.add_argument("--version", action="version", version=f"leder-audit {__version__}")
    parser.add_argument("--config", dest="settings_file", metavar="FILE",
                        help="read settings from this file (a leder-audit.toml, or a pyproject.toml with "
                             "[tool.leder-audit]) instead of the nearest one (docs/configuration.md)")
    parser.add_argument("--no-config", action="store_true", help="read no settings file")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="check records and report findings")
    check.add_argument("paths", nargs="+", metavar="PATH", help="record files: .json, .ndjson, .jsonl, .csv, .tsv, or FHIR R4 Bundles")
    rules_options(check)
    check.add_argument("--format", default="table", choices=["table", "json", "ndjson", "csv", "sarif", "fhir", "html", "xlsx"])
    check.add_argument("--redact", action="store_true",
                       help="blank out names, NHS numbers and dates of birth in messages and evidence (ids and spans kept)")
    check.add_argument("--html-max-findings", type=whole(0), default=None, metavar="N",
                       help="list the N most severe findings in the HTML report's table and count the rest by "
                            "severity; its counts stay exact (default 50000)")
    output_option(check)
    check.add_argument("--summary", metavar="FILE",
                       help="also write the run header and counts here, as JSON (any --format)")
    check.add_argument("--excel-csv", action="store_true",
                       help="with --format csv: start the file with a UTF-8 byte-order mark, so that Excel reads it as UTF-8")
    check.add_argument("--sarif-root", metavar="DIR",
                       help="with --format sarif: write input paths relative to DIR (default: the working directory)")
    check.add_argument("--fail-on", default="info", choices=SEVERITIES, metavar="SEVERITY",
                       help="exit 1 when a finding is at or above this severity; the default, info, counts any finding")
    as_of_option(check)
    input_options(check)
    check.add_argument("--strict", action="store_true", help="stop at the first record that cannot be read (exit 2)")
    check.add_argument("--suppressions", action="append", default=[], metavar="FILE",
                       help="a YAML file of findings to silence, each with a reason, reviewer and expiry date")
    check.add_argument("--suppressions-max-days", type=_positive, default=None, metavar="DAYS",
                       help="warn about a suppression that expires more than DAYS days ahead (default 365)")
    check.add_argument("--jobs", type=whole(0, MAX_JOBS), default=1, metavar="N",
                       help=f"check in N processes (0: one per CPU; at most {MAX_JOBS}); the output is the same as with 1 (default 1)")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when there are findings (errors still exit 2), e.g. to browse a report")
    check.add_argument("--keep-going", action="store_true",
                       help="a rule that fails on a record is counted in the report but does not make the exit code 2")
    check.add_argument("--history", metavar="FILE",
                       help="add this run's counts per rule, theme and area to a SQLite history file (made if "
                            "missing), for trend --history")
    check.add_argument("--baseline", metavar="REPORT",
                       help="an earlier JSON or NDJSON report: list and fail on only the findings not in it, "
                            "and count those that persist and those fixed")
    quiet_option(check)

    rules = commands.add_parser("rules", help="list, test or document the rules")
    rule_commands = rules.add_subparsers(dest="rules_command", required=True)
    listing = rule_commands.add_parser("list", help="list the rules")
    rules_options(listing)
    listing.add_argument("--format", default="table", choices=["table", "json"])
    testing = rule_commands.add_parser("test", help="run every rule's inline test cases")
    rules_options(testing)
    as_of_option(testing)
    documenting = rule_commands.add_parser("docs", help="write one Markdown page per rule and an index by theme")
    rules_options(documenting)
    documenting.add_argument("--output-dir", default="docs/rules", metavar="DIR")

    explain = commands.add_parser("explain", help="show how one rule decided on each record of a file")
    explain.add_argument("rule_id", metavar="RULE_ID", help="the rule to explain, e.g. LDA-MCCD-002")
    explain.add_argument("record_file", metavar="RECORD_FILE", help="a file of records, in any input format")
    rules_options(explain)
    as_of_option(explain)

    validate = commands.add_parser("validate", help="report records that do not fit their model, without rules")
    validate.add_argument("paths", nargs="+", metavar="PATH")
    input_options(validate)

    schema = commands.add_parser("schema", help="write the JSON Schemas of records and findings")
    schema.add_argument("--output-dir", default="docs/schemas", metavar="DIR")

    generate = commands.add_parser("generate", help="write synthetic records as NDJSON, for benchmarks and tests")
    generate.add_argument("count", type=whole(0), metavar="N", help="how many records")
    generate.add_argument("--seed", type=int, default=0, help="the same seed gives the same file (default 0)")
    output_option(generate, "the records")
    generate.add_argument("--problem-rate", type=float, default=0.1, metavar="RATE",
                          help="share of records that carry one known problem, 0 to 1 (default 0.1)")
    generate.add_argument("--unique-text", action="store_true",
                          help="make every free text (rationale, narrative, family concerns) unlike any other, "
                               "as in real exports; by default they repeat")
    generate.add_argument("--findings-heavy", action="store_true",
                          help="every record carries a known problem (--problem-rate 1): about two findings a "
                               "record with the built-in rules, for timing the findings")

    from .cohort import add_cohort_parsers

    add_cohort_parsers(commands)
    from .weekly import add_diff_parser

    add_diff_parser(commands)
    from .service import add_service_parsers

    add_service_parsers(commands)
    add_config_parser(commands)
    add_completion_parser(commands)
    finish_help(parser)
    return parser


def _book(args: argparse.Namespace) -> Rulebook:
    from ..rulebook import load_rulebook

    book = load_rulebook(*args.rules, builtin=not getattr(args, "no_builtin", False))
    if getattr(args, "select", None) or getattr(args, "ignore", None):
        book = book.select(args.select, args.ignore)
    return book


EXIT_INTERRUPTED, EXIT_TERMINATED = 128 + signal.SIGINT, 128 + signal.SIGTERM
DEBUG = "LEDER_AUDIT_DEBUG"  # set to 1 to see the traceback of an unexpected error


class Terminated(BaseException):
    """SIGTERM, raised where the program is so that reports being written are removed, as on Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        configure(parser, args, argv, build_parser)
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            # --strict makes a column that fills no field an error (exit 2), as it does a bad record.
            warnings.simplefilter("error" if getattr(args, "strict", False) else "always", UnusedColumn)
            return _dispatch(args)
    except LederAuditError as error:
        print(visible(f"leder-audit: {error}", keep="\n"), file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader of standard output went away (`| head`): the report is incomplete, which is an error.
        _silence_stdout()
        print("leder-audit: standard output was closed before the report was complete", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:  # disk full, a read-only or missing folder, an output path that is a folder
        where = f"{error.filename}: " if error.filename else ""
        print(visible(f"leder-audit: {where}{error.strerror or error}; no report was written"), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("leder-audit: interrupted; no report was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("leder-audit: terminated; no report was written", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception as error:  # the last resort: one line, never a traceback or the record's text
        if os.environ.get(DEBUG) == "1":
            raise
        print(f"leder-audit: unexpected error ({type(error).__name__}{_where(error)}); no report was written. "
              f"Set {DEBUG}=1 to see the traceback, and please report it", file=sys.stderr)
        return EXIT_ERROR


_plain_showwarning = warnings.showwarning


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: object = None, line: str | None = None) -> None:
    """leder-audit's own warnings as one plain line on stderr; others as Python shows them."""
    if issubclass(category, UnusedColumn):
        print(visible(f"leder-audit: warning: {message}"), file=sys.stderr)
    else:
        _plain_showwarning(message, category, filename, lineno, file, line)  # type: ignore[arg-type]


def _where(error: BaseException) -> str:
    """The innermost place in leder-audit's own code the error passed through, as ' in path:line'."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "leder_audit" in Path(f.filename).parts]
    if not frames:
        return ""
    parts = Path(frames[-1].filename).parts
    return f" in {'/'.join(parts[parts.index('leder_audit'):])}:{frames[-1].lineno}"


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that Python's flush at exit does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _dispatch(args: argparse.Namespace) -> int:
    from . import check as commands, rules

    if args.command == "check":
        return commands.check(args, _book(args))
    if args.command == "rules" and args.rules_command == "list":
        return rules.list_rules(args, _book(args))
    if args.command == "rules" and args.rules_command == "test":
        return rules.test_rules(args, _book(args))
    if args.command == "rules" and args.rules_command == "docs":
        return rules.rule_docs(args, _book(args))
    if args.command == "explain":
        return rules.explain(args, _book(args))
    if args.command == "validate":
        return commands.validate(args)
    if args.command == "schema":
        return commands.schema(args)
    if args.command == "generate":
        return commands.generate(args)
    if args.command in ("cohort", "trend"):
        from . import cohort as cohort_commands

        code: int = getattr(cohort_commands, args.command)(args)
        return code
    if args.command == "diff":
        from . import weekly

        return weekly.diff(args)
    if args.command == "config":
        return show_config(args, build_parser)
    if args.command == "completion":
        return completion(args, build_parser)
    if args.command in ("serve", "feedback-report"):
        from . import service

        return service.run(args)
    raise AssertionError(args.command)


def entry() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(main())
