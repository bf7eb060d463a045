"""The service's settings: a YAML file, checked like a rule file, every key with a safe default."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import RuleError
from ..yamlfile import load, read_text


class ConfigError(RuleError):
    """A service configuration that cannot be used, with file, line, column and a hint."""


class Issuer(BaseModel):
    """A CDS client allowed to call: its `iss`, the public keys it signs with, and the JWK Set URLs it may name."""

    model_config = ConfigDict(extra="forbid")
    iss: str = Field(min_length=1)
    jwks: dict[str, Any] | None = Field(None, description="The client's JWK Set, written in the config.")
    jwks_file: str | None = Field(None, description="A file holding the client's JWK Set (JSON).")
    jku: list[str] = Field([], description="JWK Set URLs a token of this issuer may name in `jku`. Never fetched.")

    @model_validator(mode="after")
    def _one_key_set(self) -> "Issuer":
        if (self.jwks is None) == (self.jwks_file is None):
            raise ValueError("give the issuer's keys as exactly one of `jwks` or `jwks_file`")
        return self

    def key_set(self, relative_to: Path) -> dict[str, Any]:
        if self.jwks is not None:
            return self.jwks
        path = Path(self.jwks_file or "")
        path = path if path.is_absolute() else relative_to / path
        try:
            keys: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return keys
        except (OSError, ValueError) as error:
            raise ConfigError(f"cannot read the JWK Set of {self.iss}: {path}: {error}") from None


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per_second: float = Field(20.0, gt=0, description="Requests a second each client may make, on average.")
    burst: int = Field(40, ge=1, description="Requests a client may make at once before it is slowed.")


class ServiceConfig(BaseModel):
    """Everything `leder-audit serve --config FILE` may set."""

    model_config = ConfigDict(extra="forbid")
    base_url: str | None = Field(None, description=(
        "The URL clients call the service at, e.g. https://cds.example.nhs.uk; a token's `aud` must be "
        "this URL followed by the endpoint's path. Unset: the URL the request was sent to."))
    issuers: list[Issuer] = Field([], description="CDS clients allowed to call. None: no token checked, loopback only.")
    cors_origins: list[str] = Field([], description="Web origins whose pages may call the service.")
    feedback_db: str | None = Field("leder-audit-feedback.sqlite3",
                                    description="SQLite file for card feedback; null turns feedback off.")
    audit_log: str | None = Field(None, description="File to append one JSON line per call to; unset: standard error.")
    deadline_ms: int = Field(300, ge=1, le=10_000, description="Time a check may take before an incomplete card is sent.")
    max_body_bytes: int = Field(256 * 1024, ge=1024, le=16 * 1024 * 1024)
    max_bundle_entries: int = Field(100, ge=1, le=10_000)
    max_text_chars: int = Field(10_000, ge=100, le=1_000_000)
    max_token_lifetime_s: int = Field(300, ge=10, le=3600, description="Longest exp - iat a client token may have.")
    clock_skew_s: int = Field(60, ge=0, le=600)
    rate_limit: RateLimit = RateLimit()
    me_page: bool = Field(True, description="Serve GET /me, the medical examiner's checking page.")


def load_config(path: str | Path | None) -> tuple[ServiceConfig, Path]:
    """The configuration in a YAML file (defaults when None), and the folder relative paths start from."""
    if path is None:
        return ServiceConfig(), Path.cwd()
    name = str(path)
    doc = load(read_text(Path(path), name), name)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError("a service configuration is a YAML mapping of settings", )
    try:
        return ServiceConfig.model_validate(data), Path(path).resolve().parent
    except ValidationError as error:
        raise doc.invalid((), error, ServiceConfig, "configuration", "see docs/service.md for the settings",
                          kind=ConfigError) from None
