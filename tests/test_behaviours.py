"""Tests for emergence.behaviours: published data, toy mechanisms, emergence score and classifier."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from emergence import behaviours
from emergence.data import read_table

SIZES = [125e6, 350e6, 760e6, 1.3e9, 2.7e9, 6.7e9, 13e9, 175e9]

# Brown et al. 2020, Table 3.9 (GPT-3 175B), typed here independently of the CSV.
TABLE_3_9 = {
    "zero-shot": [76.9, 58.0, 34.2, 48.3, 4.0, 7.5, 0.7, 0.8, 19.8, 9.8],
    "one-shot": [99.6, 86.4, 65.5, 78.7, 14.0, 14.0, 3.5, 3.8, 27.4, 14.3],
    "few-shot": [100.0, 98.9, 80.4, 94.2, 25.5, 26.8, 9.3, 9.9, 29.2, 21.3],
}


# ---------------------------------------------------------------- data files

@pytest.mark.parametrize("name", ["gpt3_arithmetic", "wei2022_table1", "inverse_scaling"])
def test_every_row_has_a_source_and_a_tag(name):
    rows = read_table(name)
    assert rows
    for row in rows:
        assert "arXiv" in row["source"], row
        flag = row.get("tag") or row.get("transcribed")
        assert flag in {"V", "S", True, False}, row


def test_gpt3_175b_matches_table_3_9_and_is_not_transcribed():
    for setting, values in TABLE_3_9.items():
        for task, value in zip(behaviours.GPT3_TASKS, values):
            params, acc = behaviours.gpt3_arithmetic(task, setting)
            assert params.tolist() == SIZES
            assert acc[-1] == value, (task, setting)
            assert behaviours.gpt3_transcribed(task, setting).tolist() == [True] * 7 + [False]


def test_gpt3_transcribed_rows_spot_checks():
    assert behaviours.gpt3_arithmetic("2D+")[1][:7].tolist() == [2.0, 4.1, 3.5, 4.5, 8.9, 11.9, 55.5]
    assert behaviours.gpt3_arithmetic("1DC", "zero-shot")[1][:7].tolist() == [
        1.25, 2.95, 2.75, 0.05, 0.30, 2.35, 0.75]
    assert behaviours.gpt3_arithmetic("2D-", "one-shot")[1][:7].tolist() == [
        1.15, 0.95, 1.45, 1.95, 3.85, 11.5, 44.6]
    assert behaviours.gpt3_arithmetic("5D-", "zero-shot")[1][:7].tolist() == [0.0] * 7
    rows = read_table("gpt3_arithmetic")
    assert len(rows) == 10 * 3 * 8
    assert all(r["train_tokens"] == 300_000_000_000 for r in rows)


def test_gpt3_garbled_row_keeps_only_the_certain_value():
    _, acc = behaviours.gpt3_arithmetic("4D-", "one-shot")
    assert np.isnan(acc[:7]).all() and acc[-1] == 14.0
    empty = [r for r in read_table("gpt3_arithmetic") if r["accuracy_percent"] is None]
    assert len(empty) == 7 and all("garbled" in r["note"] for r in empty)


def test_wei_table1():
    rows = behaviours.wei2022_table1()
    assert len(rows) == 22
    assert sum(r["prompting"] == "few-shot" for r in rows) == 9
    by_name = {r["ability"]: r for r in rows}
    assert by_name["Add/sub 3-digit"]["train_flops"] == 2.3e22
    assert by_name["Add/sub 3-digit"]["params"] == 13e9
    assert (by_name["WiC"]["train_flops"], by_name["WiC"]["model"]) == (2.5e24, "PaLM")
    assert by_name["Scratchpad 8-digit addition"]["params"] == 40e6
    assert by_name["Calibration via P(True)"]["train_flops"] == 2.6e23
    assert all(r["tag"] == "V" for r in rows)


def test_inverse_scaling_prize_and_followup():
    prize = behaviours.inverse_scaling_tasks()
    assert len(prize) == 11
    assert {r["task"] for r in prize if r["prize_round"] == 1} == {
        "NeQA", "Quote Repetition", "Hindsight Neglect", "Redefine Math"}
    causes = {}
    for row in prize:
        causes[row["cause"]] = causes.get(row["cause"], 0) + 1
    assert causes == {"strong prior": 4, "unwanted imitation": 1, "distractor task": 4,
                      "spurious few-shot": 2}
    assert behaviours.u_shaped_followup() == {"inverse": 4, "U-shaped": 6, "positive": 1, "of": 11}
    assert behaviours.u_shaped_followup("v1") == {"U-shaped": 3, "of": 4}
    quote = next(r for r in prize if r["task"] == "Quote Repetition")
    assert "Resisting Correction" in quote["note"] and "inference" in quote["note"]


# ---------------------------------------------------------------- emergence score

def _score_loop(y):
    """An independent, plain-Python emergence score (same degenerate-case decisions)."""
    y = [float(v) for v in y]
    hi, lo = y.index(max(y)), y.index(min(y))
    if max(y) == min(y):
        return 0.0
    steps = sorted((b - a) ** 2 for a, b in zip(y, y[1:]))
    m = len(steps)
    median = steps[m // 2] if m % 2 else (steps[m // 2 - 1] + steps[m // 2]) / 2
    sign = (hi > lo) - (hi < lo)
    return sign * math.inf if median == 0 else sign * (max(y) - min(y)) / math.sqrt(median)


def test_emergence_score_worked_examples():
    assert behaviours.emergence_score([0, 1, 2, 10]) == 10.0
    assert behaviours.emergence_score(np.arange(8.0)) == 7.0  # an even ramp scores n - 1
    assert behaviours.emergence_score(np.arange(8.0)[::-1]) == -7.0
    assert behaviours.emergence_score([3, 3, 3]) == 0.0
    assert behaviours.emergence_score([0, 0, 0, 0, 5]) == math.inf
    assert behaviours.emergence_score([5, 0, 0, 0, 0]) == -math.inf
    assert behaviours.emergence_score([0, 0, 0, 0, 5], resolution=0.5) == 10.0
    assert behaviours.emergence_score([0, 1, 4, 5, 20]) == pytest.approx(20 / math.sqrt(5))


def test_emergence_score_on_gpt3():
    _, acc = behaviours.gpt3_arithmetic("2D+", "few-shot")
    assert behaviours.emergence_score(acc) == pytest.approx(98 / 3)  # median squared step is 9
    _, acc = behaviours.gpt3_arithmetic("5D+", "few-shot")
    assert behaviours.emergence_score(acc) == math.inf
    assert behaviours.emergence_score(acc, resolution=100 / behaviours.GPT3_INSTANCES) == pytest.approx(186)


def test_emergence_score_sorts_by_x():
    y = np.array([1.0, 2.0, 5.0, 40.0, 41.0])
    x = np.array([1e8, 1e9, 1e10, 1e11, 1e12])
    order = np.array([3, 0, 4, 2, 1])
    assert behaviours.emergence_score(y[order], x[order]) == behaviours.emergence_score(y)


# values on a grid of 1/8: exact in binary, so equal values stay equal under a*y + b
finite_curves = st.lists(st.integers(-8000, 8000).map(lambda v: v / 8), min_size=2, max_size=30)


@settings(max_examples=200, deadline=None)
@given(finite_curves)
def test_emergence_score_matches_a_plain_implementation(y):
    assert behaviours.emergence_score(y) == pytest.approx(_score_loop(y), rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(finite_curves, st.floats(0.1, 100), st.floats(-100, 100))
def test_emergence_score_is_affine_invariant_and_antisymmetric(y, a, b):
    y = np.array(y)
    score = behaviours.emergence_score(y)
    if math.isfinite(score):
        assert behaviours.emergence_score(a * y + b) == pytest.approx(score, rel=1e-6, abs=1e-6)
    assert behaviours.emergence_score(-y) == pytest.approx(-score, rel=1e-9, abs=1e-9) or (
        math.isinf(score) and behaviours.emergence_score(-y) == -score)


# ---------------------------------------------------------------- classifier

X = np.geomspace(1e7, 1e12, 11)
T = np.linspace(0, 1, 11)  # position along the log axis


@pytest.mark.parametrize("y, label", [
    (10 + 50 * T, "smooth"),                               # linear in log N
    (1 - np.exp(-4 * T), "smooth"),                        # saturating
    (1 / (1 + np.exp(-25 * (T - 0.7))), "emergent"),       # late, sharp
    (np.r_[np.zeros(10), 1.0], "emergent"),                # one jump at the end
    (np.r_[0.01 * np.sin(np.arange(8)), 0.3, 0.7, 0.9], "emergent"),  # wobbly floor, then a rise
    (50 - 30 * np.sin(np.pi * T), "u-shaped"),             # falls and recovers
    (50 - 20 * T, "inverse"),                              # falls
    (np.r_[50, 40, 30, 25, 22, 21, 21, 22, 23, 22, 23.0], "inverse"),  # U not yet recovered
    (30 * np.sin(np.pi * T), "inverse"),                   # rises, then falls back
    (np.full(11, 0.4), "flat"),
])
def test_classifier_on_constructed_curves(y, label):
    assert behaviours.classify_scaling_curve(X, y) == label


def test_classifier_on_toy_mechanisms():
    assert behaviours.classify_scaling_curve(X, behaviours.knowledge_accuracy(X)) == "smooth"
    assert behaviours.classify_scaling_curve(X, behaviours.knowledge_accuracy(X, slope=50)) == "smooth"
    assert behaviours.classify_scaling_curve(X, behaviours.multi_step_accuracy(X, 1)) == "smooth"
    assert behaviours.classify_scaling_curve(X, behaviours.multi_step_accuracy(X, 10)) == "emergent"
    wide = np.geomspace(1e7, 1e13, 13)
    assert behaviours.classify_scaling_curve(wide, behaviours.distractor_accuracy(wide)) == "u-shaped"
    early = np.geomspace(1e7, 3e9, 9)  # stop before the skill arrives
    assert behaviours.classify_scaling_curve(early, behaviours.distractor_accuracy(early)) == "inverse"
    cot = behaviours.distractor_accuracy(wide, cot=True)
    assert np.all(np.diff(cot) >= 0)
    assert behaviours.classify_scaling_curve(wide, cot) in {"smooth", "emergent"}


def test_classifier_on_gpt3_rows():
    x, y = behaviours.gpt3_arithmetic("2D+", "few-shot")
    assert behaviours.classify_scaling_curve(x, y) == "emergent"
    assert behaviours.classify_scaling_curve(x, y, log_x=False) == "smooth"
    for task in ("2D+", "2D-", "3D+", "3D-", "4D+", "4D-", "5D+", "5D-"):
        for setting in behaviours.GPT3_SETTINGS:
            x, y = behaviours.gpt3_arithmetic(task, setting)
            if np.isfinite(y).all():
                assert behaviours.classify_scaling_curve(x, y) == "emergent", (task, setting)
    # the ambiguous rows discussed in the lab
    x, y = behaviours.gpt3_arithmetic("1DC", "zero-shot")
    assert behaviours.classify_scaling_curve(x, y) == "u-shaped"
    assert behaviours.classify_scaling_curve(x, y, noise=3) == "emergent"
    x, y = behaviours.gpt3_arithmetic("2Dx", "few-shot")
    assert behaviours.classify_scaling_curve(x, y) == "smooth"
    assert behaviours.classify_scaling_curve(x, y, sharp=0.6) == "emergent"


def test_describe_reports_its_measurements():
    x, y = behaviours.gpt3_arithmetic("2D+", "few-shot")
    shape = behaviours.describe_scaling_curve(x, y)
    assert shape.label == "emergent" and 0 < shape.rise_width <= 0.5 and shape.rise_start >= 0.25
    assert shape.score == pytest.approx(behaviours.emergence_score(y))
    assert "log-scale" in shape.reason
    u = behaviours.describe_scaling_curve(X, 50 - 30 * np.sin(np.pi * T))
    assert u.dip == pytest.approx(1.0) and u.recovery == pytest.approx(1.0)


def test_classifier_edge_cases_stay_consistent():
    x = np.array([1e8, 1e9, 1e10])
    assert behaviours.classify_scaling_curve(x, [10, 0, 4.5], noise=6) == "inverse"  # best before worst
    assert behaviours.classify_scaling_curve(x, [10, 0, 5], dip=0.8) == "inverse"
    assert behaviours.classify_scaling_curve(x, [0, 10, 5], dip=0.8) in {"smooth", "emergent"}
    assert behaviours.classify_scaling_curve(x, [0, 0.5, 1], noise=0.9) == "emergent"  # both levels at R/2


def test_classifier_sorts_by_x():
    y = 1 / (1 + np.exp(-25 * (T - 0.7)))
    order = np.random.default_rng(0).permutation(11)
    assert behaviours.classify_scaling_curve(X[order], y[order]) == "emergent"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=20))
def test_classifier_always_returns_a_label(y):
    x = np.geomspace(1e6, 1e12, len(y))
    assert behaviours.classify_scaling_curve(x, y) in behaviours.LABELS
    assert behaviours.classify_scaling_curve(x, y, log_x=False, noise=1.0) in behaviours.LABELS


# ---------------------------------------------------------------- toy mechanisms

def test_skill_probability():
    assert behaviours.skill_probability(1e9, 9.0, 2.0) == 0.5
    p = behaviours.skill_probability(X, 9.0, 2.0)
    assert np.all(np.diff(p) > 0) and p[0] < 0.02 and p[-1] > 0.98
    assert behaviours.skill_probability(np.array([1e300]), 9.0, 50.0)[0] == 1.0  # no overflow


def test_multi_step_accuracy_is_a_power():
    p = behaviours.skill_probability(X)
    np.testing.assert_allclose(behaviours.multi_step_accuracy(X, 7), p ** 7)
    assert isinstance(behaviours.multi_step_accuracy(3e9, 2), float)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.01, 0.99), st.integers(1, 500), st.floats(5, 12), st.floats(0.3, 5))
def test_multi_step_scale_inverts_the_accuracy(level, k, midpoint, slope):
    n = behaviours.multi_step_scale(level, k, midpoint, slope)
    assert behaviours.multi_step_accuracy(n, k, midpoint, slope) == pytest.approx(level, rel=1e-6)


def test_multi_step_shape_tends_to_a_gumbel_curve():
    def width(k, slope=2.0):
        return math.log10(behaviours.multi_step_scale(0.9, k, 9, slope) /
                          behaviours.multi_step_scale(0.1, k, 9, slope))

    assert width(1) == pytest.approx(2 * math.log(9) / 2.0)
    limit = math.log(math.log(10) / math.log(10 / 9)) / 2.0
    assert width(10_000) == pytest.approx(limit, rel=1e-3)
    assert width(1) > width(10) > width(100) > limit
    halves = behaviours.multi_step_scale(0.5, [1000, 8000])
    assert math.log10(halves[1] / halves[0]) == pytest.approx(math.log(8) / 2.0, rel=1e-3)


def test_knowledge_accuracy_approaches_the_infinite_quiz():
    a, low, high = 2.0, 7.0, 11.0
    x = np.log10(X)
    softplus = lambda z: np.logaddexp(0, z)  # noqa: E731
    exact = (softplus(a * (x - low)) - softplus(a * (x - high))) / (a * (high - low))
    approx = behaviours.knowledge_accuracy(X, n_facts=100_000, low=low, high=high, slope=a, seed=1)
    np.testing.assert_allclose(approx, exact, atol=0.01)
    np.testing.assert_array_equal(behaviours.knowledge_accuracy(X, seed=3), behaviours.knowledge_accuracy(X, seed=3))
    assert isinstance(behaviours.knowledge_accuracy(1e9), float)


def test_distractor_accuracy():
    far = dict(heuristic_midpoint=6.0, skill_midpoint=12.0, slope=5.0)
    n = np.geomspace(1e3, 1e15, 400)
    for w, c in ((0.8, 0.5), (1.0, 0.25), (0.3, 0.5)):
        acc = behaviours.distractor_accuracy(n, strength=w, chance=c, **far)
        assert acc[0] == pytest.approx(c, abs=1e-6) and acc[-1] == pytest.approx(1, abs=1e-6)
        assert acc.min() == pytest.approx((1 - w) * c, abs=1e-3)
        half = behaviours.distractor_accuracy(n, strength=w, chance=c, cot=True, cot_attenuation=0.5, **far)
        assert half.min() == pytest.approx((1 - w / 2) * c, abs=1e-3)
    cot = behaviours.distractor_accuracy(n, cot=True)
    np.testing.assert_allclose(cot, behaviours.distractor_accuracy(n, strength=0.0))
    assert np.all(np.diff(cot) >= 0)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, word", [
    (lambda: behaviours.skill_probability([1e9, -1]), "N"),
    (lambda: behaviours.skill_probability(1e9, slope=0), "slope"),
    (lambda: behaviours.skill_probability("big"), "N"),
    (lambda: behaviours.multi_step_accuracy(1e9, 0), "k"),
    (lambda: behaviours.multi_step_accuracy(1e9, 2.5), "k"),
    (lambda: behaviours.multi_step_scale(1.0, 3), "level"),
    (lambda: behaviours.multi_step_scale(0.5, [1, 0]), "k"),
    (lambda: behaviours.knowledge_accuracy(1e9, n_facts=0), "n_facts"),
    (lambda: behaviours.knowledge_accuracy(1e9, low=5, high=5), "high"),
    (lambda: behaviours.distractor_accuracy(1e9, strength=1.5), "strength"),
    (lambda: behaviours.distractor_accuracy(1e9, cot="yes"), "cot"),
    (lambda: behaviours.emergence_score([1.0]), "y"),
    (lambda: behaviours.emergence_score([1.0, np.nan, 2.0]), "y"),
    (lambda: behaviours.emergence_score([[1, 2], [3, 4]]), "y"),
    (lambda: behaviours.emergence_score([1, 2, 3], resolution=-1), "resolution"),
    (lambda: behaviours.emergence_score([1, 2, 3], x=[1, 1, 2]), "x"),
    (lambda: behaviours.emergence_score([1, 2, 3], x=[1, 2]), "x"),
    (lambda: behaviours.classify_scaling_curve([1, 2], [1, 2]), "y"),
    (lambda: behaviours.classify_scaling_curve([0, 1, 2], [1, 2, 3]), "log"),
    (lambda: behaviours.classify_scaling_curve([1, 2, 3], [1, 2, 3], dip=0), "dip"),
    (lambda: behaviours.classify_scaling_curve([1, 2, 3], [1, 2, 3], log_x="yes"), "log_x"),
    (lambda: behaviours.gpt3_arithmetic("6D+"), "task"),
    (lambda: behaviours.gpt3_arithmetic("2D+", "ten-shot"), "setting"),
    (lambda: read_table("nonexistent"), "name"),
    (lambda: behaviours.u_shaped_followup("v2"), "version"),
])
def test_bad_input_names_the_parameter(call, word):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert word in str(info.value)


# ---------------------------------------------------------------- demo frames

def test_demo_frames_draw_and_describe_their_data():
    from functools import partial

    from emergence.demos import ch03 as draw
    from emergence.explore import render_frame

    N = np.geomspace(1e7, 1e12, 50)
    gpt3 = behaviours.gpt3_shapes()
    frames = [
        (partial(draw.draw_multi_step, N=N, samples=X, midpoint=9.0, slope=2.0),
         {"k": 10, "axis": "log"}, ["10-step", "0.1%", "emergent"]),
        (partial(draw.draw_distractor, N=np.geomspace(1e7, 1e13, 50), chance=0.5,
                 heuristic_midpoint=8.5, skill_midpoint=10.5, slope=2.0, n_models=9,
                 sizes={"3B": 3e9}),
         {"strength": 0.75, "prompting": "direct", "largest": "3B"}, ["inverse", "chance (0.50)"]),
        (partial(draw.draw_gpt3, data=gpt3),
         {"task": "2D+", "setting": "few-shot", "axis": "linear"}, ["55.5", "smooth", "32.7"]),
        (partial(draw.draw_gpt3, data=gpt3),
         {"task": "4D-", "setting": "one-shot", "axis": "log"}, ["only the 175B value"]),
    ]
    for plot, params, words in frames:
        png, alt, _ = render_frame(plot, params, figsize=(6.4, 3.4), dpi=40)
        assert png[:4] == b"RIFF" and png[8:12] == b"WEBP"
        for word in words:
            assert word in alt, (word, alt)


# ---------------------------------------------------------------- the GPT-3 table by number of examples


def test_gpt3_table_matches_the_paper():
    table = behaviours.gpt3_shots()
    assert table.tasks == ("2D+", "2D-", "3D+", "3D-", "4D+", "4D-", "5D+", "5D-", "2Dx", "1DC")
    assert len(table.models) == 8 and np.all(np.diff(table.params) > 0)
    assert table.params[0] == 125e6 and table.params[-1] == 175e9
    # Table 3.9 (175B), read verbatim
    assert table.curve("2D+", "zero-shot")[-1] == 76.9 and table.curve("2D+", "few-shot")[-1] == 100.0
    assert table.curve("3D+", "few-shot")[-1] == 80.4  # the table, not the text's 80.2
    assert table.curve("1DC", "one-shot")[-1] == 14.3
    # Table H.1 (transcribed): 13B few-shot 2D+ and the 175B column is never transcribed
    assert table.curve("2D+", "few-shot")[-2] == 55.5
    assert not table.transcribed[..., -1].any() and table.transcribed[..., :-1].all()
    # the garbled 4D- one-shot row: only 175B is known
    one = table.curve("4D-", "one-shot")
    assert np.isnan(one[:-1]).all() and one[-1] == 14.0
    assert np.allclose(table.gain("2D+"), table.curve("2D+") - table.curve("2D+", "zero-shot"))
    assert all("Brown et al. 2020" in s for s in table.sources)


def test_gpt3_table_rejects_unknown_names():
    table = behaviours.gpt3_shots()
    with pytest.raises(ValueError, match="task"):
        table.curve("2D*")
    with pytest.raises(ValueError, match="setting"):
        table.curve("2D+", "two")


def test_gpt3_shapes_measure_every_known_curve():
    shapes = behaviours.gpt3_shapes()
    assert len(shapes) == len(behaviours.GPT3_TASKS) * len(behaviours.GPT3_SETTINGS)
    d = shapes["2D+", "few-shot"]
    assert d["log"] == behaviours.describe_scaling_curve(d["x"], d["y"])
    assert d["score_floor"] <= d["score"]
    assert "score" not in shapes["4D-", "one-shot"]          # only the 175B value is known
    with pytest.raises(ValueError, match="resolution"):
        behaviours.gpt3_shapes(-1)
