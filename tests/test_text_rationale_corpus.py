"""The labelled DNACPR rationale corpus, scored through the real rule path, and the wording the
rationale rules were built for, through book.check and `leder-audit check`."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from leder_audit.cli import main

from .conftest import AS_OF, ROOT

# Set just below what the built-in rules reach on tests/data/dnacpr_rationales.yaml, so that a change
# which costs the corpus a case fails CI (see docs/accuracy.md for the figures).
OVERALL_F1_FLOOR = 0.98
OVERALL_LABEL_FLOOR = 0.98
CLASS_LABEL_FLOOR = 0.95


def benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("accuracy_benchmark", ROOT / "benchmarks" / "accuracy_benchmark.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scored(book):
    bench = benchmark()
    return bench, bench.evaluate("rationales", book)


def test_the_corpus_is_large_and_labelled_with_reasons(scored):
    bench, _ = scored
    items = bench.read_items(bench.SETS["rationales"].path)
    assert len(items) >= 300
    assert {i.label for i in items} == {"flag", "uncertain", "note", "none"}
    assert all(i.why for i in items)
    assert len({i.text for i in items}) == len(items)


def test_rationale_f1_and_labels_stay_above_the_floor(scored):
    _, result = scored
    overall = result.overall
    assert overall.f1 >= OVERALL_F1_FLOOR, [(e.text, got) for e, got in result.errors]
    assert overall.accuracy >= OVERALL_LABEL_FLOOR, [(e.text, got) for e, got in result.errors]


def test_every_class_stays_above_its_floor(scored):
    _, result = scored
    low = {kind: round(c.accuracy, 3) for kind, c in result.by_class.items() if c.accuracy < CLASS_LABEL_FLOOR}
    assert not low, low


# Each class of the wording, with the answer a clinical reviewer gives.
ISSUE_EXAMPLES = [
    ("In the event of cardiorespiratory arrest, CPR should not be attempted because of her Down's syndrome", "flag"),
    ("Consider severe LD and frailty - not for CPR", "flag"),
    ("Should he arrest, CPR would not be appropriate given severe LD", "flag"),
    ("If he deteriorates, not for CPR or ITU due to PMLD", "flag"),
    ("Mum feels CPR would be cruel given his severe LD; agreed", "flag"),
    ("Parents feel he has no quality of life because of his PMLD. DNACPR agreed.", "flag"),
    ("Family worried the DNACPR was because of his LD - explained it is because of end-stage heart failure", "none"),
    ("has learning disability, which is not the basis of this decision", "none"),
    ("LD - not the reason for this decision", "none"),
    ("Her autism has played no part in this decision", "none"),
    ("LD not considered relevant to this decision", "none"),
    ("Learning disability: No", "none"),
    ("LD - N. Metastatic bowel cancer", "none"),
    ("Would have been for CPR despite her LD", "none"),
    ("The earlier form gave Down's syndrome as the reason; that was wrong and it has been withdrawn. "
     "This decision: end-stage renal failure", "none"),
    ("PMH: Down's syndrome, hypothyroidism. Reason: end-stage heart failure, CPR would not be successful", "note"),
    ("Background - moderate LD. Now metastatic lung cancer with brain metastases; CPR would not work", "note"),
    ("Severe LD, frailty, COPD", "flag"),
    ("Community LD team aware", "none"),
    ("lives in an LD residential home", "none"),
    ("brother has Down's syndrome", "none"),
    ("learning disability liaison team involved", "none"),
    ("Has mild learning disability; has capacity and has clearly decided she does not want CPR", "none"),
    ("Downs", "flag"), ("Downs'", "flag"), ("Downe's", "flag"), ("Down synd", "flag"), ("L.D.", "flag"),
    ("learn. dis.", "flag"), ("ID", "flag"), ("intellectual disability", "flag"), ("intellectually disabled", "flag"),
    ("low IQ", "flag"), ("Asperger's", "flag"), ("developmental delay", "flag"), ("severe mental impairment", "flag"),
    ("mental age of 2", "flag"), ("mental age around 5", "flag"), ("has the mental age of a toddler", "flag"),
    ("functions at the level of an 18 month old", "flag"), ("cognitive age of 4", "flag"), ("Austic", "flag"),
    ("learning disabilty", "flag"), ("as he has Down's syndrome", "flag"),
    ("his learning disability means he would not cope with ITU", "flag"),
    ("LD phenytoin given", "none"), ("Eisenmenger syndrome / ASD", "none"), ("moderate MR, severe AS", "none"),
    ("CP", "none"), ("ID consult, infectious diseases", "none"),
    ("?LD", "uncertain"), ("possible autism", "uncertain"), ("query Down's", "uncertain"), ("likely LD", "uncertain"),
]


@pytest.mark.parametrize(("rationale", "expected"), ISSUE_EXAMPLES)
def test_the_wording_gets_its_answer_through_book_check(book, rationale, expected):
    bench = benchmark()
    record = {"record_type": "dnacpr_decision", "id": "D", "rationale": rationale}
    findings = book.check(record, as_of=AS_OF)
    assert bench.rationale_label(findings) == expected, [(f.rule_id, f.evidence) for f in findings]
    for finding in findings:
        if finding.evidence is not None:
            assert rationale[finding.evidence.start:finding.evidence.end] == finding.evidence.text


def test_the_wording_gets_its_answer_through_the_command_line(tmp_path, capsys):
    bench = benchmark()
    records = [{"record_type": "dnacpr_decision", "id": f"D{n}", "rationale": text}
               for n, (text, _) in enumerate(ISSUE_EXAMPLES)]
    path = tmp_path / "decisions.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    main(["check", str(path), "--format", "ndjson", "--as-of", AS_OF.isoformat()])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    by_record: dict[str, list] = {}
    for line in lines:
        by_record.setdefault(line["record_id"], []).append(
            type("F", (), {"tags": line["tags"], "severity": line["severity"]}))
    got = [bench.rationale_label(by_record.get(f"D{n}", [])) for n in range(len(ISSUE_EXAMPLES))]
    assert got == [expected for _, expected in ISSUE_EXAMPLES]


def test_an_uncertain_mention_says_so_and_ranks_below_an_affirmed_one(book):
    [uncertain] = book.select(["ld-dnacpr-rationale"]).check(
        {"record_type": "dnacpr_decision", "id": "D", "rationale": "?LD, frail, not for CPR"}, as_of=AS_OF)
    [affirmed] = book.select(["ld-dnacpr-rationale"]).check(
        {"record_type": "dnacpr_decision", "id": "D", "rationale": "LD, frail, not for CPR"}, as_of=AS_OF)
    assert uncertain.evidence.context == "uncertain" and "uncertain" in uncertain.message
    assert (uncertain.severity, affirmed.severity) == ("high", "critical")


def test_a_background_mention_is_an_info_note_not_the_rationale_finding(book):
    findings = book.check({"record_type": "dnacpr_decision", "id": "D", "rationale": ISSUE_EXAMPLES[15][0]},
                          as_of=AS_OF)
    themed = [f for f in findings if "ld-dnacpr-rationale" in f.tags or "ld-dnacpr-background" in f.tags]
    assert [(f.severity, f.evidence.context) for f in themed] == [("info", "background")]
