"""Layers: modules that own parameters and know how to save them.

A :class:`Module` finds its parameters by looking at its attributes: every
Tensor with ``requires_grad=True`` is a parameter, every Module (or list of
Modules) is a child.  Names follow the attribute path (``blocks.0.attn.qkv.weight``),
which is also the key in :meth:`Module.state_dict` and in the saved ``.npz``.

Every layer with random initial weights takes ``rng``: an int seed or a
``numpy.random.Generator``.  Weights are drawn in float64 and then cast, so a
float32 and a float64 model built with the same seed start from the same values.
"""
from __future__ import annotations

import os

import numpy as np

from .._validate import check_choice, check_float, check_int, rng_from
from .paths import norm_linear, ops, relu
from .tensor import Tensor, as_tensor, check_dtype

__all__ = ["Module", "Linear", "Embedding", "LayerNorm", "ReLU", "GELU", "Quadratic",
           "Sequential", "MLP", "MultiHeadSelfAttention", "TransformerBlock", "Transformer"]


def _parameter(values: np.ndarray, dtype) -> Tensor:
    return Tensor(values.astype(dtype), requires_grad=True)


class Module:
    """Base class: parameters, state_dict and saving; subclasses define ``forward``."""

    def forward(self, *args, **kwargs):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Tensor]]:
        """``(name, tensor)`` for every parameter, in a fixed order (attribute order)."""
        out = []
        for name, value in vars(self).items():
            if isinstance(value, Tensor) and value.requires_grad:
                out.append((prefix + name, value))
            elif isinstance(value, Module):
                out.extend(value.named_parameters(f"{prefix}{name}."))
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        out.extend(item.named_parameters(f"{prefix}{name}.{i}."))
        return out

    def parameters(self) -> list[Tensor]:
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return int(sum(p.size for p in self.parameters()))

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values, by name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state) -> None:
        """Copy values into the parameters (in place, so optimizers keep working)."""
        params = dict(self.named_parameters())
        missing = sorted(set(params) - set(state))
        unexpected = sorted(set(state) - set(params))
        if missing or unexpected:
            raise ValueError(f"state does not match the model: missing {missing}, "
                             f"unexpected {unexpected}")
        for name, p in params.items():
            value = np.asarray(state[name])
            if value.shape != p.shape:
                raise ValueError(f"state[{name!r}] must have shape {p.shape}, got {value.shape}")
            if not np.issubdtype(value.dtype, np.floating) or not np.all(np.isfinite(value)):
                raise ValueError(f"state[{name!r}] must hold finite floating-point values")
            p.data[...] = value

    def save(self, path) -> None:
        """Write :meth:`state_dict` to a ``.npz`` file."""
        path = os.fspath(path)
        if not path.endswith(".npz"):
            raise ValueError(f"path must end with '.npz', got {path!r}")
        np.savez(path, **self.state_dict())

    def load(self, path) -> None:
        """Read parameters saved by :meth:`save`."""
        with np.load(os.fspath(path)) as data:
            self.load_state_dict({k: data[k] for k in data.files})

    def __repr__(self):
        return f"{type(self).__name__}({self.num_parameters()} parameters)"


class Linear(Module):
    """``y = x @ weight + bias`` with ``weight`` of shape ``(in_features, out_features)``.

    Initial values ~ U(−1/√in, 1/√in), as PyTorch does.
    """

    def __init__(self, in_features: int, out_features: int, *, bias: bool = True, rng,
                 dtype=np.float32):
        self.in_features = check_int("in_features", in_features, min=1)
        self.out_features = check_int("out_features", out_features, min=1)
        dtype = check_dtype("dtype", dtype)
        rng = rng_from("rng", rng)
        bound = 1.0 / np.sqrt(in_features)
        self.weight = _parameter(rng.uniform(-bound, bound, (in_features, out_features)), dtype)
        self.bias = _parameter(rng.uniform(-bound, bound, out_features), dtype) if bias else None

    def forward(self, x) -> Tensor:
        return ops().linear(x, self.weight, self.bias)


class Embedding(Module):
    """A lookup table: integer indices of any shape → vectors of size ``dim``.

    Initial values ~ N(0, std²) (``std=1`` as in PyTorch).
    """

    def __init__(self, num_embeddings: int, dim: int, *, std: float = 1.0, rng, dtype=np.float32):
        self.num_embeddings = check_int("num_embeddings", num_embeddings, min=1)
        self.dim = check_int("dim", dim, min=1)
        std = check_float("std", std, min=0)
        rng = rng_from("rng", rng)
        self.weight = _parameter(rng.normal(0.0, std, (num_embeddings, dim)), check_dtype("dtype", dtype))

    def forward(self, indices) -> Tensor:
        return ops().embedding(indices, self.weight)


class LayerNorm(Module):
    """Normalise the last axis, then scale (init 1) and shift (init 0)."""

    def __init__(self, dim: int, *, eps: float = 1e-5, dtype=np.float32):
        self.dim = check_int("dim", dim, min=1)
        self.eps = check_float("eps", eps, min=0, min_open=True)
        dtype = check_dtype("dtype", dtype)
        self.weight = _parameter(np.ones(dim), dtype)
        self.bias = _parameter(np.zeros(dim), dtype)

    def forward(self, x) -> Tensor:
        x = as_tensor(x, "x", dtype=self.weight.dtype)
        if x.ndim == 0 or x.shape[-1] != self.dim:
            raise ValueError(f"x must have last dimension {self.dim}, got shape {x.shape}")
        return ops().layer_norm(x, self.weight, self.bias, self.eps)


class ReLU(Module):
    """max(x, 0).  ``inplace=True`` lets the fast path overwrite its input and, backward, its
    output (:func:`.fast.relu`): for the hidden layers of an :class:`MLP`, which no one else reads."""

    def __init__(self, inplace: bool = False):
        self.inplace = bool(inplace)

    def forward(self, x):
        return relu(x, self.inplace)


class GELU(Module):
    """GELU, tanh approximation."""

    def forward(self, x):
        return x.gelu()


class Quadratic(Module):
    """x² activation."""

    def forward(self, x):
        return x.square()


_ACTIVATIONS = {"relu": ReLU, "gelu": GELU, "quadratic": Quadratic}


class Sequential(Module):
    """Apply modules one after the other."""

    def __init__(self, *layers: Module):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"layers[{i}] must be a Module, got {type(layer).__name__}")
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class MLP(Sequential):
    """Linear layers of the given ``sizes`` with an activation between them.

    ``MLP([2, 8, 1], rng=0)`` is Linear(2, 8) → ReLU → Linear(8, 1).
    """

    def __init__(self, sizes, *, activation: str = "relu", bias: bool = True, rng,
                 dtype=np.float32):
        sizes = [check_int(f"sizes[{i}]", s, min=1) for i, s in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output size, got {sizes}")
        check_choice("activation", activation, tuple(_ACTIVATIONS))
        rng = rng_from("rng", rng)
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            if i:
                layers.append(ReLU(inplace=True) if activation == "relu"      # a hidden layer
                              else _ACTIVATIONS[activation]())
            layers.append(Linear(n_in, n_out, bias=bias, rng=rng, dtype=dtype))
        super().__init__(*layers)

    def forward(self, x, norm=None):
        """The layers on ``x``, or on ``norm(x)`` for a ``LayerNorm`` ``norm``."""
        x = norm_linear(x, norm, self.layers[0])
        for layer in self.layers[1:]:
            x = layer(x)
        return x


class MultiHeadSelfAttention(Module):
    """Causal (by default) multi-head self-attention on ``(batch, time, d_model)``.

    One Linear makes queries, keys and values for all heads at once; after
    each call, ``pattern`` holds the attention weights ``(batch, heads, time, time)``.
    """

    def __init__(self, d_model: int, n_heads: int, *, causal: bool = True, rng, dtype=np.float32):
        self.d_model = check_int("d_model", d_model, min=1)
        self.n_heads = check_int("n_heads", n_heads, min=1)
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        self.causal = bool(causal)
        rng = rng_from("rng", rng)
        self.qkv = Linear(d_model, 3 * d_model, rng=rng, dtype=dtype)
        self.out = Linear(d_model, d_model, rng=rng, dtype=dtype)
        self.pattern = None

    def forward(self, x, norm=None) -> Tensor:
        """Attention over the positions of ``x``, or of ``norm(x)`` for a ``LayerNorm`` ``norm``."""
        x = as_tensor(x, "x", dtype=self.qkv.weight.dtype)
        if x.ndim != 3 or x.shape[-1] != self.d_model:
            raise ValueError(f"x must have shape (batch, time, {self.d_model}), got {x.shape}")
        heads, self.pattern = ops().self_attention(norm_linear(x, norm, self.qkv), self.n_heads,
                                                   self.causal, return_pattern=True)
        return self.out(heads)


class TransformerBlock(Module):
    """Pre-norm residual block: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``.

    ``d_mlp=0`` gives an attention-only block; ``layer_norm=False`` drops the norms.
    """

    def __init__(self, d_model: int, n_heads: int, d_mlp: int, *, activation: str = "relu",
                 layer_norm: bool = True, causal: bool = True, rng, dtype=np.float32):
        d_mlp = check_int("d_mlp", d_mlp, min=0)
        rng = rng_from("rng", rng)
        self.ln1 = LayerNorm(d_model, dtype=dtype) if layer_norm else None
        self.attn = MultiHeadSelfAttention(d_model, n_heads, causal=causal, rng=rng, dtype=dtype)
        self.ln2 = LayerNorm(d_model, dtype=dtype) if layer_norm and d_mlp else None
        self.mlp = MLP([d_model, d_mlp, d_model], activation=activation, rng=rng,
                       dtype=dtype) if d_mlp else None

    def forward(self, x) -> Tensor:
        x = x + self.attn(x, norm=self.ln1)          # attention reads ln1(x)
        if self.mlp is not None:
            x = x + self.mlp(x, norm=self.ln2)       # the MLP reads ln2(x)
        return x


class Transformer(Module):
    """Token + position embeddings, ``n_layers`` blocks, (final norm), unembedding.

    ``forward(tokens)`` maps integer tokens ``(batch, time)`` to logits
    ``(batch, time, n_out)`` (``n_out`` defaults to ``vocab_size``).
    """

    def __init__(self, vocab_size: int, d_model: int, n_heads: int, d_mlp: int, *,
                 n_layers: int = 1, max_len: int = 64, n_out: int | None = None,
                 activation: str = "relu", layer_norm: bool = True, causal: bool = True,
                 rng, dtype=np.float32):
        check_int("n_layers", n_layers, min=1)
        self.max_len = check_int("max_len", max_len, min=1)
        n_out = vocab_size if n_out is None else n_out
        rng = rng_from("rng", rng)
        std = 1.0 / np.sqrt(d_model)
        self.embed = Embedding(vocab_size, d_model, std=std, rng=rng, dtype=dtype)
        self.pos = Embedding(max_len, d_model, std=std, rng=rng, dtype=dtype)
        self.blocks = [TransformerBlock(d_model, n_heads, d_mlp, activation=activation,
                                        layer_norm=layer_norm, causal=causal, rng=rng, dtype=dtype)
                       for _ in range(n_layers)]
        self.ln_f = LayerNorm(d_model, dtype=dtype) if layer_norm else None
        self.unembed = Linear(d_model, n_out, rng=rng, dtype=dtype)

    def forward(self, tokens) -> Tensor:
        tokens = np.asarray(tokens.data if isinstance(tokens, Tensor) else tokens)
        if tokens.ndim != 2:
            raise ValueError(f"tokens must have shape (batch, time), got {tokens.shape}")
        if tokens.shape[1] > self.max_len:
            raise ValueError(f"tokens must have at most max_len={self.max_len} positions, "
                             f"got {tokens.shape[1]}")
        x = self.embed(tokens) + self.pos.weight[:tokens.shape[1]]
        for block in self.blocks:
            x = block(x)
        return norm_linear(x, self.ln_f, self.unembed)   # unembed(ln_f(x))
