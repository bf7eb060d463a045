"""Field paths are written one way and read back the same: keys joined by dots, list indexes in brackets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leder_audit.paths import MAX_LIST_INDEX, BadPath, parse, render, step, value_at

keys = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True).filter(lambda k: k not in tuple("abcd"))
indexes = st.integers(0, MAX_LIST_INDEX)
paths = st.tuples(keys).flatmap(lambda first: st.lists(st.one_of(keys, indexes), max_size=6).map(
    lambda rest: first + tuple(rest)))


@given(paths)
def test_a_rendered_path_parses_back_to_its_segments(segments):
    assert parse(render(segments)) == segments


@given(paths)
def test_rendering_is_stepping_one_segment_at_a_time(segments):
    path = ""
    for segment in segments:
        path = step(path, segment)
    assert path == render(segments)


def test_the_three_ways_of_writing_an_index_and_a_part_i_letter():
    assert parse("part1[2].text") == parse("part1.2.text") == parse("part1.c.text") == ("part1", 2, "text")
    assert render(("part1", 1, "text")) == "part1[1].text"


@pytest.mark.parametrize("name, words", [
    ("part1..text", "empty part"), ("0.text", "starts with a list index"),
    (f"part1.{MAX_LIST_INDEX + 1}.text", f"a list index above {MAX_LIST_INDEX}"),
])
def test_a_name_that_is_not_a_path_is_refused_without_repeating_it(name, words):
    with pytest.raises(BadPath) as caught:
        parse(name)
    assert words in str(caught.value) and name not in str(caught.value)


def test_value_at_reads_dicts_lists_and_attributes_and_is_none_where_absent():
    record = {"person": {"sex": "female"}, "part1": [{"text": "Pneumonia"}, {"text": "Dysphagia"}]}
    assert value_at(record, "person.sex") == "female"
    assert value_at(record, "part1[1].text") == "Dysphagia"
    assert value_at(record, "part1[5].text") is None
    assert value_at(record, "area.icb") is None
    assert value_at(type("Obj", (), {"sex": "male"})(), ("sex",)) == "male"
