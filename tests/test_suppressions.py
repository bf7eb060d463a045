"""Suppressions: justified findings silenced until a date, counted and listed, never silently dropped."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import pytest

from leder_audit import Auditor, audit, load_suppressions
from leder_audit.cli import main
from leder_audit.suppressions import SuppressionError

from .conftest import AS_OF
from .cli_support import run

RECORD = {"record_type": "dnacpr_decision", "id": "D7", "rationale": "Down's syndrome and frailty",
          "decision_date": "2024-03-01", "discussed_with_person": True, "senior_responsible_clinician": "Dr A",
          "review_date": "2024-09-01"}


def write(tmp_path: Path, text: str, name: str = "suppressions.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def by_rule_and_record(tmp_path: Path, expires: str = "2024-12-31") -> Path:
    return write(tmp_path, f"""\
        suppressions:
          - rule_id: LDA-DNACPR-001
            record_id: D7
            reason: Decision reviewed by the trust's resuscitation committee; rationale rewritten on the new form.
            reviewer: J Smith, CQC inspector
            expires: {expires}
        """)


def test_a_suppressed_finding_is_counted_and_listed_not_reported(book, tmp_path):
    result = audit([RECORD], rulebook=book, as_of=AS_OF, suppressions=load_suppressions(by_rule_and_record(tmp_path)))
    assert result.findings == []
    (silenced,) = result.suppressed
    assert silenced.finding.rule_id == "LDA-DNACPR-001" and silenced.finding.record_id == "D7"
    assert silenced.reason.startswith("Decision reviewed") and silenced.reviewer == "J Smith, CQC inspector"
    assert silenced.matched_by == "rule_id and record_id"
    assert silenced.source == f"{tmp_path / 'suppressions.yaml'}:2"
    assert result.by_severity == {} and result.by_theme == {}


def test_without_suppressions_the_same_record_has_its_finding(book):
    (finding,) = audit([RECORD], rulebook=book, as_of=AS_OF).findings
    assert finding.rule_id == "LDA-DNACPR-001"


def test_a_suppression_matches_by_fingerprint(book, tmp_path):
    (finding,) = book.check(RECORD)
    path = write(tmp_path, f"""\
        - fingerprint: {finding.fingerprint}
          reason: Known; under review
          reviewer: A Examiner
          expires: 2025-01-01
        """)
    auditor = Auditor(book, as_of=AS_OF, suppressions=load_suppressions(path))
    assert auditor.check(RECORD) == []
    assert auditor.tally.suppressed[0].matched_by == "fingerprint"


def test_a_fingerprint_of_another_finding_silences_nothing(book, tmp_path):
    path = write(tmp_path, """\
        - {fingerprint: 0123456789abcdef0123456789abcdef, reason: r, reviewer: v, expires: 2025-01-01}
        """)
    result = audit([RECORD], rulebook=book, as_of=AS_OF, suppressions=load_suppressions(path))
    assert len(result.findings) == 1 and result.suppressed == []


def test_a_suppression_for_another_record_silences_nothing(book, tmp_path):
    other = dict(RECORD, id="D8")
    result = audit([other], rulebook=book, as_of=AS_OF, suppressions=load_suppressions(by_rule_and_record(tmp_path)))
    assert [f.record_id for f in result.findings] == ["D8"] and result.suppressed == []


@pytest.mark.parametrize("expires, silenced", [("2024-06-30", True), ("2024-06-29", False)])
def test_a_suppression_works_up_to_its_expiry_date_judged_at_as_of(book, tmp_path, expires, silenced):
    result = audit([RECORD], rulebook=book, as_of=date(2024, 6, 30),
                   suppressions=load_suppressions(by_rule_and_record(tmp_path, expires)))
    assert (result.findings == []) is silenced
    assert len(result.suppressed) == (1 if silenced else 0)


def test_suppressions_apply_to_findings_on_embedded_records(book, tmp_path):
    review = {"record_type": "mortality_review", "id": "R5", "dnacpr": dict(RECORD, id="D-embedded")}
    path = write(tmp_path, """\
        - {rule_id: LDA-DNACPR-001, record_id: R5, reason: r, reviewer: v, expires: 2025-01-01}
        """)
    result = audit([review], rulebook=book.select(["LDA-DNACPR-001"]), as_of=AS_OF,
                   suppressions=load_suppressions(path))
    assert result.findings == [] and result.suppressed[0].finding.path == "dnacpr.rationale"


@pytest.mark.parametrize("text, message, line, column", [
    ("- {rule_id: X-1, record_id: R, reviewer: v, expires: 2025-01-01}\n", "no `reason`", 1, 3),
    ("- rule_id: X-1\n  record_id: R\n  reason: r\n  reviewr: v\n  expires: 2025-01-01\n", "unknown key `reviewr`", 4, 3),
    ("- {rule_id: X-1, reason: r, reviewer: v, expires: 2025-01-01}\n", "both rule_id and record_id", 1, 3),
    ("- {fingerprint: abc, rule_id: X-1, record_id: R, reason: r, reviewer: v, expires: 2025-01-01}\n",
     "not both", 1, 3),
    ("- rule_id: X-1\n  record_id: R\n  reason: r\n  reviewer: v\n  expires: next year\n", "`expires`", 5, 12),
    ("- {rule_id: X-1, record_id: R, reason: '  ', reviewer: v, expires: 2025-01-01}\n", "must not be blank", 1, 3),
    ("suppressions: {rule_id: X-1}\n", "a list of entries", 1, 1),
    ("- just a string\n", "must be a mapping", 1, 3),
    ("- {rule_id: X-1, record_id: [R\n", "YAML error", 2, 1),
])
def test_a_bad_suppressions_file_is_refused_with_file_line_and_column(tmp_path, text, message, line, column):
    path = write(tmp_path, text)
    with pytest.raises(Exception) as caught:
        load_suppressions(path)
    error = caught.value
    assert message in error.message
    assert (error.file, error.line, error.column) == (str(path), line, column)


def test_an_unknown_key_gets_a_did_you_mean_hint(tmp_path):
    path = write(tmp_path, "- {rule_id: X-1, record_id: R, reason: r, reviewer: v, expiry: 2025-01-01}\n")
    with pytest.raises(SuppressionError) as caught:
        load_suppressions(path)
    assert caught.value.hint == "did you mean `expires`?"


def record_file(tmp_path: Path) -> Path:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(RECORD), encoding="utf-8")
    return path


def test_check_lists_suppressed_findings_in_the_table(capsys, tmp_path):
    code, out, _ = run(capsys, "check", str(record_file(tmp_path)), "--as-of", "2024-06-30",
                       "--suppressions", str(by_rule_and_record(tmp_path)))
    assert code == 0
    assert "1 record read: 1 checked, 0 rejected; 0 findings; 1 suppressed" in out
    assert "suppressed LDA-DNACPR-001 on dnacpr_decision D7: Decision reviewed" in out
    assert "(J Smith, CQC inspector, until 2024-12-31)" in out


def test_check_lists_suppressed_findings_in_json(capsys, tmp_path):
    report = tmp_path / "report.json"
    code, _, err = run(capsys, "check", str(record_file(tmp_path)), "--as-of", "2024-06-30", "--format", "json",
                       "--output", str(report), "--suppressions", str(by_rule_and_record(tmp_path)))
    data = json.loads(report.read_text())
    assert code == 0 and data["findings"] == []
    assert data["summary"]["suppressed"] == 1 and data["summary"]["findings"] == 0
    assert data["suppressed"][0]["finding"]["rule_id"] == "LDA-DNACPR-001"
    assert data["suppressed"][0]["expires"] == "2024-12-31"
    assert "1 suppressed" in err


def test_check_names_an_expired_suppression_and_reports_the_finding(capsys, tmp_path):
    code, out, err = run(capsys, "check", str(record_file(tmp_path)), "--as-of", "2025-01-01",
                         "--suppressions", str(by_rule_and_record(tmp_path)))
    assert code == 1 and "LDA-DNACPR-001" in out and "suppressed" not in out
    assert "expired on 2024-12-31" in err and "suppressions.yaml:2" in err


def test_check_warns_of_a_suppression_naming_a_rule_that_is_not_run(capsys, tmp_path):
    entry = write(tmp_path, """\
        - {rule_id: LDA-DNACPR-0001, record_id: D7, reason: agreed at panel, reviewer: J Smith, expires: 2024-12-31}
        """)
    code, out, err = run(capsys, "check", str(record_file(tmp_path)), "--as-of", "2024-06-30", "--suppressions", str(entry))
    assert code == 1 and "LDA-DNACPR-001" in out
    assert "names rule LDA-DNACPR-0001" in err and "did you mean LDA-DNACPR-001" in err and "suppressions.yaml:1" in err


@pytest.mark.parametrize("options, warned", [((), True), (("--suppressions-max-days", "1000"), False)])
def test_check_warns_of_a_suppression_that_runs_for_longer_than_the_maximum(capsys, tmp_path, options, warned):
    code, _, err = run(capsys, "check", str(record_file(tmp_path)), "--as-of", "2024-06-30",
                       "--suppressions", str(by_rule_and_record(tmp_path, expires="2026-06-30")), *options)
    assert code == 0
    assert ("runs until 2026-06-30, more than 365 days" in err) is warned


def test_a_suppression_within_a_year_brings_no_warning(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(record_file(tmp_path)), "--as-of", "2024-06-30",
                       "--suppressions", str(by_rule_and_record(tmp_path)))
    assert code == 0 and "runs until" not in err and "names rule" not in err


@pytest.mark.parametrize("days", ["0", "-5", "x"])
def test_the_maximum_lifetime_must_be_a_positive_number_of_days(capsys, tmp_path, days):
    with pytest.raises(SystemExit) as exited:
        main(["check", str(record_file(tmp_path)), "--suppressions-max-days", days])
    assert exited.value.code == 2 and "--suppressions-max-days" in capsys.readouterr().err


def test_check_refuses_a_bad_suppressions_file_with_exit_2(capsys, tmp_path):
    bad = write(tmp_path, "- {rule_id: X-1, record_id: R, reason: r, reviewer: v}\n")
    code, _, err = run(capsys, "check", str(record_file(tmp_path)), "--suppressions", str(bad))
    assert code == 2 and f"{bad}:1:3" in err and "expires" in err


def test_check_refuses_a_missing_suppressions_file(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(record_file(tmp_path)), "--suppressions", str(tmp_path / "none.yaml"))
    assert code == 2 and "none.yaml" in err


def _report(tmp_path: Path, fmt: str, capsys) -> str:
    records = tmp_path / "records.json"
    records.write_text(json.dumps([RECORD]), encoding="utf-8")
    out = tmp_path / f"report.{fmt}"
    main(["check", str(records), "--suppressions", str(by_rule_and_record(tmp_path)), "--as-of", "2024-06-30",
          "--format", fmt, "--output", str(out)])
    capsys.readouterr()
    return out.read_text(encoding="utf-8")


def test_sarif_keeps_a_suppressed_finding_as_a_result_marked_with_its_reason(tmp_path, capsys):
    run = json.loads(_report(tmp_path, "sarif", capsys))["runs"][0]
    marked = [r for r in run["results"] if r.get("suppressions")]
    assert [r["ruleId"] for r in marked] == ["LDA-DNACPR-001"]
    (suppression,) = marked[0]["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    assert suppression["justification"].startswith("Decision reviewed")
    assert all(not r.get("suppressions") for r in run["results"] if r is not marked[0])


def test_html_lists_suppressed_findings_with_reason_reviewer_and_expiry(tmp_path, capsys):
    from html.parser import HTMLParser

    page = _report(tmp_path, "html", capsys)

    class Section(HTMLParser):
        inside, text = False, []

        def handle_starttag(self, tag, attrs):
            if ("id", "suppressed") in attrs:
                self.inside = True

        def handle_endtag(self, tag):
            if tag == "section":
                self.inside = False

        def handle_data(self, data):
            if self.inside:
                self.text.append(data)

    parser = Section()
    parser.feed(page)
    text = " ".join(parser.text)
    assert "Suppressed findings" in text and "LDA-DNACPR-001" in text
    assert "J Smith, CQC inspector" in text and "2024-12-31" in text
