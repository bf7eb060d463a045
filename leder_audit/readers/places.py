"""The line each record of a JSON document starts on, found by walking the document's top level.

The JSON readers locate records as `record 3` (an item of a list) or `entry 2` (an entry of a FHIR
Bundle); reports that need a line number (SARIF regions) look them up here.
"""

from __future__ import annotations

import json
from pathlib import Path

from .jsonfile import BOM

_SKIP = json.JSONDecoder()
_WHITESPACE = " \t\r\n"


class _Walk:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.counted_to = 0
        self.line = 1

    def blank(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in _WHITESPACE:
            self.at += 1

    def line_here(self) -> int:
        self.line += self.text.count("\n", self.counted_to, self.at)
        self.counted_to = self.at
        return self.line

    def take(self, character: str) -> bool:
        self.blank()
        if self.text.startswith(character, self.at):
            self.at += 1
            return True
        return False

    def value(self) -> object:
        self.blank()
        found, self.at = _SKIP.raw_decode(self.text, self.at)
        return found

    def items(self, label: str) -> dict[str, int]:
        """The start line of each item of the list at this point, as `label N`; the list is consumed."""
        lines: dict[str, int] = {}
        if not self.take("["):
            return lines
        if self.take("]"):
            return lines
        number = 0
        while True:
            number += 1
            self.blank()
            lines[f"{label} {number}"] = self.line_here()
            self.value()
            if not self.take(","):
                return lines


def start_lines(path: Path) -> dict[str, int]:
    """Location -> line for the records of a .json file: `record N` for a list or a single record, `entry N`
    for a Bundle's entries, and `document` / `resource` for the whole; {} when the file cannot be walked."""
    try:
        text = path.read_bytes().removeprefix(BOM).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    walk = _Walk(text)
    walk.blank()
    first = walk.line_here()
    lines = {"document": first, "resource": first, "record 1": first}
    try:
        if text.startswith("[", walk.at):
            return {**lines, **walk.items("record")}
        if walk.take("{") and not walk.take("}"):
            while True:
                key = walk.value()
                if not walk.take(":"):
                    break
                walk.blank()
                if key == "entry" and text.startswith("[", walk.at):
                    lines.update(walk.items("entry"))
                else:
                    walk.value()
                if not walk.take(","):
                    break
    except (ValueError, RecursionError):
        pass
    return lines
