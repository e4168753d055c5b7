"""The benchmark scripts' helpers (bench/stats.py): no timing here, only the arithmetic and the chart."""
import pytest

from bench.stats import percentile, summary, svg_chart


def test_percentile_interpolates_between_closest_ranks():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10], 95) == 10
    assert percentile([5, 1, 4, 2, 3], 0) == 1 and percentile([5, 1, 4, 2, 3], 100) == 5
    assert percentile(list(range(1, 101)), 95) == pytest.approx(95.05)
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1], 101)


def test_summary_and_chart():
    figures = summary([1.0, 2.0, 3.0, 4.0, 100.0])
    assert figures["n"] == 5 and figures["p50"] == 3.0 and figures["max"] == 100.0 and figures["p95"] > 4
    svg = svg_chart({"grid, sqlite": [(600, 20.0), (25000, 22.0)], "grid <b>": []}, "t", "x", "y")
    assert svg.startswith("<svg") and svg.count("<polyline") == 2 and "&lt;b&gt;" in svg
