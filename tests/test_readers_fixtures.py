"""Every input fixture reads to the same records as the JSON written beside it."""

from __future__ import annotations

import json

import pytest

from leder_audit.engine import Incoming, validate
from leder_audit.readers import read

from .conftest import FIXTURES

CASES = [
    ("dotted.csv", None),
    ("reviews.tsv", None),
    ("export.csv", "export_mapping.yaml"),
    # Saved by LibreOffice Calc from the CSV beside them, with typed cells (docs/inputs.md, Fixtures).
    ("export.xlsx", "export_mapping.yaml"),
    ("dotted.xlsx", None),
    ("fhir_death_bundle.json", None),
    ("fhir_dnacpr_observation.json", None),
    ("fhir_dnacpr_bundle.json", None),
    ("fhir_bundles.ndjson", None),
]


def records(items) -> list[dict]:
    out = []
    for item in items:
        assert isinstance(item, Incoming), item
        out.append(validate(item.data, item.source, item.location).model_dump(mode="json"))
    return out


@pytest.mark.parametrize("name, mapping", CASES)
def test_fixture_reads_to_its_expected_records(name, mapping):
    expected_file = FIXTURES / (name.rsplit(".", 1)[0] + ".expected.json")
    expected = [validate(r).model_dump(mode="json") for r in json.loads(expected_file.read_text(encoding="utf-8"))]
    got = records(read(FIXTURES / name, mapping=FIXTURES / mapping if mapping else None))
    assert got == expected


@pytest.mark.parametrize("name, mapping, record_id", [
    ("export.csv", "export_mapping.yaml", "DN-1001"),
    ("fhir_dnacpr_observation.json", None, "dnacpr-obs-1"),
    ("fhir_dnacpr_bundle.json", None, "dnacpr-consent-1"),
])
def test_a_learning_disability_rationale_is_found_whatever_the_input_format(book, name, mapping, record_id):
    from leder_audit.engine import Auditor

    from .conftest import AS_OF

    auditor = Auditor(book, as_of=AS_OF)
    items = read(FIXTURES / name, mapping=FIXTURES / mapping if mapping else None)
    fired = {(f.record_id, f.rule_id) for f in auditor.run(items)}
    assert (record_id, "LDA-DNACPR-001") in fired
