"""emergence.synthesis: the mechanisms side by side, data-delay tables and the claim checklist."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from emergence import synthesis as sy
from emergence import behaviours


# ---------------------------------------------------------------- mechanisms

@pytest.mark.parametrize("mechanism", sy.MECHANISMS)
def test_every_setting_gives_aligned_curves_in_the_unit_interval(mechanism):
    for value in sy.KNOBS[mechanism][1]:
        c = sy.mechanism_curves(mechanism, value)
        assert c.x.shape == c.sharp.shape == c.continuous.shape and c.x.size >= 5
        assert np.all(np.diff(c.x) > 0) and np.all(c.x > 0)
        for y in (c.sharp, c.continuous):
            assert np.all((y >= 0) & (y <= 1))
        assert str(value) in c.knob or f"{value:g}" in c.knob


@pytest.mark.parametrize("mechanism", ["composite task", "exact-match metric"])
def test_products_are_never_above_their_parts(mechanism):
    for value in sy.KNOBS[mechanism][1]:
        c = sy.mechanism_curves(mechanism, value)
        np.testing.assert_allclose(c.sharp, c.continuous ** value, rtol=1e-12)
        assert np.all(c.sharp <= c.continuous + 1e-12)


def test_loss_threshold_is_zero_until_the_loss_crosses_it():
    c = sy.mechanism_curves("loss threshold", 3.0)
    _, loss = c.extra["pre-training loss (nats, right axis)"]
    assert np.all(c.continuous[loss >= 3.0] == 0) and np.all(c.continuous[loss < 3.0] > 0)
    assert np.all(np.diff(c.continuous) >= 0)


def test_quantised_and_grokking_curves_are_the_shipped_experiments():
    from emergence import grokking, sparse_parity
    sweep = sparse_parity.load_sweep()
    c = sy.mechanism_curves("quantised skills", 12)
    np.testing.assert_allclose(c.sharp, sweep.accuracy[0, :, -1, 11])
    np.testing.assert_allclose(c.continuous, np.exp(-sweep.loss[0, :, -1, 11]))
    run = grokking.load_sweep_runs()[0.5, 1.0]
    g = sy.mechanism_curves("grokking on rare data", 0.5)
    np.testing.assert_allclose(g.sharp, run.test_acc[1:])
    assert g.x_label == "training step" and g.x[0] > 0


def test_signatures_split_the_mechanisms_into_two_groups():
    """The chapter's claim: at every knob value where the sharp metric looks emergent, the
    continuous one is smooth for products of parts and still emergent for quantised skills and
    loss thresholds (grokking: at every fraction that generalises within the budget)."""
    for mechanism in sy.MECHANISMS:
        labels = [sy.signature(sy.mechanism_curves(mechanism, v)) for v in sy.KNOBS[mechanism][1]]
        sharp = [c for s, c in labels if s == "emergent"]
        assert len(sharp) >= 3, (mechanism, labels)
        if mechanism in ("composite task", "exact-match metric"):
            assert all(c != "emergent" for c in sharp), (mechanism, labels)
        elif mechanism == "grokking on rare data":
            assert labels[2:] == [("emergent", "emergent")] * 3, labels
        else:
            assert all(c == "emergent" for c in sharp), (mechanism, labels)


@pytest.mark.parametrize("mechanism, setting, error", [
    ("magic", 1, ValueError), ("composite task", 3, ValueError),
    ("composite task", "4", TypeError), ("composite task", True, TypeError),
    ("grokking on rare data", 0.45, ValueError)])
def test_bad_mechanism_arguments_name_the_parameter(mechanism, setting, error):
    with pytest.raises(error, match="mechanism|setting"):
        sy.mechanism_curves(mechanism, setting)


def test_signature_rejects_other_objects():
    with pytest.raises(TypeError, match="curves"):
        sy.signature({"x": [1, 2, 3]})


# ---------------------------------------------------------------- data delays

def test_grokking_delays_read_the_phase_diagram():
    d = sy.grokking_delays(1.0)
    np.testing.assert_allclose(d["frac"], [0.2, 0.3, 0.4, 0.5, 0.6])
    done = np.isfinite(d["test95"])
    assert list(d["outcome"][done]) == ["grokked"] * done.sum()
    assert np.all(np.diff(d["test95"][done]) < 0)          # more data, sooner
    assert np.all(d["test95"][done] <= d["budget"][done])
    with pytest.raises(ValueError, match="weight_decay"):
        sy.grokking_delays(0.7)
    with pytest.raises(TypeError, match="weight_decay"):
        sy.grokking_delays("1")


# ---------------------------------------------------------------- diagnose

N = np.geomspace(1e7, 1e12, 11)


def test_diagnose_separates_a_mirage_from_a_real_jump():
    p = np.asarray(behaviours.skill_probability(N, 8.0, 0.9))
    mirage = sy.diagnose(N, p ** 12, continuous=p)
    assert mirage.shape_log == "emergent" and mirage.shape_continuous == "smooth"
    assert "does not survive" in mirage.verdict
    step = np.asarray(behaviours.skill_probability(N, 10.5, 6.0))
    real = sy.diagnose(N, step, continuous=step)
    assert real.shape_continuous == "emergent" and "both metrics" in real.verdict
    undecided = sy.diagnose(N, step)
    assert undecided.shape_continuous is None and undecided.verdict.startswith("undecided")
    smooth = sy.diagnose(N, np.linspace(0.1, 0.9, N.size) ** 0.5)
    assert smooth.verdict.startswith("not emergent")


def test_diagnose_counts_zeros_and_points_inside_the_rise():
    sizes = np.array([1e8, 1e9, 1e10, 1e11])
    d = sy.diagnose(sizes, [0.0, 0.0, 0.0, 0.9], n_test=100)
    assert d.unresolved == 3 and d.points_in_rise == 0
    assert "no model inside the rise" in d.verdict and "3 %" in d.verdict
    assert "Verdict:" in str(d) and len(d.checks) == 5
    d = sy.diagnose(sizes, [0.02, 0.03, 0.05, 0.9], n_test=100)
    assert d.unresolved == 0


def test_diagnose_sorts_by_scale():
    p = np.asarray(behaviours.skill_probability(N, 9.5, 2.0)) ** 6
    order = np.random.default_rng(0).permutation(N.size)
    assert sy.diagnose(N[order], p[order]) == sy.diagnose(N, p)


@pytest.mark.parametrize("kwargs, error, word", [
    (dict(x=[1, 2], y=[0.1, 0.2]), ValueError, "length"),
    (dict(x=[1, 2, 3], y=[0.1, 0.2]), ValueError, "length"),
    (dict(x=[0, 2, 3], y=[0.1, 0.2, 0.3]), ValueError, "positive"),
    (dict(x=[1, 2, 3], y=[10, 20, 30]), ValueError, "fraction"),
    (dict(x=[1, 2, 3], y=[0.1, np.nan, 0.3]), ValueError, "finite"),
    (dict(x=[1, 2, 3], y=[0.1, 0.2, 0.3], n_test=0), ValueError, "n_test"),
    (dict(x=[1, 2, 3], y=[0.1, 0.2, 0.3], n_test=1.5), TypeError, "n_test"),
    (dict(x=[1, 2, 3], y=[0.1, 0.2, 0.3], continuous=[0.1]), ValueError, "continuous"),
    (dict(x=[1, 2, 3], y="abc"), TypeError, "y"),
])
def test_diagnose_bad_input(kwargs, error, word):
    with pytest.raises(error, match=word):
        sy.diagnose(kwargs.pop("x"), kwargs.pop("y"), **kwargs)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=3, max_size=12), st.integers(1, 5000))
def test_diagnose_never_fails_on_valid_curves(ys, n):
    x = np.geomspace(1e6, 1e12, len(ys))
    d = sy.diagnose(x, ys, n_test=n, continuous=ys[::-1])
    assert d.shape_log in behaviours.LABELS and isinstance(d.verdict, str) and d.verdict


def test_claim_cases_and_their_verdicts():
    cases = sy.claim_cases()
    assert len(cases) == 7
    verdicts = {name: case.diagnose().verdict for name, case in cases.items()}
    assert verdicts["GPT-3 4-digit addition"].startswith("undecided")
    assert "no model inside the rise" in verdicts["GPT-3 4-digit addition"]
    assert verdicts["sparse parity: all subtasks"].startswith("not emergent")
    assert "does not survive" in verdicts["synthetic mirage: exact match"]
    assert verdicts["induction heads: ICL score"].startswith("emergent under both")
    for case in cases.values():
        assert case.source and np.all((case.y >= 0) & (case.y <= 1))


# ---------------------------------------------------------------- demo frames

def test_demo_frames_draw_and_describe_themselves():
    from emergence import grokking
    from emergence.checks import ch08 as check
    from emergence.demos import ch08 as draw
    from emergence.explore import render_frame
    from emergence.figures import figure

    curves = {(m, v): sy.mechanism_curves(m, v) for m in sy.MECHANISMS for v in sy.KNOBS[m][1]}
    _, alt, _ = render_frame(draw.draw_mechanism, dict(mechanism="composite task", setting=4,
                                                       curves=curves), figsize=(6.4, 3.4), dpi=90)
    assert "parts k = 8" in alt and "disappears under the continuous metric" in alt
    _, alt, _ = render_frame(draw.draw_mechanism, dict(mechanism="loss threshold", setting=3,
                                                       curves=curves), figsize=(6.4, 3.4), dpi=90)
    assert "survives" in alt and "falls below the threshold" in alt
    delays = {wd: sy.grokking_delays(wd) for wd in (1.0, 3.0)}
    _, alt, _ = render_frame(draw.draw_rare, dict(frac=0.4, weight_decay=1.0, delays=delays,
                                                  runs=grokking.load_sweep_runs()),
                             figsize=(6.4, 3.4), dpi=90)
    assert "1392 training pairs" in alt and "step 630" in alt
    cases = sy.claim_cases()
    diagnoses = {k: c.diagnose() for k, c in cases.items()}
    for view in ("log axis", "linear axis", "continuous metric"):
        _, alt, _ = render_frame(draw.draw_claim, dict(case="GPT-3 4-digit addition", view=view,
                                                       cases=cases, diagnoses=diagnoses),
                                 figsize=(7.2, 3.6), dpi=90)
        assert view in alt and "Verdict: undecided" in alt
    fig, axes = figure(figsize=(9.6, 5.8), ncols=3, nrows=2)
    alt = draw.draw_match(axes.ravel(), curves={k: sy.mechanism_curves(*v)
                                                for k, v in check.MATCH.items()})
    assert alt.count("curve ") == 5 and not axes.ravel()[-1].axison
