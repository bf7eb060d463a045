"""Load test of `leder-audit serve` on the loopback address, at a fixed arrival rate.

The server runs pinned to one core (taskset), this load generator on another. Each CDS Hooks call carries a
fresh token (ES384 or RS384), so the server verifies a JWT on every call. Requests and time are both bounded.

    python benchmarks/service_load.py --pattern hooks --alg RS384 --rate 100 --requests 2000
    python benchmarks/service_load.py --pattern me --rate 100 --requests 2000
    python benchmarks/service_load.py --parts --pattern hooks --alg RS384   # where a call's CPU goes

Prints server-side latency (the audit log's `ms`, per call), server CPU per request and errors. The CPU
window opens when the first measured call is sent and closes when the last is answered: the server's
start-up and the 50 warm-up calls are outside it. It is the server process's user + system time, all
threads, divided by the calls answered. The server's CPU while idle, measured for two seconds before the
window, is printed beside it (idle_cpu_ms_per_s) to show how little of the window is not the calls.

of_which_event_loop_thread_ms is the part of it spent on the server's main thread (the event loop, where
uvicorn and quick checks run); the rest is the checking thread and the feedback writer.

--parts runs no server: it times each step of a call in process on the same calls (the least of five
rounds), then the whole ASGI app the same way, and then the app again with each call 10 ms after the last,
as the load test sends them: a call that starts with cold caches takes more CPU than one of a run of calls
back to back, and most of what a served call costs beyond the steps is that.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
ISSUER = "https://load-test.example"
HOST = "127.0.0.1"  # loopback only, always
IDLE_SECONDS = 2.0
ROUNDS = 5
CHUNK = 20
WORDS = "Aspiration pneumonia due to dysphagia secondary to profound learning disability".split()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """Each thread's user + system time, by thread id (the process id is the main thread: the event loop)."""
    seconds = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        seconds[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


class Client:
    """Signs and sends calls; one keep-alive connection per sending thread (or, with keep_alive False, a new
    connection for every call)."""

    def __init__(self, port: int, key: object, algorithm: str, keep_alive: bool = True) -> None:
        self.port, self.key, self.algorithm, self.keep_alive = port, key, algorithm, keep_alive
        self.local = threading.local()
        dnacpr = json.loads((FIXTURES / "fhir_dnacpr_bundle.json").read_text())
        death = json.loads((FIXTURES / "fhir_death_bundle.json").read_text())
        self.calls = [("leder-audit-dnacpr", "org.leder-audit.dnacpr-decision-edit", dnacpr),
                      ("leder-audit-dnacpr", "org.leder-audit.dnacpr-decision-sign", dnacpr),
                      ("leder-audit-mccd", "org.leder-audit.death-certificate-edit", death),
                      ("leder-audit-mccd", "org.leder-audit.death-certificate-sign", death)]

    def connection(self) -> http.client.HTTPConnection:
        if getattr(self.local, "connection", None) is None:
            self.local.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        return self.local.connection

    def send(self, method: str, path: str, body: object = None, token: bool = False) -> int:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            now = int(time.time())
            headers["Authorization"] = "Bearer " + jwt.encode(
                {"iss": ISSUER, "sub": "load", "aud": f"http://{HOST}:{self.port}{path}", "iat": now,
                 "exp": now + 120, "jti": str(uuid.uuid4())}, self.key, algorithm=self.algorithm,
                headers={"kid": "load-1"})
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            connection = self.connection()
            try:
                connection.request(method, path, body=data, headers=headers)
                response = connection.getresponse()
                response.read()
                if not self.keep_alive:
                    connection.close()
                    self.local.connection = None
                return response.status
            except (http.client.HTTPException, OSError):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    return -1
        return -1

    def hook(self, number: int) -> int:
        service, hook, draft = self.calls[number % len(self.calls)]
        body = {"hook": hook, "hookInstance": str(uuid.uuid4()),
                "context": {"userId": "Practitioner/load", "draft": draft}}
        return self.send("POST", f"/cds-services/{service}", body, token=True)

    def me(self, number: int) -> int:
        # A medical examiner's session: load the page, then one check per pause in typing, the line growing.
        step = number % (len(WORDS) + 1)
        if step == 0:
            return self.send("GET", "/me")
        line = " ".join(WORDS[:step])
        return self.send("POST", "/me/check", {"part1": [{"text": "Pneumonia", "interval": "3 days"},
                                                        {"text": line}]})


def signing_key(algorithm: str) -> tuple[object, dict[str, object]]:
    if algorithm == "ES384":
        key = ec.generate_private_key(ec.SECP384R1())
        public = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return key, {**public, "kid": "load-1", "alg": algorithm}


def run(pattern: str, rate: float, requests: int, max_seconds: float, threads: int,
        algorithm: str = "ES384", keep_alive: bool = True) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="leder-audit-load-"))
    key, jwk = signing_key(algorithm)
    port = free_port()
    config = {"base_url": f"http://{HOST}:{port}", "issuers": [{"iss": ISSUER, "jwks": {"keys": [jwk]}}],
              "audit_log": str(work / "audit.jsonl"), "feedback_db": str(work / "feedback.sqlite3"),
              "rate_limit": {"per_second": 100000, "burst": 100000}}
    (work / "service.yaml").write_text(json.dumps(config))
    cores = sorted(os.sched_getaffinity(0))
    server_core, client_core = str(cores[0]), {cores[-1]}
    command = [sys.executable, "-m", "leder_audit", "serve", "--host", HOST, "--port", str(port),
               "--config", str(work / "service.yaml")]
    if shutil.which("taskset"):
        command = ["taskset", "-c", server_core, *command]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.sched_setaffinity(0, client_core)
    client = Client(port, key, algorithm, keep_alive)
    send = client.hook if pattern == "hooks" else client.me
    try:
        deadline = time.monotonic() + 120
        while client.send("GET", "/healthz") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the service did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        for number in range(50):  # warm up connections and the server's first calls, not measured
            send(number)
        idle_before = cpu_seconds(server.pid)
        time.sleep(IDLE_SECONDS)  # the server's CPU with no calls, before the measured window opens
        idle = cpu_seconds(server.pid) - idle_before
        (work / "audit.jsonl").write_text("")
        statuses: list[int] = []
        lock = threading.Lock()
        due: queue.Queue[int | None] = queue.Queue()

        def worker() -> None:
            while (number := due.get()) is not None:
                status = send(number)
                with lock:
                    statuses.append(status)

        pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
        for thread in pool:
            thread.start()
        threads_before = thread_cpu_seconds(server.pid)
        cpu_before, started = cpu_seconds(server.pid), time.monotonic()
        sent = 0
        while sent < requests and time.monotonic() - started < max_seconds:
            wait = started + sent / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            due.put(sent)
            sent += 1
        for _ in pool:
            due.put(None)
        for thread in pool:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(server.pid) - cpu_before
        threads_after = thread_cpu_seconds(server.pid)
        loop_cpu = threads_after.get(server.pid, 0.0) - threads_before.get(server.pid, 0.0)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [json.loads(line) for line in (work / "audit.jsonl").read_text().splitlines() if line.strip()]
    shutil.rmtree(work, ignore_errors=True)
    latencies = sorted(line["ms"] for line in lines)
    errors = sum(1 for s in statuses if not 200 <= s < 300)
    return {
        "pattern": pattern, "token": algorithm if pattern == "hooks" else "none (the page has no token)",
        "rate": rate, "connections": "kept alive" if keep_alive else "one a call", "sent": sent, "answered": len(statuses), "seconds": round(elapsed, 1),
        "achieved_rate": round(len(statuses) / elapsed, 1), "errors": errors,
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2) if latencies else None,
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "cpu_ms_per_request": round(cpu * 1000 / max(len(statuses), 1), 3),
        "of_which_event_loop_thread_ms": round(loop_cpu * 1000 / max(len(statuses), 1), 3),
        "idle_cpu_ms_per_s": round(idle * 1000 / IDLE_SECONDS, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def best_ms(step: Callable[[Any], object], inputs: list[Any]) -> float:
    """A step's CPU per input, in ms: for each CHUNK of inputs the least of ROUNDS tries, summed. Other
    processes' load only ever adds time, so the least of several short tries is the closest to a quiet host."""
    total = 0.0
    for start in range(0, len(inputs), CHUNK):
        chunk = inputs[start:start + CHUNK]
        tries = []
        for _ in range(ROUNDS):
            started = time.process_time()
            for item in chunk:
                step(item)
            tries.append(time.process_time() - started)
        total += min(tries)
    return total * 1000 / len(inputs)


def verify_ms(verifier: Callable[[], Any], tokens: list[tuple[str, str]]) -> float:
    """Token verification timed as best_ms times a step, with a fresh verifier for each try (made outside
    the timing), so that a try's tokens are not refused as replays of the last try's."""
    total = 0.0
    for start in range(0, len(tokens), CHUNK):
        tries = []
        for _ in range(ROUNDS):
            fresh = verifier()
            started = time.process_time()
            for authorization, audience in tokens[start:start + CHUNK]:
                fresh.verify(authorization, audience)
            tries.append(time.process_time() - started)
        total += min(tries)
    return total * 1000 / len(tokens)


async def drive_app(app: Any, rounds: list[list[tuple[str, str, bytes, dict[str, str]]]]) -> float:
    """The app's CPU per call, in ms, as best_ms measures a step: the rounds hold the same calls (each
    with its own token), and each CHUNK of them counts at its quickest round."""
    total = 0.0
    for start in range(0, len(rounds[0]), CHUNK):
        tries = []
        for calls in rounds:
            started = time.process_time()
            await drive(app, calls[start:start + CHUNK])
            tries.append(time.process_time() - started)
        total += min(tries)
    return total * 1000 / len(rounds[0])


class StepTimes:
    """Each named step's CPU (this thread's), summed over the calls, while the app runs: the step functions are
    wrapped in place for as long as the `with` block lasts."""

    def __init__(self, steps: dict[str, tuple[Any, str]]) -> None:
        self.steps, self.seconds = steps, {label: 0.0 for label in steps}
        self.originals: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> "StepTimes":
        for label, (owner, name) in self.steps.items():
            original = getattr(owner, name)
            self.originals.append((owner, name, original))
            setattr(owner, name, self._timed(label, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in self.originals:
            setattr(owner, name, original)

    def _timed(self, label: str, original: Any) -> Any:
        seconds = self.seconds
        if asyncio.iscoroutinefunction(original):
            async def timed_coroutine(*args: Any, **kwargs: Any) -> Any:
                started = time.thread_time()
                try:
                    return await original(*args, **kwargs)
                finally:
                    seconds[label] += time.thread_time() - started
            return timed_coroutine

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += time.thread_time() - started
        return timed


async def drive_spaced(app: Any, calls: list[tuple[str, str, bytes, dict[str, str]]], gap: float) -> float:
    """The app's CPU per call, in ms, with each call `gap` seconds after the last, as a load test at a fixed
    rate sends them: between calls the core idles or runs other work, so each call starts with cold caches."""
    total = 0.0
    for call in calls:
        started = time.process_time()
        await drive(app, [call])
        total += time.process_time() - started
        await asyncio.sleep(gap)
    return total * 1000 / len(calls)


async def drive(app: Any, calls: list[tuple[str, str, bytes, dict[str, str]]]) -> None:
    """Each call through the ASGI app as uvicorn would hand it over, one after another."""
    for method, path, body, headers in calls:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
                 "client": (HOST, 50000), "server": (HOST, 1)}
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        answer: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            answer.append(message)

        await app(scope, receive, send)
        if answer[0]["status"] != 200:
            raise SystemExit(f"{method} {path} answered {answer[0]['status']}: {answer[-1].get('body', b'')[:300]!r}")


def parts(pattern: str, algorithm: str, calls: int) -> dict[str, object]:
    """Each step of a call timed in process on the load test's own calls, then the ASGI app as a whole."""
    sys.path.insert(0, str(ROOT))
    from leder_audit.rulebook import load_rulebook
    from leder_audit.service.app import create_app, hook_request, json_bytes
    from leder_audit.service.auditlog import AuditLog
    from leder_audit.service.auth import Verifier
    from leder_audit.service.cards import cards_answer
    from leder_audit.service.checker import WarmChecker
    from leder_audit.service.config import ServiceConfig
    from leder_audit.service.drafts import Bounds, records_of_draft
    from leder_audit.service.feedback import FeedbackStore
    from leder_audit.service.hooks import SERVICES
    from leder_audit.service.page import MeDraft, shown
    from leder_audit.service.run import server_options

    work = Path(tempfile.mkdtemp(prefix="leder-audit-parts-"))
    key, jwk = signing_key(algorithm)
    base = f"http://{HOST}:1"
    config = ServiceConfig.model_validate({
        "base_url": base, "issuers": [{"iss": ISSUER, "jwks": {"keys": [jwk]}}],
        "audit_log": str(work / "audit.jsonl"), "feedback_db": str(work / "feedback.sqlite3"),
        "rate_limit": {"per_second": 100000, "burst": 100000}})
    checker = WarmChecker(load_rulebook())
    client = Client(1, key, algorithm)
    sent: list[tuple[str, str, bytes, dict[str, str]]] = []

    def capture(method: str, path: str, body: object = None, token: bool = False) -> int:
        headers = {"host": f"{HOST}:1"}
        if body is not None:
            headers["content-type"] = "application/json"
        if token:
            now = int(time.time())
            headers["authorization"] = "Bearer " + jwt.encode(
                {"iss": ISSUER, "sub": "load", "aud": base + path, "iat": now, "exp": now + 300,
                 "jti": str(uuid.uuid4())}, key, algorithm=algorithm, headers={"kid": "load-1"})
        if method == "POST":
            sent.append((method, path, json.dumps(body).encode(), headers))
        return 200

    client.send = capture  # type: ignore[method-assign]
    number = 0
    while len(sent) < calls * (2 + ROUNDS) + CHUNK:  # the steps' calls; fresh tokens for each run of the app
        (client.hook if pattern == "hooks" else client.me)(number)
        number += 1
    steps, app_calls = sent[:calls], sent[calls:]
    result: dict[str, float] = {}
    if pattern == "hooks":
        tokens = [(headers["authorization"], base + path) for _, path, _, headers in steps]
        result[f"verify the {algorithm} token"] = verify_ms(lambda: Verifier(config, work), tokens)
        bodies = [(SERVICES[path.rsplit("/", 1)[1]], body) for _, path, body, _ in steps]
        result["parse and validate the body"] = best_ms(lambda item: hook_request(item[1]), bodies)
        parsed = [(service, hook_request(body), len(body)) for service, body in bodies]
        bounds = Bounds()
        result["read the draft (bounds, FHIR)"] = best_ms(
            lambda item: records_of_draft(item[1].draft, item[0], bounds, item[2]), parsed)
        records = [(service, call, records_of_draft(call.draft, service, bounds, size))
                   for service, call, size in parsed]
        result["check (the rules)"] = best_ms(lambda item: [checker.check(r) for r in item[2]], records)
        checked = [(service, call, [f for r in rs for f in checker.check(r).found]) for service, call, rs in records]
        result["cards, written as the response JSON"] = best_ms(
            lambda item: cards_answer(item[2], "sign", item[1].hook_instance, checker.rulebook_hash), checked)
        issued = [(service, cards_answer(found, "sign", call.hook_instance, checker.rulebook_hash))
                  for service, call, found in checked]
        store = FeedbackStore(work / "steps.sqlite3")

        def keep(item: Any) -> None:
            if store.issued(item[0].id, "sign", item[1].issued):
                store.flush()  # a batch at a time, as the service writes them a second after the first

        result["cards to the feedback file"] = best_ms(keep, issued)
        store.close()
    else:
        drafts = [body for _, _, body, _ in steps]
        result["parse and validate the body"] = best_ms(MeDraft.model_validate_json, drafts)
        records_me = [MeDraft.model_validate_json(body).record() for body in drafts]
        result["check (the rules)"] = best_ms(checker.check, records_me)
        answers = [{"findings": [shown(f) for f in checker.check(r).found]} for r in records_me]
        result["response JSON"] = best_ms(json_bytes, answers)
    log = AuditLog(str(work / "steps.jsonl"))
    line = {"time": "2026-01-01T00:00:00.000+00:00", "method": "POST", "route": "/cds-services/x", "status": 200,
            "ms": 3.2, "client": ISSUER, "service": "x", "hook": "sign", "cards": 3, "rules": ["LDA-X-001"]}
    result["audit log line"] = best_ms(log.write, [line] * calls)
    log.close()
    total = sum(result.values())
    service = create_app(config, checker, work)
    app = service.asgi  # what `serve` hands uvicorn
    # The app runs as served: on one core, on the event loop `serve` gives uvicorn (uvloop when installed).
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    loop = server_options()["loop"]
    run = asyncio.run
    if loop == "uvloop":
        import uvloop

        run = uvloop.run
    run(drive(app, app_calls[-CHUNK:]))  # the app's first calls, not counted
    whole = run(drive_app(app, [app_calls[i * calls:(i + 1) * calls] for i in range(ROUNDS)]))
    import leder_audit.service.app as app_module
    from leder_audit.service import auth, checker as checks

    steps = {"verify the token": (auth.Verifier, "verify"), "of which the signature": (auth, "_signed_by"),
             "parse and validate the body": (app_module, "hook_request" if pattern == "hooks" else "_parsed"),
             "read the draft": (app_module, "records_of_draft"), "check": (checks.Checks, "run"),
             "cards, written as the response JSON": (app_module, "_cards"), "response JSON": (app_module, "json_bytes"),
             "audit log line": (AuditLog, "call")}
    with StepTimes(steps) as spaced_steps:
        spaced = run(drive_spaced(app, app_calls[ROUNDS * calls:(ROUNDS + 1) * calls], 0.01))
    service.close()
    shutil.rmtree(work, ignore_errors=True)
    return {"pattern": pattern, "calls": calls, "cpu_ms_per_call": {k: round(v, 3) for k, v in result.items()},
            "steps_total_ms": round(total, 3), "asgi_app_ms": round(whole, 3), "event_loop": loop,
            "framework_ms (app - steps: limits, CORS, routing, the audit line's call)": round(whole - total, 3),
            "asgi_app_10ms_apart_ms (each call after 10 ms of idling or other work, as served at 100 a second)":
                round(spaced, 3),
            "steps_10ms_apart_ms": {label: round(seconds * 1000 / calls, 3)
                                    for label, seconds in spaced_steps.seconds.items() if seconds},
            "load_average_1min": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pattern", choices=["hooks", "me"], default="hooks")
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second (default 100)")
    parser.add_argument("--requests", type=int, default=3000, help="requests to send (default 3000)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop sending after this (default 120)")
    parser.add_argument("--threads", type=int, default=8, help="sending threads (default 8)")
    parser.add_argument("--alg", choices=["ES384", "RS384"], default="ES384", help="client token algorithm")
    parser.add_argument("--new-connections", action="store_true",
                        help="open a connection for every call (default: keep one alive per sending thread)")
    parser.add_argument("--parts", action="store_true", help="time each step of a call in process; no server")
    parser.add_argument("--calls", type=int, default=400, help="calls a round with --parts (default 400)")
    args = parser.parse_args()
    if args.parts:
        print(json.dumps(parts(args.pattern, args.alg, args.calls), indent=2))
        return
    result = run(args.pattern, args.rate, args.requests, args.max_seconds, args.threads, args.alg,
                 not args.new_connections)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
