"""Errors that leder-audit raises on purpose, each naming where the problem is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class LederAuditError(Exception):
    """Base of every error leder-audit raises on purpose."""


class UnusedColumn(LederAuditError, UserWarning):
    """A CSV column that fills no field any rule reads: a warning, or an error with --strict."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a piece of rule text came from: file and the position of its first character."""

    file: str = "<condition>"
    line: int = 1
    column: int = 1
    block: bool = False  # a YAML block scalar: every line of the text is indented by column - 1


class RuleError(LederAuditError):
    """A rule file or condition that cannot be used, with file, line, column and a hint."""

    def __init__(
        self,
        message: str,
        origin: Origin = Origin(),
        line: int = 1,
        column: int = 1,
        source_line: str = "",
        hint: str | None = None,
        caret: int | None = None,
    ) -> None:
        self.message = message
        self.file = origin.file
        self.line = origin.line + line - 1
        self.column = (origin.column + column - 1) if line == 1 or origin.block else column
        self.source_line = source_line
        # The caret sits under the shown line: the condition's own line, or the file's line (caret given).
        self.caret_column = caret or column
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.message}"
        if self.source_line:
            text += f"\n    {self.source_line}\n    {' ' * (self.caret_column - 1)}^"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class RuleSyntaxError(RuleError):
    """A condition that does not parse."""


class RuleTypeError(RuleError):
    """A condition that parses but names an unknown field or function, or mixes types."""


class InputError(LederAuditError):
    """A record or input file that cannot be read, naming the file, place and field."""

    def __init__(self, message: str, source: str = "", location: str = "", field: str | None = None) -> None:
        self.message = message
        self.source = source
        self.location = location
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.source, self.location) if part)
        field = f" (field {self.field})" if self.field else ""
        return f"{where}: {self.message}{field}" if where else f"{self.message}{field}"


def undecodable(error: UnicodeDecodeError) -> tuple[int, int, str]:
    """Where a byte that is not UTF-8 sits: its line, its byte in that line, and how it reads ('0xE9')."""
    raw = error.object
    before = raw[: error.start]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, error.start - line_start + 1, f"0x{raw[error.start]:02X}"


def read_utf8(path: str | Path, source: str, advice: str = "save the file as UTF-8") -> str:
    """A text file's contents read strictly as UTF-8 (a byte order mark allowed), or an InputError naming the
    line and byte that is not; a file saved as Latin-1 or UTF-16 is never read as noise."""
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column, byte = undecodable(error)
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            advice = f"the file looks saved as UTF-16; {advice}"
        raise InputError(f"not valid UTF-8: byte {column} of the line is {byte}; {advice}", source,
                         f"line {line}") from None
