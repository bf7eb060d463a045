"""Redaction: findings keep their rule, record id and evidence span, but not names, NHS numbers or dates of birth."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Iterable

from .findings import Evidence, Finding, Step

NAME, NHS_NUMBER, DATE_OF_BIRTH, PHONE = "[name]", "[NHS number]", "[date of birth]", "[phone number]"

# A title followed by up to three capitalised words or initials: "Dr A Consultant", "Mrs J. O'Neil".
_TITLED_NAME = re.compile(r"\b(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister|Rev)\b\.?"
                          r"(?:\s+[A-Z][\w'’-]*\.?){1,3}")
# Ten digits in groups of 3-3-4, separated by nothing, spaces, hyphens or dots ("943.476.5919").
_NHS_NUMBER = re.compile(r"(?<![\d-])\d{3}[ .-]?\d{3}[ .-]?\d{4}(?![\d-])")
# UK telephone numbers: 0 or +44 then 9-10 more digits, in the groupings people write them.
_PHONE = re.compile(r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|0)(?:\d[\s-]?){8,9}\d(?!\d)")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# The ways a date is written in UK records: 1969-05-02, 02/05/1969, 2/5/69, 2 May 1969, 2nd May 1969,
# May 2, 1969, 02-May-1969.
_DATE = (r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
         rf"|{_DAY}(?:\s+|-){_MONTH}\.?,?(?:\s+|-)\d{{2,4}}|{_MONTH}\.?\s+{_DAY},?\s+\d{{4}})")
_DOB_CUE = re.compile(r"\b(?:date of birth|d\.?o\.?b\.?|born(?: on)?)\s*:?\s*" + _DATE, re.IGNORECASE)
# Fields whose values are personal identifiers wherever they appear in a record.
SENSITIVE_FIELDS = {"name": NAME, "given": NAME, "family": NAME, "senior_responsible_clinician": NAME,
                    "nhs_number": NHS_NUMBER, "date_of_birth": DATE_OF_BIRTH}


def redact_text(text: str, known: Iterable[tuple[str, str]] = ()) -> str:
    """Text with NHS numbers, dates of birth, titled names and the record's own identifiers blanked out."""
    for value, token in sorted(known, key=lambda pair: -len(pair[0])):
        if len(value) >= 3:
            text = re.sub(re.escape(value), token, text, flags=re.IGNORECASE)
    text = _DOB_CUE.sub(lambda m: m.group(0)[: len(m.group(0)) - len(_last_date(m.group(0)))] + DATE_OF_BIRTH, text)
    text = _NHS_NUMBER.sub(NHS_NUMBER, text)
    text = _PHONE.sub(PHONE, text)
    return _TITLED_NAME.sub(NAME, text)


def _last_date(text: str) -> str:
    found = re.findall(_DATE, text, flags=re.IGNORECASE)
    return found[-1] if found else ""


def known_identifiers(record: Any) -> list[tuple[str, str]]:
    """The names, NHS numbers and dates of birth a record holds, each with the token that replaces it."""
    found: list[tuple[str, str]] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for child_key, value in node.items():
                walk(value, str(child_key))
        elif isinstance(node, list):
            for value in node:
                walk(value, key)
        elif key in SENSITIVE_FIELDS and node not in (None, ""):
            token = SENSITIVE_FIELDS[key]
            found.extend((spelling, token) for spelling in _spellings(node, token))

    walk(record)
    return found


def _spellings(value: Any, token: str) -> list[str]:
    text = str(value)
    if token == NHS_NUMBER:
        digits = re.sub(r"\D", "", text)
        if len(digits) != 10:
            return [text]
        return [text, digits, *(sep.join((digits[:3], digits[3:6], digits[6:])) for sep in " -.")]
    if token == DATE_OF_BIRTH:
        try:
            born = value if isinstance(value, date) else date.fromisoformat(text[:10])
        except ValueError:
            return [text]
        return [born.isoformat(), born.strftime("%d/%m/%Y"), f"{born.day}/{born.month}/{born.year}",
                f"{born.day}/{born.month}/{born.year % 100:02d}", born.strftime("%d/%m/%y"),
                f"{born.day} {born.strftime('%B')} {born.year}", born.strftime("%d-%m-%Y"),
                born.strftime("%d-%b-%Y"), f"{born.day}-{born.strftime('%b')}-{born.year}",
                f"{born.strftime('%B')} {born.day}, {born.year}"]
    if token == NAME:
        return _name_spellings(text)
    return [text]


_TITLE_WORDS = {"dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "nurse", "sister", "rev"}


def _name_spellings(text: str) -> list[str]:
    """A name as written, and its surname alone: notes often say "discussed with lovelace" or "per Smith"."""
    words = [w for w in re.split(r"\s+", text.strip()) if w.rstrip(".").lower() not in _TITLE_WORDS]
    spellings = [text]
    if len(words) >= 2 and len(words[-1]) >= 3:
        spellings.append(words[-1])
    return spellings


def redact_finding(finding: Finding, known: Iterable[tuple[str, str]] = ()) -> Finding:
    """The finding with identifiers blanked in its message, evidence and explanation; span and ids unchanged."""
    known = list(known)
    clean: Callable[[str], str] = lambda text: redact_text(text, known)
    evidence = finding.evidence
    if evidence is not None:
        evidence = Evidence(text=clean(evidence.text), start=evidence.start, end=evidence.end, path=evidence.path,
                            context=evidence.context)
    steps = [Step(expression=s.expression, value=_clean_value(s.value, clean),
                  inputs={path: (SENSITIVE_FIELDS[_leaf(path)] if _leaf(path) in SENSITIVE_FIELDS
                                 else _clean_value(v, clean)) for path, v in s.inputs.items()})
             for s in finding.explanation]
    return finding.model_copy(update={"message": clean(finding.message), "evidence": evidence, "explanation": steps})


def _leaf(path: str) -> str:
    return re.split(r"[.\[]", path)[-1].rstrip("]")


def _clean_value(value: Any, clean: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_value(v, clean) for v in value]
    if isinstance(value, dict):
        return {k: (SENSITIVE_FIELDS[k] if k in SENSITIVE_FIELDS else _clean_value(v, clean)) for k, v in value.items()}
    return value


class Redactor:
    """Redacts each finding before it is written, using the identifiers of the record it is about when known."""

    def __init__(self, origins: Any = None) -> None:
        self.origins = origins

    def known(self, finding: Finding) -> list[tuple[str, str]]:
        record = self.origins.record(finding) if self.origins is not None else None
        return known_identifiers(record) if record is not None else []

    def text(self, text: str, known: Iterable[tuple[str, str]] = ()) -> str:
        return redact_text(text, known)

    def __call__(self, finding: Finding) -> Finding:
        return redact_finding(finding, self.known(finding))
