"""The cards every fixture record gets, kept in tests/data/service_cards.golden.json.

Regenerate after a deliberate change to rules or cards, and review the diff:

    python -m tests.service_golden
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from leder_audit.service.cards import EXTENSION, cards_for

from .service_support import client_of, fixture_json, fixture_lines, hook_call, make_app, warm_checker

GOLDEN = Path(__file__).parent / "data" / "service_cards.golden.json"
HASH = "<rulebook hash>"
PLAIN = {"death_certificates.ndjson": "leder-audit-mccd", "dnacpr_decisions.json": "leder-audit-dnacpr"}
FHIR = {"fhir_death_bundle.json": "leder-audit-mccd", "fhir_dnacpr_bundle.json": "leder-audit-dnacpr",
        "fhir_dnacpr_observation.json": "leder-audit-dnacpr", "fhir_bundles.ndjson": None}


def _plain(card: dict[str, Any]) -> dict[str, Any]:
    extension = card.get("extension", {}).get(EXTENSION)
    if extension is not None:
        assert extension["rulebookHash"] == warm_checker().rulebook_hash
        card = {**card, "extension": {EXTENSION: {**extension, "rulebookHash": HASH}}}
    return card


def _service_of(document: dict[str, Any]) -> str:
    text = json.dumps(document)
    return "leder-audit-mccd" if "69453-9" in text else "leder-audit-dnacpr"


def current() -> list[dict[str, Any]]:
    """Every fixture record's cards on the edit and the sign hook."""
    out = []
    for name, service in PLAIN.items():
        records = fixture_lines(name) if name.endswith(".ndjson") else fixture_json(name)
        for record in records:
            checked = warm_checker().check(record)
            for moment in ("edit", "sign"):
                pairs = cards_for(checked.findings, moment, f"golden-{record['id']}", warm_checker().rulebook_hash,
                                  checked.rule_errors)
                out.append({"fixture": name, "record": record["id"], "hook": moment,
                            "cards": [_plain(c) for c, _ in pairs]})
    client = client_of(make_app())
    for name, service in FHIR.items():
        documents = fixture_lines(name) if name.endswith(".ndjson") else [fixture_json(name)]
        for document in documents:
            service_id = service or _service_of(document)
            for moment in ("edit", "sign"):
                body = hook_call(service_id, moment, document, instance=f"golden-{document['id']}")
                response = client.post(f"/cds-services/{service_id}", json=body)
                assert response.status_code == 200, response.text
                out.append({"fixture": name, "record": document["id"], "hook": moment,
                            "cards": [_plain(c) for c in response.json()["cards"]]})
    return out


def main() -> None:
    GOLDEN.write_text(json.dumps(current(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")


if __name__ == "__main__":
    main()
