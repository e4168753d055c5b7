"""The journal's figures as pure functions: no database, no Flask, only numbers in and numbers out.

- :func:`weighted_average`: средний балл (взвешенный) of ``(numeric, weight)`` pairs, to two places.
- :func:`suggest_mark`: the suggested final mark from an average under the region's rounding rule
  (``rules.final_mark_rounding.threshold``: 0.5 means 3.50 -> 4 and 3.49 -> 3).
- :func:`suggest_pass_fail`: the suggestion on the pass/fail scale.
- :func:`year_suggestion`: the year mark from the period marks.
- :func:`rates`: успеваемость (pass rate: share of students without a "2") and качество знаний
  (quality rate: share of students with only "4" and "5").
- :func:`forecast`: прогноз, the suggestion from the marks so far, flagged when there are fewer than 3.

Worked example: marks 5 (weight 1), 3 (weight 2), 4 (weight 1.5): (5 + 6 + 6) / 4.5 = 3.777... -> 3.78,
and with the threshold 0.5 the suggestion is 4 (0.78 >= 0.5).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: The default rounding threshold: a fractional part of at least 0.5 rounds up.
DEFAULT_THRESHOLD = Decimal("0.5")
#: A forecast from fewer marks than this is flagged as unreliable.
MIN_MARKS_FOR_FORECAST = 3
#: Final mark values on each scale ("exempt": освобождён, counts neither way).
FIVE_POINT_FINALS = ("5", "4", "3", "2")
PASS_FAIL_FINALS = ("pass", "fail")
EXEMPT = "exempt"
FAILING = {"2", "fail"}
GOOD = {"4", "5", "pass"}

CENT = Decimal("0.01")
TENTH = Decimal("0.1")


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def weighted_average(pairs: Iterable[tuple]) -> Decimal | None:
    """Σ(mark × weight) / Σweight to two places (half up); None when there is no numeric mark.

    Pairs whose numeric is None (pass/fail marks) are left out; so are pairs with a zero weight.
    """
    total = weights = Decimal(0)
    for numeric, weight in pairs:
        if numeric is None:
            continue
        weight = _decimal(weight if weight is not None else 1)
        if weight <= 0:
            continue
        total += _decimal(numeric) * weight
        weights += weight
    if not weights:
        return None
    return (total / weights).quantize(CENT, rounding=ROUND_HALF_UP)


def check_threshold(threshold) -> Decimal:
    """A rounding threshold strictly between 0 and 1 (0.5 is the usual rule)."""
    value = _decimal(threshold)
    if not (Decimal(0) < value < Decimal(1)):
        raise ValueError(f"the rounding threshold must lie between 0 and 1 (exclusive), not {threshold}")
    return value


def suggest_mark(average, threshold=DEFAULT_THRESHOLD) -> int | None:
    """The final mark an average suggests: up when its fractional part reaches ``threshold``.

    The average is the two-place figure the teacher sees (so 3.50 with 0.5 gives 4, 3.49 gives 3).
    Final marks run from 5 down to 2: an average below 2 suggests 2.
    """
    if average is None:
        return None
    average = _decimal(average)
    threshold = check_threshold(threshold)
    whole = int(average)  # averages are positive, so int() is the floor
    mark = whole + 1 if average - whole >= threshold else whole
    return max(2, min(5, mark))


def suggest_pass_fail(values: Iterable[str]) -> str | None:
    """On the pass/fail scale: "pass" when at least half of the pass/fail marks are "pass"."""
    marks = [v for v in values if v in PASS_FAIL_FINALS]
    if not marks:
        return None
    return "pass" if 2 * marks.count("pass") >= len(marks) else "fail"


def year_suggestion(period_values: Iterable[str], threshold=DEFAULT_THRESHOLD, scale: str = "five_point"):
    """The year mark from the period marks: the plain average of the periods' numeric marks, rounded by
    the region's rule (4, 3, 4, 4 -> 3.75 -> 4); on the pass/fail scale "pass" when no period is "fail"."""
    values = [v for v in period_values if v and v != EXEMPT]
    if not values:
        return None
    if scale == "pass_fail":
        return "fail" if "fail" in values else "pass"
    numeric = [(int(v), 1) for v in values if v in FIVE_POINT_FINALS]
    mark = suggest_mark(weighted_average(numeric), threshold)
    return None if mark is None else str(mark)


@dataclass(frozen=True)
class Rates:
    """Pass and quality rates of a group of students, in per cent (one place), with the counts."""

    students: int  # students with at least one assessed final mark
    passed: int  # ... without a "2" (or "fail")
    good: int  # ... with only "4" and "5" (and "pass")

    @property
    def pass_rate(self) -> Decimal | None:
        return _percent(self.passed, self.students)

    @property
    def quality_rate(self) -> Decimal | None:
        return _percent(self.good, self.students)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


def rates(students_marks: Iterable[Iterable[str]]) -> Rates:
    """Rates over students, each given as the list of their final marks (one subject or all subjects).

    "exempt" and empty values are left out; a student with nothing else left is not counted. A student
    passes with no "2" and no "fail"; they count for quality with only "4", "5" (and "pass").
    Example: [5, 4], [4, 3], [5, 2], [5, 5] -> pass rate 3/4 = 75.0 %, quality rate 2/4 = 50.0 %.
    """
    students = passed = good = 0
    for marks in students_marks:
        values = [str(v) for v in marks if v not in (None, "", EXEMPT)]
        if not values:
            continue
        students += 1
        if not FAILING.intersection(values):
            passed += 1
            if all(v in GOOD for v in values):
                good += 1
    return Rates(students, passed, good)


def pass_rate(students_marks: Iterable[Iterable[str]]) -> Decimal | None:
    return rates(students_marks).pass_rate


def quality_rate(students_marks: Iterable[Iterable[str]]) -> Decimal | None:
    return rates(students_marks).quality_rate


@dataclass(frozen=True)
class Forecast:
    """The final mark a student is heading for before the period ends."""

    average: Decimal | None
    mark: str | None
    count: int  # marks it rests on
    few_marks: bool  # fewer than MIN_MARKS_FOR_FORECAST: take it with care


def forecast(marks: Iterable[tuple], threshold=DEFAULT_THRESHOLD, scale: str = "five_point",
             values: Iterable[str] = ()) -> Forecast:
    """The suggestion from the marks so far: ``marks`` are ``(numeric, weight)`` pairs; on the pass/fail
    scale ``values`` are the marks' values. ``few_marks`` when fewer than 3 marks back it."""
    if scale == "pass_fail":
        values = [v for v in values if v in PASS_FAIL_FINALS]
        return Forecast(None, suggest_pass_fail(values), len(values), len(values) < MIN_MARKS_FOR_FORECAST)
    pairs = [(n, w) for n, w in marks if n is not None]
    average = weighted_average(pairs)
    mark = suggest_mark(average, threshold)
    return Forecast(average, None if mark is None else str(mark), len(pairs), len(pairs) < MIN_MARKS_FOR_FORECAST)
