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
