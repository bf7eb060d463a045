"""Loading concepts and triggers from YAML, user overrides, codes and names."""

from __future__ import annotations

from pathlib import Path

import pytest

from leder_audit.text import ConceptError, ConceptSet, load_concepts


def test_builtin_names() -> None:
    names = load_concepts().names()
    assert {"learning_disability", "downs_syndrome", "autism", "genetic_ld_syndromes",
            "ld_or_related"} <= names


@pytest.mark.parametrize(
    ("concept", "codes"),
    [
        ("learning_disability", ("F70-F79", "F81.9", "F88")),
        ("downs_syndrome", ("Q90",)),
        ("autism", ("F84",)),
    ],
)
def test_icd10_codes(concept: str, codes: tuple[str, ...]) -> None:
    assert load_concepts().codes(concept) == codes


def test_group_codes_join_its_members() -> None:
    codes = load_concepts().codes("ld_or_related")
    assert {"F70-F79", "F81.9", "F88", "Q90", "F84"} <= set(codes)


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("learning_disabilty", "learning_disability"), ("autsm", "autism"), ("ld_or_relatd", "ld_or_related")],
)
def test_suggest_nearest_name(typo: str, suggestion: str) -> None:
    assert load_concepts().suggest(typo) == suggestion


def test_suggest_nothing_for_nonsense() -> None:
    assert load_concepts().suggest("zzzzqqq") is None


def test_unknown_concept_is_refused_with_a_hint() -> None:
    with pytest.raises(ConceptError, match="did you mean 'autism'"):
        load_concepts().find("text", "autsm")


def test_builtin_set_is_loaded_once() -> None:
    assert load_concepts() is load_concepts()


def write(folder: Path, name: str, text: str) -> Path:
    (folder / "concepts").mkdir(parents=True, exist_ok=True)
    path = folder / "concepts" / name
    path.write_text(text, encoding="utf-8")
    return folder


def test_user_folder_adds_a_concept_and_group(tmp_path: Path) -> None:
    folder = write(tmp_path, "mine.yaml", """
concepts:
  cerebral_palsy:
    preferred: cerebral palsy
    terms: [cerebral palsy]
    abbreviations: [CP]
    codes: {icd10: [G80]}
groups:
  ld_or_cp: [ld_or_related, cerebral_palsy]
""")
    concepts = load_concepts(folder)
    assert isinstance(concepts, ConceptSet)
    assert [m.text for m in concepts.find("Has CP and LD", "ld_or_cp")] == ["CP", "LD"]
    assert concepts.codes("cerebral_palsy") == ("G80",)


def test_user_folder_extends_a_builtin_concept(tmp_path: Path) -> None:
    folder = write(tmp_path, "more.yaml", """
concepts:
  learning_disability:
    preferred: learning disability
    extend: true
    terms: [cognitive impairment since birth]
""")
    concepts = load_concepts(folder)
    assert concepts.find("cognitive impairment since birth", "learning_disability")
    assert concepts.find("learning disability", "learning_disability")


def test_user_folder_replaces_a_builtin_concept(tmp_path: Path) -> None:
    folder = write(tmp_path, "replace.yaml", """
concepts:
  autism:
    preferred: autism
    terms: [autism]
""")
    concepts = load_concepts(folder)
    assert concepts.find("ASD", "autism") == []
    assert concepts.find("autism", "autism")


def test_user_triggers_add_and_switch_off(tmp_path: Path) -> None:
    folder = write(tmp_path, "triggers.yaml", """
triggers:
  - {literal: "nil", category: negated, direction: forward}
  - {literal: "no", category: negated, direction: forward, enabled: false}
""")
    concepts = load_concepts(folder)
    assert [m.context.label for m in concepts.find("nil autism", "autism")] == ["negated"]
    assert [m.context.label for m in concepts.find("no autism", "autism")] == ["affirmed"]


def test_a_folder_named_concepts_is_read_directly(tmp_path: Path) -> None:
    folder = write(tmp_path, "x.yaml", "concepts:\n  epilepsy:\n    preferred: epilepsy\n    terms: [epilepsy]\n")
    assert "epilepsy" in load_concepts(folder / "concepts").names()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("concepts:\n  autism: [\n", "x.yaml:3"),
        ("concepts:\n  Bad-Name:\n    preferred: x\n", "lower_snake_case"),
        ("concepts:\n  thing:\n    preferred: x\n    synonyms: [y]\n", "synonyms"),
        ("groups:\n  g: [no_such_concept]\n", "unknown concept 'no_such_concept'"),
        ("groups:\n  g: [h]\n  h: [g]\n", "contains itself"),
        ("triggers:\n  - {category: negated}\n", "exactly one of"),
        ("triggers:\n  - {pattern: '(', category: negated}\n", "does not compile"),
        ("triggers:\n  - {literal: 'no', category: sometimes}\n", "category"),
    ],
)
def test_broken_files_are_refused_with_the_file_and_problem(tmp_path: Path, text: str, message: str) -> None:
    folder = write(tmp_path, "x.yaml", text)
    with pytest.raises(ConceptError, match=message) as error:
        load_concepts(folder)
    assert "x.yaml" in str(error.value)


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConceptError, match="no such folder"):
        load_concepts(tmp_path / "absent")


def test_a_concept_named_twice_in_one_file_is_refused_at_its_second_line(tmp_path: Path) -> None:
    text = ("concepts:\n  thing:\n    preferred: x\n    terms: [a]\n"
            "  thing:\n    preferred: y\n    terms: [b]\n")
    with pytest.raises(ConceptError, match="given twice") as error:
        load_concepts(write(tmp_path, "x.yaml", text))
    assert "x.yaml:5:" in str(error.value)


def test_an_unknown_key_in_a_concept_is_placed_and_the_allowed_keys_named(tmp_path: Path) -> None:
    text = "concepts:\n  thing:\n    preferred: x\n    terms: [a]\n    synonym: [b]\n"
    with pytest.raises(ConceptError, match="unknown key") as error:
        load_concepts(write(tmp_path, "x.yaml", text))
    assert "x.yaml:5:5" in str(error.value) and "misspellings" in str(error.value)


def test_an_empty_concepts_file_adds_nothing(tmp_path: Path) -> None:
    assert load_concepts(write(tmp_path, "x.yaml", "\n")).names() == load_concepts().names()
