"""Which implementation runs: the fast path (the default) or the plain path.

Layers, the exported loss, :func:`relu`, :func:`embedding_linear`, :func:`norm_linear` and
Adam ask :func:`ops` for their operations.  Inside ``with plain_path():`` they run
:mod:`.functional` and Adam's per-parameter update, the code ``book/engine.md`` shows;
otherwise :mod:`.fast`, which computes the same numbers faster.  Training the same model both
ways gives the same learning curve.
"""
from __future__ import annotations

import contextlib

from . import fast, functional

_fast = True


def fast_path_enabled() -> bool:
    """Whether the models run the fast path (True unless inside :func:`plain_path`)."""
    return _fast


@contextlib.contextmanager
def plain_path():
    """Within this block, layers, the loss and Adam run the plain path."""
    global _fast
    previous, _fast = _fast, False
    try:
        yield
    finally:
        _fast = previous


def ops():
    """The module whose operations run now: :mod:`.fast` or :mod:`.functional`."""
    return fast if _fast else functional


def softmax_cross_entropy(logits, targets):
    """Mean cross-entropy of integer ``targets`` under ``softmax(logits)`` (see :mod:`.functional`)."""
    return ops().softmax_cross_entropy(logits, targets)


def relu(x, inplace: bool = False):
    """max(x, 0) (see :mod:`.functional`); ``inplace`` lets the fast path reuse ``x``'s memory
    (:func:`.fast.relu`: only for an intermediate the caller alone sees)."""
    return fast.relu(x, inplace) if _fast else functional.relu(x)


def norm_linear(x, norm, linear):
    """``linear(norm(x))`` for a ``LayerNorm`` (or None) and a ``Linear``: on the fast path one
    operation, :func:`.fast.norm_linear` (the norm's scale and shift folded into the layer)."""
    if norm is None:
        return linear(x)
    if _fast:
        return fast.norm_linear(x, norm.weight, norm.bias, linear.weight, linear.bias, norm.eps)
    return linear(norm(x))


def embedding_linear(indices, table, weight, bias=None):
    """Each example's ``k`` rows of ``table`` (indices ``(N, k)``), concatenated, through the
    linear layer ``weight``, ``bias``: on the plain path the two operations one after the other,
    on the fast path :func:`.fast.embedding_linear` (the same sums, grouped per table row)."""
    if _fast:
        return fast.embedding_linear(indices, table, weight, bias)
    rows = functional.embedding(indices, table)                 # (N, k, dim)
    return functional.linear(rows.reshape(rows.shape[0], -1), weight, bias)
