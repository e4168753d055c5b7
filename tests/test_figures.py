"""The journal's figures with worked numbers: weighted average, rounding, rates, forecast, year mark;
and the region's rounding rule in the profile."""
from decimal import Decimal

import pytest

from eschool.regions.services import ProfileError
from eschool.results import figures


def test_weighted_average_worked_example():
    # (5*1 + 3*2 + 4*1.5) / (1 + 2 + 1.5) = 17 / 4.5 = 3.777... -> 3.78
    assert figures.weighted_average([(5, 1), (3, 2), (4, Decimal("1.5"))]) == Decimal("3.78")
    assert figures.suggest_mark(Decimal("3.78")) == 4


def test_weighted_average_ignores_pass_fail_and_zero_weights_and_is_none_when_empty():
    assert figures.weighted_average([]) is None
    assert figures.weighted_average([(None, 1), (None, 2)]) is None
    # 4 (weight 1) and 2 (weight 3): (4 + 6) / 4 = 2.5; the pass/fail mark and the zero weight do not count
    assert figures.weighted_average([(4, 1), (None, 5), (2, 3), (5, 0)]) == Decimal("2.50")
    # equal weights: the plain average; 13 / 3 = 4.333... -> 4.33
    assert figures.weighted_average([(5, 1), (4, 1), (4, 1)]) == Decimal("4.33")
    # half up to two places: (5 + 7 * 4) / 8 = 4.125 -> 4.13
    assert figures.weighted_average([(5, 1)] + [(4, 1)] * 7) == Decimal("4.13")


@pytest.mark.parametrize(("average", "threshold", "mark"), [
    ("3.50", "0.5", 4), ("3.49", "0.5", 3), ("4.50", "0.5", 5), ("2.50", "0.5", 3),
    ("3.50", "0.6", 3), ("3.60", "0.6", 4), ("4.59", "0.6", 4),
    ("3.00", "0.5", 3), ("5.00", "0.5", 5), ("1.40", "0.5", 2), ("1.00", "0.5", 2),
])
def test_suggested_mark_follows_the_threshold(average, threshold, mark):
    assert figures.suggest_mark(Decimal(average), Decimal(threshold)) == mark


def test_suggested_mark_refuses_a_threshold_outside_zero_and_one():
    assert figures.suggest_mark(None) is None
    for bad in ("0", "1", "1.5", "-0.1"):
        with pytest.raises(ValueError):
            figures.suggest_mark(Decimal("3.5"), Decimal(bad))


def test_rates_worked_example():
    # four students: [5, 4] good; [4, 3] passes, not good; [5, 2] fails; [5, 5] good
    result = figures.rates([["5", "4"], ["4", "3"], ["5", "2"], ["5", "5"]])
    assert (result.students, result.passed, result.good) == (4, 3, 2)
    assert result.pass_rate == Decimal("75.0") and result.quality_rate == Decimal("50.0")
    assert figures.pass_rate([["5"], ["3"], ["2"]]) == Decimal("66.7")
    assert figures.quality_rate([["5"], ["3"], ["2"]]) == Decimal("33.3")


def test_rates_pass_fail_exempt_and_nobody():
    # "fail" fails like a "2"; "pass" spoils nothing; "exempt" and blanks are left out, and a student with
    # nothing else is not counted at all
    result = figures.rates([["pass", "5"], ["fail", "5"], ["exempt"], ["", None], ["exempt", "4"]])
    assert (result.students, result.passed, result.good) == (3, 2, 2)
    empty = figures.rates([])
    assert empty.pass_rate is None and empty.quality_rate is None


def test_forecast_notes_fewer_than_three_marks():
    early = figures.forecast([(5, 1), (4, 2)])  # (5 + 8) / 3 = 4.33 -> 4
    assert early.average == Decimal("4.33") and early.mark == "4" and early.count == 2 and early.few_marks
    later = figures.forecast([(5, 1), (4, 2), (3, Decimal("1.5")), (None, 1)])  # (5 + 8 + 4.5) / 4.5 = 3.89 -> 4
    assert later.average == Decimal("3.89") and later.mark == "4" and later.count == 3 and not later.few_marks
    nothing = figures.forecast([])
    assert nothing.mark is None and nothing.few_marks
    pass_fail = figures.forecast([], scale="pass_fail", values=["pass", "fail", "pass"])
    assert pass_fail.mark == "pass" and pass_fail.count == 3 and not pass_fail.few_marks


def test_pass_fail_suggestion():
    assert figures.suggest_pass_fail(["pass", "fail"]) == "pass"
    assert figures.suggest_pass_fail(["pass", "fail", "fail"]) == "fail"
    assert figures.suggest_pass_fail([]) is None


def test_year_suggestion_from_the_period_marks():
    assert figures.year_suggestion(["4", "3", "4", "4"]) == "4"  # 3.75 -> 4
    assert figures.year_suggestion(["4", "3", "3", "4"]) == "4"  # 3.50 -> 4
    assert figures.year_suggestion(["4", "3", "3", "3"]) == "3"  # 3.25 -> 3
    assert figures.year_suggestion(["4", "3", "3", "4"], Decimal("0.6")) == "3"  # 3.50 under 0.6 -> 3
    assert figures.year_suggestion(["5", "exempt", "4"]) == "5"  # 4.50 -> 5
    assert figures.year_suggestion(["exempt"]) is None
    assert figures.year_suggestion(["pass", "pass"], scale="pass_fail") == "pass"
    assert figures.year_suggestion(["pass", "fail"], scale="pass_fail") == "fail"


def test_every_region_rounds_from_one_half(make_app):
    for region in ("kemerovo", "primorye", "samara"):
        app = make_app(region=region, migrate=False)
        assert app.extensions["eschool"].region.rules["final_mark_rounding"]["threshold"] == Decimal("0.5")


def test_the_rounding_rule_defaults_to_one_half_when_the_profile_is_silent(make_app, regions_copy):
    regions_copy.replace("kemerovo", "final_mark_rounding = { threshold = 0.5 }", "")
    app = make_app(migrate=False)
    assert app.extensions["eschool"].region.rules["final_mark_rounding"] == {"threshold": Decimal("0.5")}


@pytest.mark.parametrize("bad", ['"0.5"', "1.5", "0", "true", "1"])
def test_a_bad_rounding_threshold_stops_start_up_naming_the_key(make_app, regions_copy, bad):
    regions_copy.replace("kemerovo", "final_mark_rounding = { threshold = 0.5 }",
                         f"final_mark_rounding = {{ threshold = {bad} }}")
    with pytest.raises(ProfileError) as info:
        make_app(migrate=False)
    assert "rules.final_mark_rounding.threshold" in str(info.value)
    assert "region.toml" in str(info.value)


def test_an_unknown_rounding_key_is_refused(make_app, regions_copy):
    regions_copy.replace("kemerovo", "final_mark_rounding = { threshold = 0.5 }",
                         'final_mark_rounding = { threshold = 0.5, direction = "up" }')
    with pytest.raises(ProfileError) as info:
        make_app(migrate=False)
    assert "rules.final_mark_rounding.direction" in str(info.value)
