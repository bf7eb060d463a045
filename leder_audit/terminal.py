"""Text from input made safe to print at a terminal: control characters shown as escapes, never obeyed."""

from __future__ import annotations

import re

# C0 and C1 control characters (ESC starts ANSI colour, cursor and OSC title or hyperlink sequences; CR and
# backspace overprint a line) and the bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str, keep: str = "") -> str:
    """text with every control character written as an escape (`\\x1b`, `\\u202e`); those in keep (such as
    a message's own line breaks) are left as they are."""
    if text.isprintable():
        return text
    return _CONTROLS.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


def _escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
