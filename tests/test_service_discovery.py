"""GET /cds-services lists the two services under their edit and sign hooks, as CDS Hooks 2.0 asks."""

from __future__ import annotations

import re

from leder_audit.service.hooks import SERVICES

from .service_support import client_of, make_app

REVERSE_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def discovered() -> list[dict]:
    response = client_of(make_app()).get("/cds-services")
    assert response.status_code == 200
    return response.json()["services"]


def test_each_service_is_listed_under_an_edit_and_a_sign_hook():
    pairs = {(s["id"], s["hook"].rsplit("-", 1)[1]) for s in discovered()}
    assert pairs == {(sid, moment) for sid in ("leder-audit-dnacpr", "leder-audit-mccd") for moment in ("edit", "sign")}


def test_hook_names_are_reverse_domain_and_name_the_form():
    hooks = {s["hook"] for s in discovered()}
    assert all(REVERSE_DOMAIN.match(h) for h in hooks), hooks
    assert {h.split(".")[-1] for h in hooks} == {"dnacpr-decision-edit", "dnacpr-decision-sign",
                                                "death-certificate-edit", "death-certificate-sign"}


def test_every_entry_has_the_fields_the_specification_requires():
    for entry in discovered():
        assert {"hook", "id", "description", "prefetch"} <= set(entry)
        assert isinstance(entry["prefetch"], dict)
        assert entry["id"] in SERVICES


def test_healthz_names_the_rulebook():
    body = client_of(make_app()).get("/healthz").json()
    assert body["status"] == "ok" and body["rules"] > 0 and len(body["rulebookHash"]) == 64


def test_openapi_documents_every_endpoint():
    paths = client_of(make_app()).get("/openapi.json").json()["paths"]
    assert {"/cds-services", "/cds-services/{service_id}", "/cds-services/{service_id}/feedback", "/v1/check",
            "/healthz"} <= set(paths)


def test_every_call_answered_on_the_hot_path_is_one_the_openapi_document_describes():
    from leder_audit.service.app import Hot

    app = make_app()
    hot = app.asgi
    assert isinstance(hot, Hot) and hot.routes
    documented = client_of(app).get("/openapi.json").json()["paths"]
    for method, path in hot.routes:
        template = "/cds-services/{service_id}" if path.startswith("/cds-services/") else path
        assert method.lower() in documented[template], (method, path)
