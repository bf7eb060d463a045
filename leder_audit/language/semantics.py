"""The meaning of the rule language's values and operators, shared by every evaluator.

None is unknown. Each operator here says what it gives for unknown operands (Kleene's three-valued
logic for `and`, `or`, `not` and the quantifiers; unknown in, unknown out for comparisons and
arithmetic), so the compiled closures, the explaining closures and the reference interpreter all
give the same answers by calling the same primitives.
"""

from __future__ import annotations

import calendar
import operator
from datetime import date, timedelta
from typing import Any, Callable, Iterable

from .nodes import Duration

Env = dict[str, Any]

RECORD = "$record"  # the record the rule is checking, as a dict (`record_data`), in every environment
CONTEXT = "$context"  # the RunContext the functions consult
MEMO = "$memo"  # per-record values of sub-expressions shared between rules, in the engine's environment

ORDER: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
          "==": operator.eq, "!=": operator.ne}


def get_field(target: Any, name: str) -> Any:
    """A field of a record or part; unknown when the record itself is unknown."""
    if target is None:
        return None
    if isinstance(target, dict):
        return target.get(name)
    return getattr(target, name, None)


def get_index(target: Any, index: Any) -> Any:
    """An item of a list or text; unknown when out of range."""
    if target is None or index is None:
        return None
    if isinstance(index, float):
        if not index.is_integer():
            return None
        index = int(index)
    try:
        return target[index]
    except (IndexError, TypeError):
        return None


def durations(a: Duration, b: Duration) -> tuple[tuple[int, int], tuple[int, int]] | tuple[float, float]:
    """Two durations as values that order them: (months, days) when that is exact, else approximate days."""
    if not a.months and not b.months or not a.days and not b.days:
        return (a.months, a.days), (b.months, b.days)
    return a.approximate_days(), b.approximate_days()


def compare(op: str, left: Any, right: Any) -> bool | None:
    """A comparison; unknown if either side is unknown."""
    if left is None or right is None:
        return None
    if isinstance(left, Duration) and isinstance(right, Duration):
        left, right = durations(left, right)
    return ORDER[op](left, right)


def contains(op: str, item: Any, collection: Any) -> bool | None:
    """`in` and `not in` over lists and text."""
    if item is None or collection is None:
        return None
    found = item in collection
    return found if op == "in" else not found


def add_months(day: date, months: int) -> date:
    """The same day of the month, months later, clamped to the month's end."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def shift(day: date, duration: Duration, sign: int) -> date:
    """A date moved by a duration, forwards (sign 1) or back (sign -1)."""
    if duration.months:
        day = add_months(day, sign * duration.months)
    return day + timedelta(days=sign * duration.days) if duration.days else day


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """+ - * / on numbers, dates, durations and text; unknown in, unknown out."""
    if left is None or right is None:
        return None
    if isinstance(left, date) and isinstance(right, Duration):
        return shift(left, right, 1 if op == "+" else -1)
    if isinstance(left, Duration) and isinstance(right, date):
        return shift(right, left, 1)
    if isinstance(left, date) and isinstance(right, date):
        return Duration(days=(left - right).days)
    if isinstance(left, Duration) and isinstance(right, Duration):
        sign = 1 if op == "+" else -1
        return Duration(days=left.days + sign * right.days, months=left.months + sign * right.months)
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    return None if right == 0 else left / right


def negate(value: Any) -> Any:
    """Unary minus."""
    if value is None:
        return None
    if isinstance(value, Duration):
        return Duration(days=-value.days, months=-value.months)
    return -value


def logical_not(value: bool | None) -> bool | None:
    return None if value is None else not value


def both(left: bool | None, right_thunk: Callable[[], bool | None]) -> bool | None:
    """Kleene `and`: false wins, then unknown."""
    if left is False:
        return False
    right = right_thunk()
    if right is False:
        return False
    return None if left is None or right is None else True


def either(left: bool | None, right_thunk: Callable[[], bool | None]) -> bool | None:
    """Kleene `or`: true wins, then unknown."""
    if left is True:
        return True
    right = right_thunk()
    if right is True:
        return True
    return None if left is None or right is None else False


def quantify(kind: str, results: Iterable[bool | None]) -> bool | int | None:
    """Combine the body's values over a list: any, all, or count of true."""
    if kind == "count":
        return sum(1 for r in results if r is True)
    seen_unknown = False
    decisive = kind == "any"  # any stops at the first true, all at the first false
    for result in results:
        if result is decisive:
            return decisive
        seen_unknown = seen_unknown or result is None
    return None if seen_unknown else not decisive


def blank(value: Any) -> bool:
    """Not recorded: null, blank text or an empty list."""
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list) and not value)
