"""emergence.nn against PyTorch CPU on the course's two live-training workloads.

    pip install torch==2.13.0          # only for this benchmark
    python benchmarks/bench_nn_vs_torch.py [--quick]

Cases (float32, full batch, AdamW, identical initial weights and data):
  1. grokking MLP: p = 97, embeddings 128 for a and b (shared table, concatenated),
     hidden 256 (ReLU), 40 % of the pairs as training data;
  2. one-layer transformer: p = 59, tokens "a b =", d_model 64, 4 heads,
     MLP 256 (ReLU), pre-LayerNorm, 40 % of the pairs.

By default both engines do the same, textbook computation (``--models textbook``): the
like-for-like comparison of the engines, whose worst ratio is the last line.  With
``--models course`` numpy runs the course's own models instead: ``grokking.GrokMLP``, whose
first layer multiplies the p table rows instead of every pair's concatenated rows, and
``grokking.GrokTransformer``, which does the work after attention at '=' only.  They are the
same models (float64 losses agree to ~1e-15) with fewer multiply-adds, so that ratio says
what the labs gain, not how the engines compare.

Protocol: both engines train the same run side by side in one process, in
interleaved blocks (A/B then B/A, ...) with a 0.2 s idle gap before each block
(OpenBLAS threads spin for ~0.1 s after a call).  Every step
(zero_grad, forward, loss, backward, AdamW step) is timed; evaluation on the
test pairs every few steps is not.  Reported: the median step time of each
engine and their ratio (numpy / torch), the steps at which both runs reach the
same accuracy milestones, the peak memory of a short training run in a fresh
process (resident-set growth for both engines; tracemalloc peak for numpy),
and sustained GFLOP/s (model matmul FLOPs / step time) against this machine's
float32 matmul peak.  The last line prints the worse of the two ratios.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn.functional as TF
except ImportError:
    sys.exit("This benchmark compares against PyTorch, which is not installed.\n"
             "Install it (for the benchmark only) with:  pip install torch==2.13.0")

import emergence
import emergence.nn as nn
from emergence import grokking, machines

SEED = 0
GAP = 0.2                 # idle seconds before each timed block
MILESTONES = [("train_acc", 0.5), ("train_acc", 0.9), ("train_acc", 0.99),
              ("test_acc", 0.5), ("test_acc", 0.9), ("test_acc", 0.99)]


# --------------------------------------------------------------------- data
def modular_addition(p: int, frac: float, seed: int = SEED):
    """All pairs (a, b) with label (a + b) mod p, split into train/test."""
    a, b = np.divmod(np.arange(p * p), p)
    order = np.random.default_rng(seed).permutation(p * p)
    n_train = int(round(frac * p * p))
    pairs, labels = np.stack([a, b], axis=1), (a + b) % p
    tr, te = order[:n_train], order[n_train:]
    return pairs[tr], labels[tr], pairs[te], labels[te]


# ------------------------------------------------------------------- models
class NumpyMLP(nn.Module):
    """The textbook computation (``--models textbook``): look up, concatenate, then an
    ``nn.MLP``: Linear, ReLU, Linear.  ``--models course`` runs ``emergence.grokking.GrokMLP``
    instead: the same model and weights, its first layer computed per table row
    (``nn.fast.embedding_linear``)."""

    def __init__(self, p, d, hidden, rng, dtype=np.float32):
        rng = np.random.default_rng(rng)
        self.embed = nn.Embedding(p, d, rng=rng, dtype=dtype)
        self.mlp = nn.MLP([2 * d, hidden, p], rng=rng, dtype=dtype)

    def forward(self, pairs):
        return self.mlp(self.embed(pairs).reshape(len(pairs), -1))


# numpy parameter name -> torch parameter name, for the textbook MLP (the course's GrokMLP
# has the torch model's names)
MLP_NAMES = {"embed.weight": "embed.weight", "mlp.layers.0.weight": "hidden.weight",
             "mlp.layers.0.bias": "hidden.bias", "mlp.layers.2.weight": "out.weight",
             "mlp.layers.2.bias": "out.bias"}


class TorchMLP(torch.nn.Module):
    def __init__(self, p, d, hidden):
        super().__init__()
        self.embed = torch.nn.Embedding(p, d)
        self.hidden = torch.nn.Linear(2 * d, hidden)
        self.out = torch.nn.Linear(hidden, p)

    def forward(self, pairs):
        x = self.embed(pairs).reshape(len(pairs), -1)
        return self.out(TF.relu(self.hidden(x)))


class NumpyTransformer(nn.Module):
    """Reads the logits at the last position ('='), computing every position (``--models
    textbook``).  ``--models course`` runs ``emergence.grokking.GrokTransformer``: the same model
    and weights, with the work after attention done at '=' only."""

    def __init__(self, p, d, heads, d_mlp, rng, dtype=np.float32):
        self.net = nn.Transformer(p + 1, d, heads, d_mlp, max_len=3, n_out=p, rng=rng, dtype=dtype)

    def forward(self, tokens):
        return self.net(tokens)[:, -1]


class CourseTransformer(grokking.GrokTransformer):
    """GrokTransformer fed the benchmark's tokens ``a b =`` (it appends '=' itself)."""

    def forward(self, tokens):
        return super().forward(np.asarray(tokens)[:, :2])


MODELS = {"course": (grokking.GrokMLP, CourseTransformer),
          "textbook": (NumpyMLP, NumpyTransformer)}
SETTINGS = {"models": "textbook"}   # set from --models


class TorchTransformer(torch.nn.Module):
    """The same architecture as ``emergence.nn.Transformer`` (one pre-LN block)."""

    def __init__(self, p, d, heads, d_mlp, attention):
        super().__init__()
        self.heads, self.attention = heads, attention
        self.embed = torch.nn.Embedding(p + 1, d)
        self.pos = torch.nn.Embedding(3, d)
        self.ln1, self.ln2, self.ln_f = (torch.nn.LayerNorm(d) for _ in range(3))
        self.qkv, self.proj = torch.nn.Linear(d, 3 * d), torch.nn.Linear(d, d)
        self.fc1, self.fc2 = torch.nn.Linear(d, d_mlp), torch.nn.Linear(d_mlp, d)
        self.unembed = torch.nn.Linear(d, p)

    def forward(self, tokens):
        b, t = tokens.shape
        x = self.embed(tokens) + self.pos.weight[:t]
        q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        if self.attention == "sdpa":
            a = TF.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # written out, as in most tutorials
            s = (q @ k.transpose(-2, -1)) / (q.shape[-1] ** 0.5)
            s = s.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
            a = torch.softmax(s, dim=-1) @ v
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, -1))
        x = x + self.fc2(TF.relu(self.fc1(self.ln2(x))))
        return self.unembed(self.ln_f(x))[:, -1]


# numpy parameter name -> torch parameter name (Linear weights are transposed)
TRANSFORMER_NAMES = {
    "net.embed.weight": "embed.weight", "net.pos.weight": "pos.weight",
    "net.blocks.0.ln1.weight": "ln1.weight", "net.blocks.0.ln1.bias": "ln1.bias",
    "net.blocks.0.attn.qkv.weight": "qkv.weight", "net.blocks.0.attn.qkv.bias": "qkv.bias",
    "net.blocks.0.attn.out.weight": "proj.weight", "net.blocks.0.attn.out.bias": "proj.bias",
    "net.blocks.0.ln2.weight": "ln2.weight", "net.blocks.0.ln2.bias": "ln2.bias",
    "net.blocks.0.mlp.layers.0.weight": "fc1.weight", "net.blocks.0.mlp.layers.0.bias": "fc1.bias",
    "net.blocks.0.mlp.layers.2.weight": "fc2.weight", "net.blocks.0.mlp.layers.2.bias": "fc2.bias",
    "net.ln_f.weight": "ln_f.weight", "net.ln_f.bias": "ln_f.bias",
    "net.unembed.weight": "unembed.weight", "net.unembed.bias": "unembed.bias",
}


def copy_weights(np_model, torch_model, names=None):
    """Give the torch model exactly the numpy model's initial weights."""
    tparams = dict(torch_model.named_parameters())
    with torch.no_grad():
        for name, p in np_model.named_parameters():
            tname = names[name] if names else name
            target = tparams.pop(tname)
            owner = torch_model.get_submodule(tname.rpartition(".")[0])
            value = p.data.T if isinstance(owner, torch.nn.Linear) and p.ndim == 2 else p.data
            assert tuple(target.shape) == value.shape, (name, target.shape, value.shape)
            target.copy_(torch.from_numpy(np.ascontiguousarray(value)))
    assert not tparams, f"torch parameters left without a value: {sorted(tparams)}"


# ------------------------------------------------------------------- cases
def case_config(name: str) -> dict:
    np_mlp, np_transformer = MODELS[SETTINGS["models"]]
    if name == "mlp":
        p, d, hidden = 97, 128, 256
        xtr, ytr, xte, yte = modular_addition(p, 0.4)
        n_tr = len(xtr)
        fwd = 2 * n_tr * (2 * d * hidden + hidden * p)
        return dict(
            title=f"grokking MLP (p={p}, embed {d}x2, hidden {hidden}, batch {n_tr})",
            data=(xtr, ytr, xte, yte), opt=dict(lr=1e-2, betas=(0.9, 0.98), weight_decay=1.0),
            make_np=lambda dtype=np.float32: np_mlp(p, d, hidden, rng=SEED, dtype=dtype),
            make_torch=lambda attention: TorchMLP(p, d, hidden),
            names=MLP_NAMES if SETTINGS["models"] == "textbook" else None,
            flops=3 * fwd, steps=1000, eval_every=10)
    if name == "transformer":
        p, d, heads, d_mlp, t = 59, 64, 4, 256, 3
        xtr, ytr, xte, yte = modular_addition(p, 0.4)
        tok = lambda x: np.concatenate([x, np.full((len(x), 1), p)], axis=1)  # noqa: E731
        n_tr = len(xtr)
        rows = n_tr * t
        fwd = 2 * rows * (d * 3 * d + d * d + 2 * d * d_mlp + d * p) + 2 * 2 * n_tr * t * t * d
        return dict(
            title=f"1-layer transformer (p={p}, d_model {d}, {heads} heads, MLP {d_mlp}, batch {n_tr})",
            data=(tok(xtr), ytr, tok(xte), yte), opt=dict(lr=3e-3, betas=(0.9, 0.98), weight_decay=1.0),
            make_np=lambda dtype=np.float32: np_transformer(p, d, heads, d_mlp, rng=SEED,
                                                            dtype=dtype),
            make_torch=lambda attention: TorchTransformer(p, d, heads, d_mlp, attention),
            names=TRANSFORMER_NAMES, flops=3 * fwd, steps=1500, eval_every=10)
    raise ValueError(name)


class NumpyRun:
    label = "numpy"

    def __init__(self, cfg, dtype=np.float32):
        self.x, self.y, self.xte, self.yte = cfg["data"]
        self.model = cfg["make_np"](dtype)
        self.opt = nn.AdamW(self.model, **cfg["opt"])

    def step(self):
        self.opt.zero_grad()
        logits = self.model(self.x)
        loss = nn.softmax_cross_entropy(logits, self.y)   # the fast path, as the models use
        loss.backward()
        self.opt.step()
        return loss.item(), nn.accuracy(logits, self.y)

    def test_acc(self):
        with nn.no_grad():
            return nn.accuracy(self.model(self.xte), self.yte)


class TorchRun:
    label = "torch"

    def __init__(self, cfg, np_model, attention, dtype=torch.float32):
        x, y, xte, yte = cfg["data"]
        self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)
        self.xte, self.yte = torch.from_numpy(xte), torch.from_numpy(yte)
        self.model = cfg["make_torch"](attention).to(dtype)
        copy_weights(np_model, self.model, cfg["names"])
        self.opt = torch.optim.AdamW(self.model.parameters(), **cfg["opt"])

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        logits = self.model(self.x)
        loss = TF.cross_entropy(logits, self.y)
        loss.backward()
        self.opt.step()
        return loss.item(), (logits.argmax(-1) == self.y).float().mean().item()

    def test_acc(self):
        with torch.no_grad():
            return (self.model(self.xte).argmax(-1) == self.yte).float().mean().item()


def run_case(name: str, steps: int, block: int, attention: str) -> dict:
    cfg = case_config(name)
    engines = [NumpyRun(cfg)]
    engines.append(TorchRun(cfg, engines[0].model, attention))
    record = {e.label: dict(loss=[], train_acc=[], test_steps=[], test_acc=[], times=[])
              for e in engines}
    done = {e.label: 0 for e in engines}

    def run_block(engine, n):
        rec = record[engine.label]
        for _ in range(n):
            s = done[engine.label]
            if s % cfg["eval_every"] == 0:
                rec["test_steps"].append(s)
                rec["test_acc"].append(engine.test_acc())
            t0 = time.perf_counter()
            loss, acc = engine.step()
            rec["times"].append(time.perf_counter() - t0)
            rec["loss"].append(loss)
            rec["train_acc"].append(acc)
            done[engine.label] = s + 1

    gc.collect()
    warm = min(10, steps // 5)   # the first steps (page faults, lazy init) are not timed
    block_ratios = []            # numpy/torch median step time of neighbouring blocks
    for i in range(0, steps, block):
        order = engines if (i // block) % 2 == 0 else engines[::-1]
        medians = {}
        for engine in order:
            time.sleep(GAP)
            n = min(block, steps - i)
            run_block(engine, n)
            medians[engine.label] = np.median(record[engine.label]["times"][-n:])
        if i >= warm:
            block_ratios.append(medians["numpy"] / medians["torch"])
    for engine in engines:
        rec = record[engine.label]
        rec["test_steps"].append(steps)
        rec["test_acc"].append(engine.test_acc())
    out = dict(title=cfg["title"], flops=cfg["flops"], steps=steps,
               block_ratio=float(np.median(block_ratios)) if block_ratios else float("nan"))
    for label, rec in record.items():
        rec = {k: np.asarray(v) for k, v in rec.items()}
        rec["median"] = float(np.median(rec["times"][warm:]))
        rec["iqr"] = [float(q) for q in np.percentile(rec["times"][warm:], [25, 75])]
        out[label] = rec
    return out


def float64_agreement(name: str, attention: str, steps: int = 20) -> float:
    """Both engines in float64: the largest loss difference over ``steps`` steps.

    Near 1e-15 means the two implement the same model and optimizer; in float32
    the runs then drift apart only through rounding, which training amplifies.
    """
    cfg = case_config(name)
    a = NumpyRun(cfg, np.float64)
    b = TorchRun(cfg, a.model, attention, torch.float64)
    return max(abs(a.step()[0] - b.step()[0]) for _ in range(steps))


def torch_reference(name: str, steps: int, attention: str) -> dict:
    """The same torch run (same weights and data) with its attention computed the other way
    (written out instead of F.scaled_dot_product_attention, or back): the same model with
    different rounding, so its milestones show how far float32 rounding alone moves them."""
    cfg = case_config(name)
    other = "manual" if attention == "sdpa" else "sdpa"
    run = TorchRun(cfg, cfg["make_np"](), other)
    rec = dict(train_acc=[], test_steps=[], test_acc=[])
    for s in range(steps + 1):
        if s % cfg["eval_every"] == 0 or s == steps:
            rec["test_steps"].append(s)
            rec["test_acc"].append(run.test_acc())
        if s < steps:
            rec["train_acc"].append(run.step()[1])
    return dict(attention=other, **{k: np.asarray(v) for k, v in rec.items()})


def milestone(rec, metric, threshold):
    if metric == "train_acc":
        values, steps = rec["train_acc"], np.arange(len(rec["train_acc"]))
    else:
        values, steps = rec["test_acc"], rec["test_steps"]
    hit = values >= threshold
    return int(steps[np.argmax(hit)]) if hit.any() else None


# ------------------------------------------------------------------ memory
def _status(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # MiB
    return float("nan")


def probe_memory(name: str, engine: str, attention: str, steps: int = 8) -> dict:
    """In a fresh process: growth of the resident set during a short training run."""
    import tracemalloc
    cfg = case_config(name)
    run = NumpyRun(cfg)
    if engine == "torch":
        run = TorchRun(cfg, run.model, attention)
    gc.collect()
    base = _status("VmRSS")
    try:   # reset the peak-RSS counter (Linux >= 4.0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    if engine == "numpy":
        tracemalloc.start()
    for _ in range(steps):
        run.step()
    result = dict(rss_peak_growth_mib=_status("VmHWM") - base)
    if engine == "numpy":
        result["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
    return result


def memory(name: str, engine: str, attention: str) -> dict:
    cmd = [sys.executable, __file__, "--probe", name, engine, "--torch-attention", attention,
           "--models", SETTINGS["models"]]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------- peak
def matmul_peak(n: int = 2048, repeats: int = 7) -> dict:
    """GFLOP/s of a large float32 matrix product, numpy (OpenBLAS) and torch."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    def best(f):
        f()
        times = []
        for _ in range(repeats):
            time.sleep(GAP)
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        return 2 * n ** 3 / min(times) / 1e9

    res = {"numpy": best(lambda: a @ b), "torch": best(lambda: ta @ tb)}
    try:
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=1, user_api="blas"):
            res["numpy_1_thread"] = best(lambda: a @ b)
    except ImportError:
        pass
    return res


def mlp_products(repeats: int = 60) -> dict:
    """Milliseconds for the grokking MLP's six matrix products, as each engine computes them
    (forward, input gradient, weight gradient of both layers; torch's forward is ``addmm``
    with the bias, numpy's has none): the part of a step no elementwise trick can shorten."""
    rng = np.random.default_rng(0)
    n = int(round(0.4 * 97 * 97))
    total = {"numpy": 0.0, "torch": 0.0}

    def median_ms(f):
        f()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            f()
            times.append(time.perf_counter() - t0)
        time.sleep(GAP)
        return float(np.median(times)) * 1e3

    for d_in, d_out in ((256, 256), (256, 97)):
        x, g = (rng.standard_normal((n, d), dtype=np.float32) for d in (d_in, d_out))
        w = rng.standard_normal((d_in, d_out), dtype=np.float32)
        tx, tg, tw = torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(w.T.copy())
        tb = torch.zeros(d_out)
        total["numpy"] += sum(median_ms(f) for f in (lambda: x @ w, lambda: g @ w.T,
                                                      lambda: x.T @ g))
        total["torch"] += sum(median_ms(f) for f in (lambda: torch.addmm(tb, tx, tw.t()),
                                                      lambda: tg @ tw, lambda: tg.t() @ tx))
    return total


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed (pip install threadpoolctl for BLAS details)"
    parts = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '')} "
             f"threads={i.get('num_threads')}" for i in threadpool_info()]
    return "; ".join(parts)


def cpu_name() -> str:
    """The CPU's model name and its widest vector instructions (Linux; elsewhere the platform's)."""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        import platform
        return platform.processor() or platform.machine()
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                 if line.startswith("model name")), "unknown CPU")
    simd = "AVX-512" if " avx512f" in info else "AVX2" if " avx2" in info else "no AVX2"
    return f"{name} ({simd})"


# Machine profiles (COURSE_DESIGN §7b): the native CPU and the emulated ones the tests use;
# by default the native CPU and an emulated AVX2 (Haswell-class) machine.
PROFILES = machines.PROFILES
# The same machine for PyTorch: its own kernels (ATen), MKL's and oneDNN's would otherwise
# keep using AVX-512, which the emulated CPU does not have.
TORCH_PROFILES = {
    "native": {},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
             "DNNL_MAX_CPU_ISA": "AVX2"},
    "sse": {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
            "DNNL_MAX_CPU_ISA": "SSE41"},
}


def run_profiles(names: list[str], argv: list[str]) -> None:
    """Run the benchmark once per machine profile (a fresh process each); sum up the ratios."""
    table = {}
    for name in names:
        emulate = {**PROFILES[name], **TORCH_PROFILES[name]}
        env = dict(os.environ, **emulate)
        print(f"\n######## profile {name}: " + (" ".join(f"{k}={v}" for k, v in emulate.items())
                                               or "as detected"), flush=True)
        proc = subprocess.run([sys.executable, __file__, *argv, "--profile-child"], env=env,
                              capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode:
            sys.exit(f"profile {name} failed:\n{proc.stderr}")
        table[name] = json.loads(proc.stdout.strip().splitlines()[-2].removeprefix("RATIOS "))
    print("\n######## numpy/torch step-time ratio by machine profile")
    cases = list(next(iter(table.values())))
    print("| profile | " + " | ".join(cases) + " |")
    print("|---|" + "---|" * len(cases))
    for name, ratios in table.items():
        print(f"| {name} | " + " | ".join(f"{ratios[c]:.3f}" for c in cases) + " |")
    print(f"worst ratio: {max(r for ratios in table.values() for r in ratios.values()):.2f}")


# -------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few steps (smoke test, no milestones)")
    ap.add_argument("--cases", default="mlp,transformer")
    ap.add_argument("--block", type=int, default=25, help="steps per timed block")
    ap.add_argument("--torch-attention", choices=["sdpa", "manual"], default="sdpa",
                    help="torch attention: F.scaled_dot_product_attention or written out")
    ap.add_argument("--models", choices=sorted(MODELS), default="textbook",
                    help="numpy models: the course's (GrokMLP, GrokTransformer: fewer "
                         "multiply-adds, same model) or the textbook computation torch runs")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for both engines (numpy's BLAS via threadpoolctl, "
                         "torch.set_num_threads); default: as configured (all cores)")
    ap.add_argument("--fast-threads", type=int, default=None,
                    help="threads for emergence.nn's elementwise work (nn.fast.configure); "
                         "default: the engine's default (1)")
    ap.add_argument("--profiles", default="native,avx2",
                    help=f"machine profiles to run, each in a fresh process: {', '.join(PROFILES)}")
    ap.add_argument("--probe", nargs=2, metavar=("CASE", "ENGINE"), help=argparse.SUPPRESS)
    ap.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    SETTINGS["models"] = args.models
    if not args.probe and not args.profile_child:
        names = args.profiles.split(",")
        unknown = sorted(set(names) - set(PROFILES))
        if unknown:
            ap.error(f"--profiles must name profiles among {sorted(PROFILES)}, got {unknown}")
        argv, rest = [], iter(sys.argv[1:])
        for a in rest:                   # the children get every option but --profiles
            if a == "--profiles":
                next(rest, None)         # and its value
            elif not a.startswith("--profiles="):
                argv.append(a)
        return run_profiles(names, argv)
    if args.probe:
        emergence.setup()
        print(json.dumps(probe_memory(*args.probe, args.torch_attention)))
        return
    if args.threads is not None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            sys.exit("--threads needs threadpoolctl: pip install threadpoolctl")
        threadpool_limits(limits=args.threads, user_api="blas")
        torch.set_num_threads(args.threads)

    print(f"CPU: {cpu_name()}")
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"{os.cpu_count()} CPUs, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"NPY_DISABLE_CPU_FEATURES={os.environ.get('NPY_DISABLE_CPU_FEATURES', 'unset')}")
    print(f"BLAS: {blas_info()}")
    print(f"torch kernels: {torch.backends.cpu.get_cpu_capability()}, MKL_ENABLE_INSTRUCTIONS="
          f"{os.environ.get('MKL_ENABLE_INSTRUCTIONS', 'unset')}, DNNL_MAX_CPU_ISA="
          f"{os.environ.get('DNNL_MAX_CPU_ISA', 'unset')}")
    print(f"numpy models: {args.models} ({MODELS[args.models][0].__name__}, "
          f"{MODELS[args.models][1].__name__}); torch runs the textbook computation")
    emergence.setup()   # allocator tuning (and plot style): explicit, never at import
    if args.fast_threads is not None:
        nn.fast.configure(threads=args.fast_threads)
    print(f"allocator tuned (mallopt): {nn.tune_allocator()}; fast-path threads for "
          f"elementwise work: {nn.fast.threads()}")
    with open("/proc/loadavg") as f:
        print(f"load average at start: {' '.join(f.read().split()[:3])}")
    peak = matmul_peak()
    one = (f", numpy 1 thread {peak['numpy_1_thread']:.0f}" if "numpy_1_thread" in peak else "")
    print(f"float32 matmul peak (2048^3, best of 7): numpy {peak['numpy']:.0f} GFLOP/s, "
          f"torch {peak['torch']:.0f} GFLOP/s{one}")

    if "mlp" in args.cases.split(","):
        prod = mlp_products()
        print(f"grokking MLP's six matrix products alone (median of 60 each): numpy "
              f"{prod['numpy']:.2f} ms, torch {prod['torch']:.2f} ms (forward with the bias)")

    ratios = {}
    for name in args.cases.split(","):
        cfg = case_config(name)
        steps = 60 if args.quick else cfg["steps"]
        res = run_case(name, steps, args.block, args.torch_attention)
        a, b = res["numpy"], res["torch"]
        ratio = a["median"] / b["median"]
        ratios[name] = ratio
        print(f"\n== {res['title']}, {steps} steps, AdamW, torch attention: {args.torch_attention}"
              if name == "transformer" else f"\n== {res['title']}, {steps} steps, AdamW")
        for label, r in (("numpy", a), ("torch", b)):
            # the course models skip some of the textbook's multiply-adds; their rate counts
            # the textbook's, so it says how fast the same model trains, not how busy BLAS is
            flop_note = (" (textbook-equivalent)" if label == "numpy" and args.models == "course"
                         else "")
            print(f"{label:>6}: median step {r['median'] * 1e3:7.2f} ms "
                  f"(IQR {r['iqr'][0] * 1e3:.2f}-{r['iqr'][1] * 1e3:.2f}), "
                  f"{res['flops'] / r['median'] / 1e9:6.1f} GFLOP/s{flop_note} "
                  f"({res['flops'] / r['median'] / 1e9 / peak['numpy'] * 100:.0f}% of the numpy matmul peak)")
        print(f"step-time ratio numpy/torch: {ratio:.3f} (ratio of medians; median of "
              f"paired-block ratios {res['block_ratio']:.3f})")
        n = min(50, steps)
        rel = np.abs(a["loss"][:n] - b["loss"][:n]) / np.abs(b["loss"][:n])
        print(f"loss at steps 0/10/{steps - 1}: numpy " +
              "/".join(f"{a['loss'][s]:.4f}" for s in (0, 10, steps - 1)) + ", torch " +
              "/".join(f"{b['loss'][s]:.4f}" for s in (0, 10, steps - 1)) +
              f"; max relative loss difference over the first {n} steps: {rel.max():.1e}")
        print(f"same model check: float64 runs of both engines differ by at most "
              f"{float64_agreement(name, args.torch_attention):.1e} in loss over 20 steps")
        ref = (torch_reference(name, steps, args.torch_attention)
               if name == "transformer" and not args.quick else None)
        gaps = {"numpy": 0, "torch, other attention": 0}
        for metric, thr in MILESTONES:
            ma, mb = milestone(a, metric, thr), milestone(b, metric, thr)
            line = f"  first step with {metric} >= {thr}: numpy {ma}, torch {mb}"
            if ref is not None:
                mr = milestone(ref, metric, thr)
                line += f", torch with attention {ref['attention']} {mr}"
            print(line)
            if metric == "test_acc" and None not in (ma, mb):
                gaps["numpy"] = max(gaps["numpy"], abs(ma - mb))
                if ref is not None and mr is not None:
                    gaps["torch, other attention"] = max(gaps["torch, other attention"],
                                                         abs(mr - mb))
        every = case_config(name)["eval_every"]
        print(f"  largest test milestone gap from torch, in evaluations (every {every} steps): "
              f"numpy {gaps['numpy'] // every}" + (
                  f"; torch with attention {ref['attention']}, rounding alone: "
                  f"{gaps['torch, other attention'] // every}" if ref is not None else ""))
        for label in ("numpy", "torch"):
            mem = memory(name, label, args.torch_attention)
            extra = (f", tracemalloc peak {mem['tracemalloc_peak_mib']:.1f} MiB"
                     if "tracemalloc_peak_mib" in mem else "")
            print(f"{label:>6}: peak RSS growth during training {mem['rss_peak_growth_mib']:.1f} MiB{extra}")
    with open("/proc/loadavg") as f:
        print(f"\nload average at end: {' '.join(f.read().split()[:3])}")
    print("RATIOS " + json.dumps(ratios))
    print(f"worst ratio: {max(ratios.values()):.2f}")


if __name__ == "__main__":
    main()
