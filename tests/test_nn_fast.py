"""The fast path (emergence.nn.fast) computes what the plain path (functional, per-parameter
Adam) computes; its threads never change a bit; its settings reject bad values."""
import contextlib
import threading
import warnings

import numpy as np
import pytest

import emergence.nn as nn
from emergence.nn import fast, functional
from emergence.nn.tensor import Tensor

R = np.random.default_rng(7)


def rand(*shape):
    return R.standard_normal(shape)


def forward_backward(op, *arrays, seed=0):
    """op(*tensors) and the gradients of sum(op · W) for a fixed random W (float64)."""
    tensors = [Tensor(np.array(a), requires_grad=True) for a in arrays]
    out = op(*tensors)
    w = np.random.default_rng(seed).standard_normal(out.shape)
    (out * Tensor(w)).sum().backward()
    return [out.data] + [t.grad for t in tensors]


def assert_same(op_name, *arrays, rtol=1e-12, **kwargs):
    want = forward_backward(lambda *t: getattr(functional, op_name)(*t, **kwargs), *arrays)
    got = forward_backward(lambda *t: getattr(fast, op_name)(*t, **kwargs), *arrays)
    for w, g in zip(want, got):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("t", [2, 3, 4, 6])      # pair loop up to SHORT_SEQUENCE, then matmul
@pytest.mark.parametrize("causal", [True, False])
def test_attention_equals_the_plain_path(t, causal):
    assert_same("self_attention", rand(3, t, 24), n_heads=2, causal=causal)
    _, p_plain = functional.self_attention(Tensor(rand(2, t, 12)), 2, causal, return_pattern=True)
    assert p_plain.shape == (2, 2, t, t)


# one-hot product (short runs, small table), reduceat (short runs, large table), sorted runs
@pytest.mark.parametrize("rows, n", [(12, 40), (300, 40), (3, 60)])
def test_embedding_equals_the_plain_path(rows, n, monkeypatch):
    monkeypatch.setattr(fast, "_RUNS_MIN_SIZE", 1)
    idx = R.integers(0, rows, (n, 3))
    idx[0, 0] = idx[1, 1]                        # a repeated index
    table = rand(rows, 5)
    want = forward_backward(lambda w: functional.embedding(idx, w), table)
    for _ in range(2):                           # the second call reuses the cached one-hot matrix
        got = forward_backward(lambda w: fast.embedding(idx, w), table)
        for w, g in zip(want, got):
            np.testing.assert_allclose(g, w, rtol=1e-12)


def test_one_hot_cache_follows_changed_indices():
    table = Tensor(rand(5, 3), requires_grad=True)
    idx = np.array([0, 1, 1, 4])
    fast.embedding(idx, table).sum().backward()
    first = table.grad.copy()
    idx[:] = [2, 2, 2, 3]                        # same array, new contents
    table.grad = None
    fast.embedding(idx, table).sum().backward()
    np.testing.assert_array_equal(table.grad[:, 0], [0, 0, 3, 1, 0])
    assert not np.array_equal(first, table.grad)


def test_layer_norm_cross_entropy_relu_equal_the_plain_path():
    assert_same("layer_norm", rand(4, 3, 6), rand(6), rand(6))
    assert_same("layer_norm", rand(4, 6), weight=None, bias=None)
    targets = R.integers(0, 7, (5, 3))
    assert_same("softmax_cross_entropy", rand(5, 3, 7) * 3, targets=targets)
    x = rand(50, 40)
    assert_same("relu", np.where(np.abs(x) < 0.05, 0.3, x))


def test_inplace_relu_equals_the_plain_path_and_leaves_the_inputs_alone():
    x = rand(30, 20)
    np.testing.assert_array_equal(fast.relu(Tensor(x.copy()), inplace=True).data,
                                  functional.relu(Tensor(x)).data)
    want = forward_backward(lambda t: functional.relu(t), x)
    got = forward_backward(lambda t: fast.relu(t * 1.0, inplace=True), x)   # on an intermediate
    np.testing.assert_array_equal(got[1], want[1])       # the gradient (the output's memory
                                                         # now holds it, as documented)
    model = nn.MLP([6, 16, 16, 3], rng=0, dtype=np.float64)
    inputs = rand(9, 6)
    kept = inputs.copy()
    runs = []
    for plain in (True, False):
        model.zero_grad()
        with nn.plain_path() if plain else contextlib.nullcontext():
            out = model(inputs)
            (out * out).sum().backward()
        runs.append([out.data] + [p.grad.copy() for p in model.parameters()])
    np.testing.assert_array_equal(inputs, kept)
    for w, g in zip(*runs):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("bias", [True, False])
def test_norm_linear_equals_the_plain_path(bias):
    arrays = [rand(4, 3, 6), rand(6), rand(6), rand(6, 5)] + ([rand(5)] if bias else [])
    assert_same("norm_linear", *arrays)


def test_norm_linear_rejects_mismatched_shapes():
    x, s = Tensor(rand(4, 6)), Tensor(rand(6))
    with pytest.raises(ValueError, match="input size"):
        fast.norm_linear(x, s, s, Tensor(rand(5, 3)))
    with pytest.raises(ValueError, match="weight and bias"):
        fast.norm_linear(x, Tensor(rand(5)), s, Tensor(rand(6, 3)))
    with pytest.raises(TypeError, match="norm_bias"):
        fast.norm_linear(x, s, None, Tensor(rand(6, 3)))


def test_transformer_norms_are_fused_only_on_the_fast_path(monkeypatch):
    """The transformer's three norms each reach the linear layer after them as one
    operation on the fast path, and as a norm then a layer on the plain path."""
    calls = []
    monkeypatch.setattr(fast, "norm_linear", lambda *a, **k: calls.append(1) or
                        functional.norm_linear(*a, **k))
    model = nn.Transformer(11, 8, 2, 16, max_len=3, rng=0, dtype=np.float64)
    tokens = R.integers(0, 11, (4, 3))
    fused = model(tokens).data
    assert len(calls) == 3
    with nn.plain_path():
        plain = model(tokens).data
    assert len(calls) == 3
    np.testing.assert_allclose(fused, plain, rtol=1e-12, atol=1e-13)


def test_a_wrong_kernel_is_caught(monkeypatch):
    """The comparison above is not vacuous: a fast kernel with a slip fails it."""
    monkeypatch.setattr(fast, "causal_mask", lambda t, dtype: np.zeros((t, t), dtype))
    with pytest.raises(AssertionError):
        assert_same("self_attention", rand(2, 6, 12), n_heads=2, causal=True)


def _train(path: str, dtype, optimizer=nn.AdamW, steps=12, **opt):
    rng = np.random.default_rng(0)
    tokens = np.concatenate([rng.integers(0, 11, (300, 2)), np.full((300, 1), 11)], axis=1)
    targets = tokens[:, :2].sum(1) % 11
    model = nn.Transformer(12, 16, 2, 32, max_len=3, n_out=11, rng=1, dtype=dtype)
    opt = optimizer(model, lr=3e-3, **opt)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.softmax_cross_entropy(model(tokens)[:, -1], targets)
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    return np.array(losses), model.state_dict()


def _run(path, *args, **kwargs):
    if path == "plain":
        with nn.plain_path():
            assert not nn.fast_path_enabled()
            return _train(path, *args, **kwargs)
    assert nn.fast_path_enabled()
    return _train(path, *args, **kwargs)


@pytest.mark.parametrize("optimizer,opt", [(nn.AdamW, {"weight_decay": 1.0}),
                                           (nn.Adam, {"weight_decay": 0.1})])
def test_training_on_both_paths_gives_the_same_run(optimizer, opt):
    loss_plain, w_plain = _run("plain", np.float64, optimizer, **opt)
    loss_fast, w_fast = _run("fast", np.float64, optimizer, **opt)
    np.testing.assert_allclose(loss_fast, loss_plain, rtol=1e-10)
    for name in w_plain:
        np.testing.assert_allclose(w_fast[name], w_plain[name], rtol=1e-8, atol=1e-12)
    assert loss_fast[-1] < loss_fast[0]


def test_flat_adam_is_bit_identical_to_the_per_parameter_update():
    """Same float32 operations per element, so the same bits (not merely close)."""
    p = [Tensor(rand(50, 30).astype(np.float32), requires_grad=True),
         Tensor(rand(7).astype(np.float32), requires_grad=True)]
    q = [Tensor(t.data.copy(), requires_grad=True) for t in p]
    a, b = nn.AdamW(p, lr=1e-2, weight_decay=0.5), nn.AdamW(q, lr=1e-2, weight_decay=0.5)
    for step in range(5):
        grads = [rand(*t.shape).astype(np.float32) for t in p]
        for t, u, g in zip(p, q, grads):
            t.grad, u.grad = g.copy(), g.copy()
        a.step()
        with nn.plain_path():
            b.step()
        for t, u in zip(p, q):
            np.testing.assert_array_equal(t.data, u.data)


@pytest.mark.parametrize("threads,min_chunk", [(1, 65536), (2, 1024), (3, 1024), (5, 1024)])
def test_threads_never_change_a_bit(threads, min_chunk):
    with fast.settings(threads=1):
        want_loss, want_w = _train("fast", np.float32, steps=6)
    with fast.settings(threads=threads, min_chunk=min_chunk):
        assert fast.threads() == threads
        if threads > 1:
            assert len(fast.row_blocks(300, 60)) > 1      # the work really is split
        loss, w = _train("fast", np.float32, steps=6)
    np.testing.assert_array_equal(loss, want_loss)
    for name in want_w:
        np.testing.assert_array_equal(w[name], want_w[name])


def test_row_blocks_cover_every_row_once():
    with fast.settings(threads=3, min_chunk=1024):
        blocks = fast.row_blocks(1000, 100)
    assert len(blocks) == 3 and blocks[0].start == 0 and blocks[-1].stop == 1000
    assert all(a.stop == b.start for a, b in zip(blocks[:-1], blocks[1:]))


@pytest.mark.parametrize("kwargs,name", [({"threads": 0}, "threads"), ({"threads": 65}, "threads"),
                                         ({"threads": 2.5}, "threads"),
                                         ({"min_chunk": 100}, "min_chunk")])
def test_bad_settings_name_the_parameter(kwargs, name):
    before = fast.configure()
    with pytest.raises((ValueError, TypeError), match=name):
        fast.configure(**kwargs)
    assert fast.configure() == before


def test_without_threads_it_falls_back_and_says_so_once(monkeypatch):
    def no_threads(self):
        raise RuntimeError("can't start new thread")
    want, _ = _train("fast", np.float32, steps=3)
    with fast.settings(threads=1):               # leaving it drops any running thread pool
        pass
    with fast.settings(threads=2, min_chunk=1024):
        monkeypatch.setattr(threading.Thread, "start", no_threads)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got, _ = _train("fast", np.float32, steps=3)
        assert fast.threads() == 1
    messages = [str(w.message) for w in caught if "threads are unavailable" in str(w.message)]
    assert len(messages) == 1
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("rows", [9, 200])       # k·rows: one-hot product, then sort + reduceat
def test_embedding_linear_equals_the_plain_path(bias, rows):
    """The fused first layer of the grokking MLP: the same sums, grouped per table row."""
    idx = R.integers(0, rows, (40, 2))
    idx[3] = idx[5]                              # a repeated example
    arrays = [rand(rows, 5), rand(10, 7)] + ([rand(7)] if bias else [])

    def run(path):
        with contextlib.ExitStack() as stack:
            if path == "plain":
                stack.enter_context(nn.plain_path())
            return forward_backward(lambda t, w, *b: nn.paths.embedding_linear(idx, t, w, *b),
                                    *arrays)
    want = run("plain")
    for _ in range(2):                           # the second call reuses the cached one-hot matrix
        got = run("fast")
        for w, g in zip(want, got):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-13)
    wrong = forward_backward(lambda t, w, *b: fast.embedding_linear(idx[:, ::-1], t, w, *b),
                             *arrays)            # the slots swapped: caught
    assert not np.allclose(wrong[0], want[0])


def test_embedding_linear_rejects_mismatched_shapes():
    table, weight = Tensor(rand(9, 5), requires_grad=True), Tensor(rand(10, 7), requires_grad=True)
    with pytest.raises(ValueError, match="indices"):
        fast.embedding_linear(R.integers(0, 9, (4, 3)), table, weight)
    with pytest.raises(ValueError, match="indices"):
        fast.embedding_linear(np.array([[0, 9]]), table, weight)


def test_grokking_models_compute_what_they_describe():
    """GrokMLP on both paths, and GrokTransformer's logits at '=' computed at that position only,
    against the whole transformer read out at '='."""
    from emergence import grokking as g
    pairs = R.integers(0, 11, (30, 2))
    mlp = g.GrokMLP(11, 8, 16, rng=0)
    with nn.plain_path():
        want = mlp(pairs).data
    np.testing.assert_allclose(mlp(pairs).data, want, rtol=1e-12, atol=1e-13)
    tf = g.GrokTransformer(11, 16, 4, 32, rng=0)
    tokens = np.concatenate([pairs, np.full((30, 1), 11)], axis=1)
    np.testing.assert_allclose(tf(pairs).data, tf.net(tokens)[:, -1].data, rtol=1e-12, atol=1e-13)
    assert tf.net.blocks[0].attn.pattern.shape == (30, 4, 3, 3)


def test_grokking_runs_do_not_depend_on_the_thread_count():
    """The live lab runs (MLP with the fused first layer, transformer) are bit-identical
    whatever the number of threads for elementwise work."""
    from emergence import grokking as g
    for config in (g.GrokConfig(p=31, frac=0.5, embed=8, hidden=16, steps=15, eval_every=5),
                   g.GrokConfig(p=31, frac=0.5, model="transformer", embed=16, hidden=32,
                                lr=3e-3, steps=10, eval_every=5)):
        with fast.settings(threads=1):
            want = g.train(config, progress=False)
        with fast.settings(threads=3, min_chunk=1024):
            assert len(fast.row_blocks(480, 16)) == 3     # 480 training pairs: really split
            got = g.train(config, progress=False)
        np.testing.assert_array_equal(got.history.loss, want.history.loss)
        for name in g.GrokHistory.METRICS:
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
