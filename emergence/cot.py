"""Chapter 5: chain of thought, as an experiment and as arithmetic.

Three parts.

- **State tracking** with ``k`` serial steps. A task is a transition table
  ``TASKS[name][state, symbol] -> state``, started from state 0: running parity
  (``"parity"``: the state is the parity of the bits so far) and the shell game
  (``"cups"``: three cups, a ball under the first, each symbol swaps two cups;
  the state is the cup that hides the ball). :func:`run_chain` gives every
  intermediate state.
- **Two ways to learn it**, trained with :mod:`emergence.nn` on the same kind of
  fresh random sequences, with the same number of updates and batch size.
  *Direct* (:class:`DirectConfig`, trained by :func:`train`): an MLP reads all ``k`` symbols and answers the
  final state in one shot, one model per ``k`` (trained side by side, see
  :class:`StackedMLP`). *Step by step* (:class:`StepperConfig`): an MLP with one
  hidden layer of the same width reads the state it wrote last and the next symbol
  and writes the next state; applied ``k`` times, feeding on its own outputs, it
  answers chains of any length (:func:`evaluate_stepper`). It has as many
  parameters as the direct model for ``k = 2`` and fewer than every longer one.
  Both train in float64: in float32, results near the transition move by a few
  points with the number of threads the linear-algebra library happens to use (its
  rounding differs); in float64 they do not.
- **Compounding**: a chain of ``k`` steps, each right with probability ``p``, is
  right with probability ``p**k`` (:func:`chain_success`); a toy model of per-step
  reliability that improves with scale (:func:`scale_model`) shows chain-of-thought
  answers losing to direct answers at small scale and winning at large scale
  (:func:`crossover_scale`).

The published numbers are in ``emergence/data/cot_published.csv``
(:func:`published`), each row with its source.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import nn
from .curves import logistic
from .data import read_table
from ._validate import check_array, check_choice, check_float, check_int, rng_from
from .nn.layers import Module
from .nn.tensor import Tensor

__all__ = ["TASKS", "SYMBOLS", "step", "parity_step", "run_chain", "sample_symbols",
           "encode_sequence", "encode_step", "streams", "StackedMLP", "DirectConfig",
           "StepperConfig", "DirectResult", "StepperResult", "train", "evaluate_direct",
           "evaluate_stepper", "chain_success", "required_step_accuracy", "scale_model",
           "crossover_scale", "published", "SWEEP_COLUMNS", "Sweep", "load_sweep"]

TASKS = {
    # parity: state = parity so far, symbol = next bit
    "parity": np.array([[0, 1], [1, 0]]),
    # cups: state = cup hiding the ball (0, 1, 2); symbol 0 swaps cups 0,1; 1 swaps 1,2; 2 swaps 0,2
    "cups": np.array([[1, 0, 2], [0, 2, 1], [2, 1, 0]]).T.copy(),
}
"""Transition tables ``table[state, symbol] -> next state``; every chain starts in state 0."""

SYMBOLS = {"parity": ("0", "1"), "cups": ("swap A-B", "swap B-C", "swap A-C")}


def _task(task: str) -> np.ndarray:
    return TASKS[check_choice("task", task, tuple(TASKS))]


def _check_ints(name: str, values, size: int) -> np.ndarray:
    """``values`` as an int64 array, every entry an integer in ``[0, size)``."""
    arr = check_array(name, values)
    if np.any((arr < 0) | (arr >= size) | (arr != np.round(arr))):
        raise ValueError(f"{name} must be integers in [0, {size})")
    return arr.astype(np.int64)


def _check_pairs(table: np.ndarray, states, symbols) -> tuple[np.ndarray, np.ndarray]:
    """Valid ``states`` and ``symbols`` of ``table`` as integer arrays (they broadcast)."""
    return (_check_ints("states", states, table.shape[0]),
            _check_ints("symbols", symbols, table.shape[1]))


def step(task: str, states, symbols) -> np.ndarray:
    """The next state for each (state, symbol) pair (arrays broadcast)."""
    table = _task(task)
    states, symbols = _check_pairs(table, states, symbols)
    return table[states, symbols]


def parity_step(state, bit):
    """One step of running parity: the parity after reading ``bit``, given the parity so far."""
    return step("parity", state, bit)


def _check_symbols(task: str, symbols) -> np.ndarray:
    """Symbol sequences of ``task`` as an ``(n, k)`` int64 array (``(k,)`` becomes ``(1, k)``)."""
    arr = _check_ints("symbols", symbols, _task(task).shape[1])
    arr = arr[None, :] if arr.ndim == 1 else arr
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(f"symbols must have shape (k,) or (n, k) with k >= 1, got {arr.shape}")
    return arr


def run_chain(task: str, symbols) -> np.ndarray:
    """All intermediate states: ``out[i, t]`` is the state after symbols ``0..t`` of row ``i``.

    ``symbols`` has shape ``(n, k)`` (or ``(k,)``, giving shape ``(1, k)``).
    """
    return _chain(_task(task), _check_symbols(task, symbols))


def _chain(table: np.ndarray, sym: np.ndarray) -> np.ndarray:
    """:func:`run_chain` without the argument checks (the training loops call it often)."""
    out = np.empty_like(sym)
    state = np.zeros(len(sym), dtype=sym.dtype)
    for t in range(sym.shape[1]):
        state = table[state, sym[:, t]]
        out[:, t] = state
    return out


def sample_symbols(task: str, n: int, k: int, seed) -> np.ndarray:
    """``n`` random sequences of ``k`` symbols, uniform and independent."""
    table = _task(task)
    n, k = check_int("n", n, min=1), check_int("k", k, min=1)
    return rng_from("seed", seed).integers(0, table.shape[1], (n, k))


def _one_hot(indices: np.ndarray, size: int) -> np.ndarray:
    return np.eye(size, dtype=np.float32)[indices]


def encode_sequence(task: str, symbols, width: int | None = None) -> np.ndarray:
    """One-hot input of the direct model: ``(n, width * n_symbols)``, zero-padded after ``k``."""
    sym = _check_symbols(task, symbols)
    n, k = sym.shape
    width = k if width is None else check_int("width", width, min=k)
    s = _task(task).shape[1]
    out = np.zeros((n, width * s), dtype=np.float32)
    out[:, :k * s] = _one_hot(sym, s).reshape(n, k * s)
    return out


def encode_step(task: str, states, symbols) -> np.ndarray:
    """One-hot input of the step model: the state written last, then the next symbol."""
    table = _task(task)
    states, symbols = np.broadcast_arrays(*_check_pairs(table, states, symbols))
    return np.concatenate([_one_hot(states, table.shape[0]),
                           _one_hot(symbols, table.shape[1])], axis=-1)


# ---------------------------------------------------------------- the two learners

def streams(seed, *keys) -> np.random.Generator:
    """An independent random stream for ``(seed, *keys)``.

    Each direct model has its own stream ``streams(seed, 1, k)`` for its initial
    weights and its training data, so its result does not depend on which other
    chain lengths were trained beside it; the step model uses ``streams(seed, 2)``.
    """
    seed = check_int("seed", seed, min=0)
    return np.random.default_rng([seed, *(check_int("keys", k, min=0) for k in keys)])


class StackedMLP(Module):
    """``M`` independent one-hidden-layer ReLU MLPs evaluated with one batched product.

    Model ``m`` reads the first ``in_sizes[m]`` of ``width`` input features (default
    ``max(in_sizes)``; the rest are zero padding, with no weights) and is initialised
    from ``rngs[m]`` exactly as ``nn.MLP([in_sizes[m], hidden, out], rng=rngs[m])``
    would be. Stacking shares the per-operation overhead of the engine, which is most
    of the cost for models this small.
    """

    def __init__(self, in_sizes, hidden: int, out: int, *, rngs, width: int | None = None,
                 dtype=np.float32):
        self.in_sizes = [check_int(f"in_sizes[{i}]", s, min=1) for i, s in enumerate(in_sizes)]
        if not self.in_sizes:
            raise ValueError("in_sizes must list at least one model")
        if not hasattr(rngs, "__len__") or len(rngs) != len(self.in_sizes):
            raise ValueError(f"rngs must give one seed or Generator per model "
                             f"({len(self.in_sizes)}), got {rngs!r:.60}")
        self.hidden = check_int("hidden", hidden, min=1)
        self.out = check_int("out", out, min=1)
        m = len(self.in_sizes)
        d = max(self.in_sizes) if width is None else check_int("width", width,
                                                               min=max(self.in_sizes))
        w1, b1 = np.zeros((m, d, hidden)), np.zeros((m, 1, hidden))
        w2, b2 = np.zeros((m, hidden, out)), np.zeros((m, 1, out))
        for i, size in enumerate(self.in_sizes):
            rng = rng_from(f"rngs[{i}]", rngs[i])
            for w, b, fan_in in ((w1[i, :size], b1[i, 0], size), (w2[i], b2[i, 0], hidden)):
                bound = 1 / np.sqrt(fan_in)  # the order and bounds of nn.Linear
                w[...] = rng.uniform(-bound, bound, w.shape)
                b[...] = rng.uniform(-bound, bound, b.shape)
        self.w1, self.b1, self.w2, self.b2 = (Tensor(a.astype(dtype), requires_grad=True)
                                              for a in (w1, b1, w2, b2))

    def forward(self, x) -> Tensor:
        """``x`` of shape ``(M, batch, width)`` -> logits ``(M, batch, out)``."""
        x = nn.as_tensor(x, "x", dtype=self.w1.dtype)
        if x.ndim != 3 or x.shape[0] != len(self.in_sizes) or x.shape[2] != self.w1.shape[1]:
            raise ValueError(f"x must have shape ({len(self.in_sizes)}, batch, "
                             f"{self.w1.shape[1]}), got {x.shape}")
        h = (nn.matmul(x, self.w1) + self.b1).relu()
        return nn.matmul(h, self.w2) + self.b2

    def parameters_of(self, i: int) -> int:
        """Number of parameters model ``i`` really uses (no weights on padding)."""
        i = check_int("i", i, min=0, max=len(self.in_sizes) - 1)
        return (self.in_sizes[i] + 1) * self.hidden + (self.hidden + 1) * self.out


def _check_ks(ks) -> list[int]:
    ks = [check_int(f"ks[{i}]", k, min=1) for i, k in enumerate(np.atleast_1d(ks))]
    if not ks:
        raise ValueError("ks must list at least one chain length")
    if len(set(ks)) != len(ks):
        raise ValueError(f"ks must not repeat a chain length, got {ks}")
    return ks


LIVE_KS = (2, 4, 6, 8, 10, 12)
"""The chain lengths the lab trains live."""


def _fit(model, loss_fn, next_batch, config, progress, evaluate):
    """AdamW training; ``evaluate()`` runs after each checkpoint's number of updates."""
    optimizer = nn.AdamW(model, lr=config.lr, weight_decay=0.0)
    results = {}

    def at_checkpoints(step, _model):
        if step in config.checkpoints:
            results[step] = evaluate()

    history = nn.train(model, loss_fn, optimizer, config.steps, batches=next_batch,
                       on_step=at_checkpoints if config.checkpoints else None, progress=progress)
    return history, results


def _check_training(config) -> None:
    check_int("steps", config.steps, min=0), check_int("hidden", config.hidden, min=1)
    check_int("batch", config.batch, min=1), check_float("lr", config.lr, min=0, min_open=True)
    check_int("seed", config.seed, min=0), check_int("n_test", config.n_test, min=1)
    object.__setattr__(config, "checkpoints", tuple(sorted(
        {check_int("checkpoints", c, min=1, max=config.steps) for c in config.checkpoints})))


@dataclass(frozen=True)
class DirectConfig:
    """Direct learners, one per chain length in ``ks``; the defaults are the lab's live run.

    ``steps`` AdamW updates (``lr``) on ``batch`` fresh sequences per model, ``hidden`` units,
    inputs zero-padded to ``width`` symbols (default ``max(ks)``), seeded by ``seed``.
    ``checkpoints`` (update counts up to ``steps``) adds ``result.checkpoints``,
    ``{updates: evaluate_direct(result, n_test)}``.
    """

    task: str = "cups"
    ks: tuple = LIVE_KS
    steps: int = 300
    hidden: int = 128
    batch: int = 256
    lr: float = 3e-3
    seed: int = 0
    width: int | None = 16
    checkpoints: tuple = ()
    n_test: int = 2000

    def __post_init__(self):
        _task(self.task)
        object.__setattr__(self, "ks", tuple(_check_ks(self.ks)))
        if self.width is not None:
            check_int("width", self.width, min=max(self.ks))
        _check_training(self)


@dataclass(frozen=True)
class StepperConfig:
    """The step-by-step learner; the defaults are the lab's live run.

    Trained on the intermediate steps of fresh chains of length ``chain``; ``checkpoints``
    (what to measure, not how to train) adds
    ``{updates: evaluate_stepper(result, checkpoint_ks, n_test)}``.
    """

    task: str = "cups"
    steps: int = 300
    hidden: int = 128
    batch: int = 256
    lr: float = 3e-3
    seed: int = 0
    chain: int = 16
    checkpoints: tuple = ()
    checkpoint_ks: tuple = LIVE_KS
    n_test: int = 2000

    def __post_init__(self):
        _task(self.task)
        check_int("chain", self.chain, min=1)
        object.__setattr__(self, "checkpoint_ks", tuple(_check_ks(self.checkpoint_ks)))
        _check_training(self)


@dataclass
class DirectResult:
    """Direct models, one per chain length ``config.ks[i]``, and their training history."""

    config: DirectConfig
    model: StackedMLP
    history: nn.History
    checkpoints: dict = field(default_factory=dict)

    @property
    def task(self) -> str:
        return self.config.task

    @property
    def ks(self) -> list:
        return list(self.config.ks)

    def parameters(self) -> dict:
        """Parameters of the direct model for each k."""
        return {k: self.model.parameters_of(i) for i, k in enumerate(self.ks)}


def train(config, *, progress: bool = True):
    """Train the learner that ``config`` describes: a :class:`DirectConfig` gives a
    :class:`DirectResult`, a :class:`StepperConfig` a :class:`StepperResult`."""
    if isinstance(config, DirectConfig):
        return _train_direct(config, progress)
    if isinstance(config, StepperConfig):
        return _train_stepper(config, progress)
    raise TypeError(f"config must be a DirectConfig or a StepperConfig, got "
                    f"{type(config).__name__}")


def _train_direct(config: DirectConfig, progress: bool) -> DirectResult:
    """One direct model per ``k``: all ``k`` symbols in, the final state out.

    Each update gives every model ``batch`` fresh random sequences of its length
    (none is reused on purpose; for small ``k`` they repeat by chance) and takes
    one AdamW step on the sum over models of each model's mean cross-entropy, so
    each model gets exactly the gradient it would get if trained alone. With the same
    ``width``, a model's run is bit-identical whichever other lengths are stacked with it
    (a different padding changes the floating-point rounding of the matrix products).
    With a constant learning rate, a run of ``steps`` updates passes through the state of
    every shorter run: that is what ``checkpoints`` records.
    """
    table = _task(config.task)
    ks, batch = list(config.ks), config.batch
    rngs = [streams(config.seed, 1, k) for k in ks]
    n_sym = table.shape[1]
    width = max(ks) if config.width is None else config.width
    model = StackedMLP([k * n_sym for k in ks], config.hidden, table.shape[0], rngs=rngs,
                       width=width * n_sym, dtype=np.float64)
    eye = np.eye(n_sym, dtype=np.float32)

    def next_batch(_):
        x = np.zeros((len(ks), batch, width * n_sym), dtype=np.float32)
        y = np.empty((len(ks), batch), dtype=np.int64)
        for i, (k, rng) in enumerate(zip(ks, rngs)):
            sym = rng.integers(0, n_sym, (batch, k))
            x[i, :, :k * n_sym] = eye[sym].reshape(batch, k * n_sym)
            y[i] = _chain(table, sym)[:, -1]
        return x, y

    def loss_fn(m, b):
        logits, y = m(b[0]), b[1]
        loss = nn.softmax_cross_entropy(logits[0], y[0])
        for i in range(1, len(ks)):
            loss = loss + nn.softmax_cross_entropy(logits[i], y[i])
        return loss

    result = DirectResult(config, model, nn.History())
    result.history, result.checkpoints = _fit(
        model, loss_fn, next_batch, config, progress,
        lambda: evaluate_direct(result, config.n_test))
    return result


def _test_seed(seed, k: int) -> int:
    """The seed of the test sequences of length ``k`` (the same for both learners)."""
    return check_int("seed", seed, min=0) * 1000 + k


def evaluate_direct(result: DirectResult, n: int = 2000, seed: int = 12345) -> dict:
    """Accuracy of each direct model on ``n`` fresh sequences of its length: ``{k: acc}``."""
    if not isinstance(result, DirectResult):
        raise TypeError(f"result must be a DirectResult, got {type(result).__name__}")
    n = check_int("n", n, min=1)
    n_sym = _task(result.task).shape[1]
    width = result.model.w1.shape[1]
    xs, ys = [], []
    for k in result.ks:
        sym = sample_symbols(result.task, n, k, _test_seed(seed, k))
        xs.append(encode_sequence(result.task, sym, width // n_sym))
        ys.append(run_chain(result.task, sym)[:, -1])
    with nn.no_grad():
        pred = result.model(np.stack(xs)).data.argmax(-1)
    return {k: float(np.mean(p == y)) for k, p, y in zip(result.ks, pred, ys)}


@dataclass
class StepperResult:
    """The step model and its training history."""

    config: StepperConfig
    model: nn.MLP
    history: nn.History
    checkpoints: dict = field(default_factory=dict)

    @property
    def task(self) -> str:
        return self.config.task


def _train_stepper(config: StepperConfig, progress: bool) -> StepperResult:
    """The step model: (state written last, next symbol) in, next state out.

    Its training data are the intermediate steps of fresh random chains of length
    ``chain`` (one random position per chain), like a scratchpad in the training
    text. For both tasks it has the shape of the direct model for ``k = 2``.
    """
    task, batch, chain = config.task, config.batch, config.chain
    table = _task(task)
    rng = streams(config.seed, 2)
    model = nn.MLP([sum(table.shape), config.hidden, table.shape[0]], rng=rng, dtype=np.float64)
    rows = np.arange(batch)

    def next_batch(_):
        sym = rng.integers(0, table.shape[1], (batch, chain))
        states = np.concatenate([np.zeros((batch, 1), np.int64), _chain(table, sym)], axis=1)
        t = rng.integers(0, chain, batch)
        return encode_step(task, states[rows, t], sym[rows, t]), states[rows, t + 1]

    def loss_fn(m, b):
        return nn.softmax_cross_entropy(m(b[0]), b[1])

    result = StepperResult(config, model, nn.History())
    result.history, result.checkpoints = _fit(
        model, loss_fn, next_batch, config, progress,
        lambda: evaluate_stepper(result, config.checkpoint_ks, config.n_test))
    return result


def evaluate_stepper(result: StepperResult, ks, n: int = 2000, seed: int = 12345) -> dict:
    """Run the step model on its own outputs for each chain length ``k``.

    Returns ``{k: {"final": final state right, "chain": every written state right,
    "step": fraction of steps right when the true previous state is given}}``.
    The test sequences are the ones :func:`evaluate_direct` uses.
    """
    if not isinstance(result, StepperResult):
        raise TypeError(f"result must be a StepperResult, got {type(result).__name__}")
    task, model = result.task, result.model
    ks, n = _check_ks(ks), check_int("n", n, min=1)
    out = {}
    with nn.no_grad():
        for k in ks:
            sym = sample_symbols(task, n, k, _test_seed(seed, k))
            truth = run_chain(task, sym)
            state = np.zeros(n, dtype=np.int64)
            written = np.empty_like(truth)
            for t in range(k):                                   # free running: own outputs
                state = model(encode_step(task, state, sym[:, t])).data.argmax(-1)
                written[:, t] = state
            previous = np.concatenate([np.zeros((n, 1), np.int64), truth[:, :-1]], axis=1)
            forced = model(encode_step(task, previous, sym)).data.argmax(-1)  # teacher forced
            out[k] = {"final": float(np.mean(written[:, -1] == truth[:, -1])),
                      "chain": float(np.mean(np.all(written == truth, axis=1))),
                      "step": float(np.mean(forced == truth))}
    return out


# ---------------------------------------------------------------- compounding

def chain_success(p, k):
    """Probability that all ``k`` independent steps succeed, each with probability ``p``."""
    p = check_array("p", p, dtype=float)
    k = check_array("k", k, dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p must lie in [0, 1]")
    if np.any(k < 0):
        raise ValueError("k must be >= 0")
    return p ** k


def required_step_accuracy(target, k):
    """Per-step accuracy needed for a ``k``-step chain to succeed with probability ``target``."""
    target = check_array("target", target, dtype=float)
    k = check_array("k", k, dtype=float)
    if np.any((target < 0) | (target > 1)):
        raise ValueError("target must lie in [0, 1]")
    if np.any(k <= 0):
        raise ValueError("k must be > 0")
    return target ** (1.0 / k)


def scale_model(scale, k: int, *, step_mid: float = 10.3, step_width: float = 0.4,
                internal_shift: float = 1.5, direct_floor: float = 0.05,
                cot_floor: float = 0.02) -> dict:
    """A toy model of direct and chain-of-thought accuracy on a ``k``-step problem vs scale.

    Not fitted to any data; it only encodes three assumptions.

    - A written step is right with probability
      ``p = logistic((log10(scale) - step_mid) / step_width)``, rising smoothly with scale.
    - The same step done silently, inside one forward pass, needs ``internal_shift``
      more decades of scale:
      ``q = logistic((log10(scale) - step_mid - internal_shift) / step_width)``.
    - A chain of thought is right when all ``k`` written steps are (``p**k``) or, if not,
      by luck (``cot_floor``). A direct answer is right when all ``k`` silent steps are,
      or else from a shallow heuristic (``direct_floor``, e.g. a plausible guess).

    So ``cot = p**k + (1 - p**k) * cot_floor`` and
    ``direct = q**k + (1 - q**k) * direct_floor``. With ``direct_floor > cot_floor`` a
    derailed chain does worse than a guess: chain of thought hurts small models and
    helps large ones. Returns arrays ``p``, ``q``, ``cot``, ``direct``.
    """
    scale = check_array("scale", scale, dtype=float)
    if np.any(scale <= 0):
        raise ValueError("scale must be > 0")
    k = check_int("k", k, min=1)
    step_mid = check_float("step_mid", step_mid)
    step_width = check_float("step_width", step_width, min=0, min_open=True)
    internal_shift = check_float("internal_shift", internal_shift, min=0)
    direct_floor = check_float("direct_floor", direct_floor, min=0, max=1)
    cot_floor = check_float("cot_floor", cot_floor, min=0, max=1)
    x = np.log10(scale)
    p = logistic((x - step_mid) / step_width)
    q = logistic((x - step_mid - internal_shift) / step_width)
    cot = p ** k + (1 - p ** k) * cot_floor
    direct = q ** k + (1 - q ** k) * direct_floor
    return {"p": p, "q": q, "cot": cot, "direct": direct}


def crossover_scale(k: int, lo: float = 1e6, hi: float = 1e16, **params) -> float:
    """The scale at which chain-of-thought accuracy first exceeds direct accuracy.

    The first sign change of CoT minus direct on a grid of 401 points in
    log10(scale) between ``lo`` and ``hi``, refined by bisection, for
    :func:`scale_model` with ``params``; ``nan`` if CoT never overtakes direct there.
    """
    lo = check_float("lo", lo, min=0, min_open=True)
    hi = check_float("hi", hi, min=lo, min_open=True)

    def gain(log_scale):
        r = scale_model(np.array([10.0 ** log_scale]), k, **params)
        return float(r["cot"][0] - r["direct"][0])

    grid = np.linspace(np.log10(lo), np.log10(hi), 401)
    r = scale_model(10.0 ** grid, k, **params)
    gains = r["cot"] - r["direct"]
    above = np.flatnonzero((gains[:-1] <= 0) & (gains[1:] > 0))
    if gains[0] > 0 or not above.size:
        return float("nan")
    a, b = grid[above[0]], grid[above[0] + 1]
    for _ in range(60):
        mid = (a + b) / 2
        a, b = (mid, b) if gain(mid) <= 0 else (a, mid)
    return float(10 ** ((a + b) / 2))


# ---------------------------------------------------------------- data

def published(kind: str | None = None) -> list[dict]:
    """Published chain-of-thought results (``cot_published.csv``), numbers as floats.

    ``kind="accuracy"``: accuracy (%) without (``baseline_acc``) and with
    (``cot_acc``) the method, by model and dataset. ``kind="emergence_scale"``:
    the scale (``params_b`` in billions, ``flops``) at which a method starts to
    help, from Wei et al. 2022's Table 1. Every row names its ``paper`` (a key of
    the book's bibliography), its ``source`` (paper, table), ``method_paper`` (who
    introduced the method), ``tag`` (V: read in the paper; S: from a transcription)
    and ``transcribed`` (True for S rows). Missing numbers are NaN.
    """
    if kind is not None:
        check_choice("kind", kind, ("accuracy", "emergence_scale"))
    rows = read_table("cot_published")
    for row in rows:
        for key in ("baseline_acc", "cot_acc", "params_b", "flops"):
            row[key] = float("nan") if row[key] is None else float(row[key])
    return [r for r in rows if kind is None or r["kind"] == kind]


SWEEP_COLUMNS = ("task", "learner", "seed", "updates", "k", "final", "chain", "step", "params",
                 "source")


@dataclass(frozen=True)
class Sweep:
    """The shipped sweep (``cot_sweep.csv``, written by ``scripts/cot_sweep.py``), by column.

    One entry per (task, learner, seed, updates, k): ``final`` is the accuracy of the final
    answer on 2,000 test sequences; for the step model, ``chain`` is the fraction of chains
    with every written state right and ``step`` the per-step accuracy given the true previous
    state (NaN for direct models). ``task`` and ``learner`` are text, the rest numbers.
    """

    task: np.ndarray
    learner: np.ndarray
    seed: np.ndarray
    updates: np.ndarray
    k: np.ndarray
    final: np.ndarray
    chain: np.ndarray
    step: np.ndarray
    params: np.ndarray

    def where(self, **match) -> np.ndarray:
        """Boolean mask of the rows whose columns equal the given values, e.g. ``task="cups"``."""
        mask = np.ones(len(self.k), dtype=bool)
        for column, value in match.items():
            check_choice("column", column, SWEEP_COLUMNS[:5])
            mask &= getattr(self, column) == value
        return mask

    def mean(self, column: str = "final", **match) -> float:
        """The mean of a column over the rows that ``match`` (e.g. over the seeds)."""
        check_choice("column", column, ("final", "chain", "step", "params"))
        return float(getattr(self, column)[self.where(**match)].mean())

    def per_seed(self, column: str = "final", **match) -> tuple[np.ndarray, np.ndarray]:
        """``(ks, values)`` with ``values[s, i]`` the column for seed ``s`` at ``ks[i]``.

        ``match`` must pick one row per (seed, k), e.g. a task, a learner and a budget.
        """
        check_choice("column", column, ("final", "chain", "step", "params"))
        rows = self.where(**match)
        ks, seeds = np.unique(self.k[rows]).astype(int), np.unique(self.seed[rows])
        values = np.full((len(seeds), len(ks)), np.nan)
        for s, seed in enumerate(seeds):
            for i, k in enumerate(ks):
                (at,) = np.flatnonzero(rows & (self.seed == seed) & (self.k == k))
                values[s, i] = getattr(self, column)[at]
        return ks, values

    def by_k(self, column: str = "final", **match) -> tuple[np.ndarray, np.ndarray]:
        """``(ks, mean over the seeds at each k)`` of a column, for the rows that ``match``."""
        ks, values = self.per_seed(column, **match)
        return ks, values.mean(axis=0)


def load_sweep() -> Sweep:
    """The shipped sweep of both learners on both tasks (see :class:`Sweep`)."""
    rows = read_table("cot_sweep")
    text = ("task", "learner")
    return Sweep(**{name: np.array([r[name] for r in rows]) if name in text else
                    np.array([np.nan if r[name] is None else r[name] for r in rows], dtype=float)
                    for name in SWEEP_COLUMNS[:-1]})
