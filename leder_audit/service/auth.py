"""CDS Hooks client authentication: the signed JWT a CDS client sends with every call.

Keys come only from the configuration, read once into key objects at start. A token's `jku` is checked
against its issuer's allowlist and is never fetched, so a token can make the service send no request
anywhere. The signature is checked with the `cryptography` key object directly and the claims here, on the
header and claims already read to choose the key: a token is parsed once per call.
"""

from __future__ import annotations

import binascii
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pydantic_core import from_json

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

    def first_use(self, iss: str, jti: str, expires: float, now: float | None = None) -> bool:
        """Whether this is the first use of the token's jti; `now` is the clock's time, when read already."""
        if now is None:
            now = self._clock()
        with self._lock:
            if now >= self._next_sweep:
                self._seen = {k: e for k, e in self._seen.items() if e > now}
                self._next_sweep = now + 30
            if (iss, jti) in self._seen:
                return False
            self._seen[(iss, jti)] = expires
            return True


# A JWS compact segment: base64url without padding (RFC 7515 section 2), so one token has one spelling.
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
# The claims a CDS client's token must carry (CDS Hooks 2.0, "Trusting CDS Clients").
REQUIRED_CLAIMS = ("iss", "aud", "exp", "iat", "jti")
_REQUIRED = frozenset(REQUIRED_CLAIMS)
ES384_SIGNATURE_BYTES = 96  # r and s, 48 bytes each (RFC 7518 section 3.4)
_SHA384 = hashes.SHA384()
_PKCS1 = padding.PKCS1v15()
_ECDSA = ec.ECDSA(_SHA384)


# base64url's two letters as base64's, on bytes: bytes.translate reads a table, where str.translate looks up
# each character in a dict (ten times slower on a signature's 342 characters).
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_PADDING = (b"", b"", b"==", b"=")  # by the length of the text modulo 4 (1 is not base64)


def _bytes(text: str) -> bytes:
    if len(text) % 4 == 1 or not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    return binascii.a2b_base64(text.encode("ascii").translate(_URLSAFE) + _PADDING[len(text) % 4])


def _segment(text: str) -> dict[str, Any]:
    value = from_json(_bytes(text))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


# The headers of recent tokens, by their encoded text: a client signs every token with the same header (its
# algorithm and key id), so one header is read once, not on every call. What is kept is what the text says,
# untrusted until the signature verifies, exactly as a fresh reading would give it.
_HEADERS: dict[str, dict[str, Any]] = {}
_HEADERS_KEPT = 256


def _header(text: str) -> dict[str, Any]:
    header = _HEADERS.get(text)
    if header is None:
        header = _segment(text)
        if len(_HEADERS) >= _HEADERS_KEPT:
            _HEADERS.clear()
        _HEADERS[text] = header
    return header


def _signed_by(key: Any, algorithm: str, signing_input: bytes, signature: bytes) -> bool:
    """Whether the signature over signing_input is the key's, by the algorithm its header and key both name."""
    try:
        if algorithm == "RS384":
            key.verify(signature, signing_input, _PKCS1, _SHA384)
            return True
        half = ES384_SIGNATURE_BYTES // 2
        if len(signature) != ES384_SIGNATURE_BYTES:
            return False
        r, s = int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
        key.verify(encode_dss_signature(r, s), signing_input, _ECDSA)
        return True
    except InvalidSignature:
        return False


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Refused(f"the token is not valid: its {name} is not a number of seconds")
    return float(value)


@dataclass(frozen=True, slots=True)
class _TrustedIssuer:
    iss: str
    keys: dict[str, tuple[Any, str]]  # kid -> (public key, algorithm)
    jku: frozenset[str]


def _keys_of(issuer: Issuer, relative_to: Path) -> dict[str, tuple[Any, str]]:
    keys: dict[str, tuple[Any, str]] = {}
    for jwk in issuer.key_set(relative_to).get("keys", []):
        kid, kty = jwk.get("kid"), jwk.get("kty")
        algorithm = jwk.get("alg") or {"EC": "ES384", "RSA": "RS384"}.get(kty)
        if not kid or not isinstance(algorithm, str) or ALGORITHMS.get(algorithm) != kty:
            raise ConfigError(f"issuer {issuer.iss}: each key needs a `kid` and must be an ES384 (EC P-384) or "
                              f"RS384 (RSA) public key; {kid or 'a key without kid'} is {kty} {algorithm}")
        if any(private in jwk for private in ("d", "p", "q")):
            raise ConfigError(f"issuer {issuer.iss}: key {kid} holds a private key; give the public key only")
        try:
            key = jwt.PyJWK(jwk, algorithm).key
        except jwt.PyJWKError as error:
            raise ConfigError(f"issuer {issuer.iss}: key {kid} cannot be read: {error}") from None
        if algorithm == "ES384" and not (isinstance(key, ec.EllipticCurvePublicKey)
                                         and isinstance(key.curve, ec.SECP384R1)):
            raise ConfigError(f"issuer {issuer.iss}: key {kid} is for ES384, which signs with the P-384 curve only")
        if algorithm == "RS384" and not (isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048):
            raise ConfigError(f"issuer {issuer.iss}: key {kid} is an RSA key shorter than 2048 bits")
        keys[kid] = (key, algorithm)
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
        # The token's parts, read to choose the key only: nothing in them is trusted until the signature is.
        token = authorization[len("Bearer "):].strip()
        parts = token.split(".")
        if len(parts) != 3 or len(token) > 16_384:
            raise Refused("the bearer token is not a JWT")
        try:
            header, claims, signature = _header(parts[0]), _segment(parts[1]), _bytes(parts[2])
            signing_input = token[:len(parts[0]) + len(parts[1]) + 1].encode("ascii")
        except (ValueError, UnicodeError, binascii.Error, RecursionError):
            raise Refused("the bearer token is not a JWT") from None
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise Refused(f"tokens signed with {str(algorithm)[:16]!r} are refused; use ES384 or RS384")
        iss = claims.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise Refused("the token's issuer is not one this service trusts")
        if "jku" in header and header["jku"] not in issuer.jku:
            raise Refused("the token's jku is not on its issuer's allowlist")
        kid = header.get("kid")
        key = issuer.keys.get(kid) if isinstance(kid, str) else None
        if key is None or key[1] != algorithm:
            raise Refused("the token's kid names no key of its issuer for this algorithm")
        if "crit" in header:  # RFC 7515 section 4.1.11: extensions this service does not know must be refused
            raise Refused("the token is not valid: it names critical header extensions")
        if not _signed_by(key[0], algorithm, signing_input, signature):
            raise Refused("the token is not valid: its signature is not its issuer's")
        return self._fresh(claims, issuer.iss, audience)

    def _fresh(self, claims: dict[str, Any], iss: str, audience: str) -> Client:
        """The client, once the signed claims say the token is for this endpoint, current and not used before."""
        if not claims.keys() >= _REQUIRED:
            missing = [name for name in REQUIRED_CLAIMS if name not in claims]
            raise Refused(f"the token is not valid: it has no {', '.join(missing)} claim")
        aud = claims["aud"]
        if not (aud == audience or (isinstance(aud, list) and audience in aud)):
            raise Refused("the token's aud is not this endpoint's URL")
        exp, iat, jti = _number(claims, "exp"), _number(claims, "iat"), claims["jti"]
        now = self.clock()
        if exp <= now - self.skew:
            raise Refused("the token has expired")
        if "nbf" in claims and _number(claims, "nbf") > now + self.skew:
            raise Refused("the token is not valid yet (nbf)")
        if not isinstance(jti, str) or not jti or len(jti) > 256:
            raise Refused("the token's jti must be a string of at most 256 characters")
        if iat > now + self.skew:
            raise Refused("the token was issued in the future")
        if exp - iat > self.lifetime:
            raise Refused(f"the token lives longer than {self.lifetime} seconds")
        if not self.replays.first_use(iss, jti, exp + self.skew, now):
            raise Refused("the token has been used before (its jti was seen)")
        sub = claims.get("sub")
        return Client(iss, sub if isinstance(sub, str) else None)
