"""The `cohort` and `trend` commands: their arguments and what they do."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import InputError
from .options import EXIT_FINDINGS, EXIT_OK, as_of_option, input_options, output_option, quiet_option, rules_options


def add_cohort_parsers(commands: Any) -> None:
    """Add `cohort` and `trend` to the command line's sub-commands."""
    cohort = commands.add_parser("cohort", help="measure rates, medians and ethnic representation over a whole run")
    cohort.add_argument("paths", nargs="+", metavar="PATH", help="record files")
    cohort.add_argument("--population", metavar="FILE",
                        help="CSV of area (ICB code), area_name, age_band, ethnic_group and count or share, "
                             "for ethnicity-representation rules")
    rules_options(cohort, ignore=False,
                  rules_help="a folder whose cohort/ sub-folder (or a file) holds cohort rules of your own",
                  builtin_help="leave out the built-in cohort rules",
                  select_help="run only cohort rules with this id or theme tag (repeatable)")
    cohort.add_argument("--format", default="table", choices=["table", "json", "csv", "fhir"])
    output_option(cohort, "the results")
    as_of_option(cohort)
    input_options(cohort)
    quiet_option(cohort)

    trend = commands.add_parser("trend", help="each theme's finding rate per quarter and area, and its latest change")
    trend.add_argument("paths", nargs="*", metavar="PATH", help="record files (or --history FILE)")
    trend.add_argument("--by", metavar="FIELD",
                       help="the field path that names the area (default area.ics; 'none' for one group)")
    trend.add_argument("--history", metavar="FILE",
                       help="instead of checking records, show the runs that check --history FILE recorded")
    trend.add_argument("--per", choices=["theme", "rule", "area"],
                       help="with --history: rates per theme (default), per rule, or per theme and area")
    rules_options(trend, rules_help="a folder (or file) of your own per-record rules, added to the built-in ones")
    trend.add_argument("--format", default="table", choices=["table", "json", "csv"])
    output_option(trend, "the trend")
    as_of_option(trend)
    input_options(trend)
    quiet_option(trend)


def _items(args: argparse.Namespace) -> Iterator[Any]:
    from .io import records_of

    for path in args.paths:
        if not Path(path).is_file():
            raise InputError("no such file", path)
    from ..progress import progress

    return iter(progress(records_of(args.paths, args.input_format, args.mapping), sys.stderr, args.paths,
                         quiet=args.quiet))


def cohort(args: argparse.Namespace) -> int:
    """Run the cohort rules over the records; exit 1 when a group raises a finding."""
    from ..cohort import load_cohort_rules, run_cohort, select_rules
    from ..cohort.report import csv_rows, measure_report, report_json, report_table
    from .io import output
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
    if args.format != "table":
        for warning in report.warnings:
            print(f"leder-audit: {warning}", file=sys.stderr)
    if report.skipped and args.format != "table":
        who = "it needs" if len(report.skipped) == 1 else "they need"
        print(f"leder-audit: skipped {', '.join(report.skipped)}: {who} --population FILE", file=sys.stderr)
    return EXIT_FINDINGS if report.findings else EXIT_OK


def trend(args: argparse.Namespace) -> int:
    """Each theme's finding rate per area and quarter, and the latest change."""
    from ..rulebook import load_rulebook
    from ..cohort.trend import compute_trend, trend_csv_rows, trend_table

    if args.history:
        return _history_trend(args)
    if not args.paths:
        raise InputError("give record files to check, or --history FILE", "trend")
    if args.per:
        raise InputError("--per is for --history; with record files, --by FIELD names the area", "trend")
    book = load_rulebook(*args.rules, builtin=not args.no_builtin)
    if args.select or args.ignore:
        book = book.select(args.select, args.ignore)
    result = compute_trend(_items(args), book, by=args.by or "area.ics", as_of=args.as_of or date.today())
    return _write_trend(args, result, trend_csv_rows, trend_table)


def _history_trend(args: argparse.Namespace) -> int:
    """Rates per theme, rule or area over the runs a history file holds."""
    from ..cohort.runs import history_csv_rows, history_table, history_trend
    from ..history import read_history

    if args.paths:
        raise InputError("give record files or --history FILE, not both", "trend")
    if args.by or args.rules or args.no_builtin or args.select or args.ignore or args.as_of:
        raise InputError("--history shows the runs as they were checked: --by, --rules, --no-builtin, --select, "
                         "--ignore and --as-of are for record files", "trend")
    runs, counts = read_history(args.history)
    result = history_trend(runs, counts, per=args.per or "theme")
    return _write_trend(args, result, history_csv_rows, history_table)


def _write_trend(args: argparse.Namespace, result: Any, csv_rows: Callable[[Any], Iterable[list[Any]]],
                 table: Callable[[Any], str]) -> int:
    """A trend written as --format asks: JSON, CSV rows or the terminal table."""
    from .io import output

    with output(args.output) as out:
        if args.format == "json":
            out.write(result.model_dump_json(indent=1) + "\n")
        elif args.format == "csv":
            csv.writer(out, lineterminator="\n").writerows(csv_rows(result))
        else:
            out.write(table(result))
    return EXIT_OK
