"""The table of ids seen: a set of 64-bit hashes in bounded memory, and what a worker sends its parent."""

from __future__ import annotations

import pickle
import resource

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leder_audit.duplicates import FIRST_SLOTS, MAX_IDS_TRACKED, TABLE_SLOTS, DuplicateIds, HashTable

keys = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-3, 70), st.sampled_from([0, 1, 64, 128, -64]))


@settings(max_examples=300, deadline=None)
@given(st.lists(keys, max_size=60), st.sampled_from([2, 4, 16, 64, 256]), st.sampled_from([2, 4, 8, 1024]))
def test_the_table_answers_as_a_set_would_while_there_is_room(sequence, slots, first):
    table, model = HashTable(slots, first), set()
    for key in sequence:
        stored = key or 1  # 0 is kept as 1
        expected = stored in model
        room = len(model) < slots - 1  # one slot always stays free
        assert table.find_or_add(key) is expected
        if not expected and room:
            model.add(stored)
        assert table.size == len(model)


@given(st.lists(keys, min_size=1, max_size=40))
def test_without_room_the_table_only_answers(sequence):
    table = HashTable(64)
    table.find_or_add(12345)
    for key in sequence:
        table.find_or_add(key, room=False)
    assert table.size == 1 and table.find_or_add(12345, room=False) is True


def test_a_short_run_stays_in_the_small_first_table_and_a_longer_one_doubles_it_up_to_the_final_size():
    table = HashTable(64, first=8)
    for key in range(1, 5):
        table.find_or_add(key)
    assert table._memory is None and table.size == 4
    table.find_or_add(5)  # more than half of 8 slots: moved to a table of 16, with what it held
    assert table._memory is not None and len(table._slots) == 16 and table.size == 5
    sizes = []
    for key in range(6, 60):
        table.find_or_add(key)
        sizes.append(len(table._slots))
        assert 2 * table.size <= len(table._slots) or len(table._slots) == 64
    assert sorted(set(sizes)) == [16, 32, 64] and table.size == 59
    assert all(table.find_or_add(key, room=False) for key in range(1, 60))
    assert FIRST_SLOTS < TABLE_SLOTS


def test_a_full_table_still_ends_every_search():
    table = HashTable(4, first=4)
    assert [table.find_or_add(k) for k in range(1, 9)] == [False] * 8
    assert table.size == 3
    assert table.find_or_add(100) is False and table.find_or_add(1) is True


def test_the_table_has_room_for_every_id_tracked_at_most_half_full():
    assert TABLE_SLOTS >= 2 * MAX_IDS_TRACKED and TABLE_SLOTS & (TABLE_SLOTS - 1) == 0
    with pytest.raises(ValueError, match="powers of two"):
        HashTable(1000)


def _resident_kib() -> int:
    with open("/proc/self/statm") as statm:  # pages: total, resident, ...
        return int(statm.read().split()[1]) * resource.getpagesize() // 1024


def test_memory_for_ids_grows_with_the_ids_and_each_smaller_table_is_given_back():
    table_kib = TABLE_SLOTS * 8 // 1024
    before = _resident_kib()
    few = DuplicateIds()
    for number in range(500):
        few.note("death_certificate", f"C{number}", "f", f"line {number}", number)
    after_few = _resident_kib()
    many = DuplicateIds()
    for number in range(60_000):
        many.note("death_certificate", f"C{number}", "f", f"line {number}", number)
    after_many = _resident_kib()
    assert few.tracked == 500 and many.tracked == 60_000 and many.count == 0
    assert after_few - before < table_kib // 8  # 500 ids fit the first table of 8 KiB
    # 60,000 ids sit in 2**17 slots (1 MiB); the tables of 2**11 to 2**16 slots they passed through (1 MiB in
    # all) were given back, and the final table of 32 MiB was never needed.
    assert len(many.seen._slots) == 2**17  # type: ignore[union-attr]
    assert after_many - after_few < 4 * 1024  # the table, and room for what else the loop left behind
    assert [many.seen.find_or_add(hash(("death_certificate", f"C{n}")), room=False)  # type: ignore[union-attr]
            for n in range(0, 60_000, 997)] == [True] * 61


def test_a_worker_keeps_its_ids_in_order_for_its_parent_and_no_table():
    worker = DuplicateIds(order=[])
    for number, record_id in enumerate(["a", "b", "a"], 1):
        worker.note("dnacpr_decision", record_id, "f", f"line {number}", number)
    assert worker.seen is None and worker.count == 0
    parent = DuplicateIds()
    parent.note("dnacpr_decision", "b", "g", "line 1", 1)
    parent.replay(pickle.loads(pickle.dumps(worker)), records_before=1)
    assert parent.count == 2 and [(d.record_id, d.location) for d in parent.listed] == [("b", "line 2"), ("a", "line 3")]


def test_pickling_leaves_the_table_behind_and_keeps_the_counts():
    ids = DuplicateIds()
    for record_id in ["a", "a"]:
        ids.note("dnacpr_decision", record_id, "f", "line 1")
    copy = pickle.loads(pickle.dumps(ids))
    assert copy.count == 1 and copy.listed == ids.listed and copy.seen is None and ids.tracked == 1
