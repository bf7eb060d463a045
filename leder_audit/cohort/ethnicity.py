"""Ethnic groups: NHS ethnic category codes mapped to the broad Census 2021 groups, and local
population tables to compare notified deaths with."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

# The five high-level groups of the 2021 Census of England and Wales, in the ONS order.
GROUPS: tuple[str, ...] = ("Asian", "Black", "Mixed", "White", "Other")

# NHS Data Dictionary "Ethnic Category" (2001 census categories) -> broad 2021 Census group.
# Chinese (R) was an "other" group in 2001 but is part of "Asian, Asian British or Asian Welsh" in
# 2021; it follows 2021 so that deaths are compared with population figures grouped the same way.
NHS_CODES: dict[str, str | None] = {
    "A": "White",  # British
    "B": "White",  # Irish
    "C": "White",  # any other White background
    "D": "Mixed",  # White and Black Caribbean
    "E": "Mixed",  # White and Black African
    "F": "Mixed",  # White and Asian
    "G": "Mixed",  # any other mixed background
    "H": "Asian",  # Indian
    "J": "Asian",  # Pakistani
    "K": "Asian",  # Bangladeshi
    "L": "Asian",  # any other Asian background
    "M": "Black",  # Caribbean
    "N": "Black",  # African
    "P": "Black",  # any other Black background
    "R": "Asian",  # Chinese
    "S": "Other",  # any other ethnic group
    "Z": None,  # not stated
}

# Words of free-text ethnicity, checked in this order (so "White and Black Caribbean" is Mixed).
_WORDS: tuple[tuple[str, str], ...] = (
    ("mixed", "Mixed"), ("multiple", "Mixed"), ("white and", "Mixed"), ("dual heritage", "Mixed"),
    ("asian", "Asian"), ("indian", "Asian"), ("pakistani", "Asian"), ("bangladeshi", "Asian"),
    ("chinese", "Asian"), ("black", "Black"), ("caribbean", "Black"), ("african", "Black"),
    ("white", "White"), ("british", "White"), ("irish", "White"), ("gypsy", "White"), ("traveller", "White"),
    ("roma", "White"), ("arab", "Other"), ("other", "Other"),
)
_NOT_STATED = re.compile(r"not (stated|known|recorded)|unknown|declined|refused|prefer not", re.IGNORECASE)
_CODE = re.compile(r"[A-Z][0-9A-Z]?")


def ethnic_group(value: str | None) -> str | None:
    """The broad group of an NHS ethnic category code (A-Z, or a subcode like C3) or text; None if not stated."""
    if value is None:
        return None
    text = value.strip()
    if not text or text == "99" or _NOT_STATED.search(text):
        return None
    if _CODE.fullmatch(text.upper()) and text.upper()[0] in NHS_CODES:
        return NHS_CODES[text.upper()[0]]
    lowered = text.lower()
    for word, group in _WORDS:
        if re.search(rf"\b{re.escape(word)}\b", lowered):
            return group
    return None


def canonical_group(name: str) -> str | None:
    """A broad group named in a population table ("Black", "black", "Black, Black British...")."""
    lowered = name.strip().lower()
    for group in GROUPS:
        if lowered == group.lower() or lowered.startswith(group.lower() + " ") or lowered.startswith(group.lower() + ","):
            return group
    return None


@dataclass
class PopulationTable:
    """The share of each broad ethnic group in each area's population, with where the figures came from."""

    shares: dict[str, dict[str, float]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    file: str = ""

    def share(self, area: str, group: str) -> float | None:
        """The group's share of the area's population; None when the table has no figures for the area."""
        area_shares = self.shares.get(area)
        if area_shares is None:
            return None
        return area_shares.get(group, 0.0)

    def __contains__(self, area: object) -> bool:
        return area in self.shares


def _number(text: str, path: str, row: int, column: str) -> float:
    try:
        value = float(text.replace(",", "").rstrip("%").strip())
    except ValueError:
        raise InputError(f"{column} {text!r} is not a number", path, f"row {row}", column) from None
    if value < 0:
        raise InputError(f"{column} {text!r} is negative", path, f"row {row}", column)
    return value


def load_population(path: str | Path) -> PopulationTable:
    """Read a CSV of area, ethnic_group and count or share (a fraction or a percentage); shares per area sum to 1."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", str(path))
    raw: dict[str, dict[str, float]] = {}
    sources: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(row for row in handle if not row.lstrip().startswith("#"))
        columns = {c.strip().lower() for c in reader.fieldnames or ()}
        if not {"area", "ethnic_group"} <= columns or not columns & {"count", "share"}:
            raise InputError("a population table needs the columns area, ethnic_group and count or share", str(path))
        for row_number, row in enumerate(reader, 2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            group = canonical_group(row["ethnic_group"])
            if group is None:
                raise InputError(f"ethnic group {row['ethnic_group']!r} is not one of {', '.join(GROUPS)}",
                                 str(path), f"row {row_number}", "ethnic_group")
            column = "count" if row.get("count") else "share"
            if not row.get(column):
                raise InputError("the row has neither a count nor a share", str(path), f"row {row_number}")
            area = row["area"]
            raw.setdefault(area, {})
            raw[area][group] = raw[area].get(group, 0.0) + _number(row[column], str(path), row_number, column)
            if row.get("source"):
                sources.setdefault(area, row["source"])
    shares = {}
    for area, figures in raw.items():
        total = sum(figures.values())
        if total <= 0:
            raise InputError(f"the figures for area {area!r} add up to zero", str(path))
        shares[area] = {group: figures.get(group, 0.0) / total for group in GROUPS}
    return PopulationTable(shares, sources, str(path))
