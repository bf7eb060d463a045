"""Findings written from their rule's pre-built parts are byte for byte the Finding models' JSON."""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from leder_audit import load_rulebook
from leder_audit.engine import Auditor, Incoming
from leder_audit.findings import Evidence, Finding, FindingParts, FoundFinding, Reasons, Reference
from leder_audit.generate import generate_records
from leder_audit.writers import JsonWriter, NdjsonWriter

from .conftest import AS_OF, FIXTURES

BOOK = load_rulebook()
# Any text a record can hold once read from JSON: lone surrogates are refused on the way in.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
QUOTED = st.sampled_from(['"quoted" \\ back', "tab\tnew\nline\r\x00\x1f\x7f", "Down’s ☃ 𝄞", "\u2028\u2029", ""])
ODD_TEXT = st.one_of(TEXT, QUOTED)


def validated_json(found: FoundFinding) -> str:
    """The finding as the validating constructors would make and write it."""
    model = found.model()
    values = {name: getattr(model, name) for name in Finding.model_fields if name != "fingerprint"}
    return Finding(**json.loads(Finding(**values).model_dump_json())).model_dump_json()


def assert_written_as_the_model_writes_it(found: FoundFinding) -> None:
    text = found.json()
    assert text == found.model().model_dump_json() == validated_json(found)
    assert Finding.model_validate_json(text) == found.model()


def _with_text(record: dict[str, Any], extra: str) -> dict[str, Any]:
    """The record with odd text added to each free text it has and to its id."""
    record = json.loads(json.dumps(record))
    record["id"] = f"{record['id']}{extra}"
    for part in (record, record.get("dnacpr") or {}, record.get("death_certificate") or {}):
        if part.get("rationale"):
            part["rationale"] += extra
        for line in part.get("part1") or []:
            if line.get("text"):
                line["text"] += extra
        if part.get("narrative"):
            part["narrative"] = extra + part["narrative"]
    return record


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), rate=st.sampled_from([0.0, 0.5, 1.0]), unique=st.booleans(),
       extra=ODD_TEXT, source=ODD_TEXT, location=ODD_TEXT)
def test_a_finding_written_from_its_parts_is_the_models_json(seed, rate, unique, extra, source, location):
    records = [_with_text(record, extra) for record in generate_records(8, seed, rate, unique)]
    auditor = Auditor(BOOK, as_of=AS_OF)
    found = list(auditor.found(Incoming(record, source, location) for record in records))
    for one in found:
        assert_written_as_the_model_writes_it(one)
    again = list(Auditor(BOOK, as_of=AS_OF).run(Incoming(record, source, location) for record in records))
    assert [f.model_dump_json() for f in again] == [f.json() for f in found]


def test_findings_on_the_fixtures_are_written_as_their_models_write_them():
    items = []
    for name in ("death_certificates.ndjson", "mortality_reviews.ndjson"):
        with open(FIXTURES / name, "rb") as lines:
            items += [Incoming(line, name, f"line {n}") for n, line in enumerate(lines, 1)]
    records = json.loads((FIXTURES / "dnacpr_decisions.json").read_text())
    items += [Incoming(record, "dnacpr_decisions.json", f"entry {n}") for n, record in enumerate(records, 1)]
    found = list(Auditor(BOOK, as_of=AS_OF).found(items))
    assert any(f.reasons.evidence for f in found) and any(f.decided_on_unknown for f in found)
    assert any((f.reasons.path or "").startswith("dnacpr.") for f in found)
    for one in found:
        assert_written_as_the_model_writes_it(one)


@settings(max_examples=200, deadline=None)
@given(rule_id=TEXT, version=st.integers(1, 10**6), title=ODD_TEXT, severity=st.sampled_from(["low", "critical"]),
       tags=st.lists(ODD_TEXT, max_size=3), unknown=st.booleans(), url=st.sampled_from([None, "https://a.b/c?d=\"e\""]),
       section=st.one_of(st.none(), ODD_TEXT), record_id=ODD_TEXT, message=ODD_TEXT,
       evidence=st.one_of(st.none(), st.tuples(ODD_TEXT, st.one_of(st.none(), st.integers(0, 99)),
                                               st.one_of(st.none(), st.integers(0, 99)),
                                               st.one_of(st.none(), ODD_TEXT), st.one_of(st.none(), ODD_TEXT))),
       path=st.one_of(st.none(), ODD_TEXT),
       value=st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                                    st.floats(allow_nan=False, allow_infinity=False), ODD_TEXT),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
                          max_leaves=6))
def test_every_part_is_escaped_and_written_as_pydantic_writes_it(rule_id, version, title, severity, tags, unknown,
                                                                 url, section, record_id, message, evidence, path,
                                                                 value):
    parts = FindingParts.of(rule_id, version, title, severity, tuple(tags),
                            (Reference(source="s", section=section, url=url),), unknown)
    steps = [Step(expression=title, value=value, inputs={message: value})]
    reasons = Reasons(None if evidence is None else Evidence.trusted(*evidence), path, steps)
    found = FoundFinding(parts, reasons, record_id, "dnacpr_decision", message, None if unknown else message, path)
    assert found.json() == found.model().model_dump_json()


class Step:
    """A traced step as the interpreter gives one."""

    def __init__(self, expression: str, value: Any, inputs: dict[str, Any]) -> None:
        self.expression, self.value, self.inputs = expression, value, inputs


def test_the_json_and_ndjson_writers_write_a_found_finding_as_its_model():
    found = next(iter(Auditor(BOOK, as_of=AS_OF).found(generate_records(50, 3, 1.0))))
    for writer_class in (NdjsonWriter, JsonWriter):
        fast, slow = io.StringIO(), io.StringIO()
        fast_writer, slow_writer = writer_class(fast), writer_class(slow)
        fast_writer.finding_json(found.json())
        slow_writer.finding(found.model())
        assert fast.getvalue() == slow.getvalue()


def test_findings_that_share_reasons_get_lists_of_their_own():
    records = list(generate_records(60, 5, 1.0))
    findings = list(Auditor(BOOK, as_of=AS_OF).run(records + records))
    half = len(findings) // 2
    first, repeat = findings[0], findings[half]
    assert (first.rule_id, first.record_id, first.explanation) == (repeat.rule_id, repeat.record_id, repeat.explanation)
    assert first.explanation
    first.tags.append("changed")
    first.explanation.clear()
    assert "changed" not in repeat.tags and repeat.explanation
