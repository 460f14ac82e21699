"""The checker framework: every answer gets a Verdict, never a traceback."""
import math

import numpy as np
import pytest

from emergence.checks import (Verdict, Wrong, call, checker, expect_array, expect_dict, expect_function,
                              expect_number)


@checker("0.1")
def check_square(f):
    f = expect_function(f)
    for x in (1.5, -2.0, 3.0):
        got = expect_number(call(f, x), "f(x)")
        if got == 2 * x:
            raise Wrong(f"f({x}) = {got}: that is 2x.", "square means x times x, not x times 2")
        if not math.isclose(got, x * x):
            raise Wrong(f"f({x}) = {got}, expected {x * x}.", "")
    return "f squares its input."


@checker("0.2")
def check_vector(v):
    v = expect_array(v, shape=(3,))
    if not np.allclose(v, [1, 2, 3]):
        raise Wrong("wrong values", "count from 1")


def test_right_answer_passes_and_displays():
    verdict = check_square(lambda x: x * x)
    assert verdict and verdict.passed
    assert str(verdict) == "✅ Correct (exercise 0.1): f squares its input."
    assert "#1a7f37" in verdict._repr_html_()


def test_typical_mistake_gets_its_specific_hint():
    verdict = check_square(lambda x: 2 * x)
    assert not verdict
    assert "x times x" in str(verdict) and str(verdict).startswith("❌ Not yet")


def _raises(x):
    raise ZeroDivisionError("boom")


@pytest.mark.parametrize("answer, words", [
    (None, "not written yet"), (Ellipsis, "not written yet"), (3, "should be a function"),
    (_raises, "raised ZeroDivisionError"), (lambda x: None, "return"),
    (lambda x: "abc", "single number"), (lambda x: float("nan"), "nan"),
    (lambda x: [x, x], "single number"),
])
def test_garbage_gets_a_failing_verdict_with_a_reason(answer, words):
    verdict = check_square(answer)
    assert isinstance(verdict, Verdict) and not verdict.passed
    assert words in str(verdict)


@pytest.mark.parametrize("answer, words", [
    (..., "still empty"), ("abc", "array of numbers"), ([1, 2], "shape (2,)"),
    ([[1, 2, 3]], "shape (1, 3)"), ([1, np.nan, 3], "NaN"), ([1, 2, 4], "count from 1"),
])
def test_array_answers(answer, words):
    verdict = check_vector(answer)
    assert not verdict and words in str(verdict)


def test_unexpected_checker_error_is_still_a_verdict():
    @checker("0.3")
    def broken(x):
        return x["key"]

    verdict = broken(5)
    assert not verdict and "could not be checked" in str(verdict)


@pytest.mark.parametrize("answer, words", [(None, "still empty"), (Ellipsis, "still empty"),
                                           (["A"], "should be a dict, not a list"),
                                           ({"A": 1}, "no entry for B")])
def test_expect_dict_says_what_is_missing(answer, words):
    with pytest.raises(Wrong, match=words):
        expect_dict(answer, ["A", "B"], "labels", '{"A": ..., "B": ...}')
    assert expect_dict({"A": 1, "B": 2, "C": 3}, ["A", "B"], "labels", "") == {"A": 1, "B": 2, "C": 3}
