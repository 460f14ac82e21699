"""``emergence.nn``: the small numpy training engine behind the course's experiments.

Pure numpy: a vectorised autograd (:mod:`.tensor`), fused operations
(:mod:`.functional`), layers (:mod:`.layers`), optimizers (:mod:`.optim`) and
a training loop with a metric history (:mod:`.train`).  float32 by default;
pass ``dtype=np.float64`` to layers for float64.
"""
from . import functional
from .allocator import tune_allocator
from .functional import accuracy, mse, softmax_cross_entropy
from .layers import (GELU, MLP, Embedding, LayerNorm, Linear, Module, MultiHeadSelfAttention,
                     Quadratic, ReLU, Sequential, Transformer, TransformerBlock)
from .optim import SGD, Adam, AdamW, Optimizer, clip_grad_norm
from .tensor import Tensor, as_tensor, is_grad_enabled, matmul, no_grad
from .train import History, train

tune_allocator()

__all__ = ["functional", "tune_allocator", "Tensor", "as_tensor", "matmul", "no_grad",
           "is_grad_enabled", "softmax_cross_entropy", "mse", "accuracy", "Module", "Linear",
           "Embedding", "LayerNorm", "ReLU", "GELU", "Quadratic", "Sequential", "MLP",
           "MultiHeadSelfAttention", "TransformerBlock", "Transformer", "Optimizer", "SGD",
           "Adam", "AdamW", "clip_grad_norm", "History", "train"]
