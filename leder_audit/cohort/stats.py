"""Small statistics for cohort measures: Wilson score intervals, medians and calendar quarters."""

from __future__ import annotations

import math
from datetime import date

# The two-sided 95% point of the standard normal distribution.
Z_95 = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default); (0.0, 1.0) when there are no trials."""
    if trials <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # At 0 and n successes the bound is exactly 0 or 1; rounding error must not move it.
    lower = 0.0 if successes == 0 else max(0.0, centre - half)
    upper = 1.0 if successes == trials else min(1.0, centre + half)
    return lower, upper


def median(values: list[float]) -> float | None:
    """The middle value (the mean of the middle two for an even count); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def quarter_of(day: date) -> str:
    """The calendar quarter a date falls in, written 2023Q1."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def previous_quarter(quarter: str) -> str:
    """The calendar quarter before one written 2023Q1."""
    year, number = int(quarter[:4]), int(quarter[5:])
    return f"{year - 1}Q4" if number == 1 else f"{year}Q{number - 1}"


def percent(value: float) -> str:
    """A proportion as a whole percentage, 0.5833 -> 58%."""
    return f"{value * 100:.0f}%"
