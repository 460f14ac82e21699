"""The training loop every chapter uses, with a progress bar and a metric history.

``train`` runs ``steps`` optimizer updates.  The loss recorded at step ``t``
is computed with the parameters after ``t`` updates (before update ``t+1``);
evaluations at step ``t`` also see the parameters after ``t`` updates, and run
at ``t = 0, eval_every, 2·eval_every, …`` and at ``t = steps``.

The progress bar is an ``ipywidgets.IntProgress``, shown only inside a
Jupyter kernel and updated at most ~50 times; nothing is printed.  Its
``text/plain`` form is a fixed line (``training: 2000 steps``), so stored
notebook outputs compare equal across runs.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .._validate import check_float, check_int
from ..curves import first_reaching
from .optim import Optimizer, clip_grad_norm
from .tensor import Tensor, no_grad

__all__ = ["History", "train"]


class History:
    """Per-step training values and per-evaluation metrics, as numpy arrays.

    ``history.loss``: loss per step (float64, length ``steps``);
    ``history.step_metrics[name]``: other per-step values returned by the loss function;
    ``history.eval_steps`` and ``history.evals[name]``: evaluation steps and values.
    ``history[name]`` looks a name up in both places (``"loss"`` included).
    """

    def __init__(self):
        self.loss = np.zeros(0)
        self.step_metrics: dict[str, np.ndarray] = {}
        self.eval_steps = np.zeros(0, dtype=np.int64)
        self.evals: dict[str, np.ndarray] = {}

    def _steps_of(self, name: str) -> np.ndarray:
        if name == "loss" or name in self.step_metrics:
            return np.arange(len(self.loss))
        if name in self.evals:
            return self.eval_steps
        raise KeyError(f"metric must be one of {self.names()}, got {name!r}")

    def names(self) -> list[str]:
        return ["loss", *self.step_metrics, *self.evals]

    def __getitem__(self, name: str) -> np.ndarray:
        self._steps_of(name)
        if name == "loss":
            return self.loss
        return self.step_metrics[name] if name in self.step_metrics else self.evals[name]

    def steps_for(self, name: str) -> np.ndarray:
        """The step numbers at which ``name`` was recorded (x-axis for plots)."""
        return self._steps_of(name)

    def milestone(self, name: str, threshold: float, *, above: bool = True) -> int | None:
        """First step where ``name >= threshold`` (``<=`` with ``above=False``), or None."""
        threshold = check_float("threshold", threshold)
        values, steps = self[name], self._steps_of(name)
        step = (first_reaching(steps, values, threshold) if above
                else first_reaching(steps, -values, -threshold))
        return None if np.isnan(step) else int(step)

    def milestone_text(self, name: str, threshold: float, *, above: bool = True) -> str:
        """e.g. ``first step where train_acc >= 0.99: 62`` (or ``never``)."""
        step = self.milestone(name, threshold, above=above)
        return f"first step where {name} {'>=' if above else '<='} {threshold:g}: " + (
            "never" if step is None else str(step))

    def summary(self, digits: int = 3) -> str:
        """Rounded text (stable for notebook checks): steps, first/last/min loss, final metrics."""
        digits = check_int("digits", digits, min=0, max=12)
        r = lambda x: f"{round(float(x), digits):.{digits}f}"  # noqa: E731
        lines = [f"steps: {len(self.loss)}"]
        if len(self.loss):
            lines.append(f"loss: first {r(self.loss[0])}, last {r(self.loss[-1])}, "
                         f"min {r(self.loss.min())}")
        for name, values in {**self.step_metrics, **self.evals}.items():
            if len(values):
                lines.append(f"{name}: last {r(values[-1])}, max {r(values.max())}")
        return "\n".join(lines)

    def __repr__(self):
        return f"History(steps={len(self.loss)}, metrics={self.names()})"


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _ProgressDisplay:
    """Shows an IntProgress widget; its text/plain form is a fixed line."""

    def __init__(self, steps: int):
        import ipywidgets
        self.steps = steps
        self.bar = ipywidgets.IntProgress(value=0, min=0, max=steps, description="training")

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.bar._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle = dict(bundle[0] if isinstance(bundle, tuple) else bundle)
        bundle["text/plain"] = f"training: {self.steps} steps"
        return bundle


def _scalar(name: str, value) -> float:
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def train(model, loss_fn, optimizer: Optimizer, steps: int, *, batches=None,
          eval_every: int | None = None, eval_fn=None, clip: float | None = None,
          on_step=None, progress: bool = True) -> History:
    """Run ``steps`` updates of ``optimizer`` on ``loss_fn`` and return the :class:`History`.

    - ``loss_fn(model)`` (full batch) or ``loss_fn(model, batch)`` returns a
      scalar Tensor, or ``(loss, metrics)`` with a dict of per-step numbers
      (e.g. training accuracy computed from the same logits).
    - ``batches``: None (full batch), an iterable of batches, or a function
      ``step -> batch``.
    - ``eval_fn(model) -> dict`` of numbers, run without a graph every
      ``eval_every`` steps (and at the start and the end).
    - ``clip``: if given, clip the gradient norm to this value before each update.
    - ``on_step(step, model)``: called before the first update (``step = 0``) and after
      each update ``step`` (so ``step`` updates are done), for work that is not an
      evaluation: keeping checkpoints, evaluating at chosen steps. Its return value is ignored.
    - ``progress``: show a progress bar when running in a Jupyter kernel.
    A non-finite loss stops training with a ``FloatingPointError`` naming the step.
    """
    steps = check_int("steps", steps, min=0)
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable: loss_fn(model) or loss_fn(model, batch)")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an Optimizer, got {type(optimizer).__name__}")
    if eval_fn is not None and not callable(eval_fn):
        raise TypeError("eval_fn must be callable: eval_fn(model) -> dict of numbers")
    if eval_every is not None:
        eval_every = check_int("eval_every", eval_every, min=1)
        if eval_fn is None:
            raise ValueError("eval_every needs eval_fn")
    elif eval_fn is not None:
        eval_every = max(1, steps)
    if clip is not None:
        clip = check_float("clip", clip, min=0, min_open=True)
    if on_step is not None and not callable(on_step):
        raise TypeError("on_step must be callable: on_step(step, model)")

    if batches is None:
        next_batch = None
    elif callable(batches):
        next_batch = batches
    else:
        iterator = iter(batches)
        next_batch = lambda step: next(iterator)  # noqa: E731

    loss_values = np.zeros(steps)
    step_metrics: dict[str, np.ndarray] = {}
    eval_steps, evals = [], {}

    def evaluate(step):
        with no_grad():
            result = eval_fn(model)
        if not isinstance(result, dict):
            raise TypeError(f"eval_fn must return a dict of numbers, got {type(result).__name__}")
        if eval_steps and set(result) != set(evals):
            raise ValueError("eval_fn must return the same keys at every evaluation")
        eval_steps.append(step)
        for key, value in result.items():
            evals.setdefault(key, []).append(_scalar(f"eval_fn()[{key!r}]", value))

    display_obj = None
    if progress and steps and _in_kernel():
        from IPython.display import display
        display_obj = _ProgressDisplay(steps)
        display(display_obj)
    update_every = max(1, math.ceil(steps / 50))

    if on_step is not None:
        on_step(0, model)
    for step in range(steps):
        if eval_fn is not None and step % eval_every == 0:
            evaluate(step)
        optimizer.zero_grad()
        out = loss_fn(model) if next_batch is None else loss_fn(model, next_batch(step))
        metrics = {}
        if isinstance(out, tuple):
            if len(out) != 2 or not isinstance(out[1], dict):
                raise TypeError("loss_fn must return a loss Tensor or (loss, dict of metrics)")
            out, metrics = out
        if not isinstance(out, Tensor) or out.size != 1:
            raise TypeError("loss_fn must return a scalar Tensor (one element)")
        loss = float(out.data.reshape(-1)[0])
        if not np.isfinite(loss):
            raise FloatingPointError(f"loss is not finite ({loss}) at step {step}")
        loss_values[step] = loss
        for key, value in metrics.items():
            if key == "loss":
                raise ValueError("loss_fn metrics must not be named 'loss'")
            step_metrics.setdefault(key, np.zeros(steps))[step] = _scalar(f"metrics[{key!r}]", value)
        out.backward()
        if clip is not None:
            clip_grad_norm(optimizer.params, clip)
        optimizer.step()
        if on_step is not None:
            on_step(step + 1, model)
        if display_obj is not None and ((step + 1) % update_every == 0 or step + 1 == steps):
            display_obj.bar.value = step + 1
    if eval_fn is not None:
        evaluate(steps)

    history = History()
    history.loss = loss_values
    history.step_metrics = step_metrics
    history.eval_steps = np.asarray(eval_steps, dtype=np.int64)
    history.evals = {k: np.asarray(v) for k, v in evals.items()}
    return history
