"""Where each record came from, so that a finding can point at its file and row or line."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from typing import Any, Iterable, Iterator

from .intake import Incoming

_LINE_OR_ROW = re.compile(r"(?:^|, )(?:line|row) (\d+)")


class Origins:
    """The most recent records read, by where they were read, so writers can quote a finding's own record.

    Each finding carries the source and location of its record; only a bounded window of recent records
    is kept, which is enough because findings arrive just after their record (or a few chunks later with
    --jobs).
    """

    def __init__(self, keep: int = 50_000) -> None:
        self._keep = keep
        self._recent: OrderedDict[tuple[str, str], Incoming] = OrderedDict()

    def track(self, items: Iterable[Any]) -> Iterator[Any]:
        """Pass items through, remembering each record by its source and location."""
        recent, keep = self._recent, self._keep
        for item in items:
            if isinstance(item, Incoming):
                recent[(item.source, item.location)] = item
                if len(recent) > keep:
                    recent.popitem(last=False)
            yield item

    def of(self, finding: Any) -> tuple[str, str] | None:
        """(source, location) of the record a finding is about, when it was read from an input."""
        return (finding.source, finding.location) if finding.source and finding.location else None

    def record(self, finding: Any) -> Any:
        """The record a finding is about, as read (a dict), if still remembered."""
        where = self.of(finding)
        found = self._recent.get(where) if where else None
        return _as_dict(found.data) if found else None


def _as_dict(data: Any) -> Any:
    if isinstance(data, (bytes, str)):
        try:
            return json.loads(data)
        except ValueError:
            return None
    if hasattr(data, "model_dump"):
        return data.model_dump(mode="json")
    return data


def text_at(record: Any, path: str | None) -> str | None:
    """The text at a field path of a record as read ('part1[2].text'), or None."""
    if not path or not isinstance(record, dict):
        return None
    node: Any = record
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        if index:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        else:
            node = node.get(name) if isinstance(node, dict) else None
        if node is None:
            return None
    return node if isinstance(node, str) else None


def line_number(location: str) -> int | None:
    """The line or row a location names: 'row 12' -> 12, 'line 3, entry 2' -> 3, 'sheet Decisions, row 4' -> 4;
    None for 'entry 2' or 'record 1'."""
    match = _LINE_OR_ROW.search(location or "")
    return int(match.group(1)) if match else None
