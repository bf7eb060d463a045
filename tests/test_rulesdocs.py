"""Generated rule pages: one per rule plus an index by theme, deterministic, and committed up to date."""

from __future__ import annotations

from pathlib import Path

from leder_audit.cli import main
from leder_audit.rulesdocs import rule_docs, write_rule_docs

from .conftest import ROOT

COMMITTED = ROOT / "docs" / "rules"


def test_the_committed_rule_pages_are_up_to_date(book, tmp_path):
    write_rule_docs(book, tmp_path)
    fresh = {p.name: p.read_text(encoding="utf-8") for p in sorted(tmp_path.glob("*.md"))}
    committed = {p.name: p.read_text(encoding="utf-8") for p in sorted(COMMITTED.glob("*.md"))}
    assert sorted(committed) == sorted(fresh), "run `leder-audit rules docs` and commit docs/rules/"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale pages {stale}: run `leder-audit rules docs` and commit docs/rules/"


def test_generation_is_deterministic(book):
    assert rule_docs(book) == rule_docs(book)


def test_there_is_a_page_for_every_rule_and_an_index(book):
    pages = rule_docs(book)
    assert set(pages) == {"index.md"} | {f"{rule.id}.md" for rule in book.rules}


def test_a_rule_page_has_the_four_parts_and_its_cases(book):
    page = rule_docs(book)["LDA-MCCD-003.md"]
    rule = book.by_id["LDA-MCCD-003"]
    for heading in ("## What it checks", "## Why it matters", "### References", "## Message", "## Examples",
                    "### Records that fire it", "### Records that do not fire it"):
        assert heading in page
    assert rule.spec.when.strip() in page
    assert "https://www.gov.uk/government/publications/guidance-notes-for-completing-a-medical-certificate" in page
    assert '"text": "Cerebral palsy"' in page
    assert "`profile:medical-examiner`" in page


def test_a_rule_page_shows_the_finding_its_first_case_gets(book):
    page = rule_docs(book)["LDA-DNACPR-001.md"]
    assert 'The DNACPR rationale cites "Severe learning disabilities"' in page


def test_the_index_groups_rules_by_theme_with_links(book):
    index = rule_docs(book)["index.md"]
    transition = index.split("(`transition`)", 1)[1].split("\n## ", 1)[0]
    assert "[LDA-REVIEW-002](LDA-REVIEW-002.md)" in transition
    assert "LDA-MCCD-001" not in transition
    assert "- `profile:medical-examiner`: [LDA-MCCD-001](LDA-MCCD-001.md)" in index
    assert f"{len(book.rules)} rules." in index


def test_writing_removes_pages_of_rules_that_no_longer_exist(book, tmp_path):
    (tmp_path / "LDA-GONE-001.md").write_text("old", encoding="utf-8")
    write_rule_docs(book, tmp_path)
    assert not (tmp_path / "LDA-GONE-001.md").exists()
    assert (tmp_path / "index.md").is_file()


def test_rules_docs_command_writes_the_pages(capsys, tmp_path):
    code = main(["rules", "docs", "--output-dir", str(tmp_path / "out")])
    out = capsys.readouterr().out
    pages = sorted(Path(tmp_path / "out").glob("*.md"))
    assert code == 0 and len(pages) > 30 and f"{len(pages)} pages written" in out
