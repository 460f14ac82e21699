"""Induction heads (Chapter 4): the circuit behind in-context learning, trained and built by hand.

- Sequences that repeat a random segment with a random period (:func:`repeated_sequences`)
  and an attention-only transformer from :mod:`emergence.nn` (:func:`attention_only_transformer`).
- Measurements: per-token losses and the in-context-learning score (:func:`per_position_loss`,
  :func:`icl_score`), head diagnostics (:func:`previous_token_score`, :func:`induction_score`,
  :func:`head_roles`).
- Training: :class:`InductionConfig` (its defaults are the lab's live run) and :func:`train`,
  which records all of them in an :class:`InductionRun`; the window of fastest improvement
  (:func:`phase_change`); the shipped longer runs (:func:`load_runs`).
- Circuits by hand: a transformer whose attention circuits are set directly
  (:func:`residual_layout`, :func:`hand_built_transformer`, :func:`predict`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from . import data, nn
from ._validate import check_array, check_choice, check_float, check_int, rng_from
from .curves import scalar_or_array

__all__ = ["repeated_sequences", "attention_only_transformer", "token_losses",
           "per_position_loss", "icl_score", "attention_patterns", "previous_token_score",
           "induction_score", "INDUCTION_HEAD", "PREVIOUS_TOKEN_HEAD", "head_roles",
           "InductionConfig", "InductionRun", "train", "PhaseChange", "phase_change",
           "save_runs", "load_runs", "residual_layout", "hand_built_transformer", "predict"]


def repeated_sequences(n: int, seq_len: int, n_vocab: int, *, min_period: int = 4,
                       max_period: int | None = None, repeat_fraction: float = 1.0,
                       seed=0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` token sequences that repeat a random segment: ``tokens[t] = tokens[t - period]``.

    Each sequence draws its period uniformly from ``min_period..max_period`` (default
    ``seq_len // 2``) and its segment uniformly from the vocabulary, so the next token can be
    predicted only by finding where the current token occurred before: nothing about a
    particular token or a particular offset is learnable. With ``repeat_fraction < 1`` the
    other sequences are plain random tokens (their period is ``seq_len``: nothing repeats).
    Returns ``(tokens, periods)``.
    """
    n = check_int("n", n, min=1)
    seq_len = check_int("seq_len", seq_len, min=2)
    n_vocab = check_int("n_vocab", n_vocab, min=2)
    max_period = seq_len // 2 if max_period is None else max_period
    max_period = check_int("max_period", max_period, min=1, max=seq_len)
    min_period = check_int("min_period", min_period, min=1, max=max_period)
    repeat_fraction = check_float("repeat_fraction", repeat_fraction, min=0, max=1)
    rng = rng_from("seed", seed)
    periods = rng.integers(min_period, max_period + 1, size=n)
    if repeat_fraction < 1:
        periods[rng.random(n) >= repeat_fraction] = seq_len
    segments = rng.integers(0, n_vocab, size=(n, seq_len))
    index = np.arange(seq_len)[None, :] % periods[:, None]
    return np.take_along_axis(segments, index, axis=1), periods


def attention_only_transformer(n_vocab: int, seq_len: int, *, n_layers: int = 2,
                               d_model: int = 32, n_heads: int = 2, seed=0) -> nn.Module:
    """An attention-only transformer (no MLPs; pre-norm) from :class:`emergence.nn.Transformer`."""
    return nn.Transformer(n_vocab, d_model, n_heads, 0, n_layers=n_layers, max_len=seq_len,
                          rng=seed)


def _check_tokens(tokens, model=None) -> np.ndarray:
    tokens = check_array("tokens", tokens, ndim=2)
    if not np.issubdtype(tokens.dtype, np.integer):
        raise TypeError(f"tokens must hold integers, got dtype {tokens.dtype}")
    if tokens.shape[1] < 2:
        raise ValueError(f"tokens must have at least 2 positions, got shape {tokens.shape}")
    if model is not None:
        if not isinstance(model, nn.Transformer):
            raise TypeError(f"model must be an emergence.nn.Transformer, got {type(model).__name__}")
        if tokens.shape[1] - 1 > model.max_len:
            raise ValueError(f"tokens must have at most max_len + 1 = {model.max_len + 1} "
                             f"positions, got {tokens.shape[1]}")
    return tokens


def token_losses(model, tokens) -> np.ndarray:
    """Loss (nats) on every token: ``out[s, t] = −log p(tokens[s, t] | tokens[s, :t])``.

    The model reads ``tokens[:, :-1]``; the first token has no context, so ``out[:, 0]`` is NaN.
    """
    tokens = _check_tokens(tokens, model)
    with nn.no_grad():
        logits = model(tokens[:, :-1]).data.astype(np.float64)
    logits -= logits.max(axis=-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, tokens[:, 1:, None], axis=-1)[..., 0]
    return np.concatenate([np.full((len(tokens), 1), np.nan), -picked], axis=1)


def per_position_loss(model, tokens) -> np.ndarray:
    """Mean loss on the token at each position, over the sequences (entry 0 is NaN)."""
    losses = token_losses(model, tokens)
    return np.concatenate([[np.nan], losses[:, 1:].mean(axis=0)])


def icl_score(losses, early: int, late: int) -> np.ndarray | float:
    """In-context-learning score: loss on token ``late`` minus loss on token ``early``.

    Olsson et al. (2022) use the 500th minus the 50th token of a 512-token context; negative
    means the model predicts later tokens better, i.e. it uses its context. ``losses[..., t]``
    is the loss on the token at position ``t``; leading axes (checkpoints, models) are kept.
    """
    losses = check_array("losses", losses, finite=False, dtype=float)
    if losses.ndim == 0:
        raise ValueError("losses must have a position axis (its last axis)")
    n = losses.shape[-1]
    early = check_int("early", early, min=1, max=n - 1)
    late = check_int("late", late, min=early, max=n - 1)
    score = losses[..., late] - losses[..., early]
    return scalar_or_array(score)


def attention_patterns(model, tokens) -> np.ndarray:
    """Attention weights of every head: shape ``(n, layers, heads, T − 1, T − 1)``.

    ``out[s, l, h, i, j]``: how much position ``i`` attends to position ``j`` in head ``h`` of
    layer ``l`` while the model reads ``tokens[s, :-1]``.
    """
    tokens = _check_tokens(tokens, model)
    with nn.no_grad():
        model(tokens[:, :-1])
    return np.stack([block.attn.pattern for block in model.blocks], axis=1).astype(np.float64)


def _check_patterns(patterns) -> np.ndarray:
    patterns = check_array("patterns", patterns, dtype=float)
    if patterns.ndim < 2 or patterns.shape[-1] != patterns.shape[-2] or patterns.shape[-1] < 2:
        raise ValueError(f"patterns must end in two equal axes (query, key), got {patterns.shape}")
    return patterns


def previous_token_score(patterns) -> np.ndarray | float:
    """Mean attention from each position to the one just before it (positions 1..end).

    A previous-token head scores close to 1. ``patterns`` has shape ``(..., T, T)``; the
    result has the leading shape.
    """
    patterns = _check_patterns(patterns)
    t = np.arange(1, patterns.shape[-1])
    score = patterns[..., t, t - 1].mean(axis=-1)
    return scalar_or_array(score)


def induction_score(patterns, periods) -> np.ndarray:
    """Attention an induction head pays to the token *after* earlier copies of the current one.

    For sequences with ``tokens[t] = tokens[t - period]``, position ``i`` (with ``i >= period``)
    should attend to ``j = i + 1 − m·period`` (m ≥ 1, j ≥ 1): the positions whose previous
    token equals the current one. Returns the attention on those positions, averaged over
    the sequences and those query positions. ``patterns`` has shape ``(n, ..., T, T)``
    (as from :func:`attention_patterns`) and ``periods`` shape ``(n,)``; the result has the
    middle shape (e.g. ``(layers, heads)``).
    """
    patterns = _check_patterns(patterns)
    periods = check_array("periods", periods, ndim=1)
    if patterns.ndim < 3 or periods.shape[0] != patterns.shape[0]:
        raise ValueError(f"periods must have one entry per sequence ({patterns.shape[0]}), "
                         f"got shape {periods.shape}")
    if not np.issubdtype(periods.dtype, np.integer) or periods.min() < 1:
        raise ValueError("periods must hold positive integers")
    n, size = patterns.shape[0], patterns.shape[-1]
    i = np.arange(size)[:, None]
    j = np.arange(size)[None, :]
    p = periods[:, None, None]
    target = (j >= 1) & (j <= i + 1 - p) & ((i + 1 - j) % p == 0)            # (n, T, T)
    rows = np.broadcast_to(i >= p, (n, size, size))[..., 0]                   # (n, T)
    if not rows.any():
        raise ValueError("no query position is past its sequence's first period")
    shape = (n,) + (1,) * (patterns.ndim - 3) + (size, size)
    mass = (patterns * target.reshape(shape)).sum(axis=-1)                    # (n, ..., T)
    weight = rows.reshape(shape[:-1]).astype(float)
    return (mass * weight).sum(axis=(0, -1)) / weight.sum()


INDUCTION_HEAD = 0.5
"""An induction score above this makes a head an induction head."""
PREVIOUS_TOKEN_HEAD = 0.4
"""A previous-token score above this (and no induction) makes a head a previous-token head."""


def head_roles(prev_token, induction) -> np.ndarray:
    """Each head's role from its scores (arrays of the same shape, e.g. ``(layers, heads)``):
    "induction head", "previous-token head" or "other"."""
    prev_token = check_array("prev_token", prev_token, dtype=float)
    induction = check_array("induction", induction, shape=prev_token.shape, dtype=float)
    return np.where(induction > INDUCTION_HEAD, "induction head",
                    np.where(prev_token > PREVIOUS_TOKEN_HEAD, "previous-token head", "other"))


@dataclass(frozen=True)
class InductionConfig:
    """The settings of an induction-head run; the defaults are the lab's live run.

    The data: ``batch_size`` fresh sequences of ``seq_len`` tokens (vocabulary ``n_vocab``) per
    step, a ``repeat_fraction`` of them repeating a segment with a period in
    [``min_period``, ``max_period``] (the rest random tokens). The model: an attention-only
    transformer with ``n_layers`` layers of ``n_heads`` heads, width ``d_model``, trained with
    AdamW (``lr``, no weight decay) for ``steps`` steps from ``seed``. Every ``eval_every``
    steps the run measures ``n_eval`` held-out sequences; the ICL score is the loss on token
    ``late`` (default: the last) minus the loss on token ``early``. At each step in
    ``checkpoints`` it keeps the attention patterns on a probe sequence of period 8.
    """

    n_layers: int = 2
    steps: int = 320
    seed: int = 0
    n_vocab: int = 64
    seq_len: int = 32
    min_period: int = 4
    max_period: int = 16
    repeat_fraction: float = 1.0
    d_model: int = 32
    n_heads: int = 2
    batch_size: int = 32
    lr: float = 3e-3
    eval_every: int = 10
    early: int = 3
    late: int | None = None
    n_eval: int = 256
    checkpoints: tuple = ()

    def __post_init__(self):
        check_int("n_layers", self.n_layers, min=1, max=4)
        check_int("steps", self.steps, min=1)
        check_int("seed", self.seed, min=0)
        check_int("seq_len", self.seq_len, min=8)
        check_int("early", self.early, min=1, max=self.seq_len - 1)
        if self.late is None:
            object.__setattr__(self, "late", self.seq_len - 1)
        check_int("late", self.late, min=self.early, max=self.seq_len - 1)
        check_int("eval_every", self.eval_every, min=1)
        check_int("batch_size", self.batch_size, min=1)
        check_float("repeat_fraction", self.repeat_fraction, min=0, max=1)
        check_float("lr", self.lr, min=0, min_open=True)
        object.__setattr__(self, "checkpoints", tuple(sorted(
            {check_int("checkpoints[i]", c, min=0, max=self.steps) for c in self.checkpoints})))


@dataclass
class InductionRun:
    """Everything recorded while training an attention-only transformer on repeated sequences.

    ``config``: the :class:`InductionConfig`; ``history``: the :class:`nn.History` of the run
    (per-step loss, the ICL score at each evaluation). ``eval_steps``: when the evaluations ran;
    ``position_loss[e, t]``: mean loss on token ``t`` of the evaluation set at evaluation ``e``
    (column 0 is NaN); ``icl``: the ICL score at each evaluation; ``prev_token`` and
    ``induction``: head scores ``(evals, layers, heads)``; ``train_loss``: per step;
    ``checkpoints`` and ``patterns``: attention patterns ``(checkpoints, layers, heads, T − 1,
    T − 1)`` on the probe sequence ``probe`` (period ``probe_period``).
    """

    config: InductionConfig
    train_loss: np.ndarray
    eval_steps: np.ndarray
    position_loss: np.ndarray
    icl: np.ndarray
    prev_token: np.ndarray
    induction: np.ndarray
    checkpoints: np.ndarray
    patterns: np.ndarray
    probe: np.ndarray
    probe_period: int

    @property
    def history(self) -> nn.History:
        """The run as an :class:`nn.History`: ``loss`` per step, ``icl`` per evaluation."""
        history = nn.History()
        history.loss, history.eval_steps = self.train_loss, self.eval_steps
        history.evals = {"icl": self.icl}
        return history

    def phase_change(self, width: int = 50) -> "PhaseChange":
        """The ``width``-step window in which this run's ICL score fell fastest."""
        return phase_change(self.eval_steps, self.icl, width)


def _eval_and_probe(config: InductionConfig):
    """The evaluation set and a probe sequence, from the run's data settings (fixed seeds)."""
    common = dict(min_period=config.min_period, max_period=config.max_period)
    tokens, periods = repeated_sequences(config.n_eval, config.seq_len, config.n_vocab,
                                         seed=config.seed + 10_000, **common)
    probe, _ = repeated_sequences(1, config.seq_len, config.n_vocab, min_period=8,
                                  max_period=8, seed=config.seed + 20_000)
    return tokens, periods, probe


def train(config: InductionConfig = InductionConfig(), *, progress: bool = True) -> InductionRun:
    """Train the attention-only transformer of ``config`` on repeated sequences.

    Each step draws a fresh batch (seeded by ``config.seed``); AdamW without weight decay.
    Every ``eval_every`` steps the run records the per-token loss on a fixed evaluation set,
    the ICL score on repeating sequences and each head's previous-token and induction scores;
    at each step in ``checkpoints`` it keeps the attention patterns on the probe sequence.
    """
    if not isinstance(config, InductionConfig):
        raise TypeError(f"config must be an InductionConfig, got {type(config).__name__}")
    c = config
    model = attention_only_transformer(c.n_vocab, c.seq_len, n_layers=c.n_layers,
                                       d_model=c.d_model, n_heads=c.n_heads, seed=c.seed)
    tokens, periods, probe = _eval_and_probe(c)
    rng = np.random.default_rng(c.seed + 1)
    optimizer = nn.AdamW(model.parameters(), lr=c.lr, weight_decay=0.0)
    records = {"loss": [], "prev": [], "ind": []}
    saved = {}

    def loss_fn(m, batch):
        return nn.softmax_cross_entropy(m(batch[:, :-1]), batch[:, 1:])

    def batches(step):
        return repeated_sequences(c.batch_size, c.seq_len, c.n_vocab, min_period=c.min_period,
                                  max_period=c.max_period, repeat_fraction=c.repeat_fraction,
                                  seed=rng)[0]

    def keep_patterns(step, m):
        if step in c.checkpoints:
            saved[step] = attention_patterns(m, probe)[0]

    def evaluate(m):
        records["loss"].append(per_position_loss(m, tokens))
        # that forward pass left each head's pattern on the evaluation set in block.attn.pattern
        patterns = np.stack([b.attn.pattern for b in m.blocks], axis=1).astype(np.float64)
        records["prev"].append(previous_token_score(patterns).mean(axis=0))
        records["ind"].append(induction_score(patterns, periods))
        return {"icl": icl_score(records["loss"][-1], c.early, c.late)}

    history = nn.train(model, loss_fn, optimizer, c.steps, batches=batches,
                       eval_every=c.eval_every, eval_fn=evaluate, on_step=keep_patterns,
                       progress=progress)
    pattern_shape = (0, c.n_layers, c.n_heads, c.seq_len - 1, c.seq_len - 1)
    return InductionRun(
        config=config, train_loss=history.loss, eval_steps=history.eval_steps,
        position_loss=np.array(records["loss"]), icl=history["icl"],
        prev_token=np.array(records["prev"]), induction=np.array(records["ind"]),
        checkpoints=np.array(c.checkpoints, dtype=np.int64),
        patterns=np.array([saved[s] for s in c.checkpoints]) if c.checkpoints
        else np.zeros(pattern_shape),
        probe=probe[0], probe_period=8)


@dataclass(frozen=True)
class PhaseChange:
    """The window ``[start, end]`` (steps) in which a score fell fastest, and its values there."""

    start: int
    end: int
    before: float
    after: float

    @property
    def drop(self) -> float:
        """How far the score fell inside the window (positive when it improved)."""
        return self.before - self.after

    def __str__(self) -> str:
        return (f"steps {self.start}-{self.end}: ICL score {self.before:+.2f} -> "
                f"{self.after:+.2f} nats")


def phase_change(steps, score, width: int = 50) -> PhaseChange:
    """The window of ``width`` training steps over which ``score`` fell the most.

    ``steps`` are evaluation steps (increasing) and ``score`` the ICL score at each. A phase
    change shows up as a window late in training with a large fall after a plateau; smooth
    learning puts the steepest window at the start, with a smaller fall.
    """
    steps = check_array("steps", steps, ndim=1)
    score = check_array("score", score, ndim=1, dtype=float)
    if steps.shape != score.shape or len(steps) < 2 or np.any(np.diff(steps) <= 0):
        raise ValueError("steps must increase and match score in length (at least 2 values)")
    width = check_int("width", width, min=1)
    ends = np.searchsorted(steps, steps + width, side="right") - 1
    falls = score - score[ends]
    i = int(np.argmax(falls))
    return PhaseChange(int(steps[i]), int(steps[ends[i]]), float(score[i]), float(score[ends[i]]))


_RUN_ARRAYS = ("train_loss", "eval_steps", "position_loss", "icl", "prev_token", "induction",
               "checkpoints", "patterns", "probe")


def save_runs(path, runs: dict) -> None:
    """Write named :class:`InductionRun` objects to one ``.npz`` (:func:`emergence.data.save_runs`)."""
    saved = {}
    for name, run in runs.items():
        if not isinstance(run, InductionRun):
            raise TypeError("runs must map names to InductionRun objects")
        arrays = {}
        for key in _RUN_ARRAYS:
            value = getattr(run, key)  # floats as float32: plenty for plots, half the size
            arrays[key] = value.astype(np.float32) if value.dtype.kind == "f" else value
        config = asdict(run.config)
        config.pop("checkpoints")  # kept as an array
        saved[name] = data.SavedRun(dict(config, probe_period=run.probe_period), arrays)
    data.save_runs(path, saved)


def load_runs(path="induction_history") -> dict[str, InductionRun]:
    """Read runs written by :func:`save_runs` (default: the shipped ``induction_history.npz``)."""
    runs = {}
    for name, (config, arrays) in data.load_runs(path).items():
        config = dict(config)
        probe_period = config.pop("probe_period")
        fields = {k: v.astype(np.float64) if v.dtype.kind == "f" else v
                  for k, v in arrays.items()}
        config = InductionConfig(**config, checkpoints=tuple(fields["checkpoints"].tolist()))
        runs[name] = InductionRun(config=config, probe_period=probe_period, **fields)
    return runs


# ---------------------------------------------------------------- circuits by hand

def residual_layout(n_vocab: int, seq_len: int) -> dict:
    """Where each kind of information lives in the hand-built model's residual stream.

    Four blocks of one-hot directions: ``token`` (the current token, ``n_vocab``), ``position``
    (``seq_len``), ``previous`` (a slot for the previous token, ``n_vocab``) and ``output`` (the
    token to predict, ``n_vocab``; the unembedding reads this slot). Those four entries are
    slices of the ``d_model`` directions; ``n_vocab`` and ``seq_len`` are kept too.
    """
    n_vocab = check_int("n_vocab", n_vocab, min=2)
    seq_len = check_int("seq_len", seq_len, min=2)
    sizes = {"token": n_vocab, "position": seq_len, "previous": n_vocab, "output": n_vocab}
    layout, start = {}, 0
    for name, size in sizes.items():
        layout[name] = slice(start, start + size)
        start += size
    layout.update(d_model=start, n_vocab=n_vocab, seq_len=seq_len)
    return layout


def hand_built_transformer(circuits, n_vocab: int, seq_len: int, *,
                           read: str = "output") -> nn.Transformer:
    """An attention-only transformer (one head per layer) whose circuits are given directly.

    ``circuits`` lists one ``(qk, ov)`` pair per layer, each a ``(d_model, d_model)`` matrix in
    the basis of :func:`residual_layout`. The head's attention score from position ``i`` to
    position ``j`` is ``x_i @ qk @ x_j`` (before the softmax); what it writes into position
    ``i`` is ``Σ_j pattern[i, j] · (x_j @ ov)``. Embeddings write one-hot token and position
    directions; the unembedding reads the slot named ``read`` ("output", or "previous" to see
    what a first layer wrote). No layer norm, float64.
    """
    layout = residual_layout(n_vocab, seq_len)
    d = layout["d_model"]
    if isinstance(circuits, tuple) and len(circuits) == 2 and np.ndim(circuits[0]) == 2:
        circuits = [circuits]
    if not isinstance(circuits, list | tuple) or not circuits:
        raise TypeError("circuits must be a list of (qk, ov) pairs, one per layer")
    check_choice("read", read, ("output", "previous"))
    model = nn.Transformer(n_vocab, d, 1, 0, n_layers=len(circuits), max_len=seq_len,
                           layer_norm=False, rng=0, dtype=np.float64)
    eye = np.eye(d)
    state = {"embed.weight": np.zeros((n_vocab, d)), "pos.weight": np.zeros((seq_len, d)),
             "unembed.weight": np.zeros((d, n_vocab)), "unembed.bias": np.zeros(n_vocab)}
    state["embed.weight"][:, layout["token"]] = np.eye(n_vocab)
    state["pos.weight"][:, layout["position"]] = np.eye(seq_len)
    state["unembed.weight"][layout[read]] = np.eye(n_vocab)
    for i, pair in enumerate(circuits):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise TypeError(f"circuits[{i}] must be a (qk, ov) pair")
        qk = check_array(f"circuits[{i}] qk", pair[0], shape=(d, d), dtype=float)
        ov = check_array(f"circuits[{i}] ov", pair[1], shape=(d, d), dtype=float)
        # scores are (x W_Q)(x W_K)ᵀ / √d: W_Q = √d · qk and W_K = I give x_i qk x_jᵀ
        state[f"blocks.{i}.attn.qkv.weight"] = np.concatenate([np.sqrt(d) * qk, eye, ov], axis=1)
        state[f"blocks.{i}.attn.qkv.bias"] = np.zeros(3 * d)
        state[f"blocks.{i}.attn.out.weight"] = eye
        state[f"blocks.{i}.attn.out.bias"] = np.zeros(d)
    model.load_state_dict(state)
    return model


def predict(model, tokens) -> np.ndarray:
    """The model's most likely next token after each prefix (``out[s, t]`` predicts ``tokens[s, t + 1]``)."""
    tokens = _check_tokens(tokens, model)
    with nn.no_grad():
        return model(tokens[:, :-1]).data.argmax(axis=-1)
