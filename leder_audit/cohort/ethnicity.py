"""Ethnic groups: NHS ethnic category codes mapped to the broad Census 2021 groups, and local
population tables to compare notified deaths with."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import InputError, read_utf8

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


ALL_AGES = "all ages"
_BAND = re.compile(r"^\s*(\d+)\s*(?:-|to)\s*(\d+)\s*$|^\s*(\d+)\s*(?:\+|and over|or over|and older)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AgeBand:
    """An age band of a population table, its ages inclusive; `high` None for "and over"."""

    label: str
    low: int = 0
    high: int | None = None

    def holds(self, age: float) -> bool:
        return age >= self.low and (self.high is None or age < self.high + 1)


def age_band(text: str) -> AgeBand | None:
    """An age band from its label: '0-17', '18 to 64', '65+', '85 and over', or 'all ages' (or blank)."""
    label = " ".join(text.split())
    if not label or label.lower() == ALL_AGES:
        return AgeBand(ALL_AGES)
    match = _BAND.match(label)
    if match is None:
        return None
    if match.group(3) is not None:
        return AgeBand(label, int(match.group(3)))
    low, high = int(match.group(1)), int(match.group(2))
    return AgeBand(label, low, high) if low <= high else None


def area_key(text: str) -> str:
    """An area's code or name as compared: case, spacing, a leading 'NHS' and a trailing 'ICB' ignored."""
    key = " ".join(text.casefold().split())
    key = key.removeprefix("nhs ")
    for suffix in (" integrated care board", " icb"):
        key = key.removesuffix(suffix)
    return key


@dataclass
class PopulationTable:
    """Each broad ethnic group's share of each area's population, by age band, with where the figures came from.

    Areas are keyed by code (an ICB code such as E54000055, or whatever code the records carry) and may
    be named; a record's area is matched to either. An area given without age bands has the one band
    "all ages".
    """

    shares: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # area -> band -> group -> share
    bands: dict[str, list[AgeBand]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # area_key(name or code) -> code
    sources: dict[str, str] = field(default_factory=dict)
    file: str = ""

    def area_of(self, value: str) -> str | None:
        """The table's code for a record's area (given by code or by name); None when no area matches."""
        return self.names.get(area_key(value))

    def age_banded(self, area: str) -> bool:
        """Whether the area's figures are broken down by age (more than the one band 'all ages')."""
        return any(band.label != ALL_AGES for band in self.bands.get(area, ()))

    def share(self, area: str, group: str, band: str = ALL_AGES) -> float | None:
        """The group's share of the area's population in an age band; None when the table has no such figures."""
        area_shares = self.shares.get(area)
        if area_shares is None or band not in area_shares:
            return None
        return area_shares[band].get(group, 0.0)

    def band_of(self, area: str, age: float | None) -> AgeBand | None:
        """The area's band holding this age (the one 'all ages' band holds any age, even unknown)."""
        for band in self.bands.get(area, ()):
            if band.label == ALL_AGES or (age is not None and band.holds(age)):
                return band
        return None

    def __contains__(self, area: object) -> bool:
        return area in self.shares


def _number(text: str, path: str, where: str, column: str) -> float:
    try:
        value = float(text.replace(",", "").rstrip("%").strip())
    except ValueError:
        raise InputError(f"{column} {text!r} is not a number", path, where, column) from None
    if not math.isfinite(value):
        raise InputError(f"{column} {text!r} is not a finite number", path, where, column)
    if value < 0:
        raise InputError(f"{column} {text!r} is negative", path, where, column)
    return value


_NEEDED = "a population table needs the columns area (or icb_code), ethnic_group, age_band and count or share"


def _rows(path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The table's rows as {column: cell}, each with its place ('line 4'); comment and blank lines skipped.

    The text is read strictly as UTF-8: a figure read from a Latin-1 or UTF-16 file would be noise.
    """
    source = str(path)
    text = read_utf8(path, source, "save the table as CSV UTF-8")
    # Comment lines become blank lines, which the csv module skips, so line numbers stay true.
    lines = ("\n" if line.lstrip().startswith("#") else line for line in text.splitlines(keepends=True))
    reader = csv.reader(lines)
    header: list[str] | None = None
    try:
        for cells in reader:
            if not cells or not any(cell.strip() for cell in cells):
                continue
            where = f"line {reader.line_num}"
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                _check_header(header, source, where)
                continue
            if len(cells) != len(header):
                raise InputError(f"the row has {len(cells)} cells but the header has {len(header)}", source, where)
            yield where, {column: cell.strip() for column, cell in zip(header, cells)}
    except csv.Error as error:
        raise InputError(f"not a readable CSV file ({error})", source, f"line {reader.line_num}") from None
    if header is None:
        raise InputError(f"the file is empty; {_NEEDED}", source)


def _check_header(header: list[str], source: str, where: str) -> None:
    for column in header:
        if column and header.count(column) > 1:
            raise InputError(f"the column {column!r} is given twice in the header", source, where)
    columns = set(header) | ({"area"} if "icb_code" in header else set())
    if not {"area", "ethnic_group"} <= columns or not columns & {"count", "share"}:
        raise InputError(_NEEDED, source, where)


def load_population(path: str | Path) -> PopulationTable:
    """Read a CSV of area, ethnic_group, age_band (optional) and count or share (a fraction or a percentage).

    The figures of each area and band are divided by their total, so each band's shares sum to 1. Each broad
    group is given once per area and band: a second row for it would count those people twice.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError("a folder, not a population table: give the CSV file", str(path))
    if not path.is_file():
        raise InputError("no such file", str(path))
    raw: dict[str, dict[str, dict[str, float]]] = {}
    bands: dict[str, dict[str, AgeBand]] = {}
    names: dict[str, str] = {}
    sources: dict[str, str] = {}
    seen: dict[tuple[str, str, str], str] = {}
    for where, row in _rows(path):
        group = canonical_group(row["ethnic_group"])
        if group is None:
            raise InputError(f"ethnic group {row['ethnic_group']!r} is not one of {', '.join(GROUPS)}",
                             str(path), where, "ethnic_group")
        band = age_band(row.get("age_band", ""))
        if band is None:
            raise InputError(f"age band {row['age_band']!r} is not a range such as 0-17, 18 to 64 or 65+",
                             str(path), where, "age_band")
        column = "count" if row.get("count") else "share"
        if not row.get(column):
            raise InputError("the row has neither a count nor a share", str(path), where)
        area = row.get("area") or row.get("icb_code", "")
        if not area:
            raise InputError("the row names no area", str(path), where, "area")
        earlier = seen.setdefault((area, band.label, group), where)
        if earlier != where:
            raise InputError(f"area {area!r}, age band {band.label!r}, group {group} was given already ({earlier}); "
                             "give each group once per area and age band", str(path), where, "ethnic_group")
        name = row.get("area_name") or row.get("icb_name")
        for key in (area, name):
            if key:
                names.setdefault(area_key(key), area)
        _add_band(bands.setdefault(area, {}), band, str(path), where)
        raw.setdefault(area, {}).setdefault(band.label, {})[group] = _number(row[column], str(path), where, column)
        if row.get("source"):
            sources.setdefault(area, row["source"])
    shares: dict[str, dict[str, dict[str, float]]] = {}
    for area, by_band in raw.items():
        shares[area] = {}
        for label, figures in by_band.items():
            total = sum(figures.values())
            if total <= 0 or not math.isfinite(total):
                raise InputError(f"the figures for area {area!r}, age band {label!r} add up to "
                                 f"{'zero' if total <= 0 else 'more than a number can hold'}", str(path))
            shares[area][label] = {group: figures.get(group, 0.0) / total for group in GROUPS}
    return PopulationTable(shares, {a: sorted(b.values(), key=lambda band: band.low) for a, b in bands.items()},
                           names, sources, str(path))


def _add_band(known: dict[str, AgeBand], band: AgeBand, path: str, where: str) -> None:
    """Note an area's band; bands that overlap, or 'all ages' beside others, would count a death twice."""
    if band.label in known:
        return
    for other in known.values():
        overlap = (ALL_AGES in (band.label, other.label)
                   or band.holds(other.low) or other.holds(band.low))
        if overlap:
            raise InputError(f"age band {band.label!r} overlaps {other.label!r} in the same area", path, where,
                             "age_band")
    known[band.label] = band
