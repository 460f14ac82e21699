"""Optimizers (SGD, Adam, AdamW) and gradient clipping.

Updates are in place (``p.data`` is changed, never replaced), so a model and
its optimizer always share the same arrays, and no large temporaries are made.
The formulas are PyTorch's, so runs can be compared step by step.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_float
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

    The moments of all parameters live in one flat array each, so when every
    parameter has a gradient the update is a dozen numpy calls in total
    rather than a dozen per parameter (for small models the optimizer would
    otherwise cost as much as the forward and backward passes).
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
        dtype = np.result_type(*[p.dtype for p in self.params])
        self._bounds = np.cumsum([0] + [p.size for p in self.params]).tolist()
        self._flat = all(p.dtype == dtype for p in self.params)   # one dtype: one flat buffer
        self.t = [0] * len(self.params)   # steps taken by each parameter
        if not self._flat:
            self.m = [np.zeros_like(p.data) for p in self.params]
            self.v = [np.zeros_like(p.data) for p in self.params]
            return
        n = self._bounds[-1]
        self._flat_m, self._flat_v = np.zeros(n, dtype), np.zeros(n, dtype)
        self._g, self._tmp = np.empty(n, dtype), np.empty(n, dtype)
        self.m = self._views(self._flat_m)   # per-parameter views of the flat arrays
        self.v = self._views(self._flat_v)
        self._g_views, self._tmp_views = self._views(self._g), self._views(self._tmp)

    def _views(self, flat) -> list[np.ndarray]:
        b = self._bounds
        return [flat[b[i]:b[i + 1]].reshape(p.shape) for i, p in enumerate(self.params)]

    def step(self) -> None:
        if not (self._flat and len(set(self.t)) == 1
                and all(p.grad is not None for p in self.params)):
            return super().step()   # one parameter at a time
        self.steps += 1
        lr = check_float("lr", self.lr, min=0)
        for p, g in zip(self.params, self._g_views):
            g[...] = p.grad
            if self.weight_decay and not self.decoupled:
                g += self.weight_decay * p.data
        self.t = [t + 1 for t in self.t]
        self._direction(self._g, self._flat_m, self._flat_v, self._tmp, self.t[0], lr)
        for p, step in zip(self.params, self._tmp_views):
            if self.weight_decay and self.decoupled:
                p.data *= 1.0 - lr * self.weight_decay
            p.data -= step

    def _update(self, i, p, g, lr):
        if self.weight_decay:
            if self.decoupled:   # AdamW: shrink the weights directly
                p.data *= 1.0 - lr * self.weight_decay
            else:                # Adam: L2 penalty enters the gradient
                g = g + self.weight_decay * p.data
        self.t[i] += 1
        tmp = np.empty_like(p.data)
        self._direction(g, self.m[i], self.v[i], tmp, self.t[i], lr)
        p.data -= tmp

    def _direction(self, g, m, v, tmp, t: int, lr: float) -> None:
        """Update the moments ``m``, ``v`` in place; leave the step to subtract in ``tmp``."""
        b1, b2 = self.betas
        m *= b1                                   # m = b1·m + (1−b1)·g
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2                                   # v = b2·v + (1−b2)·g²
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        bias1, bias2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        np.sqrt(v, out=tmp)                       # step = lr/bias1 · m / (√(v/bias2) + eps)
        tmp *= 1.0 / float(np.sqrt(bias2))
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / bias1


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
