"""Text cells that a spreadsheet would run as formulas, made inert: a leading apostrophe, as OWASP advises."""

from __future__ import annotations

import re

# A spreadsheet reads a cell starting with one of these as a formula (=, + and - start arithmetic, @ a
# function call in older Excel); tab and carriage return are stripped before that test by some importers.
FORMULA_STARTS = "=+-@\t\r"
_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """The text with a leading ' when a spreadsheet would read it as a formula.

    Text that already starts with apostrophes before a formula character gets one more, so that
    restore() gives back exactly what was written.
    """
    return "'" + text if _NEEDS_QUOTE.match(text) else text


def restore(cell: str) -> str:
    """A cell written by neutralise() as the text it was made from."""
    return cell[1:] if _QUOTED.match(cell) else cell
