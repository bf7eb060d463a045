"""Death certificates read the way certifiers write them: syndromes, contested Down's chains, codes, messages.

Each case is a certificate and the findings of the `ld-cause-of-death` rules it must give, as
{rule id: severity}. Every case runs through `book.check` and through `leder-audit check`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leder_audit.cli import main


def certificate(*part1: str | dict, part2: tuple[str, ...] = (), **fields) -> dict:
    lines = [line if isinstance(line, dict) else {"text": line} for line in part1]
    return {"record_type": "death_certificate", "part1": lines, "part2": [{"text": t} for t in part2], **fields}


NONE: dict[str, str] = {}
CONTESTED = {"LDA-MCCD-013": "info"}

# The standard wordings: syndrome chains, contested Down's chains, codes, disease lines, disability as a cause.
STANDARD_WORDINGS = [
    # Genetic syndromes with a disease pathway are valid causes.
    ("SUDEP due to Dravet syndrome", certificate("SUDEP", "Dravet syndrome"), NONE),
    ("SUDEP due to Dravet syndrome, one line", certificate("SUDEP due to Dravet syndrome"), NONE),
    ("status epilepticus due to Lennox-Gastaut", certificate("Status epilepticus", "Lennox-Gastaut syndrome"), NONE),
    ("heart failure / Fallot / DiGeorge",
     certificate("Heart failure", "Tetralogy of Fallot", "DiGeorge syndrome"), NONE),
    ("renal failure / angiomyolipomas / tuberous sclerosis",
     certificate("End-stage renal failure", "Renal angiomyolipomas", "Tuberous sclerosis"), NONE),
    ("aortic stenosis due to Williams", certificate("Aortic stenosis", "Williams syndrome"), NONE),
    ("obesity hypoventilation due to Prader-Willi",
     certificate("Obesity hypoventilation", "Prader-Willi syndrome"), NONE),
    ("respiratory failure due to Edwards (trisomy 18)",
     certificate("Respiratory failure", "Edwards syndrome (trisomy 18)", underlying_cause_icd10="Q91.3"), NONE),
    ("respiratory failure due to Patau", certificate("Respiratory failure", "Patau syndrome",
                                                      underlying_cause_icd10="Q91.7"), NONE),
    ("intractable epilepsy in fragile X", certificate("Intractable epilepsy in fragile X syndrome"), NONE),
    ("aspiration pneumonia in Rett", certificate("Aspiration pneumonia in Rett syndrome"), NONE),
    ("Q91 code-only line is not a disability", certificate("Respiratory failure", {"icd10": "Q91.3"}), NONE),
    ("dementia in Down's syndrome", certificate("Dementia in Down's syndrome"), CONTESTED),
    ("Alzheimer's disease due to Down's syndrome", certificate("Alzheimer's disease", "Down's syndrome"), CONTESTED),
    ("AVSD in Down's syndrome", certificate("Heart failure", "AVSD in Down's syndrome"), CONTESTED),
    # Codes are read as their text would be.
    ("F72 code-only line", certificate({"text": "", "icd10": "F72"}), {"LDA-MCCD-001": "critical"}),
    ("F81.9 code-only line", certificate({"icd10": "F81.9"}), {"LDA-MCCD-001": "critical"}),
    ("Q90.9 code-only line", certificate({"icd10": "Q90.9"}), {"LDA-MCCD-001": "critical"}),
    ("F84.0 code-only line", certificate({"icd10": "F84.0"}), {"LDA-MCCD-001": "critical"}),
    ("F700 without the dot", certificate({"icd10": "F700"}), {"LDA-MCCD-001": "critical"}),
    ("F71 code-only underlying line", certificate("Aspiration pneumonia", {"icd10": "F71"}),
     {"LDA-MCCD-002": "high"}),
    ("Down's code underlying, Down's only in Part II",
     certificate("Aspiration pneumonia", "Dysphagia", part2=("Down's syndrome",), underlying_cause_icd10="Q90.9"),
     {"LDA-MCCD-004": "high"}),
    ("Down's code undotted, Down's only in Part II",
     certificate("Sepsis", part2=("Trisomy 21",), underlying_cause_icd10="Q909"), {"LDA-MCCD-004": "high"}),
    # The disability written into a disease line.
    ("aspiration pneumonia in a man with severe LD",
     certificate("Aspiration pneumonia in a man with severe learning disabilities"), {"LDA-MCCD-012": "medium"}),
    # Learning disability, Down's syndrome and autism written as a cause keep their findings.
    ("learning disability alone", certificate("Learning disability"), {"LDA-MCCD-001": "critical"}),
    ("Down's syndrome as the underlying cause of pneumonia", certificate("Pneumonia", "Down's syndrome"),
     {"LDA-MCCD-002": "high"}),
    ("autism as a link", certificate("Sepsis", "Autism", "Urinary tract infection"), {"LDA-MCCD-003": "medium"}),
]


def labels(findings) -> dict[str, str]:
    return {f.rule_id: f.severity for f in findings if "ld-cause-of-death" in f.tags}


@pytest.mark.parametrize(("name", "record", "expected"), STANDARD_WORDINGS, ids=[c[0] for c in STANDARD_WORDINGS])
def test_standard_wording_through_book_check(book, name, record, expected) -> None:
    assert labels(book.check({"id": "C1", **record})) == expected


@pytest.fixture(scope="module")
def cli_findings(tmp_path_factory) -> dict[str, dict[str, str]]:
    """Every standard wording checked in one `leder-audit check --format ndjson` run, by record id."""
    folder: Path = tmp_path_factory.mktemp("certificates")
    path = folder / "certificates.ndjson"
    path.write_text("".join(json.dumps({"id": f"C{i}", **record}) + "\n"
                            for i, (_, record, _) in enumerate(STANDARD_WORDINGS)), encoding="utf-8")
    out = folder / "findings.ndjson"
    main(["check", str(path), "--format", "ndjson", "--output", str(out)])
    found: dict[str, dict[str, str]] = {f"C{i}": {} for i in range(len(STANDARD_WORDINGS))}
    for line in out.read_text(encoding="utf-8").splitlines():
        finding = json.loads(line)
        if "ld-cause-of-death" in finding["tags"]:
            found[finding["record_id"]][finding["rule_id"]] = finding["severity"]
    return found


@pytest.mark.parametrize("index", range(len(STANDARD_WORDINGS)), ids=[c[0] for c in STANDARD_WORDINGS])
def test_standard_wording_through_the_command_line(cli_findings, index) -> None:
    assert cli_findings[f"C{index}"] == STANDARD_WORDINGS[index][2]


# --- messages name the line and quote it ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("record", "rule", "line", "quoted"),
    [
        (certificate("Aspiration pneumonia in a man with severe learning disabilities"), "LDA-MCCD-012",
         "Part I(a)", "Aspiration pneumonia in a man with severe learning disabilities"),
        (certificate("Bronchopneumonia", "Dysphagia in a woman with Down’s syndrome"), "LDA-MCCD-012",
         "Part I(b)", "Dysphagia in a woman with Down’s syndrome"),
        (certificate("Dementia in Down's syndrome"), "LDA-MCCD-013", "Part I(a)", "Dementia in Down's syndrome"),
        (certificate("Aspiration pneumonia", "Alzheimer's disease", "Trisomy 21"), "LDA-MCCD-013",
         "Part I(c)", "Trisomy 21"),
        (certificate("Sepsis", "", "PMLD"), "LDA-MCCD-002", "Part I(c)", "PMLD"),
        (certificate("Pneumonia due to learning disability"), "LDA-MCCD-002", "Part I(a)",
         "Pneumonia due to learning disability"),
        (certificate("Sepsis", {"icd10": "F72"}), "LDA-MCCD-002", "Part I(b)", "F72"),
        (certificate("Bronchopneumonia", "Learning disability", "Cerebral palsy"), "LDA-MCCD-003",
         "Part I(b)", "Learning disability"),
        (certificate("Down's syndrome"), "LDA-MCCD-001", "Part I(a)", "Down's syndrome"),
        (certificate("Dravet syndrome"), "LDA-MCCD-014", "Part I(a)", "Dravet syndrome"),
    ],
)
def test_message_names_the_line_and_quotes_it(book, record, rule, line, quoted) -> None:
    (finding,) = [f for f in book.check({"id": "C1", **record}) if f.rule_id == rule]
    assert f'{line} ' in finding.message and f'"{quoted}"' in finding.message


def test_a_disease_line_is_not_called_the_only_cause(book) -> None:
    record = {"id": "C1", **certificate("Aspiration pneumonia in a man with severe learning disabilities")}
    (finding,) = [f for f in book.check(record) if "ld-cause-of-death" in f.tags]
    assert "only" not in finding.message and "Part II" in finding.message
    assert finding.path == "part1[0].text"
    text = record["part1"][0]["text"]
    assert text[finding.evidence.start:finding.evidence.end] == finding.evidence.text == "severe learning disabilities"


@pytest.mark.parametrize(
    "record",
    [certificate("SUDEP", "Dravet syndrome"), certificate("Dravet syndrome"), certificate("Alzheimer's disease",
     "Down's syndrome"), certificate("Status epilepticus", "Lennox-Gastaut syndrome", part2=("Severe LD",))],
)
def test_no_syndrome_or_contested_chain_is_told_to_move_to_part_ii(book, record) -> None:
    for finding in book.check({"id": "C1", **record}):
        assert finding.severity == "info"
        assert "move" not in finding.message and "record it in Part II" not in finding.message


def test_a_code_only_line_gives_the_code_as_evidence_at_its_path(book) -> None:
    (finding,) = [f for f in book.check({"id": "C1", **certificate("Sepsis", "", {"icd10": "f71"})})
                  if f.rule_id == "LDA-MCCD-002"]
    assert finding.path == "part1[2].icd10" and finding.evidence.text == "f71"


def test_an_embedded_certificate_names_its_line_too(book) -> None:
    review = {"record_type": "mortality_review", "id": "R1",
              "death_certificate": {"id": "C1", **certificate("Pneumonia", "Severe learning disability")}}
    (finding,) = [f for f in book.check(review) if f.rule_id == "LDA-MCCD-002"]
    assert finding.path == "death_certificate.part1[1].text"
    assert 'Part I(b) ("Severe learning disability")' in finding.message


def test_an_abbreviation_is_read_with_the_lines_around_it(book) -> None:
    cardiac = certificate("Right heart failure", "Eisenmenger syndrome", "ASD")
    assert labels(book.check({"id": "C1", **cardiac})) == {}
    autistic = certificate("Asphyxia", "Choking on food", "ASD")
    assert labels(book.check({"id": "C1", **autistic})) == {"LDA-MCCD-002": "high"}


def test_negation_does_not_reach_across_lines(book) -> None:
    record = certificate("Pneumonia, not due to COPD", "Severe learning disability")
    assert labels(book.check({"id": "C1", **record})) == {"LDA-MCCD-002": "high"}
