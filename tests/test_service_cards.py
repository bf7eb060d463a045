"""Findings become CDS Hooks cards: summary, indicator, detail, source, uuid, extension, what each hook shows."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from leder_audit.findings import Evidence, Finding, Reference
from leder_audit.service.cards import (EXTENSION, INDICATOR, SUMMARY_LIMIT, card_of, cards_for, markdown_text,
                                       summary_of)

from . import service_golden
from .service_support import client_of, fixture_json, hook_call, make_app


def finding(**changes) -> Finding:
    values = dict(rule_id="LDA-TEST-001", rule_version=2, title="A title", severity="high", tags=["mca"],
                  record_id="R1", record_type="dnacpr_decision", message="Review the decision.",
                  path="rationale", evidence=Evidence(text="Downs", start=4, end=9, path="rationale"),
                  references=[Reference(source="Guidance", section="s1", url="https://example.org/g")])
    values.update(changes)
    return Finding(**values)


def test_every_fixture_record_gets_its_golden_cards():
    expected = json.loads(service_golden.GOLDEN.read_text(encoding="utf-8"))
    assert service_golden.current() == expected, "cards changed: if on purpose, run python -m tests.service_golden"


@pytest.mark.parametrize("severity, indicator", [("critical", "critical"), ("high", "warning"),
                                                 ("medium", "warning"), ("low", "info"), ("info", "info")])
def test_indicator_follows_severity(severity, indicator):
    assert card_of(finding(severity=severity), "h", "hash")["indicator"] == indicator == INDICATOR[severity]


@given(st.text(min_size=1, max_size=400))
def test_summary_fits_and_is_the_title_when_it_can_be(title):
    summary = summary_of(title)
    assert len(summary) <= SUMMARY_LIMIT
    if len(" ".join(title.split())) <= SUMMARY_LIMIT:
        assert summary == " ".join(title.split())


def test_source_names_rule_version_guidance_and_topic():
    source = card_of(finding(), "h", "hash")["source"]
    assert source["label"] == "leder-audit LDA-TEST-001 v2"
    assert source["url"] == "https://example.org/g"
    assert source["topic"]["code"] == "LDA-TEST-001"


def test_detail_has_message_quoted_evidence_and_guidance():
    detail = card_of(finding(), "h", "hash")["detail"]
    assert detail.startswith("Review the decision.")
    assert "\n> Downs" in detail
    assert "[Guidance, s1](https://example.org/g)" in detail


def test_a_clinicians_words_cannot_become_markdown_links_or_html():
    words = "see [here](https://evil.example) <img src=x> **now**"
    detail = card_of(finding(evidence=Evidence(text=words, start=0, end=len(words)), message=words), "h", "x")["detail"]
    message, quote = detail.split("\n\n")[:2]
    for part in (message, quote.removeprefix("> ")):
        assert re.search(r"(?<!\\)[\[\]<>*]", part) is None, part
    assert markdown_text("a*b") == "a\\*b"


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("ab \n\t\\`*_[]<>#|!~(")) | st.characters(), max_size=60))
def test_markdown_text_escapes_every_markdown_character_and_nothing_else(text):
    escaped = markdown_text(text)
    # Undoing each backslash escape gives back the text with its white space run together ...
    assert re.sub(r"\\(.)", r"\1", escaped, flags=re.S) == " ".join(text.split())
    # ... and every markdown character left is one that was escaped.
    assert re.search(r"(?<!\\)(?:\\\\)*[`*_\[\]<>#|!~]", escaped) is None


def test_extension_carries_path_span_rule_version_and_rulebook_hash():
    extension = card_of(finding(), "h", "the-hash")["extension"][EXTENSION]
    assert extension["path"] == "rationale"
    assert extension["evidence"] == {"text": "Downs", "start": 4, "end": 9, "path": "rationale"}
    assert (extension["ruleVersion"], extension["rulebookHash"]) == (2, "the-hash")


def test_card_uuid_is_stable_for_hook_instance_and_finding():
    one, again = card_of(finding(), "hook-1", "x"), card_of(finding(), "hook-1", "x")
    other_instance = card_of(finding(), "hook-2", "x")
    other_finding = card_of(finding(path="part1[0].text"), "hook-1", "x")
    assert one["uuid"] == again["uuid"]
    assert len({one["uuid"], other_instance["uuid"], other_finding["uuid"]}) == 3


@given(st.text(max_size=80), st.text(max_size=80))
def test_card_uuid_is_uuid5_of_hook_instance_and_finding(hook_instance, key):
    import uuid

    from leder_audit.service.cards import _CARD_NAMESPACE, card_uuid

    name = f"{hook_instance}\0{key}"
    try:
        expected = str(uuid.uuid5(_CARD_NAMESPACE, name))
    except UnicodeEncodeError:  # a lone surrogate: never in parsed JSON, and no uuid either way
        with pytest.raises(UnicodeEncodeError):
            card_uuid(hook_instance, key)
        return
    assert card_uuid(hook_instance, key) == expected


def test_edit_hook_holds_back_findings_decided_on_unknown_and_sign_shows_them():
    known, unknown = finding(), finding(rule_id="LDA-TEST-002", decided_on_unknown=True)
    assert [f.rule_id for _, f in cards_for([known, unknown], "edit", "h", "x")] == ["LDA-TEST-001"]
    assert [f.rule_id for _, f in cards_for([known, unknown], "sign", "h", "x")] == ["LDA-TEST-001", "LDA-TEST-002"]


def test_rules_that_failed_add_a_card_saying_the_check_is_incomplete():
    cards = [c for c, _ in cards_for([], "edit", "h", "x", rule_errors=2)]
    assert len(cards) == 1 and "could not finish" in cards[0]["summary"]


def test_cards_are_most_severe_first():
    findings = [finding(rule_id="A", severity="low"), finding(rule_id="B", severity="critical")]
    assert [c["indicator"] for c, _ in cards_for(findings, "sign", "h", "x")] == ["critical", "info"]


def test_the_same_hook_instance_gets_the_same_cards_again():
    client = client_of(make_app())
    body = hook_call("leder-audit-dnacpr", "sign", fixture_json("fhir_dnacpr_bundle.json"), instance="fixed")
    first, second = (client.post("/cds-services/leder-audit-dnacpr", json=body).json() for _ in range(2))
    assert first == second and first["cards"]


def test_an_edited_draft_is_checked_afresh_and_its_old_cards_are_gone():
    client = client_of(make_app())
    draft = fixture_json("fhir_dnacpr_observation.json")
    body = hook_call("leder-audit-dnacpr", "edit", draft, instance="editing")
    before = client.post("/cds-services/leder-audit-dnacpr", json=body).json()["cards"]
    draft["note"] = [{"text": "Metastatic lung cancer; CPR would not be successful"}]
    after = client.post("/cds-services/leder-audit-dnacpr", json=body).json()["cards"]
    codes = lambda cards: {c["source"]["topic"]["code"] for c in cards}  # noqa: E731
    assert "LDA-DNACPR-001" in codes(before) and "LDA-DNACPR-001" not in codes(after)
    assert not {c["uuid"] for c in after} & {c["uuid"] for c in before if c["source"]["topic"]["code"] == "LDA-DNACPR-001"}
