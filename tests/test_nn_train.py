"""End-to-end behaviour of emergence.nn: fitting, optimizer formulas, determinism, saving, History."""
import numpy as np
import pytest

import emergence.nn as nn
from emergence.nn import functional as F
from emergence.nn.tensor import Tensor
from emergence.nn.train import _ProgressDisplay

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0])


def xor_loss(model):
    logits = model(XOR_X)
    return F.softmax_cross_entropy(logits, XOR_Y), {"acc": F.accuracy(logits, XOR_Y)}


def test_mlp_fits_xor_with_cross_entropy():
    model = nn.MLP([2, 8, 2], rng=0)
    history = nn.train(model, xor_loss, nn.Adam(model, lr=0.05), 300)
    assert history["acc"][-1] == 1.0
    assert history.loss[-1] < 0.01 < history.loss[0]


def test_mlp_fits_xor_with_mse_and_sgd_momentum():
    model = nn.MLP([2, 16, 1], activation="gelu", rng=1)
    target = XOR_Y[:, None].astype(np.float32)
    loss_fn = lambda m: F.mse(m(XOR_X), target)  # noqa: E731
    history = nn.train(model, loss_fn, nn.SGD(model, lr=0.1, momentum=0.9), 500)
    assert history.loss[-1] < 0.01
    np.testing.assert_array_equal(np.round(model(XOR_X).data[:, 0]), XOR_Y)


def test_adamw_with_zero_gradient_shrinks_weights_by_one_minus_lr_wd():
    lr, wd = 0.01, 0.5
    w0 = np.random.default_rng(0).standard_normal((3, 4))
    p = Tensor(w0.copy(), requires_grad=True)
    opt = nn.AdamW([p], lr=lr, weight_decay=wd)
    for k in range(1, 4):
        p.grad = np.zeros_like(p.data)
        opt.step()
        np.testing.assert_allclose(p.data, w0 * (1 - lr * wd) ** k, rtol=1e-14, atol=0)
    # Adam's coupled L2 decay is different: the decay goes through the adaptive step
    q = Tensor(w0.copy(), requires_grad=True)
    adam = nn.Adam([q], lr=lr, weight_decay=wd)
    q.grad = np.zeros_like(q.data)
    adam.step()
    np.testing.assert_allclose(q.data, w0 - lr * np.sign(w0), rtol=1e-6)


def test_adamw_matches_the_reference_formula():
    rng = np.random.default_rng(1)
    lr, (b1, b2), eps, wd = 0.003, (0.8, 0.99), 1e-6, 0.1
    w = rng.standard_normal(5)
    p = Tensor(w.copy(), requires_grad=True)
    opt = nn.AdamW([p], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    m = v = np.zeros(5)
    for t in range(1, 6):
        g = rng.standard_normal(5)
        p.grad = g.copy()
        opt.step()
        w = w * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        np.testing.assert_allclose(p.data, w, rtol=1e-12)


@pytest.mark.parametrize("decoupled", [True, False])
@pytest.mark.parametrize("dtypes", [(np.float64, np.float64), (np.float32, np.float64)])
def test_adam_flat_and_per_parameter_updates_follow_the_formula(decoupled, dtypes):
    """All parameters with a gradient: one flat update; some without (or mixed dtypes): one by one."""
    rng = np.random.default_rng(2)
    lr, (b1, b2), eps, wd = 0.01, (0.9, 0.99), 1e-8, 0.3
    ws = [rng.standard_normal((2, 3)), rng.standard_normal(4)]
    ps = [Tensor(w.astype(dt), requires_grad=True) for w, dt in zip(ws, dtypes)]
    opt = (nn.AdamW if decoupled else nn.Adam)(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    m, v, t = [np.zeros_like(w) for w in ws], [np.zeros_like(w) for w in ws], [0, 0]
    for has_grad in [(1, 1), (1, 0), (1, 1), (0, 1), (1, 1)]:
        for i, p in enumerate(ps):
            g = rng.standard_normal(p.shape) if has_grad[i] else None
            p.grad = None if g is None else g.astype(p.dtype)
            if g is None:
                continue
            g = p.grad.astype(np.float64)
            if decoupled:
                ws[i] = ws[i] * (1 - lr * wd)
            else:
                g = g + wd * ws[i]
            t[i] += 1
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            ws[i] = ws[i] - lr * (m[i] / (1 - b1 ** t[i])) / (np.sqrt(v[i] / (1 - b2 ** t[i])) + eps)
        opt.step()
        for w, p in zip(ws, ps):
            np.testing.assert_allclose(p.data, w, rtol=1e-5 if p.dtype == np.float32 else 1e-12)


def test_sgd_and_clip_grad_norm_formulas():
    p = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = nn.SGD([p], lr=0.5, momentum=0.5, weight_decay=0.1)
    p.grad = np.array([1.0, -1.0])
    opt.step()                                 # v = g + 0.1 p = [1.1, -0.8]
    np.testing.assert_allclose(p.data, [0.45, 2.4])
    p.grad = np.array([0.0, 0.0])
    opt.step()                                 # v = 0.5 v + 0.1 p = [0.595, -0.16]
    np.testing.assert_allclose(p.data, [0.45 - 0.2975, 2.4 + 0.08])
    a, b = Tensor(np.zeros(2), requires_grad=True), Tensor(np.zeros(1), requires_grad=True)
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    assert nn.clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(np.r_[a.grad, b.grad], np.array([3.0, 0.0, 4.0]) / 5, rtol=1e-6)
    assert nn.clip_grad_norm([a, b], 10.0) == pytest.approx(1.0, rel=1e-5)  # no change below max


def modular_task(p=11, frac=0.5, seed=0):
    pairs = np.array([(a, b) for a in range(p) for b in range(p)])
    order = np.random.default_rng(seed).permutation(len(pairs))
    n = int(frac * len(pairs))
    train_i, test_i = order[:n], order[n:]
    y = (pairs[:, 0] + pairs[:, 1]) % p
    return pairs[train_i], y[train_i], pairs[test_i], y[test_i]


class EmbedMLP(nn.Module):
    """The grokking MLP: embed a and b, concatenate, one hidden layer."""

    def __init__(self, p, d, hidden, rng, dtype=np.float32):
        rng = np.random.default_rng(rng)
        self.embed = nn.Embedding(p, d, rng=rng, dtype=dtype)
        self.mlp = nn.MLP([2 * d, hidden, p], rng=rng, dtype=dtype)

    def forward(self, pairs):
        e = self.embed(pairs)
        return self.mlp(e.reshape(len(pairs), -1))


def run_grokking(seed, steps=40, dtype=np.float32):
    xtr, ytr, xte, yte = modular_task()
    model = EmbedMLP(11, 8, 32, seed, dtype)
    opt = nn.AdamW(model, lr=1e-2, weight_decay=1.0)

    def loss_fn(m):
        logits = m(xtr)
        return F.softmax_cross_entropy(logits, ytr), {"train_acc": F.accuracy(logits, ytr)}
    history = nn.train(model, loss_fn, opt, steps, eval_every=10,
                       eval_fn=lambda m: {"test_acc": F.accuracy(m(xte), yte)})
    return model, history


def test_same_seed_gives_bit_identical_histories_and_weights():
    m1, h1 = run_grokking(seed=3)
    m2, h2 = run_grokking(seed=3)
    np.testing.assert_array_equal(h1.loss, h2.loss)
    np.testing.assert_array_equal(h1["train_acc"], h2["train_acc"])
    np.testing.assert_array_equal(h1["test_acc"], h2["test_acc"])
    for (n1, p1), (n2, p2) in zip(m1.named_parameters(), m2.named_parameters()):
        assert n1 == n2
        np.testing.assert_array_equal(p1.data, p2.data)
    _, h3 = run_grokking(seed=4)
    assert not np.array_equal(h1.loss, h3.loss)


def test_float32_by_default_and_float64_on_request():
    model, history = run_grokking(seed=0, steps=3)
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())
    model64, history64 = run_grokking(seed=0, steps=3, dtype=np.float64)
    assert all(p.dtype == np.float64 for p in model64.parameters())
    # same seed, same initial values up to float32 rounding
    np.testing.assert_allclose(history.loss[0], history64.loss[0], rtol=1e-5)


def test_state_dict_round_trip_through_npz(tmp_path):
    model, _ = run_grokking(seed=0, steps=5)
    path = tmp_path / "model.npz"
    model.save(path)
    other = EmbedMLP(11, 8, 32, rng=99)
    pairs = modular_task()[0]
    assert not np.array_equal(other(pairs).data, model(pairs).data)
    other.load(path)
    np.testing.assert_array_equal(other(pairs).data, model(pairs).data)
    assert set(np.load(path).files) == {"embed.weight", "mlp.layers.0.weight", "mlp.layers.0.bias",
                                        "mlp.layers.2.weight", "mlp.layers.2.bias"}
    state = model.state_dict()
    state["embed.weight"][:] = 0  # a copy: the model is unchanged
    assert np.any(model.embed.weight.data != 0)


def test_transformer_learns_a_copy_task():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 6, (64, 5))
    model = nn.Transformer(6, 16, 2, 32, max_len=5, rng=0)

    def loss_fn(m):  # predict the previous token
        return F.softmax_cross_entropy(m(tokens)[:, 1:], tokens[:, :-1])
    history = nn.train(model, loss_fn, nn.AdamW(model, lr=1e-2, weight_decay=0.0), 150)
    assert history.loss[-1] < 0.1 * history.loss[0]
    assert model.blocks[0].attn.pattern.shape == (64, 2, 5, 5)


def test_history_milestones_summary_and_batches():
    model = nn.MLP([2, 8, 2], rng=0)
    seen = []

    def loss_fn(m, batch):
        seen.append(batch)
        return xor_loss(m)
    h = nn.train(model, loss_fn, nn.Adam(model, lr=0.05), 25, batches=iter(range(100)),
                 eval_every=10, eval_fn=lambda m: {"acc2": F.accuracy(m(XOR_X), XOR_Y)}, clip=1.0)
    assert seen == list(range(25))
    np.testing.assert_array_equal(h.eval_steps, [0, 10, 20, 25])
    np.testing.assert_array_equal(h.steps_for("acc"), np.arange(25))
    step = h.milestone("acc", 1.0)
    assert step is not None and h["acc"][step] == 1.0 and np.all(h["acc"][:step] < 1.0)
    assert h.milestone("loss", -1.0, above=False) is None
    assert h.milestone_text("loss", -1.0, above=False) == "first step where loss <= -1: never"
    text = h.summary(digits=2)
    assert text.splitlines()[0] == "steps: 25" and "acc2: last" in text
    assert h.names() == ["loss", "acc", "acc2"]
    h2 = nn.train(model, lambda m, b: xor_loss(m)[0], nn.SGD(model, lr=0.1), 3,
                  batches=lambda step: step * 2)
    assert len(h2.loss) == 3 and h2.step_metrics == {}


def test_non_finite_loss_stops_training_naming_the_step():
    model = nn.MLP([2, 4, 1], rng=0)
    with pytest.raises(FloatingPointError, match="step 0"):
        nn.train(model, lambda m: F.mse(m(XOR_X), np.zeros((4, 1))) * np.inf, nn.SGD(model, lr=0.1), 3)


def test_progress_bar_is_silent_outside_a_kernel_and_has_stable_text(capsys):
    model = nn.MLP([2, 4, 2], rng=0)
    nn.train(model, lambda m: xor_loss(m)[0], nn.SGD(model, lr=0.1), 5, progress=True)
    assert capsys.readouterr().out == ""
    bundle = _ProgressDisplay(2000)._repr_mimebundle_()
    assert bundle["text/plain"] == "training: 2000 steps"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_no_grad_records_no_graph():
    x = Tensor(np.ones(3), requires_grad=True)
    with nn.no_grad():
        y = x * 2
    assert not y.requires_grad and nn.is_grad_enabled()


@pytest.mark.slow
def test_progress_bar_in_a_jupyter_kernel_is_one_widget_with_fixed_text():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    source = ("import numpy as np, emergence.nn as nn\n"
              "X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)\n"
              "y = np.array([0, 1, 1, 0])\n"
              "m = nn.MLP([2, 4, 2], rng=0)\n"
              "h = nn.train(m, lambda m: nn.softmax_cross_entropy(m(X), y), nn.SGD(m, lr=0.1), 120)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"]
    assert outputs[0].data["text/plain"] == "training: 120 steps"
    assert "application/vnd.jupyter.widget-view+json" in outputs[0].data
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    bars = [w["state"] for w in state.values() if w["model_name"] == "IntProgressModel"]
    assert len(bars) == 1 and bars[0]["value"] == 120 and bars[0]["max"] == 120


def test_on_step_sees_the_model_after_each_number_of_updates():
    model = nn.Linear(2, 1, rng=0)
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    seen = []

    def on_step(step, m):
        seen.append((step, float(m.weight.data.sum())))

    def loss_fn(m):
        return ((m(x) - y) ** 2).mean()

    nn.train(model, loss_fn, nn.SGD(model.parameters(), lr=0.1), 3, on_step=on_step,
             progress=False)
    again = nn.Linear(2, 1, rng=0)
    opt = nn.SGD(again.parameters(), lr=0.1)
    expected = [(0, float(again.weight.data.sum()))]
    for step in range(1, 4):
        nn.train(again, loss_fn, opt, 1, progress=False)
        expected.append((step, float(again.weight.data.sum())))
    assert seen == expected
    with pytest.raises(TypeError, match="on_step"):
        nn.train(model, loss_fn, nn.SGD(model.parameters(), lr=0.1), 1, on_step=3)
