"""The `diff` command: two reports compared."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..findings import SEVERITIES
from .options import EXIT_FINDINGS, EXIT_OK, output_option


def add_diff_parser(commands: Any) -> None:
    """Add `diff` to the command line's sub-commands."""
    diff = commands.add_parser("diff", help="compare two reports: new, fixed and persisting findings by theme and rule")
    diff.add_argument("old", metavar="OLD", help="the earlier JSON or NDJSON report")
    diff.add_argument("new", metavar="NEW", help="the later JSON or NDJSON report")
    diff.add_argument("--format", default="table", choices=["table", "json", "html"])
    output_option(diff, "the comparison")
    diff.add_argument("--fail-on", default="info", choices=SEVERITIES, metavar="SEVERITY",
                      help="exit 1 when a new finding is at or above this severity (default: info, i.e. any)")


def diff(args: argparse.Namespace) -> int:
    """Compare the reports; exit 1 when a new finding reaches --fail-on."""
    from ..baseline import read_report
    from ..diff import compare, diff_html, diff_json, diff_table
    from .io import output, refuse_unsafe_output

    refuse_unsafe_output(args.output, [args.old, args.new])
    result = compare(read_report(args.old), read_report(args.new))
    if result.rulebooks_differ and args.format != "table":
        print("leder-audit: warning: the two reports were made with different rulebooks: findings of rules added, "
              "changed or removed count as new or fixed", file=sys.stderr)
    render = {"json": diff_json, "html": diff_html, "table": diff_table}[args.format]
    with output(args.output) as out:
        out.write(render(result))
    if args.format != "table" or args.output:
        print(f"{len(result.added):,} new, {len(result.fixed):,} fixed, {len(result.persisting):,} persisting",
              file=sys.stderr)
    return EXIT_FINDINGS if result.worst_new() >= SEVERITIES.index(args.fail_on) else EXIT_OK
