"""Tests for emergence.grokking: the split, the models, training that groks, the analysis."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from emergence import grokking as g
from emergence.demos import ch06 as draw
from emergence.explore import render_frame


def _codes(x, p):
    return x[:, 0] * p + x[:, 1]


# ---------------------------------------------------------------- the dataset

@pytest.mark.parametrize("p, frac", [(59, 0.4), (13, 0.4), (7, 0.5), (97, 0.3)])
def test_split_sizes_disjoint_and_covering(p, frac):
    d = g.modular_data(p, "add", frac, seed=3)
    assert d.n_train == round(frac * p * p) and d.n_test == p * p - d.n_train
    train, test = _codes(d.train_x, p), _codes(d.test_x, p)
    assert np.intersect1d(train, test).size == 0
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(p * p))
    assert d.train_x.shape == (d.n_train, 2) and d.test_y.shape == (d.n_test,)


@settings(max_examples=40, deadline=None)
@given(p=st.integers(2, 40), frac=st.floats(0.05, 0.95), seed=st.integers(0, 2**32 - 1),
       op=st.sampled_from(["add", "sub", "mul"]))
def test_split_properties(p, frac, seed, op):
    n_train = round(frac * p * p)
    if not 1 <= n_train <= p * p - 1:
        with pytest.raises(ValueError, match="frac"):
            g.modular_data(p, op, frac, seed)
        return
    d = g.modular_data(p, op, frac, seed)
    codes = np.concatenate([_codes(d.train_x, p), _codes(d.test_x, p)])
    assert len(codes) == p * p and len(np.unique(codes)) == p * p
    assert d.n_train == n_train


def test_split_is_seeded():
    a, b, c = (g.modular_data(31, "add", 0.4, s) for s in (5, 5, 6))
    assert np.array_equal(a.train_x, b.train_x) and np.array_equal(a.test_y, b.test_y)
    assert not np.array_equal(a.train_x, c.train_x)


def test_answers_of_every_operation():
    p = 11
    for op, f in [("add", lambda a, b: (a + b) % p), ("sub", lambda a, b: (a - b) % p),
                  ("mul", lambda a, b: (a * b) % p)]:
        d = g.modular_data(p, op, 0.5, 0)
        for x, y in ((d.train_x, d.train_y), (d.test_x, d.test_y)):
            assert np.array_equal(y, f(x[:, 0], x[:, 1]))
    d = g.modular_data(p, "div", 0.5, 0)
    x = np.concatenate([d.train_x, d.test_x])
    y = np.concatenate([d.train_y, d.test_y])
    assert len(x) == p * (p - 1) and x[:, 1].min() == 1       # no division by zero
    assert np.array_equal((y * x[:, 1]) % p, x[:, 0])           # (a / b) * b = a
    assert "(a / b) mod 11" in str(d)


@pytest.mark.parametrize("kwargs, match", [
    (dict(p=1), "p"), (dict(p=12, operation="div"), "prime"), (dict(operation="pow"), "operation"),
    (dict(frac=0.0), "frac"), (dict(frac=1.0), "frac"), (dict(p=3, frac=0.01), "frac"),
    (dict(seed=-1), "seed")])
def test_dataset_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        g.modular_data(**kwargs)


def test_dataset_bad_types():
    with pytest.raises(TypeError, match="p"):
        g.modular_data(p=5.5)
    with pytest.raises(TypeError, match="frac"):
        g.modular_data(frac="half")


# ---------------------------------------------------------------- models and training

def test_training_is_float64_and_repeatable():
    """float64, so that BLAS thread counts (different rounding) cannot move a milestone."""
    config = g.GrokConfig(p=11, frac=0.5, embed=8, hidden=16, steps=30, eval_every=10)
    a, b = (g.train(config, progress=False) for _ in range(2))
    assert a.model.embed.weight.dtype == np.float64
    assert np.array_equal(a.test_loss, b.test_loss) and np.array_equal(a.weight_norm, b.weight_norm)


def test_models_map_pairs_to_logits():
    pairs = np.array([[0, 1], [4, 6], [6, 6]])
    for model in (g.GrokMLP(7, 8, 16, rng=0), g.GrokTransformer(7, 16, 4, 32, rng=0)):
        assert model(pairs).shape == (3, 7)
        assert model.embedding().shape[0] == 7
        with pytest.raises(ValueError, match="pairs"):
            model(np.array([[0, 7]]))
        with pytest.raises(ValueError, match="pairs"):
            model(np.array([0, 1]))


def test_train_records_every_evaluation_and_bad_arguments():
    config = g.GrokConfig(p=11, frac=0.5, embed=8, hidden=16, steps=25, eval_every=10)
    h = g.train(config, keep_embeddings=True, progress=False)
    assert list(h.steps) == [0, 10, 20, 25]
    for name in g.GrokHistory.METRICS:
        assert getattr(h, name).shape == (4,)
    assert h.embeddings.shape == (4, 11, 8)
    assert h.weight_norm[0] == pytest.approx(np.sqrt(sum((w.data.astype(float) ** 2).sum()
                                                         for w in g.GrokMLP(11, 8, 16, rng=0).parameters())), rel=1e-5)
    assert h.config.weight_decay == 1.0 and h.config.p == 11 and h.config == config
    assert np.array_equal(h.history.eval_steps, h.steps) and len(h.history.loss) == 25
    restored = g.GrokHistory.from_arrays(h.to_arrays(), h.config)
    assert np.array_equal(restored.test_acc, h.test_acc)
    with pytest.raises(TypeError, match="config"):
        g.train("table")
    with pytest.raises(ValueError, match="model"):
        g.GrokConfig(model="rnn")
    with pytest.raises(ValueError, match="weight_decay"):
        g.GrokConfig(weight_decay=-1)


def test_transformer_fits_a_small_table():
    h = g.train(g.GrokConfig(p=7, frac=0.6, model="transformer", embed=16, hidden=32, lr=3e-3,
                             steps=150, eval_every=50), progress=False)
    assert h.train_acc[-1] == 1.0


REDUCED = dict(embed=32, hidden=64, lr=2e-2, weight_decay=1.0, steps=500, eval_every=10)


def test_reduced_configuration_groks():  # ~3 s on a loaded machine
    """p = 31, 60 % of pairs: measured train 99 % at step 30, test 95 % at step 420."""
    h = g.train(g.GrokConfig(p=31, frac=0.6, **REDUCED), progress=False)
    t_train, t_test = g.milestones(h)
    assert 10 <= t_train <= 100
    assert 250 <= t_test <= 500
    assert t_test >= 5 * t_train
    assert g.outcome(h) == "grokked"


# ---------------------------------------------------------------- milestones, phases, outcome

def _history(train_acc, test_acc, step=10):
    n = len(train_acc)
    z = np.zeros(n)
    arrays = dict(steps=np.arange(n) * step, train_loss=z, train_acc=np.asarray(train_acc, float),
                  test_loss=z, test_acc=np.asarray(test_acc, float), weight_norm=z + 1)
    return g.GrokHistory.from_arrays(arrays, g.GrokConfig())


def test_milestone():
    assert g.milestone([0, 10, 20, 30], [0.1, 0.5, 0.95, 0.9], 0.95) == 20
    assert g.milestone([0, 10, 20], [0.1, 0.5, 0.9], 0.95) is None
    assert g.milestone([5, 10], [1.0, 1.0], 0.5) == 5
    with pytest.raises(ValueError, match="same length"):
        g.milestone([0, 1], [0.5], 0.4)


def test_phases_and_outcome_of_a_grokking_curve():
    train = [0, 0.5, 1, 1, 1, 1, 1, 1, 1, 1]
    test = [0, 0, 0, 0.01, 0.02, 0.05, 0.2, 0.6, 0.96, 1]
    h = _history(train, test)
    assert g.milestones(h) == (20, 80)
    # onset: 10 % of the way from 0 (test accuracy at step 20) to 0.95 = 0.095 -> step 60
    assert g.phases(h) == {"memorisation": (0, 20), "plateau": (20, 60),
                           "generalisation": (60, 80)}
    assert g.outcome(h) == "grokked"


def test_phases_of_other_runs():
    memorised = _history([0, 1, 1, 1], [0, 0, 0.02, 0.03])
    assert g.outcome(memorised) == "memorised only"
    assert g.phases(memorised) == {"memorisation": (0, 10), "plateau": (10, 30),
                                   "generalisation": None}
    never = _history([0, 0.3, 0.5], [0, 0, 0])
    assert g.outcome(never) == "never fit"
    assert set(g.phases(never).values()) == {None}
    at_once = _history([0, 1, 1], [0, 0.97, 1])
    assert g.phases(at_once)["plateau"] == (10, 10)
    assert g.phases(at_once)["generalisation"] == (10, 10)
    with pytest.raises(TypeError, match="history"):
        g.outcome({"train_acc": [1]})


# ---------------------------------------------------------------- Fourier analysis

def _waves(p, amplitudes, dim=12, seed=0):
    rng = np.random.default_rng(seed)
    a = np.arange(p)[:, None]
    return sum(amp * np.cos(2 * np.pi * k * a / p + rng.uniform(0, 2 * np.pi, (1, dim)))
               for k, amp in amplitudes.items())


@pytest.mark.parametrize("p, k", [(59, 7), (59, 29), (31, 1), (12, 6), (113, 41)])
def test_fourier_recovers_the_frequency_of_a_synthetic_embedding(p, k):
    table = _waves(p, {k: 1.0}) + 0.7  # plus a constant, which only k = 0 sees
    power = g.fourier_power(table)
    assert power.shape == (p // 2 + 1,)
    assert np.argmax(power[1:]) + 1 == k
    assert list(g.key_frequencies(table, share=0.99)) == [k]


def test_key_frequencies_of_several_waves_and_of_noise():
    table = _waves(59, {14: 1.0, 2: 0.8, 21: 0.6}, dim=64)
    assert list(g.key_frequencies(table, share=0.95)) == [14, 2, 21]
    noise = np.random.default_rng(1).normal(size=(59, 64))
    assert len(g.key_frequencies(noise)) >= 18  # spread over most of the 29 frequencies
    with pytest.raises(ValueError, match="constant"):
        g.key_frequencies(np.ones((9, 3)))
    with pytest.raises(ValueError, match="embedding"):
        g.fourier_power(np.ones(9))


def test_frequency_plane_puts_numbers_on_a_circle():
    p, k = 31, 5
    a = np.arange(p)
    rotation = np.linalg.qr(np.random.default_rng(2).normal(size=(6, 6)))[0]
    table = np.zeros((p, 6))
    table[:, 0], table[:, 1] = np.cos(2 * np.pi * k * a / p), np.sin(2 * np.pi * k * a / p)
    xy = g.frequency_plane(table @ rotation + 0.3, k)
    assert np.allclose(np.linalg.norm(xy, axis=1), 1.0)
    turn = np.diff(np.angle(xy[:, 0] + 1j * xy[:, 1])) % (2 * np.pi)
    assert np.allclose(turn, turn[0]) and np.isclose(min(turn[0], 2 * np.pi - turn[0]),
                                                     2 * np.pi * k / p)
    with pytest.raises(ValueError, match="k"):
        g.frequency_plane(table, 16)


# ---------------------------------------------------------------- the shipped phase diagram

def test_shipped_phase_diagram_is_complete_and_consistent():
    rows = g.load_phase_diagram()
    runs = g.load_sweep_runs()
    assert len(rows) == len(g.SWEEP_FRACS) * len(g.SWEEP_WEIGHT_DECAYS) == len(runs)
    assert {(r["frac"], r["weight_decay"]) for r in rows} == set(runs)
    for row in rows:
        assert set(row) == set(g.PHASE_COLUMNS) and row["source"]
        run = runs[row["frac"], row["weight_decay"]]
        assert row["outcome"] == g.outcome(run)
        assert (row["step_train99"], row["step_test95"]) == g.milestones(run)
        assert run.embeddings.shape == (1, row["p"], row["embed"])
    outcomes = {r["outcome"] for r in rows}
    assert outcomes == set(g.OUTCOMES)  # the diagram shows all three phases
    live = next(r for r in rows if (r["frac"], r["weight_decay"]) == (g.GrokConfig.frac,
                                                                    g.GrokConfig.weight_decay))
    assert live["outcome"] == "grokked" and live["step_test95"] >= 5 * live["step_train99"]


def test_more_weight_decay_groks_sooner_until_it_cannot_fit():
    rows = {(r["frac"], r["weight_decay"]): r for r in g.load_phase_diagram()}
    assert all(rows[f, 0.0]["outcome"] != "grokked" for f in g.SWEEP_FRACS)
    assert all(rows[f, 10.0]["outcome"] == "never fit" for f in g.SWEEP_FRACS)


# ---------------------------------------------------------------- demo frames

@pytest.fixture(scope="module")
def runs():
    return g.load_sweep_runs()


def test_demo_frames_return_alt_text_from_the_data(runs):
    rows = g.load_phase_diagram()
    png, alt, _ = render_frame(draw.draw_phase_diagram, dict(weight_decay=1.0, rows=rows,
                                                             runs=runs), figsize=(8, 3.4), dpi=90)
    assert png[8:12] == b"WEBP" and "40%: grokked at step" in alt and "20%: memorised only" in alt
    _, alt, _ = render_frame(draw.draw_training, dict(weight_decay=0.0, runs=runs, frac=0.4),
                             figsize=(8, 3.2), dpi=90)
    assert "never reaches 95 %" in alt and "memorised only" in alt
    h = g.train(g.GrokConfig(p=13, frac=0.5, embed=8, hidden=16, steps=20, eval_every=10),
                keep_embeddings=True, progress=False)
    _, alt, _ = render_frame(draw.draw_spectrum, dict(step=10, history=h), figsize=(10, 3.3), dpi=90)
    assert "Step 10" in alt and "of 6 frequencies" in alt
