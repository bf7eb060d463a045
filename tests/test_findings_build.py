"""Findings as the engine builds them: the fingerprint's key, and the same model a user would construct."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given, settings, strategies as st

from leder_audit.findings import Evidence, Finding, fingerprint, fingerprint_of

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def by_json(rule_id: str, rule_version: int, record_id: str, path: str, evidence: str) -> str:
    key = json.dumps([rule_id, rule_version, record_id, path, evidence], ensure_ascii=False)
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=10**20), TEXT, TEXT, TEXT)
def test_the_fingerprint_key_is_the_json_array_of_what_identifies_a_finding(rule_id, version, record_id, path, text):
    assert fingerprint_of(rule_id, version, record_id, path, text) == by_json(rule_id, version, record_id, path, text)


def test_the_fingerprint_key_escapes_as_json_does():
    for text in ['"quoted" \\ back', "tab\tnew\nline\r\x00\x1f\x7f", "Down’s syndrome é ☃ 𝄞", "\u2028\u2029", ""]:
        assert fingerprint_of("LDA-X-1", 3, text, text, text) == by_json("LDA-X-1", 3, text, text, text)


def test_a_finding_fingerprints_its_rule_record_path_and_evidence():
    finding = Finding(rule_id="LDA-X-1", rule_version=2, title="t", severity="low", tags=["a"], record_id="R1",
                      record_type="death_certificate", message="m", path=None,
                      evidence=Evidence(text="Down's syndrome", start=0, end=15, path="part1[1].text"))
    assert finding.fingerprint == fingerprint(finding) == by_json("LDA-X-1", 2, "R1", "", "Down's syndrome")
