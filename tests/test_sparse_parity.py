"""emergence.sparse_parity: the task, a short training run, the curve readers and the
shipped sweep (shape, provenance, and the science it is quoted for)."""
import csv
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emergence import scaling as sc
from emergence import sparse_parity as sp


def test_task_frequencies_are_zipf_and_subsets_distinct():
    task = sp.SparseParity()
    assert task.n_inputs == 80 and task.subsets.shape == (64, 3)
    assert task.probs.sum() == pytest.approx(1)
    ratio = task.probs[:-1] / task.probs[1:]
    ranks = np.arange(1, 64)
    assert np.allclose(ratio, ((ranks + 1) / ranks) ** 1.4)
    assert len({tuple(s) for s in task.subsets}) == 64
    assert np.all(np.diff(task.subsets, axis=1) > 0)


def test_encode_labels_are_parities_of_the_subtask_bits():
    task = sp.SparseParity(n_tasks=4, n_bits=6, k=3, seed=1)
    rng = np.random.default_rng(0)
    x, y, t = task.sample(500, rng)
    assert x.dtype == np.float32 and x.shape == (500, 10)
    assert np.array_equal(x[:, :4].argmax(axis=1), t) and np.all(x[:, :4].sum(axis=1) == 1)
    bits = x[:, 4:].astype(int)
    for row, task_id, label in zip(bits, t, y):
        assert label == row[task.subsets[task_id]].sum() % 2
    counts = np.bincount(task.sample(20000, rng)[2], minlength=4) / 20000
    assert np.allclose(counts, task.probs, atol=0.015)


def test_task_validation():
    with pytest.raises(ValueError, match="C\\(n_bits, k\\)"):
        sp.SparseParity(n_tasks=30, n_bits=5, k=2)
    with pytest.raises(ValueError, match="k must be <= 4"):
        sp.SparseParity(n_tasks=2, n_bits=4, k=5)
    with pytest.raises(TypeError, match="alpha"):
        sp.SparseParity(alpha="big")
    task = sp.SparseParity(n_tasks=3, n_bits=5)
    with pytest.raises(ValueError, match="tasks must lie"):
        task.encode([0, 3], np.zeros((2, 5)))
    with pytest.raises(ValueError, match="bits must have shape"):
        task.encode([0, 1], np.zeros((2, 4)))
    with pytest.raises(TypeError, match="task must be a SparseParity"):
        sp.ParityConfig("task")
    with pytest.raises(ValueError, match="width must be >= 1"):
        sp.ParityConfig(task, 0)
    with pytest.raises(TypeError, match="config"):
        sp.train(task)


def test_n_parameters():
    task = sp.SparseParity()
    assert sp.n_parameters(task, 64) == 80 * 64 + 64 + 64 * 2 + 2


@pytest.fixture(scope="module")
def small_runs():
    task = sp.SparseParity(n_tasks=8, n_bits=8, k=2, alpha=0.4)
    config = sp.ParityConfig(task, 32, steps=600, eval_every=100, test_per_task=50)
    a = sp.train(config, progress=False)
    b = sp.train(replace(config, steps=300), progress=False)
    return task, a, b


def test_training_learns_frequent_subtasks_first(small_runs):
    task, run, _ = small_runs
    assert run.accuracy.shape == (7, 8) and run.eval_steps.tolist() == list(range(0, 601, 100))
    assert run.n_params == sp.n_parameters(task, 32)
    assert np.all(np.abs(run.accuracy[0] - 0.5) < 0.25)          # chance at the start
    assert run.learned()[:2].all()                                 # the two most frequent learned
    assert run.mean_loss[-1] < run.mean_loss[0]
    assert run.mean_loss[-1] == pytest.approx(run.loss[-1] @ task.probs)
    assert "subtasks learned" in run.summary()


def test_a_shorter_run_repeats_the_start_of_a_longer_one(small_runs):
    _, long, short = small_runs
    assert np.array_equal(short.eval_steps, long.eval_steps[:4])
    assert np.allclose(short.accuracy, long.accuracy[:4]) and np.allclose(short.loss, long.loss[:4])


def test_learning_steps_and_transition_span():
    steps = np.array([0, 100, 200, 300, 400])
    acc = np.array([[0.5, 0.5, 0.5, 0.95], [0.5, 0.5, 0.5, 1], [1.0, 0.55, 0.5, 1],
                    [1, 0.7, 0.5, 1], [1, 0.95, 0.6, 1]])
    first = sp.learning_steps(steps, acc)
    assert first[[0, 1, 3]].tolist() == [200, 400, 0] and np.isnan(first[2])
    span = sp.transition_span(steps, acc)
    assert span[:2].tolist() == [100, 200] and np.isnan(span[2]) and np.isnan(span[3])
    widths = np.array([8, 16, 32, 64])
    by_width = np.array([[0.5, 0.5], [0.55, 0.7], [0.98, 0.8], [1.0, 0.95]])
    assert sp.transition_span(np.log2(widths), by_width).tolist() == [1, 3]
    with pytest.raises(ValueError, match="one row per evaluation"):
        sp.learning_steps(steps[:3], acc)
    with pytest.raises(ValueError, match="one row per x"):
        sp.transition_span(steps[:3], acc)


def test_order_agreement():
    assert sp.order_agreement(np.array([100, 200, 300, np.nan])) == 1.0
    assert sp.order_agreement(np.array([300, 200, 100])) == 0.0
    assert sp.order_agreement(np.array([100, 100, 300])) == 1.0
    assert np.isnan(sp.order_agreement(np.array([100, np.nan])))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 50)), min_size=2, max_size=30))
def test_property_order_agreement_is_a_fraction(values):
    steps = np.array([np.nan if v is None else v for v in values], dtype=float)
    out = sp.order_agreement(steps)
    assert np.isnan(out) or 0 <= out <= 1
    if np.isfinite(steps).sum() >= 2 and np.all(np.diff(steps[np.isfinite(steps)]) >= 0):
        assert out == 1


# ---------------------------------------------------------------- the shipped sweep

@pytest.fixture(scope="module")
def sweep():
    return sp.load_sweep()


def test_shipped_sweep_shapes_and_config(sweep):
    S, W, E, T = sweep.accuracy.shape
    assert (S, W, T) == (len(sweep.seeds), len(sweep.widths), 64) and S >= 3 and W >= 6
    assert sweep.loss.shape == sweep.accuracy.shape and E == len(sweep.eval_steps)
    task = sp.SparseParity(**{k: sweep.config[k] for k in ("n_tasks", "n_bits", "k", "alpha", "seed")})
    assert np.allclose(sweep.probs, task.probs)
    assert sweep.n_params.tolist() == [sp.n_parameters(task, w) for w in sweep.widths]


def test_shipped_csv_matches_the_npz(sweep):
    with (sp.SWEEP_PATH.with_suffix(".csv")).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(sweep.seeds) * len(sweep.widths) * 64
    assert all(r["source"].startswith("this course: scripts/sparse_parity_sweep.py") for r in rows)
    row = rows[-1]
    assert int(row["seed"]) == sweep.seeds[-1] and int(row["width"]) == sweep.widths[-1]
    assert float(row["final_accuracy"]) == pytest.approx(sweep.accuracy[-1, -1, -1, -1], abs=1e-4)


def test_shipped_sweep_shows_what_the_chapter_says(sweep):
    final = sweep.mean_loss[:, :, -1].mean(axis=0)
    assert np.all(np.diff(final) < 0)                       # loss falls with every doubling
    fit = sc.fit_power_law(sweep.n_params, final)
    assert -1.0 < fit.exponent < -0.3 and fit.rms < 0.15    # a power law, roughly
    counts = (sweep.accuracy[:, :, -1] >= sp.LEARNED).sum(axis=2).mean(axis=0)
    assert np.all(np.diff(counts) >= 0) and counts[-1] >= 4 * max(counts[0], 1)
    for s in range(len(sweep.seeds)):                       # learned in frequency order
        for w in range(len(sweep.widths)):
            first = sp.learning_steps(sweep.eval_steps, sweep.accuracy[s, w])
            if np.isfinite(first).sum() >= 4:
                assert sp.order_agreement(first) > 0.7


def test_sweep_learning_steps_per_seed(sweep):
    steps = sweep.learning_steps(256)
    assert steps.shape == (len(sweep.seeds), len(sweep.probs))
    w = int(np.flatnonzero(sweep.widths == 256)[0])
    assert np.array_equal(steps[1], sp.learning_steps(sweep.eval_steps, sweep.accuracy[1, w]),
                          equal_nan=True)
    with pytest.raises(ValueError, match="width"):
        sweep.learning_steps(100)
