"""Starting the service, and reporting the feedback it has kept: what the `serve` and `feedback-report`
commands do once their arguments are parsed."""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import IO, Any

from ..errors import LederAuditError
from .config import ServiceConfig, load_config
from .feedback import FeedbackStore, RuleFeedback
from ..prose import counted

SERVE_EXTRA = "the service needs the serve extra: pip install \"leder-audit[serve]\""


class ServeError(LederAuditError):
    """The service cannot start as asked."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def startup_notice(config: ServiceConfig, host: str, port: int) -> str:
    """What the service says as it starts: where it listens and whether calls are authenticated."""
    if config.issuers:
        who = f"client tokens checked against {counted(len(config.issuers), 'issuer')}"
    else:
        who = ("WARNING: no issuers are configured, so calls are not authenticated; listening on the loopback "
               "address only")
    return f"leder-audit service on http://{host}:{port}: {who}"


def server_options() -> dict[str, Any]:
    """uvicorn's HTTP parser and event loop: httptools and uvloop (the serve extra installs both) when they
    can be imported, which spend a fraction of the CPU per call of the pure-Python h11 and asyncio ones; on
    httptools, each answer is written to its socket in one write (protocol.py)."""
    http: Any = "h11"
    if importlib.util.find_spec("httptools"):
        from .protocol import OneWriteProtocol

        http = OneWriteProtocol
    return {"http": http, "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"}


def forwarded_allow_ips() -> str:
    """The hosts whose X-Forwarded-For and X-Forwarded-Proto are believed: uvicorn's own default (its
    FORWARDED_ALLOW_IPS setting, else the loopback addresses)."""
    return os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(BaseException):
    """The signal that stopped the service, raised once uvicorn has finished the calls in progress."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def stop_notice(signum: int) -> str:
    return (f"leder-audit service stopped ({signal.Signals(signum).name}): calls already received were answered, "
            "none are being taken")


def serve(host: str, port: int, rules: list[str], config_file: str | None, stream: IO[str] | None = None) -> int:
    """Run the service until stopped by SIGTERM or Ctrl-C; 0 once it has stopped cleanly."""
    stream = stream or sys.stderr
    try:
        import uvicorn

        from .app import create_app
    except ImportError:
        raise ServeError(SERVE_EXTRA) from None
    from ..rulebook import load_rulebook
    from .checker import WarmChecker

    config, base = load_config(config_file)
    if not config.issuers and not is_loopback(host):
        raise ServeError(f"refusing to listen on {host}: with no issuers configured the service answers "
                         "anyone, so it listens on the loopback address only (127.0.0.1); configure issuers "
                         "to serve other hosts")
    app = create_app(config, WarmChecker(load_rulebook(*rules)), base)
    print(startup_notice(config, host, port), file=stream)
    # uvicorn stops on SIGINT and SIGTERM by finishing the calls in progress, then raises the signal again
    # for the handler it found: this one, which says the service stopped (not the CLI's "no report").
    main_thread = threading.current_thread() is threading.main_thread()
    before = {s: signal.signal(s, _stopped) for s in STOP_SIGNALS} if main_thread else {}
    try:
        # uvicorn is given the ASGI callable the service answers with, not the ServiceApp around it: one call
        # less; and the app reads proxy headers itself, only on a call that carries them (Hot.trust_proxies).
        app.asgi.trust_proxies(forwarded_allow_ips())
        uvicorn.run(app.asgi, host=host, port=port, access_log=False, server_header=False, log_level="warning",
                    lifespan="off", proxy_headers=False, **server_options())
    except Stopped as stop:
        print(stop_notice(stop.signum), file=stream)
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
        app.close()
    return 0


def feedback_report(db: str, output_format: str, stream: IO[str] | None = None) -> int:
    """Per rule: cards shown, accepted, overridden, the override rate and the reasons given."""
    stream = stream or sys.stdout
    if not Path(db).is_file():
        raise ServeError(f"{db}: no feedback file (the service writes it at feedback_db)")
    try:
        store = FeedbackStore(db)
        try:
            rows = store.by_rule()
        finally:
            store.close()
    except sqlite3.DatabaseError as error:
        what = "not an SQLite file" if "not a database" in str(error) else f"it cannot be used ({error})"
        raise ServeError(f"{db}: not the service's feedback file: {what}") from None
    if output_format == "json":
        json.dump([_as_json(r) for r in rows], stream, indent=2)
        stream.write("\n")
        return 0
    stream.write(f"{'rule':<18} {'cards':>6} {'accepted':>9} {'overridden':>11} {'override rate':>14}  reasons\n")
    for row in rows:
        rate = "-" if row.override_rate is None else f"{row.override_rate:.0%}"
        reasons = ", ".join(f"{code} {n}" for code, n in sorted(row.reasons.items(), key=lambda kv: (-kv[1], kv[0])))
        stream.write(f"{row.rule_id:<18} {row.cards:>6} {row.accepted:>9} {row.overridden:>11} {rate:>14}  {reasons}\n")
    if not rows:
        stream.write("no cards have been issued yet\n")
    return 0


def _as_json(row: RuleFeedback) -> dict[str, Any]:
    return {"rule_id": row.rule_id, "cards": row.cards, "accepted": row.accepted, "overridden": row.overridden,
            "override_rate": row.override_rate, "reasons": row.reasons}
