"""Multitask sparse parity: smooth scaling built from abrupt, skill-by-skill learning.

After Michaud et al. 2023 (arXiv:2303.13506), shrunk to run on a laptop. There are
``n_tasks`` subtasks; subtask ``i`` (ranked from most to least frequent) is drawn with
probability ``p_i ∝ i^-(alpha+1)`` (a Zipf law). An input is a one-hot *control* code naming
the subtask followed by ``n_bits`` random task bits; the label is the parity (XOR) of the ``k``
task bits that belong to that subtask. A one-hidden-layer ReLU MLP (``emergence.nn``) is
trained with AdamW on cross-entropy, on a fresh batch at every step.

Each subtask is a discrete skill: its test accuracy sits at chance (50 %) and then jumps to
~100 %. The mean test loss, weighted by subtask frequency, is the quantity that scales
smoothly with the number of parameters.

    task = SparseParity()                       # 64 subtasks, 16 bits, k = 3, alpha = 0.4
    run = train(ParityConfig(task, width=64, steps=20_000))
    run.learned()                               # which subtasks reached 90 % test accuracy
    sweep = load_sweep()                        # the shipped sweep (scripts/sparse_parity_sweep.py)
"""
from __future__ import annotations

from math import comb
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import nn
from ._validate import check_array, check_float, check_int
from .curves import first_reaching
from .data import DATA, SavedRun, load_runs, save_runs, write_table

__all__ = ["SparseParity", "ParityConfig", "Run", "train", "n_parameters", "learned", "learning_steps",
           "transition_span", "order_agreement", "Sweep", "run_sweep", "save_sweep", "load_sweep",
           "SWEEP_PATH"]

SWEEP_PATH = DATA / "sparse_parity_sweep"
LEARNED = 0.9
"""Test accuracy at which we call a subtask learned (chance is 0.5)."""


@dataclass(frozen=True)
class SparseParity:
    """The data distribution: which bits each subtask uses and how often it is drawn."""

    n_tasks: int = 64
    n_bits: int = 16
    k: int = 3
    alpha: float = 0.4
    seed: int = 0
    subsets: np.ndarray = field(init=False, repr=False, compare=False)
    probs: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        n_tasks = check_int("n_tasks", self.n_tasks, min=1, max=4096)
        n_bits = check_int("n_bits", self.n_bits, min=1, max=1024)
        k = check_int("k", self.k, min=1, max=n_bits)
        check_float("alpha", self.alpha, min=0)
        rng = np.random.default_rng(check_int("seed", self.seed, min=0))
        if comb(n_bits, k) < n_tasks:
            raise ValueError(f"n_tasks ({n_tasks}) must be at most C(n_bits, k) = "
                             f"{comb(n_bits, k)}, so that every subtask gets its own bits")
        subsets, seen = [], set()
        while len(subsets) < n_tasks:  # distinct subsets: no subtask is another in disguise
            s = tuple(sorted(rng.choice(n_bits, k, replace=False).tolist()))
            if s not in seen:
                seen.add(s)
                subsets.append(s)
        probs = np.arange(1, n_tasks + 1, dtype=float) ** -(self.alpha + 1.0)
        object.__setattr__(self, "subsets", np.array(subsets, dtype=np.int64))
        object.__setattr__(self, "probs", probs / probs.sum())

    @property
    def n_inputs(self) -> int:
        return self.n_tasks + self.n_bits

    def config(self) -> dict:
        return dict(n_tasks=self.n_tasks, n_bits=self.n_bits, k=self.k, alpha=self.alpha,
                    seed=self.seed)

    def encode(self, tasks, bits) -> tuple[np.ndarray, np.ndarray]:
        """Inputs (float32, one-hot control code then the bits) and parity labels."""
        tasks = check_array("tasks", tasks, ndim=1)
        bits = check_array("bits", bits, ndim=2)
        if bits.shape != (len(tasks), self.n_bits):
            raise ValueError(f"bits must have shape ({len(tasks)}, {self.n_bits}), got {bits.shape}")
        if tasks.size and (tasks.min() < 0 or tasks.max() >= self.n_tasks):
            raise ValueError(f"tasks must lie in [0, {self.n_tasks - 1}]")
        m = len(tasks)
        x = np.zeros((m, self.n_inputs), dtype=np.float32)
        x[np.arange(m), tasks] = 1.0
        x[:, self.n_tasks:] = bits
        labels = bits[np.arange(m)[:, None], self.subsets[tasks]].sum(axis=1) % 2
        return x, labels.astype(np.int64)

    def sample(self, size: int, rng: np.random.Generator, tasks=None):
        """``(x, labels, tasks)`` for ``size`` examples; subtasks drawn by frequency unless given."""
        size = check_int("size", size, min=1)
        if tasks is None:
            tasks = np.minimum(np.searchsorted(np.cumsum(self.probs), rng.random(size)),
                               self.n_tasks - 1)
        bits = rng.integers(0, 2, (size, self.n_bits), dtype=np.int8)
        x, labels = self.encode(tasks, bits)
        return x, labels, np.asarray(tasks)


def n_parameters(task: SparseParity, width: int) -> int:
    """Weights and biases of the MLP ``n_inputs → width → 2``."""
    width = check_int("width", width, min=1)
    return (task.n_inputs + 1) * width + (width + 1) * 2


@dataclass
class Run:
    """One trained width: test accuracy and loss per subtask at every evaluation, and the
    run's :class:`nn.History` (per-step training loss; None for a run read from a sweep)."""

    width: int
    n_params: int
    seed: int
    eval_steps: np.ndarray        # (E,)
    accuracy: np.ndarray          # (E, n_tasks)
    loss: np.ndarray              # (E, n_tasks), nats
    probs: np.ndarray             # (n_tasks,)
    history: nn.History | None = field(default=None, repr=False)  # None: read from a sweep

    @property
    def mean_loss(self) -> np.ndarray:
        """Test loss weighted by subtask frequency (the loss on the training distribution)."""
        return self.loss @ self.probs

    def learned(self, threshold: float = LEARNED) -> np.ndarray:
        """Boolean per subtask: final test accuracy at least ``threshold``."""
        return learned(self.accuracy[-1], threshold)

    def summary(self) -> str:
        got = np.flatnonzero(self.learned()) + 1
        return (f"width {self.width} ({self.n_params} parameters), {self.eval_steps[-1]} steps: "
                f"{len(got)} of {len(self.probs)} subtasks learned "
                f"({_ranks(got)}); mean test loss {self.mean_loss[-1]:.3f}")


def _ranks(ranks) -> str:
    """'1-5, 7, 9' for a sorted list of ranks."""
    ranks = list(ranks)
    if not ranks:
        return "none"
    parts, start = [], ranks[0]
    for a, b in zip(ranks, ranks[1:] + [None]):
        if b != a + 1:
            parts.append(str(start) if start == a else f"{start}-{a}")
            start = b
    return ", ".join(parts)


def _test_set(task: SparseParity, per_task: int, seed: int):
    rng = np.random.default_rng([seed, 1])
    tasks = np.repeat(np.arange(task.n_tasks), per_task)
    x, labels, _ = task.sample(len(tasks), rng, tasks=tasks)
    return x, labels


@dataclass(frozen=True)
class ParityConfig:
    """One training run: an MLP of hidden ``width`` on ``task``; defaults: the lab's live run.

    ``steps`` AdamW updates (``lr``) on fresh batches of ``batch_size``, evaluated every
    ``eval_every`` steps on ``test_per_task`` examples of every subtask. Everything is
    seeded by ``seed``: the weights (``[seed, width]``), the batch at step ``t``
    (``[seed, 0, t]``, the same for every width) and the test set (``[seed, 1]``), so a
    shorter run repeats the start of a longer one exactly.
    """

    task: SparseParity = field(default_factory=SparseParity)
    width: int = 64
    steps: int = 2000
    seed: int = 0
    batch_size: int = 256
    lr: float = 1e-2
    eval_every: int = 500
    test_per_task: int = 200

    def __post_init__(self):
        if not isinstance(self.task, SparseParity):
            raise TypeError(f"task must be a SparseParity, got {type(self.task).__name__}")
        check_int("width", self.width, min=1, max=8192)
        check_int("steps", self.steps, min=1), check_int("seed", self.seed, min=0)
        check_int("batch_size", self.batch_size, min=1)
        check_float("lr", self.lr, min=0, min_open=True)
        check_int("eval_every", self.eval_every, min=1)
        check_int("test_per_task", self.test_per_task, min=1)


def train(config: ParityConfig = ParityConfig(), *, progress: bool = True) -> Run:
    """Train the MLP of ``config`` and return its :class:`Run` (test accuracy and loss per
    subtask at every evaluation)."""
    if not isinstance(config, ParityConfig):
        raise TypeError(f"config must be a ParityConfig, got {type(config).__name__}")
    task, width, seed, batch_size = config.task, config.width, config.seed, config.batch_size
    model = nn.MLP([task.n_inputs, width, 2], rng=np.random.default_rng([seed, width]))
    optimizer = nn.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0)
    x_test, y_test = _test_set(task, config.test_per_task, seed)
    rows = np.arange(len(y_test))

    def batch(step):
        x, labels, _ = task.sample(batch_size, np.random.default_rng([seed, 0, step]))
        return x, labels

    def loss_fn(model, b):
        return nn.softmax_cross_entropy(model(b[0]), b[1])

    def evaluate(model):
        logits = model(x_test).data.astype(np.float64)
        z = logits - logits.max(axis=1, keepdims=True)
        nll = np.log(np.exp(z).sum(axis=1)) - z[rows, y_test]
        acc = (logits.argmax(axis=1) == y_test).reshape(task.n_tasks, -1).mean(axis=1)
        nll = nll.reshape(task.n_tasks, -1).mean(axis=1)
        out = {f"acc{i}": a for i, a in enumerate(acc)}
        out.update({f"loss{i}": v for i, v in enumerate(nll)})
        return out

    history = nn.train(model, loss_fn, optimizer, config.steps, batches=batch,
                       eval_every=config.eval_every, eval_fn=evaluate, progress=progress)
    acc = np.stack([history.evals[f"acc{i}"] for i in range(task.n_tasks)], axis=1)
    loss = np.stack([history.evals[f"loss{i}"] for i in range(task.n_tasks)], axis=1)
    return Run(width, model.num_parameters(), seed, history.eval_steps.copy(), acc, loss,
               task.probs.copy(), history)


# ---------------------------------------------------------------- reading the curves

def learned(accuracy, threshold: float = LEARNED) -> np.ndarray:
    """Boolean array: which accuracies reach ``threshold`` (any shape)."""
    threshold = check_float("threshold", threshold, min=0, max=1)
    return check_array("accuracy", accuracy, dtype=float) >= threshold


def learning_steps(eval_steps, accuracy, threshold: float = LEARNED) -> np.ndarray:
    """First evaluation step at which each subtask's accuracy reaches ``threshold`` (NaN: never).

    ``accuracy`` has shape ``(evaluations, subtasks)``.
    """
    eval_steps = check_array("eval_steps", eval_steps, ndim=1, dtype=float)
    acc = check_array("accuracy", accuracy, ndim=2, dtype=float)
    if acc.shape[0] != len(eval_steps):
        raise ValueError(f"accuracy must have one row per evaluation ({len(eval_steps)}), "
                         f"got shape {acc.shape}")
    threshold = check_float("threshold", threshold, min=0, max=1)
    return first_reaching(eval_steps, acc, threshold)


def transition_span(x, values, low: float = 0.6, high: float = LEARNED) -> np.ndarray:
    """How far along ``x`` each column of ``values`` takes to go from below ``low`` to ``high``.

    ``values`` has shape ``(len(x), columns)``, e.g. accuracy by evaluation step or by width.
    For each column: ``x`` at the first point reaching ``high`` minus ``x`` at the last point
    before it that is below ``low``. NaN where the column never reaches ``high`` or starts
    above ``low``. With ``x = np.log2(widths)`` the span is counted in doublings of width.
    """
    x = check_array("x", x, ndim=1, dtype=float)
    values = check_array("values", values, ndim=2, dtype=float)
    if values.shape[0] != len(x):
        raise ValueError(f"values must have one row per x ({len(x)}), got shape {values.shape}")
    out = np.full(values.shape[1], np.nan)
    for j in range(values.shape[1]):
        hit = np.flatnonzero(values[:, j] >= high)
        if hit.size:
            below = np.flatnonzero(values[: hit[0], j] < low)
            if below.size:
                out[j] = x[hit[0]] - x[below[-1]]
    return out


def order_agreement(steps) -> float:
    """Among pairs of learned subtasks, the fraction learned in frequency order (the more
    frequent one first, or at the same evaluation). 1.0: perfectly in order; ~0.5: random."""
    steps = check_array("steps", steps, ndim=1, dtype=float, finite=False)
    ranks = np.flatnonzero(np.isfinite(steps))
    if len(ranks) < 2:
        return float("nan")
    t = steps[ranks]
    i, j = np.triu_indices(len(ranks), 1)      # rank i is more frequent than rank j
    return float(np.mean(t[i] <= t[j]))


# ---------------------------------------------------------------- a sweep over widths

@dataclass
class Sweep:
    """Runs for every (seed, width): arrays indexed ``[seed, width, evaluation, subtask]``."""

    config: dict
    widths: np.ndarray
    seeds: np.ndarray
    n_params: np.ndarray
    eval_steps: np.ndarray
    accuracy: np.ndarray
    loss: np.ndarray
    probs: np.ndarray

    @property
    def mean_loss(self) -> np.ndarray:
        """Frequency-weighted test loss, shape ``(seeds, widths, evaluations)``."""
        return self.loss @ self.probs

    def learning_steps(self, width: int, threshold: float = LEARNED) -> np.ndarray:
        """When each subtask is learned at ``width``: shape ``(seeds, subtasks)``, NaN: never."""
        w = self._index("width", self.widths, width)
        return np.array([learning_steps(self.eval_steps, self.accuracy[s, w], threshold)
                         for s in range(len(self.seeds))])

    def _index(self, name: str, values: np.ndarray, value) -> int:
        if value not in values:
            raise ValueError(f"{name} must be one of {values.tolist()}, got {value!r}")
        return int(np.flatnonzero(values == value)[0])

    def run(self, width: int, seed: int) -> Run:
        w = self._index("width", self.widths, width)
        s = self._index("seed", self.seeds, seed)
        return Run(int(width), int(self.n_params[w]), int(seed), self.eval_steps,
                   self.accuracy[s, w], self.loss[s, w], self.probs)


def run_sweep(task: SparseParity, widths, seeds, *, steps: int, progress: bool = False,
              log=None, **train_kwargs) -> Sweep:
    """Train every width with every seed (:func:`train` with :class:`ParityConfig`);
    ``log(run)`` after each."""
    widths = [check_int("widths[]", w, min=1) for w in widths]
    seeds = [check_int("seeds[]", s, min=0) for s in seeds]
    runs = []
    for s in seeds:
        for w in widths:
            run = train(ParityConfig(task, w, steps, s, **train_kwargs), progress=progress)
            runs.append(run)
            if log is not None:
                log(run)
    shape = (len(seeds), len(widths))
    acc = np.stack([r.accuracy for r in runs]).reshape(*shape, *runs[0].accuracy.shape)
    loss = np.stack([r.loss for r in runs]).reshape(*shape, *runs[0].loss.shape)
    config = dict(task.config(), steps=steps, **train_kwargs)
    return Sweep(config, np.array(widths), np.array(seeds),
                 np.array([n_parameters(task, w) for w in widths]), runs[0].eval_steps,
                 acc, loss, task.probs.copy())


SWEEP_COLUMNS = ("seed", "width", "parameters", "subtask", "frequency", "bits", "final_accuracy",
                 "final_loss", "first_step_90", "source")
_SWEEP_ARRAYS = ("widths", "seeds", "n_params", "eval_steps", "probs", "accuracy", "loss")


def save_sweep(sweep: Sweep, path=SWEEP_PATH) -> None:
    """Write ``<path>.npz`` (all curves, in the runs format of :mod:`emergence.data`) and
    ``<path>.csv`` (final values, one row per seed, width and subtask, with a ``source``)."""
    path = Path(path)
    arrays = {k: getattr(sweep, k) for k in _SWEEP_ARRAYS}
    arrays["accuracy"], arrays["loss"] = (sweep.accuracy.astype(np.float32),
                                          sweep.loss.astype(np.float32))
    save_runs(path.with_suffix(".npz"), {"sweep": SavedRun(sweep.config, arrays)})
    task = SparseParity(**{k: sweep.config[k] for k in ("n_tasks", "n_bits", "k", "alpha", "seed")})
    source = ("this course: scripts/sparse_parity_sweep.py (" + ", ".join(
        f"{k}={v}" for k, v in sweep.config.items()) + ")")
    rows = []
    for s, seed in enumerate(sweep.seeds):
        for w, width in enumerate(sweep.widths):
            first = learning_steps(sweep.eval_steps, sweep.accuracy[s, w])
            rows += [dict(seed=int(seed), width=int(width), parameters=int(sweep.n_params[w]),
                          subtask=i + 1, frequency=f"{sweep.probs[i]:.6g}",
                          bits=" ".join(map(str, task.subsets[i])),
                          final_accuracy=f"{sweep.accuracy[s, w, -1, i]:.4f}",
                          final_loss=f"{sweep.loss[s, w, -1, i]:.5f}",
                          first_step_90=None if np.isnan(first[i]) else int(first[i]),
                          source=source) for i in range(len(sweep.probs))]
    write_table(path.with_suffix(".csv"), rows, SWEEP_COLUMNS)


def load_sweep(path=SWEEP_PATH) -> Sweep:
    """The sweep saved by ``save_sweep`` (by default the one shipped with the course)."""
    config, arrays = load_runs(Path(path).with_suffix(".npz"))["sweep"]
    arrays = dict(arrays, accuracy=arrays["accuracy"].astype(float),
                  loss=arrays["loss"].astype(float))
    return Sweep(config, **arrays)
