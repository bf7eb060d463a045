"""The form in a hook request (a FHIR resource or Bundle) as the records the rules read, within bounds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..paths import step
from .draft_records import READERS
from .hooks import Service

DRAFT_ID = "draft"  # the id given to a form that has none yet


class DraftError(Exception):
    """A draft the service cannot check: the HTTP status to answer with, and a message naming the field."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Bounds:
    """How big a draft may be: Bundle entries, characters in any one string, strings in all."""

    max_entries: int = 100
    max_text: int = 10_000
    max_strings: int = 5_000


def within_bounds(value: Any, bounds: Bounds, where: str = "context.draft", body_bytes: int | None = None) -> None:
    """DraftError (413) naming the first place the draft is too big.

    `body_bytes` is the length of the JSON text the value was read from, when known. A string of n characters
    takes at least n + 2 bytes of JSON, so a body no longer than the text limit holds no text over it, and one
    no longer than twice the string limit holds no more strings than it: then the strings need no walk.
    """
    if isinstance(value, dict) and value.get("resourceType") == "Bundle":
        entries = value.get("entry")
        if isinstance(entries, list) and len(entries) > bounds.max_entries:
            raise DraftError(413, f"the Bundle has {len(entries)} entries; at most {bounds.max_entries} are checked",
                             f"{where}.entry")
    if body_bytes is not None and body_bytes <= min(bounds.max_text, 2 * bounds.max_strings):
        return
    strings = 0
    stack: list[Any] = [value]
    while stack:  # paths are worked out only for a draft found too big, so a draft in bounds costs a walk
        node = stack.pop()
        if isinstance(node, str):
            strings += 1
            if len(node) > bounds.max_text:
                raise DraftError(413, f"a text of {len(node)} characters; at most {bounds.max_text} are checked",
                                 _path_to(value, node, where))
            if strings > bounds.max_strings:
                raise DraftError(413, f"more than {bounds.max_strings} values; the form is too big to check", where)
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _path_to(value: Any, target: str, where: str) -> str:
    """The path of the string `target` (that very object) inside value, as `context.draft.note[0].text`."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if isinstance(node, dict):
            stack.extend((v, step(path, str(k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, step(path, i)) for i, v in enumerate(node))
    return where


def records_of_draft(draft: Any, service: Service, bounds: Bounds, body_bytes: int | None = None) -> list[dict[str, Any]]:
    """The records of the service's type in the draft; DraftError when there are none or it is too big.

    `body_bytes`: the length of the request body the draft was read from, when known (see within_bounds)."""
    if not isinstance(draft, dict) or not isinstance(draft.get("resourceType"), str):
        raise DraftError(400, "context.draft must be a FHIR resource or Bundle: a JSON object with resourceType",
                         "context.draft")
    within_bounds(draft, bounds, body_bytes=body_bytes)
    # The service's record type read straight from the draft, in one pass: what records_from_document finds
    # for that type, with no entry locations, Incoming wrappers or rejection worked out for records never filed.
    records = READERS[service.record_type](draft)
    for record in records:
        if not record.get("id"):
            record["id"] = DRAFT_ID  # each record is made afresh by the reader, so it is set in place
    if not records:
        raise DraftError(422, f"context.draft holds no {service.form}; expected "
                              f"{', '.join(service.draft_resources)}", "context.draft")
    return records
