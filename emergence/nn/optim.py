"""Optimizers (SGD, Adam, AdamW) and gradient clipping.

Updates are in place (``p.data`` is changed, never replaced), so a model and
its optimizer always share the same arrays, and no large temporaries are made.
The formulas are PyTorch's, so runs can be compared step by step.
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import check_float
from . import fast, paths
from .tensor import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "clip_grad_norm"]


def _check_params(params) -> list[Tensor]:
    if isinstance(params, Tensor):
        params = [params]
    if hasattr(params, "parameters"):
        params = params.parameters()
    params = list(params)
    if not params:
        raise ValueError("params must contain at least one Tensor")
    for i, p in enumerate(params):
        if not isinstance(p, Tensor) or not p.requires_grad:
            raise TypeError(f"params[{i}] must be a Tensor with requires_grad=True")
    if len({id(p) for p in params}) != len(params):
        raise ValueError("params must not contain the same Tensor twice")
    return params


class Optimizer:
    """Holds the parameters; ``step()`` updates those that have a gradient."""

    def __init__(self, params, lr: float):
        self.params = _check_params(params)
        self.lr = check_float("lr", lr, min=0)
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        self.steps += 1
        lr = check_float("lr", self.lr, min=0)  # may have been changed by a schedule
        for i, p in enumerate(self.params):
            if p.grad is not None:
                self._update(i, p, p.grad, lr)

    def _update(self, i: int, p: Tensor, g: np.ndarray, lr: float) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """``v = momentum·v + g (+ weight_decay·p)``; ``p −= lr·v``."""

    def __init__(self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum = check_float("momentum", momentum, min=0, max=1, max_open=True)
        self.weight_decay = check_float("weight_decay", weight_decay, min=0)
        self.velocity = [None] * len(self.params)

    def _update(self, i, p, g, lr):
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            v = self.velocity[i]
            if v is None:
                v = self.velocity[i] = np.array(g)
            else:
                v *= self.momentum
                v += g
            g = v
        p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba); ``weight_decay`` here is L2 added to the gradient.

    Each parameter keeps a running mean of its gradients ``m`` and of their squares ``v``;
    the step is ``lr · m̂ / (√v̂ + eps)`` with the bias-corrected ``m̂``, ``v̂``.  This file
    updates one parameter at a time (:meth:`update`); when every parameter has a gradient
    the models take the same step through :func:`.fast.adam_step`, all at once.
    """

    decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, got {betas!r}")
        self.betas = (check_float("betas[0]", betas[0], min=0, max=1, max_open=True),
                      check_float("betas[1]", betas[1], min=0, max=1, max_open=True))
        self.eps = check_float("eps", eps, min=0, min_open=True)
        self.weight_decay = check_float("weight_decay", weight_decay, min=0)
        self.t = [0] * len(self.params)   # steps taken by each parameter
        dtypes = {p.dtype for p in self.params}
        self.flat = fast.FlatAdamState(self.params, dtypes.pop()) if len(dtypes) == 1 else None
        if self.flat is None:
            self.m = [np.zeros_like(p.data) for p in self.params]
            self.v = [np.zeros_like(p.data) for p in self.params]
        else:                             # per-parameter views of the fast path's flat buffers
            self.m, self.v = self.flat.views(self.flat.m, self.params), self.flat.views(self.flat.v, self.params)

    def step(self) -> None:
        if (self.flat is not None and paths.fast_path_enabled() and len(set(self.t)) == 1
                and all(p.grad is not None for p in self.params)):
            self.steps += 1
            self.t = [t + 1 for t in self.t]
            fast.adam_step(self.flat, self.params, self.betas, self.eps,
                           check_float("lr", self.lr, min=0), self.weight_decay, self.decoupled,
                           self.t[0])
            return
        super().step()                    # one parameter at a time

    def _update(self, i, p, g, lr):
        b1, b2 = self.betas
        if self.weight_decay and not self.decoupled:
            g = g + self.weight_decay * p.data          # Adam: L2 penalty enters the gradient
        self.t[i] += 1
        m, v, t = self.m[i], self.v[i], self.t[i]
        m *= b1
        m += (1.0 - b1) * g                             # m = b1·m + (1−b1)·g
        v *= b2
        v += (1.0 - b2) * (g * g)                       # v = b2·v + (1−b2)·g²
        bias1, bias2 = 1.0 - b1 ** t, 1.0 - b2 ** t     # m and v start at 0: unbias them
        step = m / (np.sqrt(v) * (1.0 / math.sqrt(bias2)) + self.eps) * (lr / bias1)
        if self.weight_decay and self.decoupled:        # AdamW: shrink the weights directly
            p.data *= 1.0 - lr * self.weight_decay
        p.data -= step


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter):
    each step first multiplies the weights by ``1 − lr·weight_decay``."""

    decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)


def clip_grad_norm(params, max_norm: float) -> float:
    """Scale all gradients so their joint L2 norm is at most ``max_norm``.

    Returns the norm before clipping (as PyTorch's ``clip_grad_norm_``).
    """
    max_norm = check_float("max_norm", max_norm, min=0, min_open=True)
    params = _check_params(params)
    grads = [p.grad for p in params if p.grad is not None]
    total = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
    if not np.isfinite(total):
        raise FloatingPointError("gradient norm is not finite (NaN or inf in a gradient)")
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for p in params:
            if p.grad is not None:
                p.grad *= scale
    return total
