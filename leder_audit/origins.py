"""Where each record came from, so that a finding can point at its file and row or line."""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any, Iterable, Iterator

from .engine import Incoming

_LINE_OR_ROW = re.compile(r"^(?:line|row) (\d+)")


class Origins:
    """The source and location of the most recent records read, looked up by record id.

    Findings arrive just after the record they are about, so only a bounded window of recent records
    is kept; an id is only worked out (parsing raw JSON lines) when a finding asks for it.
    """

    def __init__(self, keep: int = 50_000) -> None:
        self._recent: deque[list[Any]] = deque(maxlen=keep)

    def track(self, items: Iterable[Any]) -> Iterator[Any]:
        """Pass items through, remembering where each record came from."""
        for item in items:
            if isinstance(item, Incoming):
                self._recent.append([item, None])
            yield item

    def _find(self, record_id: str) -> Incoming | None:
        for entry in reversed(self._recent):
            if entry[1] is None:
                entry[1] = _record_id(entry[0].data)
            if entry[1] == record_id:
                return entry[0]
        return None

    def of(self, record_id: str) -> tuple[str, str] | None:
        """(source, location) of the most recent record with this id, if still remembered."""
        found = self._find(record_id)
        return (found.source, found.location) if found else None

    def record(self, record_id: str) -> Any:
        """The record as read (a dict), if still remembered."""
        found = self._find(record_id)
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


def _record_id(data: Any) -> str:
    data = _as_dict(data)
    value = data.get("id") if isinstance(data, dict) else None
    return str(value) if value is not None else ""


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
    """The line or row a location names: 'row 12' -> 12, 'line 3' -> 3; None for 'entry 2' or 'record 1'."""
    match = _LINE_OR_ROW.match(location or "")
    return int(match.group(1)) if match else None
