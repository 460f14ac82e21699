"""Fused operations: each is one graph node with a hand-written backward.

Writing these as a single node (instead of a chain of small Tensor ops) saves
memory and time: the backward reuses what the forward computed, and no
intermediate array is kept for a gradient nobody needs.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_int
from .tensor import Tensor, as_tensor, is_grad_enabled

__all__ = ["linear", "embedding", "relu", "gelu", "square", "softmax", "layer_norm",
           "self_attention", "softmax_cross_entropy", "mse", "accuracy", "cat"]


def _check_tensor(name: str, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name} must be a Tensor, got {type(value).__name__}")
    return value


def linear(x, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight + bias`` for ``x`` of shape ``(..., in)`` and ``weight`` ``(in, out)``.

    Leading axes are flattened so the work is one 2-D matrix product (a
    stacked ``(N, T, d) @ (d, k)`` product is many times slower in numpy).
    """
    x = as_tensor(x, "x", dtype=weight.dtype)
    xd, w = x.data, weight.data
    if xd.ndim == 0 or xd.shape[-1] != w.shape[0]:
        raise ValueError(f"x must have last dimension {w.shape[0]} (the layer's input size), "
                         f"got shape {xd.shape}")
    x2 = xd.reshape(-1, w.shape[0])
    out = x2 @ w
    if bias is not None:
        out += bias.data

    def backward(g):
        g2 = g.reshape(-1, w.shape[1])
        gx = (g2 @ w.T).reshape(xd.shape) if x.requires_grad else None
        gw = x2.T @ g2 if weight.requires_grad else None
        gb = g2.sum(axis=0) if bias is not None and bias.requires_grad else None
        return gx, gw, gb
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(out.reshape(*xd.shape[:-1], w.shape[1]), parents, backward, "linear")


def _check_indices(name: str, indices, n: int) -> np.ndarray:
    idx = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if not np.issubdtype(idx.dtype, np.integer):
        raise TypeError(f"{name} must hold integer indices, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"{name} must lie in [0, {n - 1}], got values in "
                         f"[{idx.min()}, {idx.max()}]")
    return idx


_ONE_HOT_MAX_ROWS = 256  # tables up to this size use the one-hot gradient, larger ones a sort


def embedding(indices, weight: Tensor) -> Tensor:
    """Rows ``weight[indices]``: shape ``indices.shape + (dim,)``.

    The gradient adds each output row's gradient into its table row.  For a
    small table this is one matrix product ``onehot @ g`` (``onehot[r, i] = 1``
    where ``indices[i] == r``), far faster than ``np.add.at``; larger tables
    sort the indices and sum runs with ``np.add.reduceat``.
    """
    n, dim = weight.shape
    idx = _check_indices("indices", indices, n)
    flat = idx.reshape(-1)

    def backward(g):
        g2 = g.reshape(-1, dim)
        if n <= _ONE_HOT_MAX_ROWS:
            onehot = np.zeros((n, flat.size), dtype=g.dtype)
            onehot[flat, np.arange(flat.size)] = 1
            return (onehot @ g2,)
        order = np.argsort(flat, kind="stable")
        rows, starts = np.unique(flat[order], return_index=True)
        full = np.zeros_like(weight.data)
        full[rows] = np.add.reduceat(g2[order], starts, axis=0)
        return (full,)
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


def _softmax_array(s: np.ndarray) -> np.ndarray:
    """Softmax along the last axis, in place."""
    s -= s.max(axis=-1, keepdims=True)
    np.exp(s, out=s)
    s /= s.sum(axis=-1, keepdims=True)
    return s


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``axis``."""
    p = np.moveaxis(_softmax_array(np.moveaxis(x.data, axis, -1).copy()), -1, axis)

    def backward(g):
        return (p * (g - (g * p).sum(axis=axis, keepdims=True)),)
    return Tensor._make(p, (x,), backward, "softmax")


def layer_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5) -> Tensor:
    """Normalise the last axis to mean 0, variance 1, then scale and shift.

    Backward, with ``x̂ = (x − μ)/σ`` and ``h = g ⊙ w``:
    ``dx = (h − mean(h) − x̂ ⊙ mean(h ⊙ x̂)) / σ``, ``dw = Σ g ⊙ x̂``, ``db = Σ g``.
    The row means of ``h`` and ``h ⊙ x̂`` are matrix–vector products with ``w``.
    """
    x = as_tensor(x, "x", dtype=None if weight is None else weight.dtype)
    xd = x.data
    d = xd.shape[-1]
    if weight is not None and weight.shape != (d,) or bias is not None and bias.shape != (d,):
        raise ValueError(f"weight and bias must have shape ({d},) (the last axis of x)")
    x2 = xd.reshape(-1, d)
    xhat = x2 - x2.mean(axis=1, keepdims=True)
    var = np.einsum("ij,ij->i", xhat, xhat)[:, None]
    var *= 1.0 / d
    var += eps
    rstd = np.sqrt(var, out=var)
    np.reciprocal(rstd, out=rstd)
    xhat *= rstd
    out = xhat if weight is None else xhat * weight.data
    if bias is not None:
        out = out + bias.data if out is xhat else np.add(out, bias.data, out=out)
    ones = np.ones(d, dtype=xd.dtype)

    def backward(g):
        g = g.reshape(-1, d)
        w = ones if weight is None else weight.data
        gx_hat = g * xhat                                   # reused for dw and dx
        grads = []
        if x.requires_grad:
            gx = g * w
            gx -= (g @ w)[:, None] * (1.0 / d)              # − mean(h)
            gx -= xhat * ((gx_hat @ w)[:, None] * (1.0 / d))  # − x̂ mean(h x̂)
            gx *= rstd
            grads.append(gx.reshape(xd.shape))
        else:
            grads.append(None)
        if weight is not None:
            grads.append(gx_hat.sum(axis=0) if weight.requires_grad else None)
        if bias is not None:
            grads.append(g.sum(axis=0) if bias.requires_grad else None)
        return grads
    parents = tuple(p for p in (x, weight, bias) if p is not None)
    return Tensor._make(out.reshape(xd.shape), parents, backward, "layer_norm")


_mask_cache: dict = {}


def _causal_mask(t: int, dtype) -> np.ndarray:
    """A (t, t) matrix: 0 on and below the diagonal, -inf above (future positions)."""
    key = (t, np.dtype(dtype))
    if key not in _mask_cache:
        _mask_cache[key] = np.triu(np.full((t, t), -np.inf, dtype=dtype), k=1)
    return _mask_cache[key]


SHORT_SEQUENCE = 4  # up to this many positions, attention loops over position pairs


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

    Two implementations of the same formulas: stacked matrix products for
    longer sequences, and for very short ones (``T <= SHORT_SEQUENCE``, e.g.
    ``a b =`` in modular arithmetic) a loop over the ``T²`` position pairs,
    each step vectorised over batch and heads; numpy's stacked matmul would
    otherwise spend its time on ``B·H`` tiny 3×3 products.
    """
    _check_tensor("qkv", qkv)
    n_heads = check_int("n_heads", n_heads, min=1)
    if qkv.ndim != 3 or qkv.shape[2] % (3 * n_heads):
        raise ValueError(f"qkv must have shape (batch, time, 3*d_model) with d_model divisible "
                         f"by n_heads={n_heads}, got {qkv.shape}")
    impl = _attention_by_pairs if qkv.shape[1] <= SHORT_SEQUENCE else _attention_by_matmul
    out, pattern, backward = impl(qkv.data, n_heads, bool(causal))
    result = Tensor._make(out, (qkv,), backward, "self_attention")
    return (result, pattern) if return_pattern else result


def _attention_by_matmul(x: np.ndarray, n_heads: int, causal: bool):
    b, t, d3 = x.shape
    d = d3 // 3
    dh = d // n_heads
    scale = 1.0 / float(np.sqrt(dh))
    # (B, T, 3, H, dh) -> three contiguous (B, H, T, dh) arrays
    q, k, v = np.ascontiguousarray(x.reshape(b, t, 3, n_heads, dh).transpose(2, 0, 3, 1, 4))
    s = q @ k.transpose(0, 1, 3, 2)
    s *= scale
    if causal:
        s += _causal_mask(t, s.dtype)
    p = _softmax_array(s)
    out = (p @ v).transpose(0, 2, 1, 3).reshape(b, t, d)

    def backward(g):
        g = g.reshape(b, t, n_heads, dh).transpose(0, 2, 1, 3)      # (B, H, T, dh)
        dqkv = np.empty((3, b, n_heads, t, dh), dtype=g.dtype)
        np.matmul(p.transpose(0, 1, 3, 2), g, out=dqkv[2])           # dv
        dp = g @ v.transpose(0, 1, 3, 2)
        dp -= (dp * p).sum(axis=-1, keepdims=True)
        dp *= p
        dp *= scale                                                  # dS, scaled
        np.matmul(dp, k, out=dqkv[0])                                # dq
        np.matmul(dp.transpose(0, 1, 3, 2), q, out=dqkv[1])          # dk
        return (dqkv.transpose(1, 3, 0, 2, 4).reshape(b, t, d3),)
    return out, p, backward


def _attention_by_pairs(x: np.ndarray, n_heads: int, causal: bool):
    b, t, d3 = x.shape
    d = d3 // 3
    dh = d // n_heads
    scale = 1.0 / float(np.sqrt(dh))
    # position-major copy (T, 3, B, H, dh): every q_i, k_j, v_j is one contiguous block
    qkv = np.ascontiguousarray(x.reshape(b, t, 3, n_heads, dh).transpose(1, 2, 0, 3, 4))
    q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]
    keys = lambda i: range(i + 1 if causal else t)  # noqa: E731  (keys visible from query i)
    p = np.full((t, t, b, n_heads), -np.inf, dtype=x.dtype)          # p[i, j]: query i, key j
    for i in range(t):
        for j in keys(i):
            np.einsum("bhd,bhd->bh", q[i], k[j], out=p[i, j])
    p *= scale
    p -= p.max(axis=1, keepdims=True)                                 # softmax over keys j
    np.exp(p, out=p)
    p /= p.sum(axis=1, keepdims=True)
    out = np.zeros((b, t, n_heads, dh), dtype=x.dtype)
    tmp = np.empty((b, n_heads, dh), dtype=x.dtype)
    for i in range(t):
        for j in keys(i):
            out[:, i] += np.multiply(p[i, j][:, :, None], v[j], out=tmp)

    def backward(g):
        g = np.ascontiguousarray(g.reshape(b, t, n_heads, dh).transpose(1, 0, 2, 3))  # (T, B, H, dh)
        dqkv = np.zeros((t, 3, b, n_heads, dh), dtype=g.dtype)
        dq, dk, dv = dqkv[:, 0], dqkv[:, 1], dqkv[:, 2]
        dp = np.zeros_like(p)
        for i in range(t):
            for j in keys(i):
                np.einsum("bhd,bhd->bh", g[i], v[j], out=dp[i, j])
                dv[j] += np.multiply(p[i, j][:, :, None], g[i], out=tmp)
        dp -= (dp * p).sum(axis=1, keepdims=True)
        dp *= p
        dp *= scale                                                   # dS, scaled
        for i in range(t):
            for j in keys(i):
                w = dp[i, j][:, :, None]
                dq[i] += np.multiply(w, k[j], out=tmp)
                dk[j] += np.multiply(w, q[i], out=tmp)
        return (dqkv.transpose(2, 0, 1, 3, 4).reshape(b, t, d3),)
    return out.reshape(b, t, d), p.transpose(2, 3, 0, 1), backward


def softmax_cross_entropy(logits: Tensor, targets) -> Tensor:
    """Mean cross-entropy of integer ``targets`` under ``softmax(logits)``, fused.

    ``logits`` has shape ``(..., C)`` and ``targets`` shape ``(...)`` with
    values in ``[0, C)``.  Fusing the two avoids computing ``log(softmax)``
    (unstable) and gives the simple gradient ``(softmax − onehot) / N``.
    """
    _check_tensor("logits", logits)
    c = logits.shape[-1]
    tgt = _check_indices("targets", targets, c)
    if tgt.shape != logits.shape[:-1]:
        raise ValueError(f"targets must have shape {logits.shape[:-1]} (logits shape without "
                         f"the class axis), got {tgt.shape}")
    x = logits.data.reshape(-1, c)
    t = tgt.reshape(-1)
    n = t.size
    rows = np.arange(n)
    z = x - x.max(axis=1, keepdims=True)     # shifted logits: exp cannot overflow
    picked = z[rows, t]
    np.exp(z, out=z)
    s = z.sum(axis=1, keepdims=True)
    loss = np.asarray((np.log(s).sum() - picked.sum()) / n, dtype=x.dtype)
    if not (logits.requires_grad and is_grad_enabled()):
        return Tensor._make(loss, (logits,), None, "cross_entropy")
    # the gradient of the mean loss, (softmax - onehot) / n, made in place now
    z *= 1.0 / n / s
    z[rows, t] -= 1.0 / n

    def backward(g):
        return ((z if g == 1 else z * g).reshape(logits.shape),)
    return Tensor._make(loss, (logits,), backward, "cross_entropy")


def mse(pred: Tensor, target) -> Tensor:
    """Mean squared error ``mean((pred − target)²)``."""
    _check_tensor("pred", pred)
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
    tgt = _check_indices("targets", targets, x.shape[-1])
    if tgt.shape != x.shape[:-1]:
        raise ValueError(f"targets must have shape {x.shape[:-1]}, got {tgt.shape}")
    return float(np.mean(x.argmax(axis=-1) == tgt))


def cat(tensors, axis: int = -1) -> Tensor:
    """Concatenate tensors along ``axis``."""
    tensors = [_check_tensor(f"tensors[{i}]", t) for i, t in enumerate(tensors)]
    if not tensors:
        raise ValueError("tensors must not be empty")
    ax = axis % tensors[0].ndim
    bounds = np.cumsum([t.shape[ax] for t in tensors])[:-1]
    return Tensor._make(np.concatenate([t.data for t in tensors], axis=ax), tuple(tensors),
                        lambda g: tuple(np.split(g, bounds, axis=ax)), "cat")

