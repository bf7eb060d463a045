"""The representation measure: each ethnic group's share of notified deaths in an area, with its
95% Wilson interval, against the share its population would lead one to expect.

Deaths skew older than the population, and the ethnic mix of a population differs by age, so the
expected share is age-standardised (indirectly): the deaths in each age band are shared out by that
band's ethnic mix, and the expected counts added up over the bands. A table without age bands gives an
all-ages comparison, which is reported as such (`age_standardised` false)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .ethnicity import GROUPS, PopulationTable
from .spec import MIN_EXPECTED, CohortRule
from .stats import wilson


def representation_fields(rule: CohortRule, group: dict[str, str], counter: Any,
                          population: PopulationTable | None) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """One group and its measured fields per broad ethnic group in an area (the area is the first group
    term's value, matched to the table by code or name); none when the table has no such area."""
    area = population.area_of(next(iter(group.values()))) if population is not None else None
    if population is None or area is None:
        return []
    in_band: Counter[str] = Counter()  # deaths of a known group by age band
    observed: Counter[str] = Counter()
    unplaced = 0
    for ethnic, ages in counter.ages.items():
        for age, deaths in ages.items():
            band = population.band_of(area, age)
            if band is None:
                unplaced += deaths
                continue
            in_band[band.label] += deaths
            observed[ethnic] += deaths
    known = sum(in_band.values())
    standardised = population.age_banded(area)
    results = []
    for ethnic in GROUPS:
        expected = sum(deaths * (population.share(area, ethnic, label) or 0.0) for label, deaths in in_band.items())
        fields: dict[str, Any] = {"denominator": known, "numerator": observed[ethnic], "count": observed[ethnic],
                                  "not_stated": counter.not_stated, "age_not_recorded": unplaced,
                                  "age_standardised": standardised}
        fields.update(_compare(observed[ethnic], known, expected / known if known else None, rule.spec.small_numbers))
        results.append(({**group, "ethnic_group": ethnic}, fields))
    return results


def _compare(observed: int, known: int, share: float | None, small_numbers: int) -> dict[str, Any]:
    if share is None:
        return {"status": "small numbers", "small_number": True}
    expected = share * known
    if known < small_numbers or expected < MIN_EXPECTED:
        # Too few deaths to tell under-representation from chance: report the counts, never a rate.
        return {"status": "small numbers", "small_number": True, "expected_share": share,
                "expected_count": expected}
    lower, upper = wilson(observed, known)
    status = "under-represented" if share > upper else "over-represented" if share < lower else "as expected"
    return {"status": status, "proportion": observed / known, "lower": lower, "upper": upper,
            "expected_share": share, "expected_count": expected}
