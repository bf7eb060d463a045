"""--redact: names, NHS numbers and dates of birth are blanked in every output; rule, record id and span stay."""

from __future__ import annotations

import json

import pytest

from leder_audit.cli import main
from leder_audit.findings import Evidence, Finding
from leder_audit.redact import (DATE_OF_BIRTH, NAME, NHS_NUMBER, PHONE, known_identifiers, redact_finding,
                                 redact_text)

NHS, DOB, CLINICIAN, PATIENT = "9434765919", "1969-05-02", "Dr Ada Lovelace", "Mrs Joan Example"
RECORD = {
    "record_type": "dnacpr_decision", "id": "RED-1", "form": "dnacpr", "decision_date": "2024-01-15",
    "rationale": f"Severe learning disabilities. Discussed with {PATIENT}, NHS no {NHS[:3]} {NHS[3:6]} {NHS[6:]}, "
                 "DOB 02/05/1969.",
    "senior_responsible_clinician": CLINICIAN,
    "person": {"nhs_number": NHS, "date_of_birth": DOB, "learning_disability": True},
}
SECRETS = [NHS, "943 476 5919", "02/05/1969", DOB, "Lovelace", "Joan Example"]


@pytest.mark.parametrize("text, expected", [
    ("Seen by Dr A Consultant today", f"Seen by {NAME} today"),
    ("NHS number 943 476 5919.", f"NHS number {NHS_NUMBER}."),
    ("DOB: 02/05/1969; decided 2024-01-15", f"DOB: {DATE_OF_BIRTH}; decided 2024-01-15"),
    ("born 2 May 1969", f"born {DATE_OF_BIRTH}"),
    ("born 2nd May 1969, lives with mum", f"born {DATE_OF_BIRTH}, lives with mum"),
    ("born May 2, 1969.", f"born {DATE_OF_BIRTH}."),
    ("DOB 02-May-1969", f"DOB {DATE_OF_BIRTH}"),
    ("d.o.b. 2/5/69", f"d.o.b. {DATE_OF_BIRTH}"),
    ("NHS no 943.476.5919", f"NHS no {NHS_NUMBER}"),
    ("NHS 943-476-5919; 9434765919", f"NHS {NHS_NUMBER}; {NHS_NUMBER}"),
    ("Sister on 07700 900123 or 01632 960001", f"Sister on {PHONE} or {PHONE}"),
    ("ring +44 7700 900123 after 5", f"ring {PHONE} after 5"),
    ("decided 2024-01-15; review 3/4/2025", "decided 2024-01-15; review 3/4/2025"),
    ("Furosemide 40 mg twice daily, 2 litres fluid", "Furosemide 40 mg twice daily, 2 litres fluid"),
    ("Severe learning disabilities", "Severe learning disabilities"),
])
def test_identifiers_in_text_are_blanked(text, expected):
    assert redact_text(text) == expected


def test_the_records_own_identifiers_are_blanked_in_any_spelling():
    known = known_identifiers({"person": {"nhs_number": NHS, "date_of_birth": DOB}, "certifier": {"name": "Zed Quill"}})
    assert redact_text(f"zed quill, {NHS}, 2/5/1969", known) == f"{NAME}, {NHS_NUMBER}, {DATE_OF_BIRTH}"


def test_a_named_clinicians_surname_alone_and_in_lower_case_is_blanked():
    known = known_identifiers({"senior_responsible_clinician": "Dr Ada Lovelace"})
    assert redact_text("Agreed with lovelace and LOVELACE's registrar", known) == f"Agreed with {NAME} and {NAME}'s registrar"


@pytest.mark.parametrize("written", ["2/5/69", "02/05/69", "02-May-1969", "2-May-1969", "May 2, 1969"])
def test_the_records_own_date_of_birth_is_blanked_in_short_and_month_name_forms(written):
    known = known_identifiers({"person": {"date_of_birth": DOB}})
    assert redact_text(f"b. {written} in Leeds", known) == f"b. {DATE_OF_BIRTH} in Leeds"


def test_a_redacted_finding_keeps_rule_record_and_span():
    finding = Finding(rule_id="R-1", rule_version=1, title="t", severity="high", tags=["x"], record_id="RED-1",
                      record_type="dnacpr_decision", message=f"Ask {CLINICIAN} about NHS {NHS}",
                      evidence=Evidence(text=f"{CLINICIAN}", start=5, end=20, path="rationale"))
    redacted = redact_finding(finding)
    assert (redacted.rule_id, redacted.record_id, redacted.evidence.start, redacted.evidence.end) == ("R-1", "RED-1", 5, 20)
    assert redacted.fingerprint == finding.fingerprint
    assert "Lovelace" not in redacted.message and NHS not in redacted.message and redacted.evidence.text == NAME


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv", "table", "sarif", "fhir", "html"])
def test_no_identifier_survives_redaction_in_any_format(tmp_path, fmt):
    records = tmp_path / "records.json"
    records.write_text(json.dumps([RECORD]))
    plain, redacted = tmp_path / f"plain.{fmt}", tmp_path / f"redacted.{fmt}"
    main(["check", str(records), "--format", fmt, "--output", str(plain), "--as-of", "2024-06-30"])
    main(["check", str(records), "--format", fmt, "--output", str(redacted), "--as-of", "2024-06-30", "--redact"])
    before, after = plain.read_text(), redacted.read_text()
    if fmt in ("json", "ndjson", "html"):  # these show the recorded values or the evidence's surrounding text
        assert any(secret in before for secret in SECRETS), "the fixture must put identifiers into the output"
    assert [secret for secret in SECRETS if secret in after] == []
    assert "RED-1" in after and "LDA-DNACPR-001" in after
