"""The `cohort` and `trend` commands: their arguments and what they do."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError

EXIT_OK, EXIT_FINDINGS = 0, 1


def add_cohort_parsers(commands: Any, input_formats: list[str], date_type: Callable[[str], date]) -> None:
    """Add `cohort` and `trend` to the command line's sub-commands."""
    cohort = commands.add_parser("cohort", help="measure rates, medians and ethnic representation over a whole run")
    cohort.add_argument("paths", nargs="+", metavar="PATH", help="record files")
    cohort.add_argument("--population", metavar="FILE",
                        help="CSV of area, ethnic_group and count or share, for ethnicity-representation rules")
    cohort.add_argument("--rules", action="append", default=[], metavar="DIR",
                        help="a folder whose cohort/ sub-folder (or a file) holds cohort rules of your own")
    cohort.add_argument("--no-builtin", action="store_true", help="leave out the built-in cohort rules")
    cohort.add_argument("--select", action="append", default=[], metavar="ID|TAG",
                        help="run only cohort rules with this id or theme tag (repeatable)")
    cohort.add_argument("--format", default="table", choices=["table", "json", "csv", "fhir"])
    cohort.add_argument("--output", metavar="FILE", help="write the results here instead of standard output")
    cohort.add_argument("--as-of", type=date_type, metavar="DATE", help="the date open reviews are judged at")
    cohort.add_argument("--input-format", choices=input_formats, help="read every PATH in this format")
    cohort.add_argument("--mapping", metavar="FILE", help="a YAML mapping file for CSV/TSV exports")

    trend = commands.add_parser("trend", help="each theme's finding rate per quarter and area, and its latest change")
    trend.add_argument("paths", nargs="+", metavar="PATH", help="record files")
    trend.add_argument("--by", default="area.ics", metavar="FIELD",
                       help="the field path that names the area (default area.ics; 'none' for one group)")
    trend.add_argument("--rules", action="append", default=[], metavar="DIR",
                       help="a folder (or file) of your own per-record rules, added to the built-in ones")
    trend.add_argument("--no-builtin", action="store_true", help="leave out the built-in rules")
    trend.add_argument("--select", action="append", default=[], metavar="ID|TAG")
    trend.add_argument("--ignore", action="append", default=[], metavar="ID|TAG")
    trend.add_argument("--format", default="table", choices=["table", "json", "csv"])
    trend.add_argument("--output", metavar="FILE", help="write the trend here instead of standard output")
    trend.add_argument("--as-of", type=date_type, metavar="DATE", help="the date open reviews are judged at")
    trend.add_argument("--input-format", choices=input_formats, help="read every PATH in this format")
    trend.add_argument("--mapping", metavar="FILE", help="a YAML mapping file for CSV/TSV exports")


def _items(args: argparse.Namespace):
    from .check import records_of

    for path in args.paths:
        if not Path(path).is_file():
            raise InputError("no such file", path)
    return records_of(args.paths, args.input_format, args.mapping)


def cohort(args: argparse.Namespace) -> int:
    """Run the cohort rules over the records; exit 1 when a group raises a finding."""
    from ..cohort import load_cohort_rules, run_cohort, select_rules
    from ..cohort.report import csv_rows, measure_report, report_json, report_table
    from .check import output
    from ..cohort.ethnicity import load_population

    as_of = args.as_of or date.today()
    rules = select_rules(load_cohort_rules(*args.rules, builtin=not args.no_builtin), args.select)
    population = load_population(args.population) if args.population else None
    report = run_cohort(_items(args), rules, population, as_of=as_of)
    with output(args.output) as out:
        if args.format == "json":
            header = {"tool": "leder-audit", "as_of": as_of.isoformat(), "population": args.population,
                      "rules": [r.id for r in report.rules]}
            out.write(json.dumps(report_json(report, header), indent=1, ensure_ascii=False) + "\n")
        elif args.format == "csv":
            csv.writer(out, lineterminator="\n").writerows(csv_rows(report.results))
        elif args.format == "fhir":
            out.write(json.dumps(measure_report(report, as_of), indent=1, ensure_ascii=False) + "\n")
        else:
            out.write(report_table(report))
    if report.skipped and args.format != "table":
        print(f"leder-audit: skipped {', '.join(report.skipped)}: they need --population FILE", file=sys.stderr)
    return EXIT_FINDINGS if report.findings else EXIT_OK


def trend(args: argparse.Namespace) -> int:
    """Each theme's finding rate per area and quarter, and the latest change."""
    from .check import output
    from ..rulebook import load_rulebook
    from ..cohort.trend import compute_trend, trend_csv_rows, trend_table

    book = load_rulebook(*args.rules, builtin=not args.no_builtin)
    if args.select or args.ignore:
        book = book.select(args.select, args.ignore)
    result = compute_trend(_items(args), book, by=args.by, as_of=args.as_of or date.today())
    with output(args.output) as out:
        if args.format == "json":
            out.write(result.model_dump_json(indent=1) + "\n")
        elif args.format == "csv":
            csv.writer(out, lineterminator="\n").writerows(trend_csv_rows(result))
        else:
            out.write(trend_table(result))
    return EXIT_OK
