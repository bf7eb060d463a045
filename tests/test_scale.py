"""Scale: the synthetic generator, streaming in bounded memory, and parallel runs identical to one process."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from leder_audit import audit, load_rulebook
from leder_audit.cli import main
from leder_audit.engine import Auditor
from leder_audit.findings import KEPT_IN_FULL, Rejection, RuleStats, Tally
from leder_audit.generate import PROBLEMS, generate, generate_records, write_ndjson
from leder_audit.parallel import ParallelAuditor, RulebookRecipe
from leder_audit.readers import read

from .conftest import AS_OF

# Problems the first rules of the built-in rulebook are certain to catch, and by which rule.
CAUGHT_BY = {
    "ld_only_cause": "LDA-MCCD-001",
    "ld_underlying_cause": "LDA-MCCD-002",
    "ld_underlying_code": "LDA-MCCD-004",
    "ld_rationale": "LDA-DNACPR-001",
    "embedded_ld_cause": "LDA-MCCD-002",
    "embedded_ld_rationale": "LDA-DNACPR-001",
}


@pytest.fixture(scope="module")
def records_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "records.ndjson"
    with path.open("w", encoding="utf-8") as out:
        write_ndjson(out, 2500, seed=11, problem_rate=0.3)
        out.write("not json\n")
        out.write(json.dumps({"record_type": "dnacpr_decision", "id": "BAD", "decision_date": "someday"}) + "\n")
    return path


def finding_rows(findings) -> list[str]:
    # Where a record was read from (file and line, or its place in a list) differs by route; nothing else may.
    return [f.model_dump_json(exclude={"source", "location"}) for f in findings]


# -- the generator ------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_records():
    assert list(generate_records(300, seed=5)) == list(generate_records(300, seed=5))


def test_different_seeds_give_different_records():
    assert list(generate_records(50, seed=5)) != list(generate_records(50, seed=6))


def test_the_cli_writes_what_the_api_generates(tmp_path, capsys):
    path = tmp_path / "generated.ndjson"
    assert main(["generate", "200", "--seed", "9", "--problem-rate", "0.4", "--output", str(path)]) == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(generate_records(200, seed=9, problem_rate=0.4))


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5, 1.0])
def test_the_share_of_records_with_a_problem_follows_the_rate(rate):
    made = list(generate(4000, seed=3, problem_rate=rate))
    share = sum(g.problem is not None for g in made) / len(made)
    assert share == pytest.approx(rate, abs=0.03)


def test_every_record_type_and_every_problem_occurs():
    made = list(generate(4000, seed=4, problem_rate=0.5))
    assert {g.record["record_type"] for g in made} == set(PROBLEMS)
    assert {g.problem for g in made} - {None} == {p for problems in PROBLEMS.values() for p in problems}
    assert all(g.problem is None or g.problem in PROBLEMS[g.record["record_type"]] for g in made)


def test_narratives_agree_with_their_pronoun():
    narratives = [r["narrative"] for r in generate_records(3000, seed=6) if "narrative" in r]
    assert any(n.startswith("They were admitted") for n in narratives)
    assert any(n.startswith("She was admitted") for n in narratives)
    assert not any(n.startswith("They was") for n in narratives)


def test_generated_records_are_all_valid_and_ids_unique(book):
    records = list(generate_records(2000, seed=8, problem_rate=0.3))
    result = audit(records, rulebook=book, as_of=AS_OF)
    assert result.records_checked == 2000 and not result.rejected
    assert len({r["id"] for r in records}) == 2000


@pytest.mark.parametrize("unique_text", [False, True])
def test_known_problems_are_caught_and_clean_records_are_not_flagged_for_them(book, unique_text):
    made = list(generate(3000, seed=12, problem_rate=0.4, unique_text=unique_text))
    result = audit([g.record for g in made], rulebook=book, as_of=AS_OF)
    fired: dict[str, set[str]] = {}
    for finding in result.findings:
        fired.setdefault(finding.record_id, set()).add(finding.rule_id)
    for g in made:
        rules = fired.get(g.record["id"], set())
        if g.problem in CAUGHT_BY:
            assert CAUGHT_BY[g.problem] in rules, (g.problem, g.record)
        assert not (rules & set(CAUGHT_BY.values())) - {CAUGHT_BY.get(g.problem)}, (g.problem, rules)


def _free_texts(record: dict) -> list[str]:
    texts = [record.get("rationale"), record.get("narrative"), (record.get("family") or {}).get("concerns_text"),
             (record.get("dnacpr") or {}).get("rationale")]
    return [t for t in texts if t]


def test_unique_text_makes_every_free_text_different_and_leaves_the_rest_as_drawn():
    plain = list(generate_records(1500, seed=7))
    unique = list(generate_records(1500, seed=7, unique_text=True))
    texts = [t for r in unique for t in _free_texts(r)]
    assert len(texts) > 1000 and len(set(texts)) == len(texts)
    assert len({t for r in plain for t in _free_texts(r)}) < 100  # the default draws from short phrase lists
    for before, after in zip(plain, unique):  # only the free texts differ, each by what was added to it
        assert [a.startswith(b + " Ref ") for b, a in zip(_free_texts(before), _free_texts(after))] == \
            [True] * len(_free_texts(before))
        assert _without_free_text(before) == _without_free_text(after)


def _without_free_text(record: dict) -> str:
    return re.sub(r'"(rationale|narrative|concerns_text)": "[^"]*"', "", json.dumps(record))


def test_the_cli_writes_unique_text_on_request(tmp_path, capsys):
    path = tmp_path / "unique.ndjson"
    assert main(["generate", "50", "--seed", "3", "--unique-text", "--output", str(path)]) == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == list(generate_records(50, seed=3, unique_text=True))


def test_findings_heavy_records_all_carry_a_problem_and_raise_several_times_the_findings(tmp_path, book):
    path = tmp_path / "heavy.ndjson"
    assert main(["generate", "300", "--seed", "3", "--findings-heavy", "--output", str(path)]) == 0
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert records == list(generate_records(300, seed=3, problem_rate=1.0))
    heavy = audit(records, rulebook=book, as_of=AS_OF).findings
    usual = audit(list(generate_records(300, seed=3)), rulebook=book, as_of=AS_OF).findings
    assert len(heavy) >= 300 and len(heavy) > 2.5 * len(usual)


# -- streaming and bounded memory -------------------------------------------------------------------------


def test_streaming_from_a_file_gives_the_findings_of_an_in_memory_audit(book, records_file):
    auditor = Auditor(book, as_of=AS_OF)
    streamed = finding_rows(auditor.run(read(records_file)))
    lines = records_file.read_text(encoding="utf-8").splitlines()[:2500]
    in_memory = audit([json.loads(line) for line in lines], rulebook=book, as_of=AS_OF)
    assert streamed == finding_rows(in_memory.findings)
    assert auditor.tally.records_checked == in_memory.records_checked == 2500
    assert auditor.tally.rejected_count == 2 and auditor.tally.records_read == 2502


def test_rejections_past_the_limit_are_counted_not_kept():
    tally = Tally()
    for number in range(KEPT_IN_FULL + 250):
        tally.reject(Rejection(source="f", location=f"line {number}", message="bad"))
    assert len(tally.rejected) == KEPT_IN_FULL
    assert tally.summary()["records_rejected"] == KEPT_IN_FULL + 250
    assert tally.rejected[-1].location == f"line {KEPT_IN_FULL - 1}"


def test_an_audit_reports_every_rejection_in_its_count(book):
    records = [{"record_type": "nonsense", "id": str(n)} for n in range(KEPT_IN_FULL + 5)]
    result = audit(records, rulebook=book, as_of=AS_OF)
    assert result.records_rejected == KEPT_IN_FULL + 5 and len(result.rejected) == KEPT_IN_FULL
    assert result.records_checked + result.records_rejected == result.records_read


def test_merged_tallies_equal_one_tally_over_the_whole_input(book):
    records = [*generate_records(600, seed=2, problem_rate=0.5), {"record_type": "x", "id": "bad"}]
    whole = Auditor(book, as_of=AS_OF)
    list(whole.run(records))
    merged = Tally(rule_stats={rule.id: RuleStats() for rule in book.rules})
    for part in (records[:250], records[250:]):
        auditor = Auditor(book, as_of=AS_OF)
        list(auditor.run(part))
        merged.merge(auditor.tally)
    assert merged.summary() == whole.tally.summary()
    assert merged.rule_stats == whole.tally.rule_stats
    assert [r.record_id for r in merged.rejected] == [r.record_id for r in whole.tally.rejected]


# -- parallel runs ----------------------------------------------------------------------------------------


def test_parallel_auditor_gives_the_findings_and_counts_of_one_process(book, records_file):
    serial = Auditor(book, as_of=AS_OF)
    expected = finding_rows(serial.run(read(records_file)))
    parallel = ParallelAuditor(book, as_of=AS_OF, jobs=2, chunk_size=300)
    assert finding_rows(parallel.run(read(records_file))) == expected
    assert parallel.tally.summary() == serial.tally.summary()
    assert parallel.tally.rule_stats == serial.tally.rule_stats
    assert parallel.tally.rejected == serial.tally.rejected


def test_a_finding_comes_back_from_a_worker_as_plain_values_and_whole(book, records_file):
    import pickle

    from pydantic import BaseModel

    from leder_audit.parallel import pack_finding, unpack_finding

    findings = list(Auditor(book, as_of=AS_OF).run(read(records_file)))
    assert any(f.evidence is None for f in findings) and any(f.evidence is not None for f in findings)
    assert any(f.decided_on_unknown for f in findings)
    for finding in findings:
        packed = pack_finding(finding)
        assert not any(isinstance(part, BaseModel) for part in _parts(packed))
        again = unpack_finding(pickle.loads(pickle.dumps(packed)), book)
        assert again == finding and again.model_dump_json() == finding.model_dump_json()


def _parts(value):
    yield value
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from _parts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _parts(item)


def test_a_selected_rulebook_is_loaded_the_same_in_workers(book):
    chosen = book.select(["ld-cause-of-death"])
    recipe = RulebookRecipe.of(chosen)
    assert [r.id for r in recipe.load().rules] == [r.id for r in chosen.rules]


def test_a_rulebook_with_concepts_given_in_code_cannot_go_to_other_processes(book):
    custom = load_rulebook(concepts=book.concepts)
    with pytest.raises(ValueError, match="other processes"):
        RulebookRecipe.of(custom)


def _without_run_time(text: str) -> str:
    return re.sub(r'"run_time": "[^"]*"', '"run_time": ""', text)


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_jobs_2_writes_exactly_what_jobs_1_writes(fmt, records_file, tmp_path, capsys):
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.{fmt}"
        code = main(["check", str(records_file), "--format", fmt, "--output", str(out), "--as-of", AS_OF.isoformat(),
                     "--jobs", jobs])
        outputs.append((code, capsys.readouterr().err, _without_run_time(out.read_text(encoding="utf-8"))))
    assert outputs[0] == outputs[1]
    code, summary_line, text = outputs[0]
    assert code == 1 and "2,502 records read: 2,500 checked, 2 rejected" in summary_line
    if fmt == "json":
        assert json.loads(text)["summary"]["records_rejected"] == 2


def test_text_caches_stay_bounded_over_many_distinct_texts(book):
    records = ({"record_type": "dnacpr_decision", "id": f"D{n}",
                "rationale": f"Frailty score {n}, metastatic disease {n * 7}; CPR would not succeed"}
               for n in range(6000))
    auditor = Auditor(book, as_of=AS_OF)
    for _ in auditor.run(records):
        pass
    for cache in (book.concepts._spans, book.concepts._mention):
        info = cache.cache_info()
        assert info.maxsize is not None and info.currsize <= info.maxsize < 6000
