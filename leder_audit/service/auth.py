"""CDS Hooks client authentication: the signed JWT a CDS client sends with every call.

Keys come only from the configuration. A token's `jku` is checked against its issuer's allowlist and is
never fetched, so a token can make the service send no request anywhere.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jwt

from .config import ConfigError, Issuer, ServiceConfig

# The CDS Hooks specification's algorithms. `none` and HMAC (a shared secret, or a public key misused as
# one) are refused before any key is looked at.
ALGORITHMS = {"ES384": "EC", "RS384": "RSA"}


class Refused(Exception):
    """A call whose token does not prove who sent it; the message says why without echoing the token."""


@dataclass(frozen=True, slots=True)
class Client:
    """Who a verified token says called."""

    iss: str
    sub: str | None


class ReplayGuard:
    """The `jti` of every token seen and not yet expired; a second use of one is refused."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._clock = clock
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def first_use(self, iss: str, jti: str, expires: float) -> bool:
        now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._seen = {k: e for k, e in self._seen.items() if e > now}
                self._next_sweep = now + 30
            if (iss, jti) in self._seen:
                return False
            self._seen[(iss, jti)] = expires
            return True


def _segment(text: str) -> dict[str, Any]:
    value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A token's header and claims, read to choose the key only: nothing in them is trusted yet."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 16_384:
        raise Refused("the bearer token is not a JWT")
    try:
        return _segment(parts[0]), _segment(parts[1])
    except (ValueError, UnicodeDecodeError, binascii.Error, RecursionError):
        raise Refused("the bearer token is not a JWT") from None


@dataclass(frozen=True, slots=True)
class _TrustedIssuer:
    iss: str
    keys: dict[str, tuple[Any, str]]  # kid -> (public key, algorithm)
    jku: frozenset[str]


def _keys_of(issuer: Issuer, relative_to: Path) -> dict[str, tuple[Any, str]]:
    keys = {}
    for jwk in issuer.key_set(relative_to).get("keys", []):
        kid, kty = jwk.get("kid"), jwk.get("kty")
        algorithm = jwk.get("alg") or {"EC": "ES384", "RSA": "RS384"}.get(kty)
        if not kid or ALGORITHMS.get(algorithm) != kty:
            raise ConfigError(f"issuer {issuer.iss}: each key needs a `kid` and must be an ES384 (EC P-384) or "
                              f"RS384 (RSA) public key; {kid or 'a key without kid'} is {kty} {algorithm}")
        if any(private in jwk for private in ("d", "p", "q")):
            raise ConfigError(f"issuer {issuer.iss}: key {kid} holds a private key; give the public key only")
        try:
            keys[kid] = (jwt.PyJWK(jwk, algorithm).key, algorithm)
        except jwt.PyJWKError as error:
            raise ConfigError(f"issuer {issuer.iss}: key {kid} cannot be read: {error}") from None
    if not keys:
        raise ConfigError(f"issuer {issuer.iss}: the JWK Set has no keys")
    return keys


class Verifier:
    """Checks the bearer token of a call against the configured issuers."""

    def __init__(self, config: ServiceConfig, relative_to: Path, clock: Callable[[], float] = time.time) -> None:
        self.issuers = {i.iss: _TrustedIssuer(i.iss, _keys_of(i, relative_to), frozenset(i.jku))
                        for i in config.issuers}
        self.lifetime = config.max_token_lifetime_s
        self.skew = config.clock_skew_s
        self.clock = clock
        self.replays = ReplayGuard(clock)

    @property
    def enabled(self) -> bool:
        return bool(self.issuers)

    def verify(self, authorization: str | None, audience: str) -> Client:
        """The client a valid token names; Refused saying what is wrong with it."""
        if not authorization or not authorization.startswith("Bearer "):
            raise Refused("no bearer token: CDS clients must send Authorization: Bearer <JWT>")
        token = authorization[len("Bearer "):].strip()
        header, claims = _unverified(token)
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise Refused(f"tokens signed with {str(algorithm)[:16]!r} are refused; use ES384 or RS384")
        issuer = self.issuers.get(claims.get("iss")) if isinstance(claims.get("iss"), str) else None
        if issuer is None:
            raise Refused("the token's issuer is not one this service trusts")
        if "jku" in header and header["jku"] not in issuer.jku:
            raise Refused("the token's jku is not on its issuer's allowlist")
        key = issuer.keys.get(header.get("kid")) if isinstance(header.get("kid"), str) else None
        if key is None or key[1] != algorithm:
            raise Refused("the token's kid names no key of its issuer for this algorithm")
        try:
            verified = jwt.decode(token, key[0], algorithms=[algorithm], audience=audience, issuer=issuer.iss,
                                  leeway=self.skew, options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.ExpiredSignatureError:
            raise Refused("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise Refused("the token's aud is not this endpoint's URL") from None
        except jwt.PyJWTError as error:
            raise Refused(f"the token is not valid: {type(error).__name__}") from None
        return self._fresh(verified, issuer.iss)

    def _fresh(self, claims: dict[str, Any], iss: str) -> Client:
        exp, iat, jti = claims["exp"], claims["iat"], claims["jti"]
        if not isinstance(jti, str) or not jti or len(jti) > 256:
            raise Refused("the token's jti must be a string of at most 256 characters")
        if iat > self.clock() + self.skew:
            raise Refused("the token was issued in the future")
        if exp - iat > self.lifetime:
            raise Refused(f"the token lives longer than {self.lifetime} seconds")
        if not self.replays.first_use(iss, jti, exp + self.skew):
            raise Refused("the token has been used before (its jti was seen)")
        sub = claims.get("sub")
        return Client(iss, sub if isinstance(sub, str) else None)
