"""Load test of `leder-audit serve` on the loopback address, at a fixed arrival rate.

The server runs pinned to one core (taskset), this load generator on another. Each CDS Hooks call carries a
fresh ES384 token, so the server verifies a JWT on every call. Requests and time are both bounded.

    python benchmarks/service_load.py --pattern hooks --rate 100 --requests 3000
    python benchmarks/service_load.py --pattern me --rate 100 --requests 3000

Prints server-side latency (the audit log's `ms`, per call), server CPU per request (the server process's
user + system time over the measured calls), and errors.
"""

from __future__ import annotations

import argparse
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

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
ISSUER = "https://load-test.example"
HOST = "127.0.0.1"  # loopback only, always
WORDS = "Aspiration pneumonia due to dysphagia secondary to profound learning disability".split()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client:
    """Signs and sends calls; one keep-alive connection per sending thread."""

    def __init__(self, port: int, key: object, algorithm: str) -> None:
        self.port, self.key, self.algorithm = port, key, algorithm
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
        algorithm: str = "ES384") -> dict[str, object]:
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
    client = Client(port, key, algorithm)
    send = client.hook if pattern == "hooks" else client.me
    try:
        deadline = time.monotonic() + 120
        while client.send("GET", "/healthz") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the service did not start: {server.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        for number in range(50):  # warm up connections and the server's first calls, not measured
            send(number)
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
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [json.loads(line) for line in (work / "audit.jsonl").read_text().splitlines() if line.strip()]
    shutil.rmtree(work, ignore_errors=True)
    latencies = sorted(line["ms"] for line in lines)
    errors = sum(1 for s in statuses if not 200 <= s < 300)
    return {
        "pattern": pattern, "token": algorithm if pattern == "hooks" else "none (the page has no token)",
        "rate": rate, "sent": sent, "answered": len(statuses), "seconds": round(elapsed, 1),
        "achieved_rate": round(len(statuses) / elapsed, 1), "errors": errors,
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2) if latencies else None,
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "cpu_ms_per_request": round(cpu * 1000 / max(len(statuses), 1), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pattern", choices=["hooks", "me"], default="hooks")
    parser.add_argument("--rate", type=float, default=100.0, help="requests a second (default 100)")
    parser.add_argument("--requests", type=int, default=3000, help="requests to send (default 3000)")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="stop sending after this (default 120)")
    parser.add_argument("--threads", type=int, default=8, help="sending threads (default 8)")
    parser.add_argument("--alg", choices=["ES384", "RS384"], default="ES384", help="client token algorithm")
    args = parser.parse_args()
    result = run(args.pattern, args.rate, args.requests, args.max_seconds, args.threads, args.alg)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
