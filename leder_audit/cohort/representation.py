"""The representation measure: each ethnic group's share of notified deaths in an area, with its
95% Wilson interval, against the group's share of the area's population."""

from __future__ import annotations

from typing import Any

from .ethnicity import GROUPS, PopulationTable
from .spec import MIN_EXPECTED, CohortRule
from .stats import wilson


def representation_fields(rule: CohortRule, group: dict[str, str], counter: Any,
                          population: PopulationTable | None) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """One group and its measured fields per broad ethnic group in an area (the area is the first group
    term's value)."""
    area = next(iter(group.values()))
    known = sum(counter.groups.values())
    results = []
    for ethnic in GROUPS:
        observed = counter.groups.get(ethnic, 0)
        share = population.share(area, ethnic) if population is not None else None
        fields: dict[str, Any] = {"denominator": known, "numerator": observed, "count": observed,
                                  "not_stated": counter.not_stated}
        fields.update(_compare(observed, known, share, rule.spec.small_numbers))
        results.append(({**group, "ethnic_group": ethnic}, fields))
    return results


def _compare(observed: int, known: int, share: float | None, small_numbers: int) -> dict[str, Any]:
    if share is None:
        return {"status": "no population figures", "small_number": known < small_numbers}
    expected = share * known
    if known < small_numbers or expected < MIN_EXPECTED:
        # Too few deaths to tell under-representation from chance: report the counts, never a rate.
        return {"status": "small numbers", "small_number": True, "expected_share": share,
                "expected_count": expected}
    lower, upper = wilson(observed, known)
    status = "under-represented" if share > upper else "over-represented" if share < lower else "as expected"
    return {"status": status, "proportion": observed / known, "lower": lower, "upper": upper,
            "expected_share": share, "expected_count": expected}
