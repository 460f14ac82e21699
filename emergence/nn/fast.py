"""The fast path: the plain path's formulas, reorganised to save time and memory.

The models run these; :mod:`.functional` and the per-parameter Adam in :mod:`.optim` are
the same operations written for reading.  Every function here gives the same numbers as
its plain twin (``tests/test_nn_fast.py``), and each trick says what it saves:

- the gradient is made in place while the forward pass still holds the arrays it needs
  (cross-entropy, layer norm, attention), so no pass over memory is repeated;
- short sequences (``a b =``) use a loop over position pairs instead of thousands of
  tiny stacked matrix products;
- embedding gradients are summed by sorted runs or one matrix product with a cached one-hot
  matrix, not ``np.add.at``;
- the row and column sums of the linear layers, layer norms and cross-entropy are
  ``np.einsum`` (several times faster than numpy's ``sum`` along short rows or down columns;
  unlike BLAS's matrix–vector product, its bits do not depend on the core count);
- a layer norm and the linear layer that reads it are one operation, the norm's scale and shift
  folded into the layer's weights (:func:`norm_linear`, a transformer's three norms);
- an MLP's hidden ReLU works in the layer's own array (``relu(x, inplace=True)``);
- a layer fed by concatenated embedding rows multiplies the table's rows, not every example's
  (:func:`embedding_linear`, the grokking MLP's first layer);
- Adam keeps every moment in one flat buffer, so a step is a dozen numpy calls in total;
- with :func:`configure` ``(threads=2)``, large elementwise work is split over threads in
  contiguous blocks of whole rows: each element (and each row's reduction) is computed exactly
  as on one thread, so results are bit-identical whatever the thread count.  Off by default:
  on a shared 2-core machine the second thread mostly waited for OpenBLAS's own threads.
"""
from __future__ import annotations

import contextlib
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._validate import check_int
from .functional import (accuracy, cat, causal_mask, check_indices, check_layer_norm,
                         check_linear, check_qkv, check_targets, gelu, mse, softmax,
                         softmax_array, square)
from .tensor import Tensor, is_grad_enabled

__all__ = ["configure", "threads", "linear", "embedding", "embedding_linear", "relu", "gelu",
           "square", "softmax", "layer_norm", "norm_linear", "self_attention",
           "softmax_cross_entropy", "mse", "accuracy", "cat", "adam_step", "SHORT_SEQUENCE"]

# ------------------------------------------------------------------ threads

MAX_THREADS = 64
_settings = {"threads": 1, "min_chunk": 1 << 16}
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def configure(threads: int | None = None, min_chunk: int | None = None) -> dict:
    """Set the threads for elementwise work and the fewest elements worth a thread; the settings.

    ``threads`` (1 … 64; default 1) splits large elementwise work over that many threads
    (measured on a shared 2-core machine, a second thread helped only when the other core
    was idle, so it is opt-in: ``configure(threads=2)``, or the benchmark's ``--fast-threads``);
    ``min_chunk`` (>= 1024 elements, default 65536) keeps small arrays on one thread,
    where starting a task would cost more than it saves.  Results do not depend on either.
    """
    global _pool
    if threads is not None:
        threads = check_int("threads", threads, min=1, max=MAX_THREADS)
    if min_chunk is not None:
        _settings["min_chunk"] = check_int("min_chunk", min_chunk, min=1024)
    if threads is not None and threads != _settings["threads"]:
        with _pool_lock:
            if _pool is not None:
                _pool.shutdown()
                _pool = None
            _settings["threads"] = threads
    return dict(_settings)


def threads() -> int:
    """The number of threads elementwise work is split over."""
    return _settings["threads"]


def _threads_work() -> bool:
    """Whether this Python can start a thread (not, e.g., numpy in a browser); warns once if not."""
    try:
        t = threading.Thread(target=lambda: None)
        t.start()
        t.join()
        return True
    except RuntimeError:
        warnings.warn("emergence.nn.fast: threads are unavailable here; elementwise work runs "
                      "on one thread (same results, slower)", RuntimeWarning, stacklevel=3)
        _settings["threads"] = 1
        return False


def _get_pool() -> ThreadPoolExecutor | None:
    global _pool
    with _pool_lock:
        if _pool is None and _settings["threads"] > 1 and _threads_work():
            _pool = ThreadPoolExecutor(_settings["threads"] - 1, thread_name_prefix="emergence-nn")
        return _pool if _settings["threads"] > 1 else None


def row_blocks(n_rows: int, row_size: int) -> list[slice]:
    """Contiguous blocks of rows, one per thread, each at least ``min_chunk`` elements."""
    k = min(_settings["threads"], max(1, n_rows * row_size // _settings["min_chunk"]), n_rows)
    bounds = [n_rows * i // k for i in range(k + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def in_blocks(fn, n_rows: int, row_size: int, blocks: list[slice] | None = None) -> list:
    """``[fn(rows) for rows in row_blocks(...)]`` (or the given ``blocks``), run in parallel.

    ``fn`` must write only its own rows.  numpy releases the GIL inside ufuncs, so two
    blocks really do run on two cores; the split changes which core computes a row, never
    how, so the result is bit-identical to ``fn(slice(0, n_rows))``.
    """
    given, blocks = blocks is not None, row_blocks(n_rows, row_size) if blocks is None else blocks
    pool = _get_pool() if len(blocks) > 1 else None
    if pool is None:   # one thread: one block, unless the caller fixed the blocks
        return [fn(rows) for rows in blocks] if given else [fn(slice(0, n_rows))]
    futures = [pool.submit(fn, rows) for rows in blocks[1:]]
    first = fn(blocks[0])
    return [first] + [f.result() for f in futures]


# ------------------------------------------------------------------ sums

def column_sums(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=0)`` of a 2-D array, by ``np.einsum``.

    Saves: numpy's ``sum`` down the columns of a C-ordered array takes 1.5–3× as long
    (measured on (4176, 64) to (3764, 256) float32).  Not BLAS's matrix–vector product with
    ones, which is faster still but splits some sums across its threads, so its last bits
    would depend on the machine's core count.  The additions are grouped differently from
    ``sum``, so it agrees with it to rounding.
    """
    return np.einsum("ij->j", a)


def row_sums(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1)`` of a 2-D array, by ``np.einsum`` (3–4× faster than numpy's reduction
    along short rows; each row is summed on its own, so a block of rows gives the same bits)."""
    return np.einsum("ij->i", a)


def row_dots(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``a @ w`` for a 2-D ``a`` and a vector ``w``, by ``np.einsum`` (same bits whatever
    BLAS's thread count, unlike the matrix–vector product, which splits some rows' sums)."""
    return np.einsum("ij,j->i", a, w)


# ------------------------------------------------------------- operations

def linear(x, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """As :func:`.functional.linear`, with the bias gradient by :func:`column_sums`."""
    x = check_linear(x, weight)
    xd, w = x.data, weight.data
    x2 = xd.reshape(-1, w.shape[0])                 # (N, in)
    out = x2 @ w                                    # (N, out)
    if bias is not None:
        out += bias.data

    def backward(g):
        g2 = g.reshape(-1, w.shape[1])              # (N, out)
        gx = (g2 @ w.T).reshape(xd.shape) if x.requires_grad else None
        gw = x2.T @ g2 if weight.requires_grad else None
        gb = column_sums(g2) if bias is not None and bias.requires_grad else None
        return gx, gw, gb
    parents = (x, weight) if bias is None else (x, weight, bias)
    return Tensor._make(out.reshape(*xd.shape[:-1], w.shape[1]), parents, backward, "linear")


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), split over threads.

    ``inplace=True`` is for an intermediate that only the caller sees, made by a layer whose
    backward does not read its own output (a linear layer inside an MLP): the result is
    written over ``x``'s array and, backward, the gradient over the result's, which every
    later operation's backward has finished reading by then.  Saves two fresh arrays:
    measured 0.46 → 0.31 ms forward and 1.04 → 0.81 ms backward on (3764, 256) float32
    with a cold cache.
    """
    xd = x.data
    inplace = inplace and xd.flags.c_contiguous
    out = xd if inplace else np.empty_like(xd)
    flat_x, flat_out = xd.reshape(-1), out.reshape(-1)
    in_blocks(lambda r: np.maximum(flat_x[r], 0, out=flat_out[r]), flat_x.size, 1)

    def backward(g):
        flat_g = np.ascontiguousarray(g).reshape(-1)
        gx = flat_out if inplace else np.empty_like(flat_g)
        # gradient 1 where out > 0 (also 0 at x == 0, as in PyTorch); multiplying by the
        # boolean mask is ~10x faster than np.where
        in_blocks(lambda r: np.multiply(flat_g[r], flat_out[r] > 0, out=gx[r], dtype=gx.dtype),
                  flat_g.size, 1)
        return (gx.reshape(xd.shape),)
    return Tensor._make(out, (x,), backward, "relu")


_ONE_HOT_MAX_ROWS = 256  # up to this many rows, gradients are summed by a one-hot product
_LONG_RUN = 16           # from this many rows per index on average, by sorted runs instead,
_RUNS_MIN_SIZE = 1 << 16  # if the gradient has at least this many elements
_index_cache: dict = {}


def _for_indices(kind: str, flat: np.ndarray, key: tuple, build):
    """``build()``, remembered for the last ``flat`` of each ``kind``: full-batch training asks
    for the same indices every step (saves rebuilding a one-hot matrix or a sort each time)."""
    hit = _index_cache.get(kind)
    if hit is not None and hit[1] == key and np.array_equal(hit[0], flat):
        return hit[2]
    value = build()
    _index_cache[kind] = (flat.copy(), key, value)
    return value


def _one_hot(flat: np.ndarray, n: int, dtype, columns: int) -> np.ndarray:
    """``onehot[r, i % columns] = 1`` where ``flat[i] == r``: ``(n, columns)``."""
    def build():
        onehot = np.zeros((n, columns), dtype=dtype)
        onehot[flat, np.arange(flat.size) % columns] = 1
        return onehot
    return _for_indices("one-hot", flat, (n, np.dtype(dtype), flat.size, columns), build)


def _runs(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``order`` sorting ``flat`` (stable), the distinct values and where each one's run starts."""
    def build():
        order = np.argsort(flat, kind="stable")
        rows, starts = np.unique(flat[order], return_index=True)
        return order, rows, starts
    return _for_indices("runs", flat, (flat.size,), build)


def embedding(indices, weight: Tensor) -> Tensor:
    """Rows ``weight[indices]``, as :func:`.functional.embedding`.

    The gradient sums each output row's gradient into its table row (:func:`_sum_rows`:
    by sorted runs, a one-hot product or ``np.add.reduceat``, never ``np.add.at``).
    """
    n, dim = weight.shape
    idx = check_indices("indices", indices, n)
    flat = idx.reshape(-1)

    def backward(g):
        return (_sum_rows(flat, n, g.reshape(-1, dim)),)
    return Tensor._make(weight.data[idx], (weight,), backward, "embedding")


def _sum_rows(flat: np.ndarray, n: int, g: np.ndarray) -> np.ndarray:
    """``out[r] = Σ g[i % len(g)]`` over the ``i`` with ``flat[i] == r``: ``(n, g.shape[1])``.

    Three ways, by shape (each measured fastest where it is used):
    - long runs (``_LONG_RUN`` rows or more per distinct index, e.g. 97 numbers in 7528
      rows, and at least ``_RUNS_MIN_SIZE`` elements): the rows are gathered in sorted order
      and each run summed by :func:`column_sums`; measured 0.74 ms against 1.14 ms for the
      one-hot product, which mostly multiplies zeros (7528 × 128, float32);
    - short runs and a small table (up to ``_ONE_HOT_MAX_ROWS`` rows): one product with the
      cached one-hot matrix, ``(n, N) @ (N, dim)``, far faster than ``np.add.at``;
    - short runs and a large table: sorted runs summed with ``np.add.reduceat`` (a one-hot
      matrix would grow as ``n × N``).
    """
    distinct = np.count_nonzero(np.bincount(flat, minlength=n))  # no sort for the one-hot way
    long_runs = flat.size >= _LONG_RUN * distinct and g.size >= _RUNS_MIN_SIZE
    if n <= _ONE_HOT_MAX_ROWS and not long_runs:
        return _one_hot(flat, n, g.dtype, len(g)) @ g             # (n, N) @ (N, dim)
    order, rows, starts = _runs(flat)
    picked = np.take(g, order % len(g), axis=0)                  # (N, dim), sorted by index
    full = np.zeros((n, g.shape[1]), dtype=g.dtype)
    if long_runs:
        ends = np.append(starts[1:], flat.size)
        for r, a, b in zip(rows.tolist(), starts.tolist(), ends.tolist()):
            full[r] = column_sums(picked[a:b])
    else:
        full[rows] = np.add.reduceat(picked, starts, axis=0)
    return full


def embedding_linear(indices, table: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``linear(embedding(indices, table).reshape(N, k·dim), weight, bias)``, indices ``(N, k)``,
    computed per table row (the first layer of a model that concatenates ``k`` looked-up rows).

    Slot ``j`` of every example multiplies its row by the block ``W_j`` (rows ``j·dim`` to
    ``(j+1)·dim`` of ``weight``).  A table of ``n`` rows has only ``n`` distinct products, so
    ``P_j = table @ W_j`` is made once (``n × out``, not ``N × out``) and each example gathers
    and adds its ``k`` rows of it.  Backward, the ``N`` output gradients are first summed per
    table row (``onehot @ g``, ``(k·n) × out``) and every other product is then ``n`` rows tall.
    Saves, for the grokking MLP (``n = p = 59`` numbers, ``N = 1392`` pairs): two of the three
    ``N``-row products of the layer and the embedding's scatter, about 70 % of its
    multiply-adds.  The sums are grouped differently from the plain path, so the results
    agree to rounding (float64: ~1e-15 relative), not bit for bit.
    """
    n, dim = table.shape
    idx = check_indices("indices", indices, n)
    if idx.ndim != 2 or weight.shape[0] != idx.shape[-1] * dim:
        raise ValueError(f"indices must have shape (N, k) with k·{dim} = {weight.shape[0]} "
                         f"(the weight's input size), got shape {idx.shape}")
    k, n_out = idx.shape[1], weight.shape[1]
    w = weight.data.reshape(k, dim, n_out)                    # W_j = w[j]
    per_row = np.matmul(table.data, w)                         # (k, n, out): P_j = table @ W_j
    # row j·n + idx[i, j] of the stacked P_j belongs to example i, slot j
    flat = (idx + n * np.arange(k)).T.reshape(-1)             # (k·N,), slot-major
    picked = np.take(per_row.reshape(k * n, n_out), flat, axis=0).reshape(k, -1, n_out)
    out = picked[0]                                            # a fresh array: summed in place
    for j in range(1, k):
        out += picked[j]
    if bias is not None:
        out += bias.data

    def backward(g):
        g = np.ascontiguousarray(g)
        # G_j, the gradient summed per table row, for all slots at once: for a small table
        # one product of a one-hot (k·n, N) matrix (k ones per column, cached) with g
        summed = _sum_rows(flat, k * n, g).reshape(k, n, n_out)
        grads = [None, None, None]
        if table.requires_grad:                                # Σ_j G_j @ W_jᵀ
            grads[0] = np.matmul(summed, w.transpose(0, 2, 1)).sum(axis=0)
        if weight.requires_grad:                               # W_j: tableᵀ @ G_j
            grads[1] = np.matmul(table.data.T, summed).reshape(k * dim, n_out)
        if bias is not None and bias.requires_grad:
            grads[2] = column_sums(g)
        return grads if bias is not None else grads[:2]
    parents = (table, weight) if bias is None else (table, weight, bias)
    return Tensor._make(out, parents, backward, "embedding_linear")


def _normalise(x2: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """``x̂ = (x − mean) / σ`` for each row of ``x2`` ``(N, d)``, and ``1/σ`` ``(N, 1)``.

    The row sums are ``einsum`` (:func:`row_sums`; the sums of squares need no squared copy)
    and ``x̂`` is made in place; the rows run in blocks on the threads.
    """
    n, d = x2.shape
    xhat = np.empty_like(x2)
    rstd = np.empty((n, 1), dtype=x2.dtype)

    def rows(r):
        xh, sd = xhat[r], rstd[r]
        np.subtract(x2[r], (row_sums(x2[r]) / d)[:, None], out=xh)
        np.einsum("ij,ij->i", xh, xh, out=sd[:, 0])
        sd *= 1.0 / d
        sd += eps
        np.sqrt(sd, out=sd)
        np.reciprocal(sd, out=sd)
        xh *= sd
    in_blocks(rows, n, d)
    return xhat, rstd


def _normalise_backward(h: np.ndarray, xhat: np.ndarray, rstd: np.ndarray) -> np.ndarray:
    """The gradient of the rows' input, ``(h − mean(h) − x̂ ⊙ mean(h ⊙ x̂)) / σ``, from
    ``h``, the gradient of ``x̂``; made in ``h``'s memory (the caller's fresh array)."""
    n, d = h.shape

    def rows(r):
        hr = h[r]
        mean_h = row_sums(hr)[:, None] * (1.0 / d)
        mean_hx = np.einsum("ij,ij->i", hr, xhat[r])[:, None] * (1.0 / d)
        hr -= mean_h
        hr -= xhat[r] * mean_hx
        hr *= rstd[r]
    in_blocks(rows, n, d)
    return h


def layer_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None, eps: float = 1e-5) -> Tensor:
    """As :func:`.functional.layer_norm`, with fewer passes over memory.

    Every sum is an ``einsum``, several times faster than numpy's sums along short rows or
    down columns (:func:`_normalise`; backward the row means in :func:`_normalise_backward`
    and ``dweight = Σ g ⊙ x̂`` in one ``einsum`` without the product's array).
    """
    x = check_layer_norm(x, weight, bias)
    xd = x.data
    d = xd.shape[-1]
    xhat, rstd = _normalise(xd.reshape(-1, d), eps)         # (N, d), (N, 1)
    out = xhat
    if weight is not None:
        out = xhat * weight.data
    if bias is not None:
        out = out + bias.data if out is xhat else np.add(out, bias.data, out=out)

    def backward(g):
        g = np.ascontiguousarray(g).reshape(-1, d)
        grads = [None]
        if x.requires_grad:                                  # h = ∂loss/∂x̂ = g ⊙ weight
            h = g.copy() if weight is None else g * weight.data
            grads[0] = _normalise_backward(h, xhat, rstd).reshape(xd.shape)
        if weight is not None:
            grads.append(np.einsum("ij,ij->j", g, xhat) if weight.requires_grad else None)
        if bias is not None:
            grads.append(column_sums(g) if bias.requires_grad else None)
        return grads
    parents = tuple(p for p in (x, weight, bias) if p is not None)
    return Tensor._make(out.reshape(xd.shape), parents, backward, "layer_norm")


def norm_linear(x, norm_weight: Tensor, norm_bias: Tensor, weight: Tensor,
                bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """``linear(layer_norm(x, norm_weight, norm_bias, eps), weight, bias)`` as one operation.

    The norm's scale ``s`` and shift ``t`` are folded into the linear layer: for the
    normalised rows ``x̂``, ``(x̂ ⊙ s + t) @ W + c = x̂ @ (s ⊙ W) + (t @ W + c)``, where
    ``s ⊙ W`` scales row ``k`` of ``W`` by ``s_k``.  The scaled and shifted rows are never
    made, and backward the product with the folded weight is already ``h = (g @ Wᵀ) ⊙ s``,
    the gradient of ``x̂``; the norm's own gradients become sums over ``d × out`` numbers.
    Saves: two passes over the ``(N, d)`` activations forward and three backward, plus a
    column sum: measured 4.1 → 3.6 ms for the benchmark transformer's first norm and its qkv
    layer ((4176, 64) rows, out 192, forward and backward, float32, cache cold).  The sums
    are grouped differently, so it agrees with the two operations to rounding.
    """
    if not (isinstance(norm_weight, Tensor) and isinstance(norm_bias, Tensor)):
        raise TypeError("norm_weight and norm_bias must be Tensors (a LayerNorm's scale and "
                        "shift)")
    x = check_layer_norm(check_linear(x, weight), norm_weight, norm_bias)
    xd, w = x.data, weight.data
    d = xd.shape[-1]
    xhat, rstd = _normalise(xd.reshape(-1, d), eps)         # (N, d), (N, 1)
    s, t = norm_weight.data, norm_bias.data
    w_folded = s[:, None] * w                                # (d, out): s ⊙ W
    out = xhat @ w_folded                                    # (N, out)
    shift = np.einsum("k,kj->j", t, w)                       # t @ W (einsum: see row_dots)
    out += shift if bias is None else shift + bias.data

    def backward(g):
        g2 = g.reshape(-1, w.shape[1])                       # (N, out)
        g_sum = column_sums(g2)                              # (out,)
        x_g = xhat.T @ g2                                    # (d, out): Σ x̂ ⊗ g
        gx = (_normalise_backward(g2 @ w_folded.T, xhat, rstd).reshape(xd.shape)
              if x.requires_grad else None)                  # g2 @ (s ⊙ W)ᵀ = h
        grads = [gx,
                 np.einsum("kj,kj->k", w, x_g),              # ds = Σ_j W ⊙ (Σ x̂ ⊗ g)
                 row_dots(w, g_sum),                         # dt = W @ Σ g
                 s[:, None] * x_g + np.outer(t, g_sum)]      # dW = (x̂ s + t)ᵀ g
        return grads + [g_sum] if bias is not None else grads
    parents = (x, norm_weight, norm_bias, weight) + (() if bias is None else (bias,))
    return Tensor._make(out.reshape(*xd.shape[:-1], w.shape[1]), parents, backward,
                        "norm_linear")


SHORT_SEQUENCE = 4  # up to this many positions, attention loops over position pairs


def self_attention(qkv: Tensor, n_heads: int, causal: bool = True,
                   return_pattern: bool = False):
    """As :func:`.functional.self_attention`, in one of two arrangements.

    Longer sequences: stacked matrix products writing the three gradients into one
    buffer.  Very short ones (``T <= SHORT_SEQUENCE``, e.g. ``a b =``): a loop over the
    ``T²`` position pairs, each step vectorised over batch and heads; numpy's stacked
    matmul would otherwise spend its time on ``B·H`` tiny 3×3 products.
    """
    qkv, n_heads = check_qkv(qkv, n_heads)
    impl = _attention_by_pairs_in_blocks if qkv.shape[1] <= SHORT_SEQUENCE else _attention_by_matmul
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
        s += causal_mask(t, s.dtype)
    p = softmax_array(s)
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


def _attention_by_pairs_in_blocks(x: np.ndarray, n_heads: int, causal: bool):
    """The pair loop on blocks of the batch, one block per thread (saves: the pair loop's
    many small numpy calls run on all cores).  Every batch row is computed exactly as in
    one block: nothing is summed across the batch."""
    blocks = row_blocks(x.shape[0], x[0].size)
    parts = in_blocks(lambda r: _attention_by_pairs(x[r], n_heads, causal), len(x), 0, blocks)
    if len(parts) == 1:
        return parts[0]
    out = np.concatenate([part[0] for part in parts])
    pattern = np.concatenate([part[1] for part in parts])

    def backward(g):
        grads = in_blocks(lambda r: parts[blocks.index(r)][2](g[r])[0], len(x), 0, blocks)
        return (np.concatenate(grads),)
    return out, pattern, backward


def softmax_cross_entropy(logits: Tensor, targets) -> Tensor:
    """As :func:`.functional.softmax_cross_entropy`, with the gradient made in the forward pass.

    The exponentials are computed once, in place, and turned into ``(softmax − onehot)/N``
    while they are in cache (saves a second pass and a second (N, C) array); the row sums
    are :func:`row_sums`; the rows are split over threads.  The two sums over all rows stay
    on one thread, in one piece.
    """
    tgt = check_targets(logits, targets)
    c = logits.shape[-1]
    x = logits.data.reshape(-1, c)
    t = tgt.reshape(-1)
    n = t.size
    rows = np.arange(n)
    z = np.empty_like(x)                     # shifted logits: exp cannot overflow
    picked = np.empty(n, dtype=x.dtype)
    s = np.empty((n, 1), dtype=x.dtype)

    def exp_rows(r):
        np.subtract(x[r], x[r].max(axis=1, keepdims=True), out=z[r])
        picked[r] = z[r][rows[: r.stop - r.start], t[r]]
        np.exp(z[r], out=z[r])
        s[r, 0] = row_sums(z[r])
    in_blocks(exp_rows, n, c)
    loss = np.asarray((np.log(s).sum() - picked.sum()) / n, dtype=x.dtype)
    if not (logits.requires_grad and is_grad_enabled()):
        return Tensor._make(loss, (logits,), None, "cross_entropy")
    scale = 1.0 / n / s                      # the gradient of the mean loss, made in place now

    def grad_rows(r):
        z[r] *= scale[r]
    in_blocks(grad_rows, n, c)
    z[rows, t] -= 1.0 / n

    def backward(g):
        return ((z if g == 1 else z * g).reshape(logits.shape),)
    return Tensor._make(loss, (logits,), backward, "cross_entropy")


# ------------------------------------------------------------------ Adam

class FlatAdamState:
    """Adam's moments for all parameters in one flat buffer each, with per-parameter views."""

    def __init__(self, params, dtype):
        self.bounds = np.cumsum([0] + [p.size for p in params]).tolist()
        n = self.bounds[-1]
        self.m, self.v = np.zeros(n, dtype), np.zeros(n, dtype)
        self.g, self.tmp = np.empty(n, dtype), np.empty(n, dtype)

    def views(self, flat, params) -> list[np.ndarray]:
        b = self.bounds
        return [flat[b[i]:b[i + 1]].reshape(p.shape) for i, p in enumerate(params)]


def adam_step(state: FlatAdamState, params, betas, eps: float, lr: float, weight_decay: float,
              decoupled: bool, t: int) -> None:
    """One Adam(W) update of every parameter, as ``Adam._update`` does one at a time.

    The gradients are gathered into one flat buffer, the moment updates and the step run
    once over all of them, split over threads in blocks (saves a dozen numpy calls per
    parameter, and on two cores about half the time for large models), and each parameter
    then takes its slice of the step.  Every element sees exactly the operations of the
    per-parameter update.
    """
    b1, b2 = betas
    for p, g in zip(params, state.views(state.g, params)):
        g[...] = p.grad
        if weight_decay and not decoupled:    # Adam: L2 penalty enters the gradient
            g += weight_decay * p.data
    bias1, bias2 = 1.0 - b1 ** t, 1.0 - b2 ** t

    def direction(r):
        g, m, v, tmp = state.g[r], state.m[r], state.v[r], state.tmp[r]
        m *= b1                                   # m = b1·m + (1−b1)·g
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2                                   # v = b2·v + (1−b2)·g²
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        np.sqrt(v, out=tmp)                       # step = lr/bias1 · m / (√(v/bias2) + eps)
        tmp *= 1.0 / float(np.sqrt(bias2))
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / bias1
    in_blocks(direction, state.bounds[-1], 1)
    for p, step in zip(params, state.views(state.tmp, params)):
        if weight_decay and decoupled:            # AdamW: shrink the weights directly
            p.data *= 1.0 - lr * weight_decay
        p.data -= step


@contextlib.contextmanager
def settings(**kwargs):
    """Temporarily :func:`configure` (e.g. ``with settings(threads=1): ...``)."""
    before = dict(_settings)
    configure(**kwargs)
    try:
        yield
    finally:
        configure(**before)
