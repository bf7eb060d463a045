"""JSON text is read first through msgspec Structs derived from the record models, and by the models when
those do not take it. The law: every record is accepted or rejected as the models alone decide, with the
same message, and an accepted record is the same dict, value for value, type for type, key order included.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Annotated, Any, Literal, Union

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from leder_audit.errors import InputError
from leder_audit.intake import record_data, record_data_by_models
from leder_audit.record_structs import StructReader, reader
from leder_audit.records import RECORD_MODELS, MortalityReview, RecordDate, RecordId

from .test_fuzz_check import records

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def exact(value: Any) -> Any:
    """A value with every type and every key order made part of it, so that == means the same reading."""
    if isinstance(value, dict):
        return (dict, tuple((key, exact(item)) for key, item in value.items()))
    if isinstance(value, list):
        return (list, tuple(exact(item) for item in value))
    return (type(value), value)


def outcome(read: Any, data: Any) -> tuple[Any, ...]:
    try:
        return ("accepted", exact(read(data, "f.ndjson", "line 3")))
    except InputError as error:
        return ("rejected", error.source, error.location, error.field, error.message)


def check_the_law(text: bytes | str) -> bool:
    """The fast reading takes the text only to give what the models give; record_data is the models' answer.
    Whether the Structs took it."""
    taken = reader.read(text)
    by_models = outcome(record_data_by_models, text)
    if taken is not None:
        assert by_models == ("accepted", exact(taken))
    assert outcome(record_data, text) == by_models
    return taken is not None


def note(taken: bool) -> None:
    event("taken by the Structs" if taken else "read by the models")


# ---- writing JSON in the ways exports write it -------------------------------------------------------------

class Pairs(list):  # type: ignore[type-arg]
    """A JSON object written as its (key, value) pairs, so that a key can be given twice."""


def _string(text: str, escape: frozenset[str]) -> str:
    return '"' + "".join(f"\\u{ord(c):04x}" if c in escape else json.dumps(c, ensure_ascii=False)[1:-1]
                         for c in text) + '"'


def write(value: Any, style: dict[str, Any]) -> str:
    """JSON text of a value: `style` says how keys are spaced, which characters are written as \\u escapes
    and whether everything beyond ASCII is."""
    if isinstance(value, (dict, Pairs)):
        pairs = value.items() if isinstance(value, dict) else value
        return "{" + style["comma"].join(_string(str(k), style["escape"]) + style["colon"] + write(v, style)
                                         for k, v in pairs) + "}"
    if isinstance(value, list):
        return "[" + style["comma"].join(write(item, style) for item in value) + "]"
    if isinstance(value, str):
        if style["ascii"]:
            return json.dumps(value, ensure_ascii=True)
        return _string(value, style["escape"])
    if isinstance(value, date):
        return f'"{value.isoformat()}"'
    return json.dumps(value)


styles = st.fixed_dictionaries({
    "colon": st.sampled_from([":", ": ", " : ", "\t:", ":\t", "  :"]),
    "comma": st.sampled_from([",", ", ", " ,\t"]),
    "escape": st.frozensets(st.sampled_from(['"', ":", " ", "a", "\u00e9"]), max_size=3),
    "ascii": st.booleans(),
})


# ---- wrong, odd and edge values, swapped in anywhere ---------------------------------------------------------

ODD_DATES = ["2024-03-31", "31/03/2024", "2024-03-31T10:00", "2024-03-31T10:00:00Z", " 2024-03-31", "2024-03-31 ",
             "2024-3-31", "2024-02-30", "2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31", "0000-01-01",
             "\uff12\uff10\uff12\uff14-03-31", "20240331", "31 March 2024", "31-Mar-2024", "2024-W13", "2024-03-31Z",
             "+2024-03-31", "2024-13-01", "2024\u201003\u201031"]
ODD_TEXT = ["", " ", "\u00a0", "\u3000x", "\u200b", "\x1c", "\x00", "\u0085", "\u2028", "A\u0301", "\U0001d518", "é",
            "\ud800", "\udc00x", "null", "true", '"', '\\', ":", '":', '" :', "\\u0022", "a:b", "MILD", "mild", "dnacpr",
            "death_certificate", "dnacpr_decision", "mortality_review", "autopsy"]
WRONG = st.one_of(
    st.sampled_from(ODD_DATES), st.sampled_from(ODD_TEXT),
    st.sampled_from([-1, 0, 1, 6, 7, 130, 131, 10**19, -10**19, 10**30, 2**63, 2**64, 1.0, 2.5, -0.0, 1e308, True, False,
                     None, [], [1, 2], [[1]], [[]], [None], [{"text": 3}], [{"text": "a"}, None], {}, {"x": 1},
                     {"text": "sepsis"}, 20240331]),
    st.text(max_size=8), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
)
FIELD_NAMES = sorted({name for model in RECORD_MODELS.values() for name in model.model_fields}
                     | {"age", "date_of_birth", "learning_disability", "learning_disability_severity", "nhs_number",
                        "text", "icd10", "interval", "agencies_involved", "scrutiny_completed", "reason"})


def places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a record that holds a value, as the keys and indexes that lead to it."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += places(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += places(item, path + (index,))
    return found


def containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every object in a record, as the path that leads to it."""
    found = [path] if isinstance(value, dict) else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found += containers(item, path + (key,))
    return found


def at(record: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        record = record[step]
    return record


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A valid record with a few things done to it: values swapped for wrong or odd ones, fields taken away,
    fields added where no model declares them, keys given twice, nulls."""
    record = json.loads(json.dumps(draw(records), default=str))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["swap", "swap", "drop", "add", "null", "declared", "none"]))
        spots, objects = places(record), containers(record)
        if action in ("swap", "null", "drop") and spots:
            path = draw(st.sampled_from(spots))
            parent = at(record, path[:-1])
            if action == "drop" and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = None if action == "null" else copy.deepcopy(draw(WRONG))
        elif action in ("add", "declared") and objects:
            target = at(record, draw(st.sampled_from(objects)))
            name = draw(st.sampled_from(FIELD_NAMES)) if action == "declared" else draw(
                st.sampled_from(["ward", "extra", "Id", "record_type ", "person", "part1"]))
            target[name] = copy.deepcopy(draw(WRONG | st.just({"a": [1, {"b": None}]})))
    objects = [path for path in containers(record) if at(record, path)]
    if objects and draw(st.booleans()):  # a key given twice, with the same value, another, or null
        path = draw(st.sampled_from(objects))
        target = at(record, path)
        pairs = Pairs(target.items())
        key = draw(st.sampled_from(list(target)))
        again = copy.deepcopy(draw(st.none() | st.just(target[key]) | WRONG))
        pairs.insert(draw(st.integers(0, len(pairs))), (key, again))
        if not path:
            return pairs
        at(record, path[:-1])[path[-1]] = pairs
    return record


# ---- the law ------------------------------------------------------------------------------------------------

def test_every_record_type_is_read_by_the_structs():
    assert reader.unexpressible == {}
    assert reader.record_types == set(RECORD_MODELS)


@SETTINGS
@given(records, styles)
def test_a_valid_record_is_taken_by_the_structs_and_read_as_the_models_read_it(record, style):
    text = write(record, style)
    for form in (text.encode("utf-8"), text):
        # A colon in a string written as \u003a could hide a repeated key from the Structs' count of keys.
        taken = check_the_law(form)
        note(taken)
        assert taken or "\\u003a" in text


@SETTINGS
@given(mutated(), styles)
def test_a_mutated_record_is_accepted_or_rejected_as_the_models_decide(record, style):
    text = write(record, style)
    note(check_the_law(text.encode("utf-8", "surrogatepass")))
    note(check_the_law(text))


@SETTINGS
@given(mutated())
def test_a_mutated_record_written_by_json_dumps_is_accepted_or_rejected_as_the_models_decide(record):
    note(check_the_law(write(record, {"colon": ": ", "comma": ", ", "escape": frozenset(), "ascii": True}).encode()))
    note(check_the_law(write(record, {"colon": ":", "comma": ",", "escape": frozenset(), "ascii": False})
                       .encode("utf-8", "surrogatepass")))


@pytest.mark.parametrize("text", [
    b'{"record_type": "dnacpr_decision", "id": "D1", "rationale": null, "decision_date": "2024-03-31"}',
    b'{"record_type": "mortality_review", "id": "R1", "dnacpr": {"id": "D1"}, "death_certificate": null}',
    b'{"record_type": "death_certificate", "id": "C1", "part1": [{"text": "sepsis"}, {}], "part2": []}\r\n',
    b'{"record_type":"dnacpr_decision","id":"D1","rationale":"he said \\"no\\": frail"}',
    '{"record_type": "dnacpr_decision", "id": "\u00e9\U0001d518", "rationale": "a\\u0000b"}',
])
def test_records_with_nulls_absent_fields_and_odd_text_are_taken_by_the_structs(text):
    assert check_the_law(text)


@pytest.mark.parametrize("text", [
    b'{"record_type": "dnacpr_decision", "id": "D1", "ward": "7B"}',  # a field no model declares: kept
    b'{"record_type": "dnacpr_decision", "id": 7}',  # a number as text
    b'{"record_type": "dnacpr_decision", "id": "D1", "decision_date": "31/03/2024"}',
    b'{"record_type": "dnacpr_decision", "id": "D1", "decision_date": " 2024-03-31"}',
    b'{"record_type": "dnacpr_decision", "id": "D1", "person": {"age": 40.0}}',
    b'{"record_type": "dnacpr_decision", "id": "D1", "person": {"learning_disability": "yes"}}',
    b'{"record_type": "dnacpr_decision", "id": "D1", "rationale": "a", "rationale": "b"}',
    b'{"record_type": "dnacpr_decision", "id": "D1", "rationale": null, "rationale": "b"}',
    b'{"record_type": "dnacpr_decision", "id": "D1", "id": "D2", "rationale": "x\\u003a"}',
    b'{"record_type": "dnacpr_decision", "id": " "}',
    b'{"record_type": "dnacpr_decision", "id": "D1", "person": {"age": true}}',
    b'{"record_type": "nurse_note", "id": "N1"}',
    b'{"id": "D1"}',
    b'[1, 2]',
    b'{"record_type": "dnacpr_decision", "id": "D1", "rationale": "\\ud800"}',
    b'{"record_type": "dnacpr_decision", "id": "D1", "rationale": NaN}',
    b'{"record_type": "dnacpr_decision", "id": "D1"',
    b'\xef\xbb\xbf{"record_type": "dnacpr_decision", "id": "D1"}',
])
def test_what_the_structs_do_not_take_the_models_read(text):
    assert not check_the_law(text)


def test_a_review_is_the_dict_the_models_give_with_every_field_in_the_models_order():
    text = b'{"record_type": "mortality_review", "id": "R1", "dnacpr": {"id": "D1"}}'
    data = reader.read(text)
    assert data is not None and list(data) == list(MortalityReview.model_fields)
    assert data["dnacpr"]["record_type"] == "dnacpr_decision" and data["transition"] is None


# ---- what cannot be expressed is left to the models ---------------------------------------------------------

def _stripped(value: str) -> str:
    return value.strip()


class _Plain(BaseModel):
    model_config = ConfigDict(extra="allow")
    record_type: Literal["plain"] = "plain"
    id: RecordId
    when: RecordDate | None = None


class _Validated(BaseModel):
    record_type: Literal["validated"] = "validated"
    id: RecordId
    name: Annotated[str, AfterValidator(_stripped)] | None = None


class _Stripping(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    record_type: Literal["stripping"] = "stripping"
    id: RecordId


class _Patterned(BaseModel):
    record_type: Literal["patterned"] = "patterned"
    id: RecordId
    code: Annotated[str, Field(pattern=r"^[A-Z]\d\d$")] | None = None


class _Listed(BaseModel):
    record_type: Literal["listed"] = "listed"
    id: RecordId
    codes: list[str] = Field(default_factory=list)


def test_a_model_part_msgspec_cannot_check_exactly_leaves_its_record_type_to_the_models():
    union = Annotated[Union[_Plain, _Validated, _Stripping, _Patterned, _Listed], Field(discriminator="record_type")]
    derived = StructReader(TypeAdapter(union).core_schema)  # type: ignore[arg-type]
    assert derived.record_types == {"plain"}
    assert set(derived.unexpressible) == {"validated", "stripping", "patterned", "listed"}
    assert derived.read(b'{"record_type": "plain", "id": "P1", "when": "2024-03-31"}') == {
        "record_type": "plain", "id": "P1", "when": date(2024, 3, 31)}
    assert derived.read(b'{"record_type": "validated", "id": "V1", "name": " x "}') is None


# ---- the findings of a run ----------------------------------------------------------------------------------

@pytest.mark.parametrize("problem_rate, unique_text", [(0.1, False), (1.0, False), (0.3, True)])
def test_a_run_finds_byte_for_byte_what_it_finds_when_the_models_read_every_record(book, monkeypatch, tmp_path,
                                                                                    problem_rate, unique_text):
    import io

    import leder_audit.intake as intake
    from leder_audit.engine import Auditor
    from leder_audit.generate import write_ndjson
    from leder_audit.readers import read

    out = io.StringIO()
    write_ndjson(out, 400, seed=11, problem_rate=problem_rate, unique_text=unique_text)
    lines = out.getvalue().splitlines(keepends=True)
    # A few lines the Structs leave to the models, among the rest.
    lines[5] = lines[5].replace('"id":', '"ward":"7B","id":', 1)
    lines[9] = lines[9].replace('"id":', '"id":"dup","id":', 1)
    lines[13] = lines[13].replace('"record_type":"', '"record_type":"x', 1)
    path = tmp_path / "records.ndjson"
    path.write_text("".join(lines), encoding="utf-8")

    def run() -> tuple[list[str], list[Any], int]:
        auditor = Auditor(book, as_of=date(2025, 1, 1))
        found = [finding.json() for finding in auditor.found(read(path))]
        return found, [r.model_dump() for r in auditor.tally.rejected], auditor.tally.records_checked

    quick = run()
    monkeypatch.setattr(intake, "_read_structs", lambda text: None)
    by_models = run()
    assert quick == by_models
    assert quick[2] == 398 and len(quick[1]) == 2 and quick[0]
