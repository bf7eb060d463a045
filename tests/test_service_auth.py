"""CDS Hooks client tokens: a call is answered only with a fresh token from an allowlisted issuer, for this endpoint."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from .service_support import BASE_URL, ISSUER, Signer, client_of, fixture_json, hook_call, make_app

PATH = "/cds-services/leder-audit-dnacpr"
AUD = BASE_URL + PATH
ES = Signer("ES384")
RS = Signer("RS384", kid="rsa-key", iss="https://other-ehr.example.nhs.uk")
ALLOWED_JKU = "https://ehr.example.nhs.uk/.well-known/jwks.json"


@pytest.fixture(scope="module")
def client():
    return client_of(make_app(issuers=[ES.issuer(jku=[ALLOWED_JKU]), RS.issuer()], base_url=BASE_URL))


def call(client, token: str | None, path: str = PATH):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = hook_call("leder-audit-dnacpr", "sign", fixture_json("fhir_dnacpr_observation.json"))
    return client.post(path, json=body, headers=headers)


def refused(response, words: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert words in body["issue"][0]["diagnostics"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("signer", [ES, RS], ids=["ES384", "RS384"])
def test_a_valid_token_is_answered(client, signer):
    response = call(client, signer.token(AUD))
    assert response.status_code == 200 and response.json()["cards"]


def test_missing_token(client):
    refused(call(client, None), "no bearer token")


def test_garbage_token(client):
    refused(call(client, "not.a.jwt"), "not a JWT")


def test_alg_none(client):
    now = int(time.time())
    token = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': ES.kid})}." + b64(
        {"iss": ISSUER, "aud": AUD, "iat": now, "exp": now + 60, "jti": "n1"}) + "."
    refused(call(client, token), "'none'")


def test_hs256_signed_with_the_public_key(client):
    # The classic confusion: the verifier's own public key used as the HMAC secret.
    now = int(time.time())
    public_pem = ES.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = (b64({"alg": "HS256", "typ": "JWT", "kid": ES.kid}) + "."
                     + b64({"iss": ISSUER, "aud": AUD, "iat": now, "exp": now + 60, "jti": "h1"}))
    signature = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    refused(call(client, signing_input + "." + signature.rstrip(b"=").decode()), "'HS256'")


def test_wrong_aud(client):
    refused(call(client, ES.token(BASE_URL + "/cds-services/leder-audit-mccd")), "aud")


def test_expired(client):
    refused(call(client, ES.token(AUD, now=time.time() - 3600)), "expired")


def test_replayed_jti(client):
    token = ES.token(AUD)
    assert call(client, token).status_code == 200
    refused(call(client, token), "used before")


def test_unknown_kid(client):
    refused(call(client, ES.token(AUD, headers={"kid": "someone-elses"})), "kid")


def test_key_of_another_issuer(client):
    stranger = Signer("ES384")  # right issuer name and kid, wrong key
    refused(call(client, stranger.token(AUD)), "not valid")


def test_unknown_iss(client):
    refused(call(client, Signer(iss="https://unknown.example").token(AUD)), "issuer")


def test_a_token_that_lives_too_long(client):
    refused(call(client, ES.token(AUD, lifetime=3600)), "longer than")


def test_a_token_without_jti(client):
    refused(call(client, ES.token(AUD, jti=None)), "not valid")


def test_a_jku_off_the_allowlist_is_refused_without_any_outbound_request(client, monkeypatch):
    attempts = []

    def no_network(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("the service tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    refused(call(client, ES.token(AUD, headers={"jku": "https://attacker.example/jwks.json"})), "jku")
    assert call(client, ES.token(AUD, headers={"jku": ALLOWED_JKU})).status_code == 200
    assert attempts == []


def test_feedback_and_v1_check_need_a_token_too(client):
    assert client.post(PATH + "/feedback", json={"feedback": []}).status_code == 401
    assert client.post("/v1/check", json={"record_type": "dnacpr_decision", "id": "D"}).status_code == 401
    token = ES.token(BASE_URL + "/v1/check")
    ok = client.post("/v1/check", json={"record_type": "dnacpr_decision", "id": "D"},
                     headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200


def test_a_private_key_in_the_config_is_refused():
    from leder_audit.service.config import ConfigError

    leaked = {"keys": [{**ES.jwk, "d": "AAAA"}]}
    with pytest.raises(ConfigError, match="private key"):
        make_app(issuers=[{"iss": ISSUER, "jwks": leaked}])


def resigned(signer, header: dict, claims: dict) -> str:
    """A token with exactly this header and these claims, signed by the signer's key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    signing_input = (b64(header) + "." + b64(claims)).encode()
    if signer.algorithm == "RS384":
        signature = signer.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA384())
    else:
        r, s = decode_dss_signature(signer.private.sign(signing_input, ec.ECDSA(hashes.SHA384())))
        signature = r.to_bytes(48, "big") + s.to_bytes(48, "big")
    return signing_input.decode() + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def claims_for(signer, **changes) -> dict:
    now = int(time.time())
    claims = {"iss": signer.iss, "aud": AUD, "iat": now, "exp": now + 60, "jti": str(time.monotonic_ns())}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize("signer", [ES, RS], ids=["ES384", "RS384"])
def test_a_token_signed_here_by_hand_is_answered(client, signer):
    # The verifier checks signatures itself: a token built from its parts, not by PyJWT, is read the same.
    header = {"alg": signer.algorithm, "typ": "JWT", "kid": signer.kid}
    assert call(client, resigned(signer, header, claims_for(signer))).status_code == 200


@pytest.mark.parametrize("signer", [ES, RS], ids=["ES384", "RS384"])
def test_a_changed_claim_breaks_the_signature(client, signer):
    header = {"alg": signer.algorithm, "typ": "JWT", "kid": signer.kid}
    token = resigned(signer, header, claims_for(signer))
    head, _, signature = token.split(".")
    forged = head + "." + b64(claims_for(signer, sub="someone-else")) + "." + signature
    refused(call(client, forged), "signature")


def test_an_aud_list_naming_this_endpoint_is_answered_and_one_that_does_not_is_refused(client):
    header = {"alg": "ES384", "typ": "JWT", "kid": ES.kid}
    assert call(client, resigned(ES, header, claims_for(ES, aud=["https://elsewhere", AUD]))).status_code == 200
    refused(call(client, resigned(ES, header, claims_for(ES, aud=["https://elsewhere"]))), "aud")


@pytest.mark.parametrize("changes, words", [
    ({"exp": "tomorrow"}, "exp is not a number"),
    ({"iat": True}, "iat is not a number"),
    ({"nbf": int(time.time()) + 3600}, "not valid yet"),
    ({"iat": None}, "no iat claim"),
    ({"aud": None}, "no aud claim"),
])
def test_claims_that_are_missing_or_not_numbers_are_refused(client, changes, words):
    refused(call(client, resigned(ES, {"alg": "ES384", "kid": ES.kid}, claims_for(ES, **changes))), words)


def test_a_critical_header_extension_is_refused(client):
    header = {"alg": "ES384", "kid": ES.kid, "crit": ["exp-by-wall-clock"], "exp-by-wall-clock": True}
    refused(call(client, resigned(ES, header, claims_for(ES))), "critical")


def test_an_es384_signature_of_the_wrong_length_is_refused(client):
    token = resigned(ES, {"alg": "ES384", "kid": ES.kid}, claims_for(ES))
    head, body, signature = token.split(".")
    refused(call(client, f"{head}.{body}.{signature[:-4]}"), "signature")


@pytest.mark.parametrize("spoil", [lambda s: s + "==", lambda s: "+" + s[1:], lambda s: s[:-1] + "!"],
                         ids=["padded", "plus", "not-base64"])
def test_a_signature_not_written_in_base64url_is_not_a_jwt(client, spoil):
    token = resigned(ES, {"alg": "ES384", "kid": ES.kid}, claims_for(ES))
    head, body, signature = token.split(".")
    refused(call(client, f"{head}.{body}.{spoil(signature)}"), "not a JWT")


def test_keys_that_do_not_fit_their_algorithm_are_refused_at_start():
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from leder_audit.service.config import ConfigError

    p256 = jwt.algorithms.ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key(), as_dict=True)
    with pytest.raises(ConfigError, match="P-384"):
        make_app(issuers=[{"iss": ISSUER, "jwks": {"keys": [{**p256, "kid": "k", "alg": "ES384"}]}}])
    short = jwt.algorithms.RSAAlgorithm.to_jwk(rsa.generate_private_key(65537, 1024).public_key(), as_dict=True)
    with pytest.raises(ConfigError, match="2048"):
        make_app(issuers=[{"iss": ISSUER, "jwks": {"keys": [{**short, "kid": "k", "alg": "RS384"}]}}])
