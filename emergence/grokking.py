"""Chapter 6: grokking, modular arithmetic learned long after it has been memorised.

The pieces, in the order the chapter uses them:

- :func:`modular_data`: every pair ``(a, b)`` with its answer ``a ∘ b mod p``, split at
  random (seeded) into a training set and a test set.
- :class:`GrokMLP` (shared embedding of ``a`` and ``b``, concatenated, one ReLU layer) and
  :class:`GrokTransformer` (one layer reading ``a b =``): the two models.
- :class:`GrokConfig` (its defaults are the lab's live run) and :func:`train`: full-batch
  AdamW with the ``emergence.nn`` engine; returns a :class:`GrokHistory` (built on
  ``nn.History``) of train/test loss and accuracy and the weight norm at every evaluation
  step (and, on request, snapshots of the embedding table).
- Analysis: :func:`milestone`, :func:`phases` (memorisation, plateau, generalisation),
  :func:`outcome` (grokked / memorised only / never fit), :func:`fourier_power` and
  :func:`key_frequencies` of a learned embedding.
- :func:`run_cell`, :func:`load_phase_diagram`, :func:`load_sweep_runs`: the phase diagram over
  training fraction × weight decay that ``scripts/grokking_sweep.py`` computes and ships in
  ``emergence/data``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from . import nn
from ._validate import check_array, check_choice, check_float, check_int, rng_from
from .curves import first_reaching
from .data import DATA, SavedRun, load_runs, read_table, save_runs

__all__ = ["OPERATIONS", "ModularData", "modular_data", "GrokMLP", "GrokTransformer",
           "GrokHistory", "train", "milestone", "milestones", "phases", "outcome", "OUTCOMES",
           "TRAIN_LEVEL", "TEST_LEVEL", "fourier_power", "key_frequencies", "frequency_plane",
           "GrokConfig", "TRANSFORMER_RUN", "SWEEP_FRACS", "SWEEP_WEIGHT_DECAYS", "run_cell",
           "phase_row", "load_phase_diagram", "load_sweep_runs", "PHASE_COLUMNS"]

OPERATIONS = ("add", "sub", "mul", "div")
TRAIN_LEVEL, TEST_LEVEL = 0.99, 0.95  # "memorised" and "generalised" milestones
OUTCOMES = ("grokked", "memorised only", "never fit")



@dataclass(frozen=True)
class GrokConfig:
    """The settings of a grokking run. The defaults are the lab's live run, and the sweep's
    at every training fraction × weight decay.

    The data: ``a ∘ b mod p`` (``operation``), a fraction ``frac`` of all pairs for training,
    split by ``seed``. The model: ``"mlp"`` (``embed``, ``hidden`` as in :class:`GrokMLP`) or
    ``"transformer"`` (``embed`` is ``d_model``, ``hidden`` the MLP width), initial weights
    seeded by ``model_seed``. Training: ``steps`` full-batch AdamW updates with learning rate
    ``lr`` and ``weight_decay``, evaluated every ``eval_every`` steps.
    """

    p: int = 59
    operation: str = "add"
    frac: float = 0.4
    seed: int = 0
    model: str = "mlp"
    embed: int = 64
    hidden: int = 128
    lr: float = 2e-2
    weight_decay: float = 1.0
    steps: int = 1000
    eval_every: int = 10
    model_seed: int = 0

    def __post_init__(self):
        check_choice("model", self.model, ("mlp", "transformer"))
        check_int("embed", self.embed, min=1), check_int("hidden", self.hidden, min=1)
        check_float("lr", self.lr, min=0, min_open=True)
        check_float("weight_decay", self.weight_decay, min=0)
        check_int("steps", self.steps, min=1), check_int("eval_every", self.eval_every, min=1)
        check_int("model_seed", self.model_seed, min=0)

    def data(self) -> "ModularData":
        """This run's training and test pairs (:func:`modular_data`)."""
        return modular_data(self.p, self.operation, self.frac, self.seed)


TRANSFORMER_RUN = GrokConfig(p=31, frac=0.5, model="transformer", embed=32, hidden=64, lr=3e-3,
                             steps=900)
"""The lab's live transformer run: one layer, ``d_model`` 32, four heads, MLP 64, on addition
mod 31 with half the pairs; the smallest table and model we found that groks in a few seconds
with the test milestone well after the train milestone (measured: steps 110 and 810)."""

SWEEP_FRACS = (0.2, 0.3, 0.4, 0.5, 0.6)
SWEEP_WEIGHT_DECAYS = (0.0, 0.3, 1.0, 3.0, 10.0)
"""The phase diagram: :class:`GrokConfig` (same budget) at every training fraction × weight decay."""


# ---------------------------------------------------------------- the dataset

def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % k for k in range(2, int(n ** 0.5) + 1))


def _answer(a: np.ndarray, b: np.ndarray, p: int, operation: str) -> np.ndarray:
    if operation == "add":
        return (a + b) % p
    if operation == "sub":
        return (a - b) % p
    if operation == "mul":
        return (a * b) % p
    inverse = np.array([0] + [pow(int(x), -1, p) for x in range(1, p)])
    return (a * inverse[b]) % p


@dataclass(frozen=True, eq=False)
class ModularData:
    """Pairs ``(a, b)`` (rows of ``*_x``, integers in ``[0, p)``) and answers ``*_y``."""

    p: int
    operation: str
    frac: float
    seed: int
    train_x: np.ndarray = field(repr=False)
    train_y: np.ndarray = field(repr=False)
    test_x: np.ndarray = field(repr=False)
    test_y: np.ndarray = field(repr=False)

    @property
    def n_train(self) -> int:
        return len(self.train_y)

    @property
    def n_test(self) -> int:
        return len(self.test_y)

    def __str__(self):
        sym = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[self.operation]
        return (f"(a {sym} b) mod {self.p}: {self.n_train + self.n_test} pairs, "
                f"{self.n_train} for training ({self.frac:.0%}), {self.n_test} for testing")


def modular_data(p: int = GrokConfig.p, operation: str = GrokConfig.operation,
                 frac: float = GrokConfig.frac, seed: int = GrokConfig.seed) -> ModularData:
    """Every pair ``(a, b)`` with its answer ``a ∘ b mod p``, split at random into train/test.

    Pairs are listed row by row (``a`` major: (0,0), (0,1), …); ``b`` runs over ``[0, p)``,
    or ``[1, p)`` for ``"div"`` (which needs a prime ``p``). The first
    ``round(frac · n_pairs)`` pairs of ``default_rng(seed).permutation(n_pairs)`` train, the
    rest test, so the two sets are disjoint and together cover the whole table.
    """
    p = check_int("p", p, min=2, max=1000)
    check_choice("operation", operation, OPERATIONS)
    frac = check_float("frac", frac, min=0, max=1, min_open=True, max_open=True)
    if operation == "div" and not _is_prime(p):
        raise ValueError(f"p must be prime for operation='div' (every b needs an inverse), got {p}")
    lo = 1 if operation == "div" else 0
    a, b = np.divmod(np.arange(p * (p - lo)), p - lo)
    b = b + lo
    n = len(a)
    n_train = int(round(frac * n))
    if not 1 <= n_train <= n - 1:
        raise ValueError(f"frac={frac} leaves {n_train} of {n} pairs for training; both sets "
                         "need at least one pair")
    order = rng_from("seed", seed).permutation(n)
    x, y = np.stack([a, b], axis=1), _answer(a, b, p, operation)
    tr, te = order[:n_train], order[n_train:]
    return ModularData(p, operation, frac, int(seed), x[tr], y[tr], x[te], y[te])


# ---------------------------------------------------------------- the models

def _check_pairs(pairs, p: int) -> np.ndarray:
    pairs = np.asarray(pairs)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or not np.issubdtype(pairs.dtype, np.integer):
        raise ValueError(f"pairs must be an (n, 2) integer array, got {pairs.dtype} {pairs.shape}")
    if pairs.size and (pairs.min() < 0 or pairs.max() >= p):
        raise ValueError(f"pairs must hold integers in [0, {p - 1}]")
    return pairs


class GrokMLP(nn.Module):
    """``a``, ``b`` → shared embedding (``embed`` each, concatenated) → ReLU(``hidden``) → p logits."""

    def __init__(self, p: int, embed: int = 64, hidden: int = 128, *, rng, dtype=np.float64):
        self.p = check_int("p", p, min=2)
        rng = rng_from("rng", rng)
        self.embed = nn.Embedding(p, check_int("embed", embed, min=1), rng=rng, dtype=dtype)
        self.hidden = nn.Linear(2 * embed, check_int("hidden", hidden, min=1), rng=rng, dtype=dtype)
        self.out = nn.Linear(hidden, p, rng=rng, dtype=dtype)

    def forward(self, pairs) -> nn.Tensor:
        pairs = _check_pairs(pairs, self.p)
        # embed, concatenate, hidden layer: one operation (on the fast path it multiplies the
        # p table rows, not every pair, by the hidden weights; see nn.fast.embedding_linear)
        x = nn.paths.embedding_linear(pairs, self.embed.weight, self.hidden.weight,
                                      self.hidden.bias)
        return self.out(nn.paths.relu(x, inplace=True))   # x is this method's own

    def embedding(self) -> np.ndarray:
        """A copy of the embedding table, one row per number ``0 … p-1``."""
        return self.embed.weight.data.copy()


class GrokTransformer(nn.Module):
    """One pre-norm transformer layer on the tokens ``a b =``, read out at ``=``.

    The kind of model Nanda et al. (2023) reverse-engineered (theirs: ``p = 113``,
    ``d_model = 128``, no LayerNorm). It costs more per step than :class:`GrokMLP` in numpy and
    needs a smaller learning rate and more steps to grok, so the lab's live run of it
    (:data:`TRANSFORMER_RUN`) uses a smaller table and model than the MLP's.
    """

    def __init__(self, p: int, d_model: int = 64, n_heads: int = 4, d_mlp: int = 256, *, rng,
                 dtype=np.float64):
        self.p = check_int("p", p, min=2)
        self.net = nn.Transformer(p + 1, d_model, n_heads, d_mlp, max_len=3, n_out=p, rng=rng,
                                  dtype=dtype)

    def forward(self, pairs) -> nn.Tensor:
        """The logits at ``=``: ``self.net(tokens)[:, -1]``, computed at that position only.

        Causal attention lets ``a`` and ``b`` reach ``=`` only through their keys and values,
        so everything after attention (its output projection, the MLP, the final norm and the
        unembedding) is needed at ``=`` alone: the same function for a third of that work.
        """
        pairs = _check_pairs(pairs, self.p)
        tokens = np.concatenate([pairs, np.full((len(pairs), 1), self.p)], axis=1)
        net = self.net
        x = net.embed(tokens) + net.pos.weight[:3]
        for i, block in enumerate(net.blocks):
            last = i == len(net.blocks) - 1
            attn = block.attn
            heads, attn.pattern = nn.paths.ops().self_attention(
                nn.paths.norm_linear(x, block.ln1, attn.qkv), attn.n_heads, attn.causal,
                return_pattern=True)
            if last:                                   # from here on only ``=`` matters
                x, heads = x[:, -1], heads[:, -1]
            x = x + attn.out(heads)
            if block.mlp is not None:
                x = x + block.mlp(x, norm=block.ln2)
        return nn.paths.norm_linear(x, net.ln_f, net.unembed)

    def embedding(self) -> np.ndarray:
        """A copy of the token embeddings of the numbers ``0 … p-1`` (without ``=``)."""
        return self.net.embed.weight.data[:self.p].copy()


# ---------------------------------------------------------------- training

@dataclass(eq=False)
class GrokHistory:
    """A grokking run: its :class:`GrokConfig` and its :class:`nn.History`.

    The metrics of :data:`METRICS` (train/test loss and accuracy, weight norm) are recorded at
    every evaluation step ``steps``; each is an array aligned with ``steps``. ``embeddings`` (if
    kept) has shape ``(len(steps), p, dim)``; ``model`` is the trained model (not saved).
    """

    config: GrokConfig
    history: nn.History = field(repr=False)
    embeddings: np.ndarray | None = field(default=None, repr=False)
    model: object = field(default=None, repr=False)

    METRICS = ("train_loss", "train_acc", "test_loss", "test_acc", "weight_norm")

    @property
    def steps(self) -> np.ndarray:
        return self.history.eval_steps

    @property
    def train_loss(self) -> np.ndarray:
        return self.history.evals["train_loss"]

    @property
    def train_acc(self) -> np.ndarray:
        return self.history.evals["train_acc"]

    @property
    def test_loss(self) -> np.ndarray:
        return self.history.evals["test_loss"]

    @property
    def test_acc(self) -> np.ndarray:
        return self.history.evals["test_acc"]

    @property
    def weight_norm(self) -> np.ndarray:
        return self.history.evals["weight_norm"]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The metrics as ``{name: array}`` (``steps`` included), for :func:`save_sweep_runs`."""
        return {k: np.asarray(getattr(self, k)) for k in ("steps", *self.METRICS)}

    @classmethod
    def from_arrays(cls, arrays, config: GrokConfig) -> "GrokHistory":
        """Rebuild a history saved with :meth:`to_arrays` (its evaluations; no per-step loss)."""
        history = nn.History()
        history.eval_steps = np.asarray(arrays["steps"])
        history.evals = {k: np.asarray(arrays[k]) for k in cls.METRICS}
        return cls(config, history)

    def at(self, step: int) -> int:
        """Index of the evaluation at ``step`` (the latest one not after it)."""
        step = check_int("step", step, min=0)
        return int(np.searchsorted(self.steps, step, side="right") - 1)


def _weight_norm(model: nn.Module) -> float:
    return float(np.sqrt(sum(float(np.vdot(w.data, w.data)) for w in model.parameters())))


def train(config: GrokConfig = GrokConfig(), *, keep_embeddings: bool = False,
          progress: bool = True) -> GrokHistory:
    """Train the model of ``config`` on its modular data, full batch, AdamW; the history.

    AdamW with ``betas=(0.9, 0.98)`` (as Power et al. and Nanda et al.), cross-entropy,
    one update per step on the whole training set, in float64: in float32 the rounding of
    the linear-algebra library changes with its number of threads, and over a thousand steps
    that moves the milestones; in float64 it does not. Every ``eval_every`` steps (and at 0 and
    at the end) it records the loss and accuracy on the training and the test pairs and the
    L2 norm of all parameters; with ``keep_embeddings`` also a copy of the embedding table.
    """
    if not isinstance(config, GrokConfig):
        raise TypeError(f"config must be a GrokConfig, got {type(config).__name__}")
    data = config.data()
    net = (GrokMLP(data.p, config.embed, config.hidden, rng=config.model_seed)
           if config.model == "mlp"
           else GrokTransformer(data.p, config.embed, 4, config.hidden, rng=config.model_seed))
    optimizer = nn.AdamW(net, lr=config.lr, betas=(0.9, 0.98), weight_decay=config.weight_decay)
    snapshots = []

    def loss_fn(m):
        logits = m(data.train_x)
        return nn.softmax_cross_entropy(logits, data.train_y)

    def eval_fn(m):
        out = {}
        for split, x, y in (("train", data.train_x, data.train_y),
                            ("test", data.test_x, data.test_y)):
            logits = m(x)
            out[f"{split}_loss"] = float(nn.softmax_cross_entropy(logits, y).data)
            out[f"{split}_acc"] = nn.accuracy(logits, y)
        out["weight_norm"] = _weight_norm(m)
        return out

    def keep_embedding(step, m):  # at the evaluation steps
        if step % config.eval_every == 0 or step == config.steps:
            snapshots.append(m.embedding())

    history = nn.train(net, loss_fn, optimizer, config.steps, eval_every=config.eval_every,
                       eval_fn=eval_fn, on_step=keep_embedding if keep_embeddings else None,
                       progress=progress)
    return GrokHistory(config, history, np.stack(snapshots) if keep_embeddings else None, net)


# ---------------------------------------------------------------- analysis of a history

def _curve(history, name: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(history, GrokHistory):
        raise TypeError(f"history must be a GrokHistory, got {type(history).__name__}")
    return history.steps, getattr(history, name)


def milestone(steps, values, level: float) -> int | None:
    """The first step at which ``values`` reaches ``level`` (``>=``), or None if it never does."""
    steps = check_array("steps", steps, ndim=1)
    values = check_array("values", values, ndim=1, dtype=float)
    if len(steps) != len(values):
        raise ValueError(f"steps and values must have the same length, got {len(steps)} "
                         f"and {len(values)}")
    step = first_reaching(steps, values, level)
    return None if np.isnan(step) else int(step)


def milestones(history: GrokHistory, train_level: float = TRAIN_LEVEL,
               test_level: float = TEST_LEVEL) -> tuple[int | None, int | None]:
    """(first step with train accuracy >= 99 %, first step with test accuracy >= 95 %)."""
    steps, train_acc = _curve(history, "train_acc")
    return milestone(steps, train_acc, train_level), milestone(steps, history.test_acc, test_level)


def _onset(history: GrokHistory, t_train: int, onset: float, test_level: float) -> int | None:
    """First step after ``t_train`` at which test accuracy has risen ``onset`` of the way to
    ``test_level`` from its value at ``t_train`` (``t_train`` itself if already there)."""
    start = history.at(t_train)
    base = float(history.test_acc[start])
    if base >= test_level:
        return t_train
    return milestone(history.steps[start:], history.test_acc[start:],
                     base + onset * (test_level - base))


def phases(history: GrokHistory, *, onset: float = 0.1, train_level: float = TRAIN_LEVEL,
           test_level: float = TEST_LEVEL) -> dict[str, tuple[int, int] | None]:
    """The three phases as ``{name: (first step, last step)}``; None for a phase not reached.

    - memorisation: from step 0 until train accuracy reaches ``train_level`` (99 %);
    - plateau: from there until test accuracy has risen by ``onset`` (10 %) of the way from
      its value at the end of memorisation to ``test_level`` (95 %), or to the last step;
    - generalisation: from there until test accuracy reaches ``test_level``.
    A run that generalises while it memorises has an empty plateau ``(t, t)``.
    """
    onset = check_float("onset", onset, min=0, max=1, min_open=True, max_open=True)
    t_train, t_test = milestones(history, train_level, test_level)
    if t_train is None:
        return {"memorisation": None, "plateau": None, "generalisation": None}
    rising = _onset(history, t_train, onset, test_level)
    end = rising if rising is not None else int(history.steps[-1])
    return {"memorisation": (0, t_train), "plateau": (t_train, end),
            "generalisation": None if t_test is None else (end, max(end, t_test))}


def outcome(history: GrokHistory) -> str:
    """"grokked" (test accuracy reached 95 %), "memorised only" (train reached 99 %, test
    did not) or "never fit" (train accuracy never reached 99 %)."""
    t_train, t_test = milestones(history)
    if t_test is not None and t_train is not None:
        return "grokked"
    return "memorised only" if t_train is not None else "never fit"


# ---------------------------------------------------------------- Fourier analysis

def fourier_power(embedding) -> np.ndarray:
    """Power of the embedding table at each frequency ``k = 0 … p // 2`` of the number line.

    Row ``a`` of the ``(p, dim)`` table is the vector for the number ``a``. Along the rows
    each of the ``dim`` columns is a function of ``a`` on ``0 … p-1``; its discrete Fourier
    transform is taken over ``a`` and the squared magnitudes are summed over the columns.
    ``k = 0`` is the constant (mean) part. A column ``cos(2πka/p + φ)`` puts all its
    (non-constant) power at frequency ``k``.
    """
    table = check_array("embedding", embedding, ndim=2, dtype=float)
    if table.shape[0] < 3:
        raise ValueError(f"embedding must have at least 3 rows (one per number), got {table.shape}")
    return (np.abs(np.fft.rfft(table, axis=0)) ** 2).sum(axis=1)


def key_frequencies(embedding, share: float = 0.8) -> np.ndarray:
    """The fewest frequencies ``k >= 1`` that hold ``share`` of the non-constant power.

    Sorted from the strongest. For a random embedding most frequencies are needed (its
    power is spread evenly); after grokking a handful hold most of it.
    """
    share = check_float("share", share, min=0, max=1, min_open=True)
    power = fourier_power(embedding)[1:]
    total = power.sum()
    if total <= 0:
        raise ValueError("embedding is constant along the number line: it has no "
                         "non-constant power")
    order = np.argsort(power, kind="stable")[::-1]
    need = int(np.searchsorted(np.cumsum(power[order]) / total, share - 1e-12) + 1)
    return order[:need] + 1


def frequency_plane(embedding, k: int) -> np.ndarray:
    """Each number's embedding projected on the plane that carries frequency ``k``: ``(p, 2)``.

    The plane is spanned by the real and imaginary parts of the ``k``-th Fourier coefficient
    of the table (a vector in embedding space). If two orthogonal directions of the embedding
    carry ``cos`` and ``sin`` of ``2πka/p``, number ``a`` lands on a circle at angle
    ``±2πka/p`` (up to a rotation): consecutive numbers are ``2πk/p`` apart.
    """
    table = check_array("embedding", embedding, ndim=2, dtype=float)
    p = table.shape[0]
    k = check_int("k", k, min=1, max=p // 2)
    coef = np.exp(-2j * np.pi * k * np.arange(p) / p) @ table
    basis, r = np.linalg.qr(np.stack([coef.real, coef.imag], axis=1))  # orthonormal, (dim, 2)
    if np.abs(np.diag(r)).min() <= 1e-9 * max(1.0, np.abs(r).max()):
        raise ValueError(f"embedding has no plane of power at frequency k={k}")
    return (table - table.mean(axis=0)) @ basis


# ---------------------------------------------------------------- the phase diagram

PHASE_DIAGRAM = DATA / "grokking_phase_diagram.csv"
SWEEP_RUNS = DATA / "grokking_sweep.npz"
PHASE_COLUMNS = ("frac", "weight_decay", "seed", "outcome", "step_train99", "step_onset",
                 "step_test95", "final_train_acc", "final_test_acc", "final_weight_norm", "steps",
                 "p", "embed", "hidden", "lr", "source")


def run_cell(frac: float, weight_decay: float, *, progress: bool = False,
             keep_embeddings: bool = False, **overrides) -> GrokHistory:
    """Train :class:`GrokConfig` at one training fraction and weight decay (one cell of the
    phase diagram); ``overrides`` change other settings."""
    config = replace(GrokConfig(), frac=frac, weight_decay=weight_decay, **overrides)
    return train(config, progress=progress, keep_embeddings=keep_embeddings)


def phase_row(history: GrokHistory) -> dict:
    """One row of the phase diagram (the columns of :data:`PHASE_COLUMNS`) for a finished run."""
    t_train, t_test = milestones(history)
    c = history.config
    return dict(frac=c.frac, weight_decay=c.weight_decay, seed=c.seed,
                outcome=outcome(history), step_train99=t_train,
                step_onset=None if t_train is None else _onset(history, t_train, 0.1, TEST_LEVEL),
                step_test95=t_test, final_train_acc=round(float(history.train_acc[-1]), 4),
                final_test_acc=round(float(history.test_acc[-1]), 4),
                final_weight_norm=round(float(history.weight_norm[-1]), 2), steps=c.steps,
                p=c.p, embed=c.embed, hidden=c.hidden, lr=c.lr,
                source="this course: scripts/grokking_sweep.py (emergence.grokking.run_cell)")


def load_phase_diagram(path=PHASE_DIAGRAM) -> list[dict]:
    """The shipped sweep, one dict per run (columns :data:`PHASE_COLUMNS`; None = never reached)."""
    return read_table(path)


def save_sweep_runs(histories, path=SWEEP_RUNS) -> None:
    """Write finished runs' curves and final embedding tables (float32) in the runs format."""
    save_runs(path, {f"frac{h.config.frac}_wd{h.config.weight_decay}": SavedRun(
        asdict(h.config),
        dict(h.to_arrays(), final_embedding=h.model.embedding().astype(np.float32)))
        for h in histories})


def load_sweep_runs(path=SWEEP_RUNS) -> dict[tuple[float, float], GrokHistory]:
    """Every sweep run's curves and final embedding, keyed by ``(frac, weight_decay)``."""
    runs = {}
    for config, arrays in load_runs(path).values():
        history = GrokHistory.from_arrays(arrays, GrokConfig(**config))
        history.embeddings = arrays["final_embedding"][None]
        runs[history.config.frac, history.config.weight_decay] = history
    return runs
