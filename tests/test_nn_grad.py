"""Every op, layer and loss of emergence.nn: backward against central finite differences (float64)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import emergence.nn as nn
from emergence.nn import fast, functional
from emergence.nn.tensor import Tensor

# every operation is checked in both implementations: the plain path and the fast path
BOTH = pytest.mark.parametrize("F", [pytest.param(functional, id="plain"), pytest.param(fast, id="fast")])

F64 = np.float64
TOL = 1e-6


def rel_err(a, b):
    a, b = np.asarray(a, F64), np.asarray(b, F64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def numeric_grad(f, arrays, i, eps=1e-6):
    """Central differences of the scalar f(*arrays) with respect to arrays[i]."""
    x = arrays[i]
    grad = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        old = x[j]
        x[j] = old + eps
        up = f(*arrays)
        x[j] = old - eps
        down = f(*arrays)
        x[j] = old
        grad[j] = (up - down) / (2 * eps)
    return grad


def check_grad(fn, *arrays, seed=0):
    """fn(*tensors) -> Tensor; compare d sum(fn · R)/d input with finite differences."""
    arrays = [np.array(a, dtype=F64) for a in arrays]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*tensors)
    assert out.dtype == F64
    weights = np.random.default_rng(seed).standard_normal(out.shape)

    def scalar(*arrs):
        with nn.no_grad():
            return float(np.sum(fn(*[Tensor(a) for a in arrs]).data * weights))
    (out * Tensor(weights)).sum().backward()
    for i, t in enumerate(tensors):
        assert t.grad is not None, f"no gradient for input {i}"
        assert t.grad.shape == t.shape and t.grad.dtype == F64
        num = numeric_grad(scalar, arrays, i)
        err = rel_err(t.grad, num)
        assert err < TOL, f"input {i}: relative error {err:.2e}"


def check_module_grad(module, *inputs, seed=0):
    """Finite-difference check of a module's output w.r.t. all its parameters."""
    out = module(*inputs)
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    (out * Tensor(weights)).sum().backward()

    def scalar():
        with nn.no_grad():
            return float(np.sum(module(*inputs).data * weights))
    for name, p in module.named_parameters():
        num = numeric_grad(lambda *_: scalar(), [p.data], 0)
        assert p.grad is not None, name
        err = rel_err(p.grad, num)
        assert err < TOL, f"{name}: relative error {err:.2e}"


R = np.random.default_rng(42)


def rand(*shape):
    return R.standard_normal(shape)


# ------------------------------------------------------------------ tensor ops
@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1)),
                                   ((1, 4), (3, 1)), ((3, 4), ())])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary_ops_with_broadcasting(op, sa, sb):
    b = rand(*sb)
    if op == "div":
        b = np.abs(b) + 0.5
    f = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y,
         "mul": lambda x, y: x * y, "div": lambda x, y: x / y}[op]
    check_grad(f, rand(*sa), b)


def test_scalar_operands_and_reflected_ops():
    check_grad(lambda x: 2.0 * x - 1.5 + 3.0 / (x * x + 1.0) - (1.0 - x) / 2.0, rand(3, 2))


def test_same_tensor_used_twice_accumulates():
    check_grad(lambda x: x * x + x, rand(4, 3))


@pytest.mark.parametrize("name", ["neg", "exp", "log", "tanh", "relu", "fast relu", "square",
                                  "gelu", "pow"])
def test_unary_ops(name):
    x = rand(4, 5)
    if name == "log":
        x = np.abs(x) + 0.5
    if "relu" in name:
        x = np.where(np.abs(x) < 0.05, 0.3, x)  # stay away from the kink
    f = {"neg": lambda t: -t, "exp": Tensor.exp, "log": Tensor.log, "tanh": Tensor.tanh,
         "relu": functional.relu, "fast relu": fast.relu, "square": functional.square,
         "gelu": functional.gelu, "pow": lambda t: (t * t + 1.0) ** 1.5}[name]
    check_grad(f, x)


def test_gelu_matches_its_formula():
    x = np.linspace(-4, 4, 9)
    want = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(functional.gelu(Tensor(x)).data, want, rtol=1e-12)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False),
                                           (-1, False)])
def test_sum_and_mean(axis, keepdims):
    check_grad(lambda t: t.sum(axis=axis, keepdims=keepdims), rand(2, 3, 4))
    check_grad(lambda t: t.mean(axis=axis, keepdims=keepdims), rand(2, 3, 4))


def test_reshape_transpose():
    check_grad(lambda t: t.reshape(6, 4).T.reshape(2, 2, 6).transpose(1, 0, 2), rand(2, 3, 4))


@pytest.mark.parametrize("index", [(slice(1, 3),), (Ellipsis, 0), (np.array([0, 2, 0, 1]),),
                                   (np.array([[1, 1], [0, 2]]), slice(None, 2))])
def test_getitem(index):
    check_grad(lambda t: t[index if len(index) > 1 else index[0]], rand(3, 4))


def test_masked_fill():
    mask = R.random((3, 4)) < 0.5
    check_grad(lambda t: t.masked_fill(mask, -7.0), rand(3, 4))
    assert np.all(Tensor(rand(3, 4)).masked_fill(mask, -7.0).data[mask] == -7.0)


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)),
                                   ((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5))])
def test_matmul(sa, sb):
    check_grad(lambda a, b: a @ b, rand(*sa), rand(*sb))


def test_cat():
    check_grad(lambda a, b: functional.cat([a, b], axis=1), rand(2, 3), rand(2, 5))


@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.data())
@settings(max_examples=30, deadline=None)
def test_unbroadcast_sums_back_to_any_broadcastable_shape(shape, data):
    small = [data.draw(st.sampled_from([1, n])) for n in shape]
    small = small[data.draw(st.integers(0, len(small))):]
    a, b = Tensor(np.ones(shape), requires_grad=True), Tensor(np.ones(small), requires_grad=True)
    (a * b).sum().backward()
    assert b.grad.shape == tuple(small)
    np.testing.assert_allclose(b.grad.sum(), np.prod(shape))


# ----------------------------------------------------------------- functional
@BOTH
def test_linear_on_3d_input(F):
    check_grad(F.linear, rand(2, 3, 4), rand(4, 5), rand(5))
    check_grad(lambda x, w: F.linear(x, w), rand(6, 4), rand(4, 2))


@pytest.mark.parametrize("way", ["one-hot", "reduceat", "runs"])
@BOTH
def test_embedding_with_repeated_indices(F, way, monkeypatch):
    if way != "one-hot":
        monkeypatch.setattr(fast, "_ONE_HOT_MAX_ROWS", 0)
    if way == "runs":
        monkeypatch.setattr(fast, "_LONG_RUN", 1)
        monkeypatch.setattr(fast, "_RUNS_MIN_SIZE", 1)
    idx = np.array([[0, 3, 3], [1, 0, 3]])
    check_grad(lambda w: F.embedding(idx, w), rand(5, 4))


@BOTH
def test_softmax(F):
    check_grad(lambda x: F.softmax(x, axis=-1), rand(3, 5))
    check_grad(lambda x: F.softmax(x, axis=0), rand(3, 5))


@BOTH
def test_layer_norm(F):
    check_grad(lambda x, w, b: F.layer_norm(x, w, b), rand(2, 3, 6), rand(6), rand(6))
    check_grad(lambda x: F.layer_norm(x, None, None), rand(4, 5))


@BOTH
def test_norm_linear(F):
    check_grad(F.norm_linear, rand(2, 3, 6), rand(6), rand(6), rand(6, 4), rand(4))
    check_grad(lambda x, s, t, w: F.norm_linear(x, s, t, w), rand(5, 6), rand(6), rand(6),
               rand(6, 3))


@pytest.mark.parametrize("t", [1, 3, 4, 5, 7])   # pair loop up to SHORT_SEQUENCE=4, then matmul
@pytest.mark.parametrize("causal", [True, False])
@BOTH
def test_self_attention(F, causal, t):
    b, h, dh = 2, 2, 3
    check_grad(lambda qkv: F.self_attention(qkv, h, causal=causal), rand(b, t, 3 * h * dh))


@pytest.mark.parametrize("causal", [True, False])
def test_both_fast_attention_arrangements_agree(causal, monkeypatch):
    F = fast
    qkv = Tensor(rand(3, 4, 24))
    out, pattern = F.self_attention(qkv, 2, causal=causal, return_pattern=True)
    monkeypatch.setattr(F, "SHORT_SEQUENCE", 0)
    out2, pattern2 = F.self_attention(qkv, 2, causal=causal, return_pattern=True)
    np.testing.assert_allclose(out.data, out2.data, rtol=1e-12)
    np.testing.assert_allclose(pattern, pattern2, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("t", [4, 6])
@BOTH
def test_causal_mask_hides_the_future(F, t):
    x = rand(1, t, 12)
    out, pattern = F.self_attention(Tensor(x), 2, causal=True, return_pattern=True)
    assert np.all(np.triu(pattern[0, 0], k=1) == 0)
    np.testing.assert_allclose(pattern.sum(-1), 1.0)
    x2 = x.copy()
    x2[0, 2:] += 10.0  # changing later positions must not change earlier outputs
    out2 = F.self_attention(Tensor(x2), 2, causal=True)
    np.testing.assert_allclose(out.data[0, :2], out2.data[0, :2], rtol=1e-12)


@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 5)])
@BOTH
def test_softmax_cross_entropy(F, shape):
    targets = R.integers(0, shape[-1], shape[:-1])
    check_grad(lambda z: F.softmax_cross_entropy(z, targets), rand(*shape) * 3)


@BOTH
def test_softmax_cross_entropy_as_the_final_loss(F):
    """loss.backward() directly (incoming gradient exactly 1: the precomputed gradient is used)."""
    z, t = rand(5, 4), np.array([0, 3, 3, 1, 2])
    logits = Tensor(z.copy(), requires_grad=True)
    F.softmax_cross_entropy(logits, t).backward()
    num = numeric_grad(lambda a: F.softmax_cross_entropy(Tensor(a), t).item(), [z], 0)
    assert rel_err(logits.grad, num) < TOL
    with nn.no_grad():
        assert not F.softmax_cross_entropy(Tensor(z, requires_grad=True), t).requires_grad


@BOTH
def test_cross_entropy_value(F):
    z = rand(4, 3)
    t = np.array([0, 2, 1, 2])
    logp = z - np.log(np.exp(z).sum(1, keepdims=True))
    np.testing.assert_allclose(F.softmax_cross_entropy(Tensor(z), t).item(),
                               -logp[np.arange(4), t].mean(), rtol=1e-12)
    # large logits stay finite (the max is subtracted first)
    assert np.isfinite(F.softmax_cross_entropy(Tensor(z * 1e4), t).item())


@BOTH
def test_mse(F):
    check_grad(lambda p, t: F.mse(p, t), rand(4, 3), rand(4, 3))
    np.testing.assert_allclose(F.mse(Tensor(np.array([1.0, 3.0])), np.array([0.0, 0.0])).item(), 5.0)


# --------------------------------------------------------------------- layers
@pytest.fixture(params=["plain", "fast"])
def path(request):
    """Run a test on the plain path and on the fast path."""
    if request.param == "plain":
        with nn.plain_path():
            yield
    else:
        yield


def test_linear_and_mlp_modules(path):
    x = rand(5, 3)
    x = np.where(np.abs(x) < 0.05, 0.3, x)
    check_module_grad(nn.MLP([3, 4, 2], activation="gelu", rng=0, dtype=F64), x)
    check_module_grad(nn.MLP([3, 4, 2], activation="quadratic", rng=1, dtype=F64), x)
    check_module_grad(nn.Linear(3, 2, rng=0, dtype=F64), x)


def test_layer_norm_and_embedding_modules(path):
    check_module_grad(nn.LayerNorm(4, dtype=F64), rand(3, 4))
    check_module_grad(nn.Embedding(6, 3, rng=0, dtype=F64), np.array([[0, 5, 5, 2]]))


def test_attention_module_and_transformer_block(path):
    x = rand(2, 4, 8)
    check_module_grad(nn.MultiHeadSelfAttention(8, 2, rng=0, dtype=F64), x)
    check_module_grad(nn.TransformerBlock(8, 2, 12, activation="gelu", rng=1, dtype=F64), x)


def test_whole_transformer_with_loss(path):
    model = nn.Transformer(5, 4, 2, 6, n_layers=2, max_len=5, n_out=3, rng=0, dtype=F64)
    tokens = np.array([[1, 2, 4, 0], [3, 3, 4, 1]])
    targets = np.array([2, 0])

    class Loss(nn.Module):
        def __init__(self):
            self.model = model

        def forward(self):
            return nn.softmax_cross_entropy(self.model(tokens)[:, -1], targets)
    check_module_grad(Loss())


def test_attention_only_transformer_without_layer_norm(path):
    model = nn.Transformer(5, 6, 3, 0, n_layers=2, max_len=4, layer_norm=False, rng=3, dtype=F64)
    check_module_grad(model, np.array([[0, 1, 2, 3], [4, 4, 0, 1]]))
