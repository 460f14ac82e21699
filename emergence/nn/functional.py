"""The plain path: each operation is one graph node with a hand-written backward.

This is the engine a student reads.  Every function does one thing in the most direct
numpy, with the shapes written beside the lines that matter.  The models run the same
formulas through :mod:`.fast`, which reorders the work to save time and memory;
``tests/test_nn_fast.py`` checks that the two agree.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_int
from .tensor import Tensor, as_tensor

__all__ = ["linear", "embedding", "relu", "gelu", "square", "softmax", "layer_norm",
           "norm_linear", "self_attention", "softmax_cross_entropy", "mse", "accuracy", "cat"]


def check_tensor(name: str, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor, got {type(value).__name__}")
    return value


def check_indices(name: str, indices, n: int) -> np.ndarray:
    """``indices`` as an integer array with values in ``[0, n)``."""
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"{name} must hold integer indices, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"{name} must lie in [0, {n - 1}], got values in "
                         f"[{idx.min()}, {idx.max()}]")
    return idx


def check_linear(x, weight: Tensor) -> Tensor:
    """``x`` as a Tensor of the layer's dtype whose last axis is the layer's input size."""
    x = as_tensor(x, "x", dtype=weight.dtype)
    if x.ndim == 0 or x.shape[-1] != weight.shape[0]:
        raise ValueError(f"x must have last dimension {weight.shape[0]} (the layer's input "
                         f"size), got shape {x.shape}")
    return x


def linear(x, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight + bias`` for ``x`` of shape ``(..., in)`` and ``weight`` ``(in, out)``.

    Leading axes are flattened so the work is one 2-D matrix product (a
    stacked ``(N, T, d) @ (d, k)`` product is many times slower in numpy).
    """
    x = check_linear(x, weight)
    xd, w = x.data, weight.data
    x2 = xd.reshape(-1, w.shape[0])                 # (N, in), N = all leading axes
    out = x2 @ w                                    # (N, out)
    if bias is not None:
        out += bias.data

    def backward(g):
        g2 = g.reshape(-1, w.shape[1])              # (N, out)
        gx = (g2 @ w.T).reshape(xd.shape) if x.requires_grad else None   # (..., in)
        gw = x2.T @ g2 if weight.requires_grad else None                 # (in, out)
        gb = g2.sum(axis=0) if bias is not None and bias.requires_grad else None
        return gx, gw, gb
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(out.reshape(*xd.shape[:-1], w.shape[1]), parents, backward, "linear")


def embedding(indices, weight: Tensor) -> Tensor:
    """Rows ``weight[indices]``: shape ``indices.shape + (dim,)``.

    The gradient of a table row is the sum of the gradients of every output
    row that was read from it (a number used twice gets both).
    """
    idx = check_indices("indices", indices, weight.shape[0])

    def backward(g):                                # g: indices.shape + (dim,)
        grad = np.zeros_like(weight.data)           # (n, dim)
        np.add.at(grad, idx, g)                     # grad[idx[i]] += g[i], repeats add up
        return (grad,)
    return Tensor._make(weight.data[idx], (weight,), backward, "embedding")


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return x.relu()


def gelu(x: Tensor) -> Tensor:
    """GELU (tanh approximation)."""
    return x.gelu()


def square(x: Tensor) -> Tensor:
    """x², the quadratic activation of some grokking papers."""
    return x.square()


def softmax_array(s: np.ndarray) -> np.ndarray:
    """Softmax along the last axis, in place (shifting by the max so exp cannot overflow)."""
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)
    return s


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``."""
    p = np.moveaxis(softmax_array(np.moveaxis(x.data, axis, -1).copy()), -1, axis)

    def backward(g):                                # dx = p ⊙ (g − Σ g ⊙ p)
        return (p * (g - (g * p).sum(axis=axis, keepdims=True)),)
    return Tensor._make(p, (x,), backward, "softmax")


def check_layer_norm(x, weight, bias) -> Tensor:
    x = as_tensor(x, "x", dtype=None if weight is None else weight.dtype)
    d = x.shape[-1] if x.ndim else 0
    if weight is not None and weight.shape != (d,) or bias is not None and bias.shape != (d,):
        raise ValueError(f"weight and bias must have shape ({d},) (the last axis of x)")
    return x


def layer_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5) -> Tensor:
    """Normalise the last axis to mean 0, variance 1, then scale by ``weight``, shift by ``bias``.

    Backward, with ``x̂ = (x − μ)/σ`` and ``h = g ⊙ weight``:
    ``dx = (h − mean(h) − x̂ ⊙ mean(h ⊙ x̂)) / σ``, ``dweight = Σ g ⊙ x̂``, ``dbias = Σ g``.
    """
    x = check_layer_norm(x, weight, bias)
    xd = x.data                                                 # (..., d)
    centred = xd - xd.mean(axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + eps)  # 1/σ (..., 1)
    xhat = centred * rstd                                       # (..., d)
    w = np.ones(xd.shape[-1], xd.dtype) if weight is None else weight.data
    out = xhat * w if bias is None else xhat * w + bias.data
    summed = tuple(range(xd.ndim - 1))                          # every axis but the last

    def backward(g):
        h = g * w
        dx = rstd * (h - h.mean(axis=-1, keepdims=True)
                     - xhat * (h * xhat).mean(axis=-1, keepdims=True))
        grads = [dx]
        if weight is not None:
            grads.append((g * xhat).sum(axis=summed))
        if bias is not None:
            grads.append(g.sum(axis=summed))
        return grads
    parents = tuple(p for p in (x, weight, bias) if p is not None)
    return Tensor._make(out, parents, backward, "layer_norm")


def norm_linear(x, norm_weight: Tensor, norm_bias: Tensor, weight: Tensor,
                bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """A layer norm, then a linear layer: the pre-norm step of a transformer block."""
    return linear(layer_norm(x, norm_weight, norm_bias, eps), weight, bias)


_mask_cache: dict = {}


def causal_mask(t: int, dtype) -> np.ndarray:
    """A (t, t) matrix: 0 on and below the diagonal, -inf above (future positions)."""
    key = (t, np.dtype(dtype))
    if key not in _mask_cache:
        _mask_cache[key] = np.triu(np.full((t, t), -np.inf, dtype=dtype), k=1)
    return _mask_cache[key]


def check_qkv(qkv, n_heads) -> tuple[Tensor, int]:
    check_tensor("qkv", qkv)
    n_heads = check_int("n_heads", n_heads, min=1)
    if qkv.ndim != 3 or qkv.shape[2] % (3 * n_heads):
        raise ValueError(f"qkv must have shape (batch, time, 3*d_model) with d_model divisible "
                         f"by n_heads={n_heads}, got {qkv.shape}")
    return qkv, n_heads


def self_attention(qkv: Tensor, n_heads: int, causal: bool = True,
                   return_pattern: bool = False):
    """Multi-head scaled dot-product self-attention on packed queries, keys, values.

    ``qkv`` has shape ``(B, T, 3*d)``: for each position the queries of all
    heads, then the keys, then the values (each ``d = n_heads * d_head``).
    Returns ``(B, T, d)`` (heads concatenated), and with ``return_pattern``
    also the attention pattern ``(B, n_heads, T, T)`` as a plain array.

    For each head: ``S = q kᵀ / √d_head`` (with ``-inf`` above the diagonal
    when ``causal``), ``P = softmax(S)``, output ``P v``.  Backward:
    ``dv = Pᵀ g``, ``dP = g vᵀ``, ``dS = P ⊙ (dP − rowsum(dP ⊙ P))``,
    ``dq = dS k / √d_head``, ``dk = dSᵀ q / √d_head``.
    """
    qkv, n_heads = check_qkv(qkv, n_heads)
    b, t, d3 = qkv.shape
    dh = d3 // 3 // n_heads
    scale = 1.0 / float(np.sqrt(dh))
    q, k, v = qkv.data.reshape(b, t, 3, n_heads, dh).transpose(2, 0, 3, 1, 4)  # 3 × (B, H, T, dh)
    s = q @ k.swapaxes(-1, -2) * scale                          # (B, H, T, T) scores
    if causal:
        s = s + causal_mask(t, s.dtype)                         # no attention to the future
    p = softmax_array(s)                                        # (B, H, T, T) pattern
    out = (p @ v).transpose(0, 2, 1, 3).reshape(b, t, d3 // 3)  # (B, T, d) heads side by side

    def backward(g):
        g = g.reshape(b, t, n_heads, dh).transpose(0, 2, 1, 3)  # (B, H, T, dh)
        dv = p.swapaxes(-1, -2) @ g                             # (B, H, T, dh)
        dp = g @ v.swapaxes(-1, -2)                             # (B, H, T, T)
        ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True)) * scale
        dq, dk = ds @ k, ds.swapaxes(-1, -2) @ q                # (B, H, T, dh) each
        dqkv = np.stack([dq, dk, dv])                           # (3, B, H, T, dh)
        return (dqkv.transpose(1, 3, 0, 2, 4).reshape(b, t, d3),)
    result = Tensor._make(out, (qkv,), backward, "self_attention")
    return (result, p) if return_pattern else result


def check_targets(logits, targets) -> np.ndarray:
    check_tensor("logits", logits)
    tgt = check_indices("targets", targets, logits.shape[-1])
    if tgt.shape != logits.shape[:-1]:
        raise ValueError(f"targets must have shape {logits.shape[:-1]} (logits shape without "
                         f"the class axis), got {tgt.shape}")
    return tgt


def softmax_cross_entropy(logits: Tensor, targets) -> Tensor:
    """Mean cross-entropy of integer ``targets`` under ``softmax(logits)``, as one node.

    ``logits`` has shape ``(..., C)`` and ``targets`` shape ``(...)`` with
    values in ``[0, C)``.  One node avoids computing ``log(softmax)``
    (unstable) and gives the simple gradient ``(softmax − onehot) / N``.
    """
    t = check_targets(logits, targets).reshape(-1)               # (N,)
    c = logits.shape[-1]
    z = logits.data.reshape(-1, c)                               # (N, C)
    n, rows = t.size, np.arange(t.size)
    z = z - z.max(axis=1, keepdims=True)                         # shifted: exp cannot overflow
    log_total = np.log(np.exp(z).sum(axis=1))                    # (N,) log Σ_c exp z_c
    loss = np.asarray((log_total - z[rows, t]).mean(), dtype=z.dtype)

    def backward(g):
        grad = np.exp(z - log_total[:, None])                    # (N, C) softmax
        grad[rows, t] -= 1.0                                     # − onehot
        return ((grad * (g / n)).reshape(logits.shape),)
    return Tensor._make(loss, (logits,), backward, "cross_entropy")


def mse(pred: Tensor, target) -> Tensor:
    """Mean squared error ``mean((pred − target)²)``."""
    check_tensor("pred", pred)
    target = as_tensor(target, "target", dtype=pred.dtype)
    if target.shape != pred.shape:
        raise ValueError(f"target must have the shape of pred {pred.shape}, got {target.shape}")
    diff = pred.data - target.data
    n = diff.size

    def backward(g):
        gp = diff * (2.0 * g / n)
        return gp, -gp
    loss = np.asarray(np.vdot(diff, diff) / n, dtype=pred.dtype)
    return Tensor._make(loss, (pred, target), backward, "mse")


def accuracy(logits, targets) -> float:
    """Fraction of rows whose largest logit is at the target class."""
    x = logits.data if isinstance(logits, Tensor) else np.asarray(logits)
    tgt = check_indices("targets", targets, x.shape[-1])
    if tgt.shape != x.shape[:-1]:
        raise ValueError(f"targets must have shape {x.shape[:-1]}, got {tgt.shape}")
    return float(np.mean(x.argmax(axis=-1) == tgt))


def cat(tensors, axis: int = -1) -> Tensor:
    """Concatenate tensors along ``axis``."""
    tensors = [check_tensor(f"tensors[{i}]", t) for i, t in enumerate(tensors)]
    if not tensors:
        raise ValueError("tensors must not be empty")
    ax = axis % tensors[0].ndim
    bounds = np.cumsum([t.shape[ax] for t in tensors])[:-1]
    return Tensor._make(np.concatenate([t.data for t in tensors], axis=ax), tuple(tensors),
                        lambda g: tuple(np.split(g, bounds, axis=ax)), "cat")
