"""A vectorised autograd: a numpy array that remembers how it was made.

Every operation on a :class:`Tensor` returns a new Tensor that keeps its
*parents* and a ``_backward`` function.  ``_backward(g)`` receives the gradient
of the final scalar with respect to this tensor's output (an array ``g`` of the
output's shape) and returns one gradient per parent (or ``None`` for a parent
that needs none).  :meth:`Tensor.backward` visits the graph in reverse
topological order and adds up the gradients that arrive at each tensor; leaf
tensors (parameters) keep theirs in ``.grad``.

Broadcasting: when numpy broadcasts an operand, its gradient must be summed
back to the operand's shape (:func:`unbroadcast`).
"""
from __future__ import annotations

import contextlib

import numpy as np

from .._validate import check_array

DEFAULT_DTYPE = np.float32
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

_grad_enabled = True


@contextlib.contextmanager
def no_grad():
    """Within this block, operations record no graph (use it for evaluation)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """Whether operations currently record the graph."""
    return _grad_enabled


def check_dtype(name: str, dtype) -> np.dtype:
    """``dtype`` as a numpy dtype; only float32 and float64 are supported."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64, got {dtype!r}") from None
    if dt not in _FLOAT_DTYPES:
        raise TypeError(f"{name} must be float32 or float64, got {dt}")
    return dt


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes numpy broadcast, so it has ``shape`` again."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


class Tensor:
    """An array (``.data``) with an optional gradient (``.grad``).

    ``Tensor(data, requires_grad=False, dtype=None, name="data")``: ``data`` is
    converted to a float array (float32 unless ``data`` is already a float64
    array or ``dtype`` says otherwise) and must be finite.
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "op")
    __array_priority__ = 100  # so ``ndarray + Tensor`` calls Tensor.__radd__

    def __init__(self, data, requires_grad: bool = False, dtype=None, *, name: str = "data"):
        if isinstance(data, Tensor):
            data = data.data
        try:
            raw = np.asarray(data)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name} must be array-like of numbers: {err}") from None
        if raw.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {raw.dtype}")
        if dtype is None:  # float64 arrays stay float64; everything else becomes float32
            is_float = isinstance(data, np.ndarray) and raw.dtype in _FLOAT_DTYPES
            dtype = raw.dtype if is_float else DEFAULT_DTYPE
        dtype = check_dtype("dtype", dtype)
        self.data = check_array(name, raw, dtype=dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None
        self.op = ""

    @classmethod
    def _make(cls, data: np.ndarray, parents: tuple, backward, op: str) -> "Tensor":
        """Result of an operation (no input checks: ``data`` comes from numpy)."""
        out = object.__new__(cls)
        out.data = data
        out.grad = None
        out.op = op
        if _grad_enabled and any(p.requires_grad for p in parents):
            out.requires_grad, out._parents, out._backward = True, parents, backward
        else:
            out.requires_grad, out._parents, out._backward = False, (), None
        return out

    # ----------------------------------------------------------------- basics
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor(shape={self.shape}, dtype={self.dtype}{grad})"

    def numpy(self) -> np.ndarray:
        """The underlying array (not a copy)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, got shape {self.shape}")
        return float(self.data.reshape(-1)[0])

    def detach(self) -> "Tensor":
        """The same data, cut off from the graph."""
        return Tensor._make(self.data, (), None, "detach")

    def zero_grad(self) -> None:
        self.grad = None

    # --------------------------------------------------------------- backward
    def backward(self, grad=None) -> None:
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires it.

        ``grad`` defaults to 1 for a one-element tensor.  Gradients of
        intermediate tensors are dropped as soon as they have been used.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad "
                               "(no parameter with requires_grad=True took part in it)")
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"grad must be given for a non-scalar tensor of shape {self.shape}")
            grad = np.ones_like(self.data)
        else:
            grad = check_array("grad", grad, shape=self.shape).astype(self.dtype, copy=False)
        # Topological order by iterative depth-first search (no recursion limit).
        order, seen, stack = [], {id(self)}, [(self, iter(self._parents))]
        while stack:
            node, parents = stack[-1]
            for p in parents:
                if p.requires_grad and id(p) not in seen:
                    seen.add(id(p))
                    stack.append((p, iter(p._parents)))
                    break
            else:
                stack.pop()
                order.append(node)
        grads = {id(self): grad}
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._backward is None:  # a leaf: keep (a private copy of) the gradient
                if node.grad is None:
                    node.grad = np.array(g, dtype=node.data.dtype)
                else:
                    node.grad += g
                continue
            for p, pg in zip(node._parents, node._backward(g)):
                if pg is None or not p.requires_grad:
                    continue
                key = id(p)
                grads[key] = pg if key not in grads else grads[key] + pg

    # ------------------------------------------------------------ arithmetic
    def _lift(self, other) -> "Tensor":
        """Wrap a number or array as a constant tensor of this tensor's dtype."""
        if isinstance(other, Tensor):
            return other
        return Tensor._make(np.asarray(other, dtype=self.dtype), (), None, "const")

    def __add__(self, other):
        other = self._lift(other)
        a, b = self, other
        return Tensor._make(a.data + b.data, (a, b), lambda g: (
            unbroadcast(g, a.shape), unbroadcast(g, b.shape)), "add")

    def __sub__(self, other):
        other = self._lift(other)
        a, b = self, other
        return Tensor._make(a.data - b.data, (a, b), lambda g: (
            unbroadcast(g, a.shape), unbroadcast(-g, b.shape)), "sub")

    def __mul__(self, other):
        other = self._lift(other)
        a, b = self, other
        return Tensor._make(a.data * b.data, (a, b), lambda g: (
            unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
            unbroadcast(g * a.data, b.shape) if b.requires_grad else None), "mul")

    def __truediv__(self, other):
        other = self._lift(other)
        a, b = self, other
        out = a.data / b.data
        return Tensor._make(out, (a, b), lambda g: (
            unbroadcast(g / b.data, a.shape) if a.requires_grad else None,
            unbroadcast(-g * out / b.data, b.shape) if b.requires_grad else None), "div")

    def __neg__(self):
        return Tensor._make(-self.data, (self,), lambda g: (-g,), "neg")

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor) or not np.isscalar(exponent):
            raise TypeError("exponent must be a Python number")
        a, e = self, float(exponent)
        return Tensor._make(a.data ** e, (a,), lambda g: (g * (e * a.data ** (e - 1)),), "pow")

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __matmul__(self, other):
        return matmul(self, self._lift(other))

    def __rmatmul__(self, other):
        return matmul(self._lift(other), self)

    # ---------------------------------------------------------- elementwise
    def exp(self):
        out = np.exp(self.data)
        return Tensor._make(out, (self,), lambda g: (g * out,), "exp")

    def log(self):
        a = self
        return Tensor._make(np.log(a.data), (a,), lambda g: (g / a.data,), "log")

    def tanh(self):
        out = np.tanh(self.data)
        return Tensor._make(out, (self,), lambda g: (g * (1 - out * out),), "tanh")

    def relu(self):
        out = np.maximum(self.data, 0)
        # gradient 1 where out > 0, else 0 (also at x == 0, as in PyTorch); multiplying
        # by the boolean mask is ~10x faster than np.where
        return Tensor._make(out, (self,), lambda g: (np.multiply(g, out > 0, dtype=g.dtype),),
                            "relu")

    def square(self):
        a = self
        return Tensor._make(a.data * a.data, (a,), lambda g: (2 * g * a.data,), "square")

    def gelu(self):
        """GELU, tanh approximation (as in GPT-2 and ``torch`` ``approximate='tanh'``)."""
        x = self.data
        c = float(np.sqrt(2 / np.pi))
        inner = c * (x + 0.044715 * x ** 3)
        t = np.tanh(inner)
        out = 0.5 * x * (1 + t)

        def backward(g):
            dinner = c * (1 + 3 * 0.044715 * x * x)
            return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * dinner),)
        return Tensor._make(out, (self,), backward, "gelu")

    # ----------------------------------------------------------- reductions
    def sum(self, axis=None, keepdims: bool = False):
        a = self

        def backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, a.shape),)
        return Tensor._make(np.asarray(a.data.sum(axis=axis, keepdims=keepdims)), (a,), backward, "sum")

    def mean(self, axis=None, keepdims: bool = False):
        n = self.data.size if axis is None else int(np.prod([self.shape[i] for i in np.atleast_1d(axis)]))
        return self.sum(axis=axis, keepdims=keepdims) * (1.0 / n)

    # -------------------------------------------------------------- shapes
    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        a = self
        return Tensor._make(a.data.reshape(shape), (a,), lambda g: (g.reshape(a.shape),), "reshape")

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        axes = tuple(axes) if axes else tuple(reversed(range(self.ndim)))
        inverse = tuple(np.argsort(axes))
        return Tensor._make(self.data.transpose(axes), (self,), lambda g: (g.transpose(inverse),),
                            "transpose")

    @property
    def T(self):
        return self.transpose()

    def __getitem__(self, index):
        a = self
        if isinstance(index, Tensor):
            index = index.data

        def backward(g):
            full = np.zeros_like(a.data)
            # np.add.at handles repeated indices; plain assignment is enough for
            # basic indexing (slices, integers), which never repeats an element.
            if _is_basic_index(index):
                full[index] = g
            else:
                np.add.at(full, index, g)
            return (full,)
        return Tensor._make(a.data[index], (a,), backward, "getitem")

    def masked_fill(self, mask, value: float):
        """A copy with ``value`` where ``mask`` is True (no gradient flows there)."""
        mask = np.asarray(mask, dtype=bool)
        out = np.where(mask, np.asarray(value, dtype=self.dtype), self.data)
        return Tensor._make(out, (self,), lambda g: (np.multiply(g, ~mask, dtype=g.dtype),),
                            "masked_fill")


def _is_basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """``a @ b`` with numpy's broadcasting rules for stacked matrices.

    A stack times a matrix, ``(N, T, d) @ (d, k)``, is computed as one 2-D
    matrix product ``(N*T, d) @ (d, k)``: numpy would otherwise loop over N
    small products (many times slower).
    """
    x, y = a.data, b.data
    if x.ndim > 2 and y.ndim == 2:
        out = (x.reshape(-1, x.shape[-1]) @ y).reshape(*x.shape[:-1], y.shape[-1])

        def backward(g):
            g2 = g.reshape(-1, g.shape[-1])
            ga = (g2 @ y.T).reshape(x.shape) if a.requires_grad else None
            gb = x.reshape(-1, x.shape[-1]).T @ g2 if b.requires_grad else None
            return ga, gb
        return Tensor._make(out, (a, b), backward, "matmul")
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"matmul needs operands with at least 2 dimensions, got {x.shape} and {y.shape}")

    def backward(g):
        ga = unbroadcast(g @ np.swapaxes(y, -1, -2), x.shape) if a.requires_grad else None
        gb = unbroadcast(np.swapaxes(x, -1, -2) @ g, y.shape) if b.requires_grad else None
        return ga, gb
    return Tensor._make(x @ y, (a, b), backward, "matmul")


def as_tensor(value, name: str = "x", dtype=None) -> Tensor:
    """``value`` if it is already a Tensor, else a checked constant Tensor.

    Arrays are converted to ``dtype``; a Tensor of another dtype is refused
    (mixing float32 and float64 silently would change the model's precision).
    """
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != np.dtype(dtype):
            raise TypeError(f"{name} must have dtype {np.dtype(dtype)} (the layer's dtype), "
                            f"got a Tensor of dtype {value.dtype}")
        return value
    return Tensor(value, dtype=dtype, name=name)
