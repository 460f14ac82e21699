"""Chapter 4 checkers: right answers pass, typical mistakes get their hint, garbage never raises.

The last test makes the student version of notebooks/ch04_exercises.ipynb, runs it, and
checks that every check cell says "Not yet" without any cell raising.
"""
import numpy as np
import pytest

from emergence import icl
from emergence.checks import Verdict
from emergence.checks import ch04 as check
from garbage import GARBAGE, garbage_id


# ---------------------------------------------------------------- reference solutions

def first_size_with_gain(table, task, threshold):
    gain = table.curve(task, "few-shot") - table.curve(task, "zero-shot")
    hits = np.flatnonzero(gain >= threshold)
    return table.params[hits[0]] if hits.size else None


def first_size_loop(table, task, threshold):
    for p, z, f in zip(table.params, table.curve(task, "zero-shot"), table.curve(task, "few-shot")):
        if f - z >= threshold:
            return int(p)
    return None


def posterior_after(prior, labels, xs, ys, noise):
    agree = labels[:, xs] == np.asarray(ys, dtype=bool)[None, :]
    w = prior * np.prod(np.where(agree, 1 - noise, noise), axis=1)
    return w / w.sum()


def posterior_logs(prior, labels, xs, ys, noise):
    with np.errstate(divide="ignore"):
        logw = np.log(prior)
    for x, y in zip(xs, ys):
        logw = logw + np.where(labels[:, x] == y, np.log(1 - noise), np.log(noise))
    w = np.exp(logw - logw.max())
    return list(w / w.sum())


def icl_score(losses, early, late):
    return losses[:, late].mean() - losses[:, early].mean()


def icl_score_nanmean(losses, early, late):
    mean = np.nanmean(losses, axis=0)
    return float(mean[late] - mean[early])


def previous_token_circuits(layout, scale=20.0):
    d, n_pos, n_vocab = layout["d_model"], layout["seq_len"], layout["n_vocab"]
    pos, tok, prev = layout["position"], layout["token"], layout["previous"]
    qk = np.zeros((d, d))
    qk[pos, pos] = scale * np.eye(n_pos, k=-1)
    ov = np.zeros((d, d))
    ov[tok, prev] = np.eye(n_vocab)
    return qk, ov


def induction_circuits(layout, scale=20.0):
    d, n_vocab = layout["d_model"], layout["n_vocab"]
    tok, prev, out = layout["token"], layout["previous"], layout["output"]
    qk = np.zeros((d, d))
    qk[tok, prev] = scale * np.eye(n_vocab)
    ov = np.zeros((d, d))
    ov[tok, out] = np.eye(n_vocab)
    return qk, ov


@pytest.mark.parametrize("checker, answer", [
    (check.first_size_with_gain, first_size_with_gain),
    (check.first_size_with_gain, first_size_loop),
    (check.posterior_after, posterior_after),
    (check.posterior_after, posterior_logs),
    (check.icl_score, icl_score),
    (check.icl_score, icl_score_nanmean),
    (check.previous_token_head, previous_token_circuits),
    (check.previous_token_head, lambda layout: previous_token_circuits(layout, 50.0)),
], ids=lambda a: getattr(a, "__name__", "x"))
def test_reference_solutions_pass(checker, answer):
    verdict = checker(answer)
    assert verdict.passed, verdict


def test_induction_reference_passes():
    verdict = check.induction_head(previous_token_circuits, induction_circuits)
    assert verdict.passed, verdict
    assert "copies" in verdict.message


# ---------------------------------------------------------------- 4.1 mistakes

def _variant(setting="few-shot", baseline="zero-shot", test=lambda g, t: g >= t, out="params", pick=0):
    def f(table, task, threshold):
        gain = table.curve(task, setting) - table.curve(task, baseline)
        hits = np.flatnonzero(test(gain, threshold))
        if not hits.size:
            return None
        i = hits[pick]
        return {"params": table.params[i], "index": int(i), "name": table.models[i]}[out]
    return f


@pytest.mark.parametrize("answer, keyword", [
    (_variant(out="index"), "index"),
    (_variant(out="name"), "not its name"),
    (_variant(setting="one-shot"), "one example"),
    (_variant(setting="zero-shot", baseline="few-shot"), "in that order"),
    (_variant(pick=-1), "smallest"),
    (_variant(test=lambda g, t: g > t), "includes equality"),
    (lambda table, task, thr: (lambda a: table.params[np.argmax(a >= thr)] if (a >= thr).any()
                               else None)(table.curve(task, "few-shot")), "accuracy itself"),
    (lambda table, task, thr: (lambda g: table.params[np.argmax(g >= thr)] if (g >= thr).any()
                               else 0)(table.gain(task)), "no size to return"),
])
def test_first_size_mistakes(answer, keyword):
    verdict = check.first_size_with_gain(answer)
    assert not verdict.passed
    assert keyword in verdict.hint or keyword in verdict.message, verdict


# ---------------------------------------------------------------- 4.2 mistakes

def _lik(labels, xs, ys, agree, disagree):
    return np.prod(np.where(labels[:, xs] == np.asarray(ys, bool)[None, :], agree, disagree), axis=1)


@pytest.mark.parametrize("answer, keyword", [
    (lambda p, lb, xs, ys, e: p * _lik(lb, xs, ys, 1 - e, e), "sum to 1"),
    (lambda p, lb, xs, ys, e: (lambda w: w / w.sum())(_lik(lb, xs, ys, 1 - e, e)), "prior"),
    (lambda p, lb, xs, ys, e: (lambda w: w / w.sum())(p * _lik(lb, xs, ys, e, 1 - e)), "swapped"),
    (lambda p, lb, xs, ys, e: (lambda w: w / w.sum())(p * _lik(lb, xs, ys, 1.0, 0.0)), "0/1"),
    (lambda p, lb, xs, ys, e: posterior_after(p, lb, xs[-1:], ys[-1:], e), "last example"),
    (lambda p, lb, xs, ys, e: icl.posterior(p, lb, xs, ys, e), "write it yourself"),
    (lambda p, lb, xs, ys, e: np.array([posterior_after(p, lb, xs[:i], ys[:i], e)
                                        for i in range(len(xs) + 1)]), "every prefix"),
])
def test_posterior_mistakes(answer, keyword):
    verdict = check.posterior_after(answer)
    assert not verdict.passed
    assert keyword in verdict.hint, verdict


# ---------------------------------------------------------------- 4.3 mistakes

@pytest.mark.parametrize("answer, keyword", [
    (lambda x, e, l: icl_score(x, l, e), "sign"),
    (lambda x, e, l: icl_score(x, e - 1, l - 1), "off by one"),
    (lambda x, e, l: icl_score(x, e, -1), "`late`"),
    (lambda x, e, l: x[:, l].mean() / x[:, e].mean(), "difference"),
    (lambda x, e, l: x[:, l] - x[:, e], "one number per sequence"),
    (lambda x, e, l: np.mean(x[:, l] - x[:, e]) if np.isfinite(x).all() else np.nan, "NaN"),
    (lambda x, e, l: np.nanmean(x, axis=1)[:5], "single number"),
])
def test_icl_score_mistakes(answer, keyword):
    verdict = check.icl_score(answer)
    assert not verdict.passed
    assert keyword in verdict.hint or keyword in verdict.message, verdict


# ---------------------------------------------------------------- 4.4 / 4.5 mistakes

def _prev(qk_block=None, ov_slot="previous", scale=20.0, hardcode=False):
    def f(layout):
        d = layout["d_model"]
        n_pos = check.SEQ_LEN if hardcode else layout["seq_len"]
        pos, tok = layout["position"], layout["token"]
        qk, ov = np.zeros((d, d)), np.zeros((d, d))
        qk[pos, pos] = scale * (np.eye(n_pos, k=-1) if qk_block is None else qk_block(n_pos))
        if ov_slot == "permuted":
            ov[tok, layout["previous"]] = np.roll(np.eye(layout["n_vocab"]), 1, axis=1)
        elif ov_slot is not None:
            ov[tok, layout[ov_slot]] = np.eye(layout["n_vocab"])
        return qk, ov
    return f


@pytest.mark.parametrize("answer, keyword", [
    (_prev(qk_block=np.eye), "itself"),
    (_prev(qk_block=lambda n: np.eye(n, k=1)), "future"),
    (_prev(scale=1.0), "too soft"),
    (_prev(ov_slot="output"), "another slot"),
    (_prev(ov_slot=None), "writes nothing"),
    (_prev(ov_slot="permuted"), "what it moves"),
    (_prev(hardcode=True), "second layout"),
    (lambda layout: previous_token_circuits(layout)[0], "two matrices"),
])
def test_previous_token_mistakes(answer, keyword):
    verdict = check.previous_token_head(answer)
    assert not verdict.passed
    assert keyword in verdict.hint or keyword in verdict.message, verdict


def _ind(q="token", k="previous", read="token", write="output", scale=20.0):
    def f(layout):
        d, n = layout["d_model"], layout["n_vocab"]
        qk, ov = np.zeros((d, d)), np.zeros((d, d))
        qk[layout[q], layout[k]] = scale * np.eye(n)
        ov[layout[read], layout[write]] = np.eye(n)
        return qk, ov
    return f


@pytest.mark.parametrize("answer, keyword", [
    (_ind(k="token"), "earlier copy of the current token"),
    (_ind(q="previous", k="token"), "not qk2[previous, token]"),
    (_ind(scale=1.0), "too soft"),
    (_ind(read="previous"), "token slot"),
    (_ind(write="token"), "nothing reaches the output"),
])
def test_induction_mistakes(answer, keyword):
    verdict = check.induction_head(previous_token_circuits, answer)
    assert not verdict.passed
    assert keyword in verdict.hint, verdict


def test_induction_needs_a_working_first_layer():
    verdict = check.induction_head(_prev(qk_block=np.eye), induction_circuits)
    assert not verdict.passed and "4.4" in verdict.hint


# ---------------------------------------------------------------- garbage


@pytest.mark.parametrize("answer", GARBAGE, ids=garbage_id)
def test_induction_garbage(answer):
    for verdict in (check.induction_head(answer, induction_circuits),
                    check.induction_head(previous_token_circuits, answer)):
        assert isinstance(verdict, Verdict) and not verdict.passed
