"""Fuzzing the readers: any bytes in a file of any format give records and rejections (or one
InputError), never another exception, and every item read is counted as checked or rejected."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leder_audit import load_rulebook
from leder_audit.engine import Auditor, Incoming
from leder_audit.errors import InputError
from leder_audit.findings import Rejection
from leder_audit.readers import READERS, read

# Random headers name fields no record has; that warning is tested in test_readers_csv.py.
pytestmark = pytest.mark.filterwarnings("ignore::leder_audit.readers.csvfile.UnusedColumn")

GOOD = {
    "json": b'[{"record_type": "dnacpr_decision", "id": "D1", "rationale": "LD", "decision_date": "2024-01-02"}]',
    "ndjson": b'{"record_type": "death_certificate", "id": "C1", "part1": [{"text": "learning disability"}]}\n',
    "csv": b"record_type,id,rationale,person.age\ndnacpr_decision,D1,LD,40\n",
    "tsv": b"record_type\tid\tnarrative\nmortality_review\tR1\tfine\n",
    "fhir": b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation", "code": '
            b'{"coding": [{"system": "http://snomed.info/sct", "code": "304253006"}]}, "status": "final"}}]}',
}
# Pieces of each format, so the fuzzer builds files that are nearly right as well as noise.
PIECES = [b"{", b"}", b"[", b"]", b'"', b",", b":", b"\n", b"\r\n", b"\t", b" ", b"\\", b"\x00", b"\xef\xbb\xbf",
          b"\xe9", b"\xff\xfe", b'"record_type"', b'"id"', b'"dnacpr_decision"', b'"mortality_review"', b"null",
          b"true", b"1e999", b"-0", b"12", b'"resourceType"', b'"Bundle"', b'"entry"', b'"resource"',
          b"record_type,id", b"dnacpr_decision,D1", b'"a ""quoted"" cell"', b"person.age", b"part1[0].text",
          b"\\ud800", b"\\u0000", b'"2024-02-30"']
contents = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=40).map(b"".join),
    st.tuples(st.sampled_from(sorted(GOOD)), st.integers(0, 200), st.binary(max_size=20)).map(
        lambda t: GOOD[t[0]][: t[1]] + t[2] + GOOD[t[0]][t[1]:]),
)
BOOK = load_rulebook()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contents, st.sampled_from(sorted(READERS)))
def test_readers_yield_only_records_and_rejections_and_every_item_is_accounted_for(content, fmt):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input.{ {'fhir': 'json'}.get(fmt, fmt) }"
        path.write_bytes(content)
        try:
            items = list(read(path, fmt))
        except InputError:
            return
        assert all(isinstance(item, (Incoming, Rejection)) for item in items)
        auditor = Auditor(BOOK)
        list(auditor.run(items))
        tally = auditor.tally
        assert tally.records_read == len(items)
        assert tally.records_checked + tally.rejected_count == tally.records_read


@settings(max_examples=200, deadline=None)
@given(contents)
def test_format_detection_raises_nothing_but_input_error(content):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.data"
        path.write_bytes(content)
        try:
            list(read(path))
        except InputError:
            pass
