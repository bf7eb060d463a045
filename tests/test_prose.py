"""Values in finding messages read as English, never as Python."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st

from leder_audit.prose import prose


@pytest.mark.parametrize("value, text", [
    (None, "not recorded"),
    (True, "yes"),
    (False, "no"),
    (3, "3"),
    (2.0, "2"),
    (date(2024, 3, 1), "2024-03-01"),
    ("  GP   practice ", "GP practice"),
    ([], "none recorded"),
    (["GP"], "GP"),
    (["GP", "dentist"], "GP and dentist"),
    (["GP", "dentist", "acute trust"], "GP, dentist and acute trust"),
    (["GP", "", None, "dentist"], "GP and dentist"),
    ({"ics": "QWE", "ccg": None}, "ics: QWE"),
])
def test_a_value_is_written_as_a_reader_would_write_it(value, text):
    assert prose(value) == text


@given(st.lists(st.text(alphabet="abcdefgh ", min_size=1).filter(str.strip), max_size=6))
def test_a_list_never_reads_as_python(items):
    text = prose(items)
    assert "[" not in text and "'" not in text and "None" not in text
    assert all(" ".join(item.split()) in text for item in items)


def test_a_message_lists_agencies_as_prose(book):
    record = {"record_type": "mortality_review", "id": "R1",
              "care_coordination": {"agencies_involved": ["GP", "dentist", "acute trust"],
                                    "information_sharing_problems": True}}
    (finding,) = book.select(["LDA-REVIEW-007"]).check(record)
    assert "(agencies named: GP, dentist and acute trust)" in finding.message
    assert "[" not in finding.message and "None" not in finding.message


def test_an_unrecorded_decision_date_reads_as_not_recorded(book):
    record = {"record_type": "dnacpr_decision", "id": "D1", "form": "dnacpr"}
    (finding,) = book.select(["LDA-DNACPR-006"]).check(record)
    assert "(decision date: not recorded)" in finding.message
    assert "made on not recorded" not in finding.message
