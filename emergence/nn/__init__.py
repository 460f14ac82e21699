"""``emergence.nn``: the small numpy training engine behind the course's experiments.

Pure numpy.  The plain path, written to be read: a vectorised autograd (:mod:`.tensor`),
operations with hand-written gradients (:mod:`.functional`), layers (:mod:`.layers`),
optimizers (:mod:`.optim`) and a training loop with a metric history (:mod:`.train`).
The models run the same formulas through the fast path (:mod:`.fast`) unless inside
``with nn.plain_path():`` (:mod:`.paths`).  float32 by default; pass ``dtype=np.float64``
to layers for float64.  Importing changes nothing global: :func:`tune_allocator`
(called by ``emergence.setup()``) keeps freed memory for reuse between steps.
"""
from . import fast, functional
from .allocator import tune_allocator
from .functional import accuracy, mse
from .layers import (GELU, MLP, Embedding, LayerNorm, Linear, Module, MultiHeadSelfAttention,
                     Quadratic, ReLU, Sequential, Transformer, TransformerBlock)
from .optim import SGD, Adam, AdamW, Optimizer, clip_grad_norm
from .paths import fast_path_enabled, plain_path, softmax_cross_entropy
from .tensor import Tensor, as_tensor, is_grad_enabled, matmul, no_grad
from .train import History, train

__all__ = ["functional", "fast", "plain_path", "fast_path_enabled", "tune_allocator", "Tensor",
           "as_tensor", "matmul", "no_grad", "is_grad_enabled", "softmax_cross_entropy", "mse",
           "accuracy", "Module", "Linear", "Embedding", "LayerNorm", "ReLU", "GELU", "Quadratic",
           "Sequential", "MLP", "MultiHeadSelfAttention", "TransformerBlock", "Transformer",
           "Optimizer", "SGD", "Adam", "AdamW", "clip_grad_norm", "History", "train"]
