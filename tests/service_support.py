"""Shared set-up for the service tests: an app over the built-in rules, hook calls, signing keys."""

from __future__ import annotations

import json
import os
import time
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient

from leder_audit.service.app import ServiceApp, create_app
from leder_audit.service.checker import WarmChecker
from leder_audit.service.config import ServiceConfig
from leder_audit.service.hooks import SERVICES

from .conftest import AS_OF, FIXTURES

BASE_URL = "http://testserver"
ISSUER = "https://ehr.example.nhs.uk"


@lru_cache(maxsize=1)
def warm_checker() -> WarmChecker:
    import leder_audit

    return WarmChecker(leder_audit.load_rulebook(), as_of=AS_OF)


def make_app(tmp_path: Path | None = None, **settings: Any) -> ServiceApp:
    """The service with these settings; feedback kept under tmp_path (off without it), log in tmp_path."""
    settings.setdefault("feedback_db", str(tmp_path / "feedback.sqlite3") if tmp_path else None)
    settings.setdefault("audit_log", str(tmp_path / "audit.log") if tmp_path else os.devnull)
    settings.setdefault("rate_limit", {"per_second": 1000, "burst": 1000})
    return create_app(ServiceConfig.model_validate(settings), warm_checker(), tmp_path)


def client_of(app: ServiceApp) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def hook_call(service_id: str, moment: str, draft: Any, instance: str | None = None, **extra: Any) -> dict[str, Any]:
    service = SERVICES[service_id]
    hook = service.edit if moment == "edit" else service.sign
    body = {"hook": hook.name, "hookInstance": instance or str(uuid.uuid4()),
            "context": {"userId": "Practitioner/example", "patientId": "example", "draft": draft}}
    body.update(extra)
    return body


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_lines(name: str) -> list[Any]:
    return [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if line.strip()]


class Signer:
    """A CDS client's key pair, its JWK Set, and tokens signed with it."""

    def __init__(self, algorithm: str = "ES384", kid: str = "client-key-1", iss: str = ISSUER) -> None:
        self.algorithm, self.kid, self.iss = algorithm, kid, iss
        if algorithm == "ES384":
            self.private = ec.generate_private_key(ec.SECP384R1())
            jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwk = {**jwk, "kid": kid, "alg": algorithm, "use": "sig"}

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk]}

    def issuer(self, **extra: Any) -> dict[str, Any]:
        return {"iss": self.iss, "jwks": self.jwks, **extra}

    def token(self, aud: str, lifetime: int = 300, headers: dict[str, Any] | None = None, now: float | None = None,
              **claims: Any) -> str:
        now = time.time() if now is None else now
        payload = {"iss": self.iss, "sub": "client", "aud": aud, "iat": int(now), "exp": int(now) + lifetime,
                   "jti": str(uuid.uuid4()), **claims}
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, self.private, algorithm=self.algorithm,
                          headers={"kid": self.kid, "typ": "JWT", **(headers or {})})
