"""Tests for emergence.curves: the shared helpers on sampled curves."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from emergence import curves


def test_scalar_or_array():
    assert type(curves.scalar_or_array(np.float64(2.0))) is float
    assert type(curves.scalar_or_array(np.array(2.0))) is float
    a = np.arange(3.0)
    assert curves.scalar_or_array(a) is a


def test_logistic_is_stable_and_symmetric():
    z = np.array([-1000.0, -2.0, 0.0, 2.0, 1000.0])
    p = curves.logistic(z)
    assert p[0] == 0.0 and p[-1] == 1.0 and p[2] == 0.5
    assert p[3] == pytest.approx(1 / (1 + math.exp(-2))) and p[1] + p[3] == pytest.approx(1.0)


def test_first_reaching_one_curve_and_many():
    steps = [0, 10, 20, 30]
    assert curves.first_reaching(steps, [0.1, 0.5, 0.99, 1.0], 0.99) == 20.0
    assert math.isnan(curves.first_reaching(steps, [0.1, 0.2, 0.3, 0.4], 0.5))
    many = np.array([[0.0, 1.0], [0.9, 1.0], [0.95, 1.0], [0.2, 1.0]])
    assert curves.first_reaching(steps, many, 0.9).tolist() == [10.0, 0.0]
    assert np.isnan(curves.first_reaching(steps, many, 2.0)).all()
    assert math.isnan(curves.first_reaching([], [], 0.5))


def test_first_crossing_interpolates_and_decides_the_ends():
    assert curves.first_crossing([0, 1, 2], [0.0, 0.4, 0.8], 0.6) == pytest.approx(1.5)
    assert curves.first_crossing([0, 1, 2], [0.7, 0.8, 0.9], 0.6) == 0.0  # starts above: x[0]
    assert math.isnan(curves.first_crossing([0, 1, 2], [0.0, 0.1, 0.2], 0.6))
    assert curves.first_crossing([0, 1, 2], [0.0, 0.6, 0.1], 0.6) == 1.0  # exactly on a sample


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=20), st.floats(0.01, 0.99))
def test_first_crossing_lies_between_its_samples(ys, level):
    xs = np.arange(len(ys), dtype=float)
    x = curves.first_crossing(xs, ys, level)
    hit = np.flatnonzero(np.array(ys) >= level)
    if not hit.size:
        assert math.isnan(x)
    else:
        assert max(hit[0] - 1, 0) <= x <= hit[0]


def test_longest_run():
    assert curves.longest_run([2, 3, 4, 5], [1.0, 0.95, 0.5, 0.99]) == 3
    assert curves.longest_run([2, 3], [0.95, 0.91]) == 3
    assert curves.longest_run([2, 3], [0.5, 0.95]) is None


def test_loglog_slope_recovers_a_power_law_and_skips_bad_points():
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    y = 3.0 * x ** -1.5
    y[2] = np.nan
    slope, intercept = curves.loglog_slope(x, y)
    assert slope == pytest.approx(-1.5) and math.exp(intercept) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="two points"):
        curves.loglog_slope([1.0, 2.0], [np.nan, 1.0])


@pytest.mark.parametrize("call, word", [
    (lambda: curves.first_reaching([0, 1], [0.1], 0.5), "values"),
    (lambda: curves.first_reaching([0, 1], [0.1, 0.2], "high"), "level"),
    (lambda: curves.first_crossing([[0, 1]], [0.1, 0.2]), "x"),
    (lambda: curves.longest_run([1, 2], [0.1, 0.2], level=float("nan")), "level"),
])
def test_bad_input_names_the_parameter(call, word):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert word in str(info.value)
