"""Bad input to emergence.nn gives a clear TypeError/ValueError naming the parameter."""
import numpy as np
import pytest

import emergence.nn as nn
from emergence.nn import functional as F
from emergence.nn.tensor import Tensor


def test_tensor_rejects_non_numbers_non_finite_values_and_other_dtypes():
    with pytest.raises(TypeError, match="data"):
        Tensor(["a", "b"])
    with pytest.raises(ValueError, match="data must contain only finite"):
        Tensor(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="x must contain only finite"):
        nn.Linear(2, 2, rng=0)(np.array([[1.0, np.inf]]))
    with pytest.raises(TypeError, match="dtype"):
        Tensor([1, 2], dtype=np.int32)
    with pytest.raises(TypeError, match="dtype"):
        nn.Linear(2, 2, rng=0, dtype=np.float16)
    with pytest.raises(TypeError, match="data must hold real numbers"):
        Tensor(["1.0", "2.0"])
    with pytest.raises(TypeError, match="data must hold real numbers"):
        Tensor(np.array([1 + 2j]))
    with pytest.raises(TypeError, match=r"x must have dtype float32 \(the layer's dtype\)"):
        nn.Linear(2, 2, rng=0)(Tensor(np.ones((1, 2))))          # a float64 Tensor
    with pytest.raises(TypeError, match="target must have dtype float64"):
        F.mse(Tensor(np.ones(2)), Tensor(np.ones(2), dtype=np.float32))
    with pytest.raises(ValueError, match="item"):
        Tensor(np.ones(2)).item()
    with pytest.raises(TypeError, match="exponent"):
        Tensor([1.0]) ** Tensor([2.0])


def test_backward_needs_a_scalar_or_a_grad_of_the_right_shape():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="grad must be given"):
        (x * 2).backward()
    with pytest.raises(ValueError, match="grad must have shape"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(np.ones(2)).sum().backward()


def test_layer_shape_mismatches_name_the_input():
    with pytest.raises(ValueError, match=r"x must have last dimension 3"):
        nn.Linear(3, 2, rng=0)(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"x must have last dimension 4"):
        nn.LayerNorm(4)(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, time, 8\)"):
        nn.MultiHeadSelfAttention(8, 2, rng=0)(np.ones((2, 8)))
    with pytest.raises(ValueError, match="qkv must have shape"):
        F.self_attention(Tensor(np.ones((1, 2, 10))), 2)
    with pytest.raises(ValueError, match="matmul"):
        Tensor(np.ones(3)) @ Tensor(np.ones((3, 2)))
    with pytest.raises(ValueError, match="tokens must have shape"):
        nn.Transformer(5, 4, 2, 0, max_len=3, rng=0)(np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="max_len=3"):
        nn.Transformer(5, 4, 2, 0, max_len=3, rng=0)(np.zeros((1, 4), dtype=int))


def test_indices_and_targets_must_be_integers_in_range():
    emb = nn.Embedding(5, 2, rng=0)
    with pytest.raises(TypeError, match="indices must hold integer"):
        emb(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 4\]"):
        emb(np.array([0, 5]))
    logits = Tensor(np.zeros((3, 4)), requires_grad=True)
    with pytest.raises(TypeError, match="targets must hold integer"):
        F.softmax_cross_entropy(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"targets must have shape \(3,\)"):
        F.softmax_cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 3\]"):
        F.softmax_cross_entropy(logits, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match=r"targets must lie"):
        F.softmax_cross_entropy(logits, np.array([0, -1, 2]))
    with pytest.raises(TypeError, match="logits must be a Tensor"):
        F.softmax_cross_entropy(np.zeros((3, 4)), np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="targets must hold integer"):
        F.accuracy(np.zeros((3, 4)), np.array([0.5, 1, 2]))


def test_mse_target_must_match_and_be_finite():
    pred = Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"target must have the shape of pred \(2, 3\)"):
        F.mse(pred, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="target must contain only finite"):
        F.mse(pred, np.full((2, 3), np.nan))
    with pytest.raises(TypeError, match="pred must be a Tensor"):
        F.mse(np.zeros(3), np.zeros(3))


@pytest.mark.parametrize("make,match,err", [
    (lambda: nn.Linear(0, 2, rng=0), "in_features must be >= 1", ValueError),
    (lambda: nn.Linear(2.5, 2, rng=0), "in_features must be an integer", TypeError),
    (lambda: nn.Linear(2, 2, rng="seed"), "rng must be an integer", TypeError),
    (lambda: nn.Linear(2, 2, rng=-1), "rng must be >= 0", ValueError),
    (lambda: nn.Embedding(3, 2, std=-1.0, rng=0), "std must be >= 0", ValueError),
    (lambda: nn.MultiHeadSelfAttention(10, 3, rng=0), r"d_model \(10\) must be divisible", ValueError),
    (lambda: nn.MLP([3], rng=0), "sizes must list", ValueError),
    (lambda: nn.MLP([3, 2], activation="tanh", rng=0), "activation must be one of", ValueError),
    (lambda: nn.LayerNorm(3, eps=0.0), "eps must be > 0", ValueError),
    (lambda: nn.Sequential(nn.ReLU(), "relu"), r"layers\[1\] must be a Module", TypeError),
    (lambda: nn.Transformer(5, 4, 2, 0, n_layers=0, rng=0), "n_layers must be >= 1", ValueError),
])
def test_constructor_arguments(make, match, err):
    with pytest.raises(err, match=match):
        make()


def test_optimizer_arguments():
    model = nn.Linear(2, 2, rng=0)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        nn.SGD(model, lr=-1.0)
    with pytest.raises(ValueError, match="lr must be finite"):
        nn.AdamW(model, lr=float("nan"))
    with pytest.raises(ValueError, match=r"betas\[1\] must be < 1"):
        nn.Adam(model, betas=(0.9, 1.0))
    with pytest.raises(TypeError, match="betas must be a pair"):
        nn.Adam(model, betas=0.9)
    with pytest.raises(ValueError, match="momentum must be < 1"):
        nn.SGD(model, lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="params must contain at least one"):
        nn.SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[0\] must be a Tensor with requires_grad"):
        nn.SGD([Tensor(np.ones(2))], lr=0.1)
    with pytest.raises(ValueError, match="max_norm must be > 0"):
        nn.clip_grad_norm(model, 0.0)
    p = Tensor(np.ones(2), requires_grad=True)
    p.grad = np.array([np.nan, 1.0])
    with pytest.raises(FloatingPointError, match="gradient norm is not finite"):
        nn.clip_grad_norm([p], 1.0)


def test_train_arguments():
    model = nn.Linear(2, 1, rng=0)
    opt = nn.SGD(model, lr=0.1)
    loss = lambda m: F.mse(m(np.ones((1, 2))), np.zeros((1, 1)))  # noqa: E731
    with pytest.raises(ValueError, match="steps must be >= 0"):
        nn.train(model, loss, opt, -1)
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        nn.train(model, 3, opt, 1)
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        nn.train(model, loss, "adam", 1)
    with pytest.raises(ValueError, match="eval_every needs eval_fn"):
        nn.train(model, loss, opt, 1, eval_every=1)
    with pytest.raises(TypeError, match="loss_fn must return a scalar Tensor"):
        nn.train(model, lambda m: m(np.ones((3, 2))), opt, 1)
    with pytest.raises(TypeError, match="eval_fn must return a dict"):
        nn.train(model, loss, opt, 1, eval_fn=lambda m: 0.5)
    with pytest.raises(ValueError, match="clip must be > 0"):
        nn.train(model, loss, opt, 1, clip=0)


def test_load_state_dict_checks_names_shapes_and_paths(tmp_path):
    model = nn.MLP([2, 3, 1], rng=0)
    state = model.state_dict()
    with pytest.raises(ValueError, match=r"missing \['layers.2.bias'\]"):
        model.load_state_dict({k: v for k, v in state.items() if k != "layers.2.bias"})
    with pytest.raises(ValueError, match=r"unexpected \['extra'\]"):
        model.load_state_dict({**state, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"state\['layers.0.weight'\] must have shape \(2, 3\)"):
        model.load_state_dict({**state, "layers.0.weight": np.zeros((3, 2))})
    with pytest.raises(ValueError, match=r"state\['layers.0.bias'\] must hold finite"):
        model.load_state_dict({**state, "layers.0.bias": np.full(3, np.nan)})
    with pytest.raises(ValueError, match="path must end with '.npz'"):
        model.save(tmp_path / "model.bin")
