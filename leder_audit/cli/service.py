"""The `serve` and `feedback-report` commands: their arguments, handed to leder_audit.service.run."""

from __future__ import annotations

import argparse
from typing import Any


def add_service_parsers(commands: Any) -> None:
    """Add `serve` and `feedback-report` to the command line's sub-commands."""
    serve = commands.add_parser("serve", help="run the CDS Hooks service (needs the serve extra)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; others only with issuers configured)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    serve.add_argument("--rules", action="append", default=[], metavar="DIR",
                       help="a folder (or file) of your own rules and concepts, added to the built-in ones")
    serve.add_argument("--config", metavar="FILE", help="a YAML file of service settings (docs/service.md)")

    report = commands.add_parser("feedback-report", help="override rate per rule, from the service's feedback")
    report.add_argument("--db", default="leder-audit-feedback.sqlite3", metavar="FILE",
                        help="the service's feedback file (its feedback_db; default leder-audit-feedback.sqlite3)")
    report.add_argument("--format", default="table", choices=["table", "json"])


def run(args: argparse.Namespace) -> int:
    from ..service import run as service

    if args.command == "serve":
        return service.serve(args.host, args.port, args.rules, args.config)
    return service.feedback_report(args.db, args.format)
