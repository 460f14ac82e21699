"""Checkers for the Chapter 4 exercises (in-context learning).

Each checker runs the student's answer on cases the student has not seen and compares with a
reference; when the answer is wrong it tries the usual mistakes one by one, and if one of them
reproduces the student's answers, the hint names it. The two circuit exercises look inside
the student's hand-built model (where each head attends, what reaches the output) to say
which matrix is wrong.

    from emergence.checks import ch04 as check
    check.posterior_after(posterior_after)
"""
from __future__ import annotations

import warnings

import numpy as np

from emergence import behaviours, icl, induction
from emergence.checks import (Wrong, checker, expect_function, expect_number, judge, outputs, page,
                              quiet_call)
from emergence.i18n import _

__all__ = ["first_size_with_gain", "posterior_after", "icl_score", "previous_token_head",
           "induction_head", "N_VOCAB", "SEQ_LEN"]

PAGE = "ch04_in_context_learning"
N_VOCAB, SEQ_LEN = 8, 20
"""The hand-built model of exercises 4.4 and 4.5: 8 tokens, 20 positions."""


# ---------------------------------------------------------------- shared helpers

def _size(value):
    """A size or NaN for None, so that "no model" compares like a number."""
    return np.nan if value is None else float(value)


def _agree_or_both_none(got, want) -> bool:
    return (np.isnan(got) and np.isnan(want)) or bool(np.isclose(got, want, rtol=1e-9))


# ---------------------------------------------------------------- 4.1 few-shot gain

THRESHOLDS = (1.0, 5.0, 10.0, 20.0, 50.0)


def _first_size(table, task, threshold, setting="few-shot", baseline="zero-shot", pick=np.argmax):
    gain = table.curve(task, setting) - table.curve(task, baseline)
    hit = gain >= threshold
    return float(table.params[pick(hit)]) if hit.any() else None


def _wrong_first_sizes(table):
    def index(t, task, thr):
        gain = t.gain(task)
        return int(np.argmax(gain >= thr)) if (gain >= thr).any() else None

    def last(t, task, thr):
        hit = t.gain(task) >= thr
        return float(t.params[len(hit) - 1 - np.argmax(hit[::-1])]) if hit.any() else None

    def largest_gain(t, task, thr):
        gain = t.gain(task)
        return float(t.params[np.argmax(gain)]) if (gain >= thr).any() else None

    def accuracy(t, task, thr):
        hit = t.curve(task, "few-shot") >= thr
        return float(t.params[np.argmax(hit)]) if hit.any() else None

    def ratio(t, task, thr):
        with np.errstate(all="ignore"):
            hit = t.curve(task, "few-shot") / t.curve(task, "zero-shot") >= thr
        return float(t.params[np.argmax(hit)]) if hit.any() else None

    def strict(t, task, thr):
        hit = t.gain(task) > thr
        return float(t.params[np.argmax(hit)]) if hit.any() else None

    return [
        (_("you returned the position of the model in the table (an index), not its parameter "
           "count."), index),
        (_("that is the gain of one example (one-shot minus zero-shot); the exercise asks about "
           "few-shot, 50 examples."), lambda t, task, thr: _first_size(t, task, thr, "one-shot")),
        (_("the gain is few-shot minus zero-shot, in that order."),
         lambda t, task, thr: _first_size(t, task, thr, "zero-shot", "few-shot")),
        (_("you compared the few-shot accuracy itself with the threshold; the exercise is about "
           "the gain over zero-shot."), accuracy),
        (_("you compared the ratio few-shot / zero-shot with the threshold; the gain is a "
           "difference in percentage points."), ratio),
        (_("you returned the largest model above the threshold; the exercise asks for the "
           "smallest (the first as size grows)."), last),
        (_("you returned the model with the largest gain; the exercise asks for the smallest model "
           "whose gain reaches the threshold."), largest_gain),
        (_("'at least' includes equality."), strict),
    ]


def _read_size(out, label):
    if isinstance(out, str):
        raise Wrong(_("first_size_with_gain returned the string {out!r:.30} for {label}.").format(out=out, label=label),
                    _("return the model's parameter count (a number from table.params), not its "
                      "name."))
    return _size(None if out is None else expect_number(out, _("the answer for {label}").format(label=label)))


@checker("4.1", reread=page(PAGE, "How the benefit grows with scale"))
def first_size_with_gain(answer):
    """Check ``first_size_with_gain(table, task, threshold)`` on every task and several thresholds."""
    f = expect_function(answer, "first_size_with_gain")
    table = behaviours.gpt3_shots()
    cases = [((table, task, thr), _("{task} at threshold {thr:g}").format(task=task, thr=thr))
             for task in table.tasks for thr in THRESHOLDS]

    def run(*args):
        return quiet_call(f, *args, what=f"first_size_with_gain(table, {args[1]!r}, {args[2]:g})",
                          none_is_an_answer=True)

    def fallback(failed):
        if all(np.isnan(got) for _, got in failed):
            return (_("it returned None where some model does reach the threshold: did you forget "
                      "the `return` statement?"))
        if all(_first_size(*case) is None for case, _ in failed):
            return _("when no model reaches the threshold there is no size to return (not 0, -1 or NaN).")
        return (_("for one task, list the models from small to large with their gain, and find "
                  "the first that reaches the threshold."))

    judge(run, cases, lambda *a: _size(_first_size(*a)),
          [(h, lambda *a, w=w: _size(w(*a))) for h, w in _wrong_first_sizes(table)], fallback,
          what="first_size_with_gain", read=_read_size, agree=_agree_or_both_none, tol=1e-9)
    two, four = (_first_size(table, task, 10.0) / 1e9 for task in ("2D+", "4D+"))
    return (_("right on all {n_cases} cases. Fifty examples add at least 10 points on 2D+ "
              "from {two:g}B parameters on, and on 4D+ only at {four:g}B.").format(n_cases=len(cases), two=two, four=four))


# ---------------------------------------------------------------- 4.2 exact posterior

def _posterior_cases():
    names, labels = icl.concept_labels()
    uniform = np.full(len(names), 1 / len(names))
    skewed = icl.prior_favouring(len(names), 3, 0.6)
    zero = np.array([0.3, 0.0, 0.3, 0.1, 0.2, 0.1])
    rng = np.random.default_rng(4)
    random_prior = rng.dirichlet(np.ones(len(names)))
    cases = [
        (uniform, labels, np.array([9, 4, 12, 3]), labels[2][[9, 4, 12, 3]], 0.05,
         _("the worked example")),
        (uniform, labels, np.array([], dtype=int), np.array([], dtype=bool), 0.05,
         _("no examples at all")),
        (skewed, labels, np.array([4, 8]), np.array([True, True]), 0.05,
         _("a prior favouring 'multiple of 4'")),
        (skewed, labels, np.array([4, 8, 2, 6]), np.array([True, True, True, True]), 0.05,
         _("evidence against the favoured rule")),
        (zero, labels, np.array([8, 9, 10]), np.array([True, True, True]), 0.1,
         _("a prior that rules out '8 or more'")),
        (random_prior, labels, np.array([2, 3, 5, 9, 11]),
         np.array([True, True, True, False, True]), 0.2, _("a random prior and noise 0.2")),
        (uniform, labels, np.array([0, 1, 4, 9, 4]), np.array([True, True, True, True, False]),
         0.05, _("a contradictory example (4 labelled both ways)")),
    ]
    xs, ys = icl.sample_demonstrations(labels, 4, 12, seed=3)
    cases.append((random_prior, labels, xs[0], ys[0], 0.02, _("12 random examples of 'prime'")))
    return cases


def _wrong_posteriors():
    def normalise(v):
        return v / v.sum()

    def product(prior, labels, xs, ys, noise, p_agree=None, p_dis=None):
        match = labels[:, xs] == ys[None, :]
        a = 1 - noise if p_agree is None else p_agree
        d = noise if p_dis is None else p_dis
        return np.prod(np.where(match, a, d), axis=1)

    ref = lambda p, lb, xs, ys, e: icl.posterior(p, lb, xs, ys, e)[-1]  # noqa: E731
    return [
        (_("the posterior must sum to 1 over the concepts."),
         lambda p, lb, xs, ys, e: p * product(p, lb, xs, ys, e)),
        (_("you left out the prior."),
         lambda p, lb, xs, ys, e: normalise(product(p, lb, xs, ys, e))),
        (_("agreeing and disagreeing examples are swapped: an example that agrees with the "
           "concept should be the likely one."),
         lambda p, lb, xs, ys, e: normalise(p * product(p, lb, xs, ys, e, e, 1 - e))),
        (_("you used a 0/1 likelihood (concept consistent or not); with label noise an "
           "inconsistent example is unlikely, not impossible."),
         lambda p, lb, xs, ys, e: normalise(p * product(p, lb, xs, ys, e, 1.0, 0.0))),
        (_("you used only the last example; every example is evidence."),
         lambda p, lb, xs, ys, e: ref(p, lb, xs[-1:], ys[-1:], e)),
        (_("you added the likelihoods of the examples; independent pieces of evidence do not "
           "add."),
         lambda p, lb, xs, ys, e: normalise(p * np.where(lb[:, xs] == ys[None, :], 1 - e,
                                                         e).sum(axis=1))),
        (_("you returned the likelihood of each example rather than the posterior over concepts."),
         lambda p, lb, xs, ys, e: np.where(lb[:, xs] == ys[None, :], 1 - e, e)),
        (_("your answer is the posterior after every prefix; the exercise asks for the one "
           "after all k examples."),
         lambda p, lb, xs, ys, e: icl.posterior(p, lb, xs, ys, e)),
    ]


def _read_posterior(out, label):
    try:
        got = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(_("posterior_after returned a {type} for {label}.").format(type=type(out).__name__, label=label),
                    _("return a numpy array with one probability per concept.")) from None
    return got


def _posterior_fallback(failed):
    shapes = {np.shape(ans) for _, ans in failed}
    if any(s != (6,) for s in shapes):
        return _("return one probability per concept: an array of shape (6,), not {pop}.").format(pop=shapes.pop())
    if any(np.any(np.isnan(a)) for _, a in failed):
        return (_("your answer contains NaN: think about what the evidence of zero examples is, "
                  "and avoid log(0)."))
    return (_("apply Bayes' rule to one concept by hand on the worked example: its prior, the "
              "probability of each example under it, and the normalisation."))


@checker("4.2", reread=page(PAGE, "In-context learning as implicit Bayesian inference"))
def posterior_after(answer):
    """Check ``posterior_after(prior, labels, xs, ys, noise)``: the exact posterior after k examples."""
    f = expect_function(answer, "posterior_after", own=(icl.posterior,))
    cases = [(case[:5], case[5]) for case in _posterior_cases()]
    judge(outputs(f, "posterior_after(prior, labels, xs, ys, noise)"), cases,
          lambda *a: icl.posterior(*a)[-1], _wrong_posteriors(), _posterior_fallback,
          what="posterior_after", read=_read_posterior,
          agree=lambda got, want: got.shape == want.shape and bool(np.allclose(got, want)))
    return (_("exact on {n_cases} prompts, including ones with no examples, a zero prior and "
              "a contradictory example.").format(n_cases=len(cases)))


# ---------------------------------------------------------------- 4.3 ICL score

def _score(losses, early, late):
    return float(np.mean(losses[:, late]) - np.mean(losses[:, early]))


def _icl_cases():
    rng = np.random.default_rng(7)
    ramp = np.linspace(4, 1, 12)[None, :] + 0.1 * rng.standard_normal((50, 12))
    ramp[:, 0] = np.nan
    flat = 3 + 0.2 * rng.standard_normal((20, 16))
    flat[:, 0] = np.nan
    runs = induction.load_runs()
    run = runs["two_layer_seed0"]
    tokens, _skip = induction.repeated_sequences(64, 32, 64, seed=5)
    model = induction.attention_only_transformer(64, 32, seed=0)  # untrained
    real = induction.token_losses(model, tokens)
    return [
        ((ramp, 2, 10), _("a falling loss curve (early = 2, late = 10)")),
        ((ramp, 1, 11), _("the same curve, early = 1 and late = 11")),
        ((flat, 3, 15), _("a flat loss curve (no in-context learning)")),
        ((real, 3, 31), _("an untrained transformer's losses on 64 sequences")),
        ((real, 5, 20), _("the same losses, early = 5 and late = 20")),
        ((np.repeat(run.position_loss[-1:], 3, axis=0), 3, 31),
         _("three copies of the trained model's mean losses")),
    ]


def _wrong_scores():
    return [
        (_("the sign is reversed: learning from context should give a negative score."),
         lambda x, e, l: _score(x, l, e)),
        (_("off by one: losses[:, t] is already the loss on token t (column 0, the first token, "
           "has no loss)."), lambda x, e, l: _score(x, e - 1, l - 1)),
        (_("off by one: losses[:, t] is already the loss on token t."),
         lambda x, e, l: _score(x, e + 1, l + 1) if l + 1 < x.shape[1] else None),
        (_("you used the last token; use the `late` argument."),
         lambda x, e, l: _score(x, e, -1)),
        (_("you divided the losses; the score is a difference (in nats)."),
         lambda x, e, l: float(np.mean(x[:, l]) / np.mean(x[:, e]))),
        (_("you averaged the losses over a range of positions; the score compares two single "
           "positions."),
         lambda x, e, l: float(np.nanmean(x[:, e:l + 1]) - np.nanmean(x[:, 1:e + 1]))),
    ]


@checker("4.3", reread=page(PAGE, "Induction heads"))
def icl_score(answer):
    """Check ``icl_score(losses, early, late)`` on synthetic and real per-token losses."""
    f = expect_function(answer, "icl_score", own=(induction.icl_score,))
    cases = _icl_cases()

    def read(out, label):
        n_seq, n_pos = dict((lbl, x.shape) for (x, _, _), lbl in cases)[label]
        if np.ndim(out) == 1 and np.shape(out)[0] == n_seq:
            raise Wrong(_("icl_score returned one number per sequence ({n_seq}) for {label}.").format(n_seq=n_seq, label=label),
                        _("the score is one number for the whole array of sequences."))
        if np.ndim(out) == 1 and np.shape(out)[0] == n_pos:
            raise Wrong(_("icl_score returned one number per position for {label}.").format(label=label),
                        _("the score is one number: average over the sequences, not over "
                          "positions."))
        return np.nan if isinstance(out, float | np.floating) and np.isnan(out) else \
            expect_number(out, _("icl_score on {label}").format(label=label))

    def fallback(failed):
        if any(np.isnan(ans) for _, ans in failed):
            return (_("your score is NaN on some arrays: column 0 is NaN (the first token has no "
                      "context), and your score uses it."))
        return _("compare the mean loss at two positions: the late one and the early one.")

    judge(outputs(f, "icl_score(losses, early, late)"), cases, _score, _wrong_scores(),
          fallback, what="icl_score", read=read,
          agree=lambda got, want: bool(np.isclose(got, want, rtol=1e-6, atol=1e-9)))
    trained = induction.load_runs()["two_layer_seed0"]
    return (_("right on {n_cases} loss arrays. A model that ignores its context scores about "
              "0; the lab's two-layer model reaches {icl:.1f} nats after "
              "{eval_steps} steps.").format(n_cases=len(cases), icl=trained.icl[-1], eval_steps=trained.eval_steps[-1]))


# ---------------------------------------------------------------- 4.4 / 4.5 circuits by hand

LAYOUTS = ((N_VOCAB, SEQ_LEN), (6, 13))
"""The checks build every circuit for these (n_vocab, seq_len): the exercise's, and one more."""


def copy_sequences(n_vocab: int = N_VOCAB, seq_len: int = SEQ_LEN, n: int = 48, seed: int = 11):
    """Held-out test prompts: a lead-in token that never recurs, then a segment of distinct
    tokens repeated with period L (2..min(6, n_vocab - 1)). Returns (tokens, periods)."""
    rng = np.random.default_rng(seed)
    tokens = np.empty((n, seq_len), dtype=np.int64)
    periods = rng.integers(2, min(6, n_vocab - 1) + 1, size=n)
    for s in range(n):
        order = rng.permutation(n_vocab)
        lead, segment = order[0], order[1:1 + periods[s]]
        tokens[s, 0] = lead
        tokens[s, 1:] = segment[np.arange(seq_len - 1) % periods[s]]
    return tokens, periods


def _circuits(function, name: str, sizes) -> tuple[np.ndarray, np.ndarray]:
    """The (qk, ov) pair that ``function(layout)`` builds for the layout of ``sizes``."""
    layout = induction.residual_layout(*sizes)
    try:
        out = quiet_call(function, layout, what=f"{name}(layout)")
    except Wrong as wrong:
        raise Wrong(wrong.message + _layout_note(sizes), wrong.hint) from None
    if not isinstance(out, tuple | list) or len(out) != 2:
        raise Wrong(_("{name}(layout) returned {type} "
                      "{value}"
                      "; it must return two matrices, (qk, ov).").format(name=name, type=type(out).__name__, value='of length ' + str(len(out)) if isinstance(out, tuple | list) else ''), _("end with `return qk, ov`."))
    d = layout["d_model"]
    mats = []
    for label, value in zip(("qk", "ov"), out):
        try:
            m = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise Wrong(_("the {label} matrix from {name} is a {type}, not a matrix "
                          "of numbers.").format(label=label, name=name, type=type(value).__name__), _("build a d × d array of numbers and set blocks of it.")) from None
        if m.shape != (d, d):
            extra = (_(" (for the second layout the check tries: build the matrices from the "
                       "layout's sizes, not from N_VOCAB and SEQ_LEN)") if sizes != LAYOUTS[0] else "")
            raise Wrong(_("the {label} matrix from {name} has shape {shape}; it must be ({d}, {d})"
                          "{extra}.").format(label=label, name=name, shape=m.shape, d=d, extra=extra), _("the matrices act on the model's d = layout['d_model'] dimensions."))
        if not np.all(np.isfinite(m)):
            raise Wrong(_("the {label} matrix from {name} contains NaN or inf.").format(label=label, name=name),
                        _("use a large but finite scale, e.g. 20."))
        mats.append(m)
    return mats[0], mats[1]


def _run(circuits, sizes, read="output"):
    tokens, periods = copy_sequences(*sizes)
    model = induction.hand_built_transformer(circuits, *sizes, read=read)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        logits = model(tokens[:, :-1]).data
    patterns = [b.attn.pattern[:, 0] for b in model.blocks]   # (n, T-1, T-1) per layer
    return tokens, periods, logits, patterns


def _layer1_report(qk1, ov1, sizes):
    """(accuracy of the previous slot, diagnosis hint or None, attention on previous token)."""
    tokens, _skip, logits, (pattern,) = _run([(qk1, ov1)], sizes, read="previous")
    seq_len = sizes[1]
    t = np.arange(1, seq_len - 1)
    preds = logits.argmax(axis=-1)
    flat = np.ptp(logits, axis=-1)[:, 1:].max() < 1e-9
    acc = float(np.mean(preds[:, t] == tokens[:, t - 1]))
    prev = float(np.mean(pattern[:, t, t - 1]))
    self_ = float(np.mean(pattern[:, t, t]))
    top = float(np.mean(pattern[:, t].max(axis=-1)))
    if acc == 1 and not flat and prev >= 0.9:
        return acc, None, prev
    pos = induction.residual_layout(*sizes)["position"]
    block = qk1[pos, pos]
    if flat:
        _skip, _skip, out_logits, _skip = _run([(qk1, ov1)], sizes, read="output")
        if np.ptp(out_logits, axis=-1)[:, 1:].max() > 1e-9:
            return acc, (_("nothing arrives in the previous-token slot: ov1 writes into another "
                           "slot (the output slot?). Write into layout['previous'].")), prev
        return acc, (_("the head writes nothing the next layer could read: ov1 must map each "
                       "token direction (rows layout['token']) to the same token in the "
                       "previous slot (columns layout['previous']).")), prev
    if prev >= 0.9:
        return acc, (_("layer 1 attends to the previous position, but what it moves is wrong: "
                       "ov1[token, previous] should be the identity (token v at the attended "
                       "position → direction v of the previous slot).")), prev
    if self_ >= 0.5:
        return acc, (_("each position attends to itself, so the slot receives the current "
                       "token. The query at position t must match the key at position t − 1: "
                       "qk1[position t, position t − 1] large (np.eye(seq_len, k=-1)).")), prev
    if np.abs(np.triu(block, 1)).sum() > np.abs(np.tril(block, -1)).sum():
        return acc, (_("your scores pair the query at t − 1 with the key at t, a future "
                       "position that the causal mask hides, so attention is spread out. Rows are "
                       "queries, columns keys: qk1[position t, position t − 1].")), prev
    if top < 0.9:
        return acc, (_("attention is too soft: only {prev:.2f} of it reaches the previous position "
                       "(a previous-token head should put at least 0.9 there). Scale the scores up, "
                       "e.g. 20 instead of 1, so the softmax picks one position.").format(prev=prev)), prev
    return acc, (_("layer 1 should attend from each position t to t − 1 (qk1 on the position "
                   "block) and copy that position's token into the previous slot (ov1).")), prev


def _layout_note(sizes) -> str:
    if sizes == LAYOUTS[0]:
        return ""
    return (_(" (This is the second layout the check tries, {sizes} tokens and {sizes2} "
              "positions: build everything from the layout — its slices and layout['n_vocab'], "
              "layout['seq_len'] — not from N_VOCAB and SEQ_LEN.)").format(sizes=sizes[0], sizes2=sizes[1]))


@checker("4.4", reread=page(PAGE, "How two heads make one algorithm"))
def previous_token_head(answer):
    """Check ``previous_token_circuits(layout) -> (qk1, ov1)``: after layer 1, slot 'previous'
    holds token t − 1 at every position t."""
    f = expect_function(answer, "previous_token_circuits")
    for sizes in LAYOUTS:
        qk1, ov1 = _circuits(f, "previous_token_circuits", sizes)
        acc, hint, prev = _layer1_report(qk1, ov1, sizes)
        if hint is not None:
            raise Wrong(_("after layer 1 the previous-token slot holds the right token at "
                          "{acc:.0%} of positions, and the head puts {prev:.2f} of its attention "
                          "on the previous position.").format(acc=acc, prev=prev) + _layout_note(sizes), hint)
        if sizes == LAYOUTS[0]:
            first = prev
    n = len(copy_sequences()[0])
    return (_("on {n} held-out prompts, and for two different layouts, the previous-token slot "
              "holds the token before each position; the head puts {first:.2f} of its attention "
              "on the previous position.").format(n=n, first=first))


def _targets(tokens, periods):
    """Query positions past the first repeat (mask) and the tokens they should predict."""
    t = np.arange(tokens.shape[1] - 1)
    return t[None, :] >= periods[:, None] + 1, tokens[:, 1:]


def _induction_report(circuits, sizes):
    """(passed, message) for a two-layer hand-built model on held-out prompts."""
    tokens, periods, logits, (_skip, p2) = _run(circuits, sizes)
    mask, targets = _targets(tokens, periods)
    preds = logits.argmax(axis=-1)
    acc = float(np.mean(preds[mask] == targets[mask]))
    size = sizes[1] - 1
    seen = tokens[:, :-1]
    i, j = np.arange(size)[:, None], np.arange(size)[None, :]
    causal = j <= i
    shifted = np.concatenate([np.full((len(seen), 1), -1), seen[:, :-1]], axis=1)  # token j - 1
    induct = causal & (shifted[:, None, :] == seen[:, :, None])      # previous token = current
    same = causal & (seen[:, None, :] == seen[:, :, None])           # the current token again
    before = causal & (seen[:, None, :] == shifted[:, :, None])      # the token before, again
    mass = lambda target: float((p2 * target).sum(axis=-1)[mask].mean())  # noqa: E731
    ind, same_mass, before_mass = mass(induct), mass(same), mass(before)
    if acc == 1 and ind >= 0.9 and np.ptp(logits, axis=-1)[mask].min() > 1e-6:
        return True, (mask.sum(), ind)
    current = float(np.mean(preds[mask] == seen[mask]))
    msg = (_("the model predicts the right next token at {acc:.0%} of the repeated positions; "
             "layer 2 puts {ind:.2f} of its attention where it should.").format(acc=acc, ind=ind) + _layout_note(sizes))
    if ind >= 0.9:
        if np.ptp(logits, axis=-1)[mask].max() < 1e-9:
            hint = (_("layer 2 attends to the right place, but nothing reaches the output slot: ov2 "
                      "must write into layout['output'], which the unembedding reads."))
        elif current >= 0.8:
            hint = (_("layer 2 attends to the right place but moves that position's previous-token "
                      "slot, which holds the current token. ov2 should read the attended "
                      "position's token slot: ov2[token, output] = identity."))
        else:
            hint = (_("layer 2 attends to the right place; make ov2 copy the attended token into "
                      "the output slot: ov2[token, output] = identity."))
    elif same_mass >= 0.5:
        hint = (_("layer 2 attends to the earlier copy of the current token itself, so it can only "
                  "repeat the current token. Match the current token (query, token slot) against "
                  "each position's previous-token slot (key): qk2[token, previous]."))
    elif before_mass >= 0.5:
        hint = (_("layer 2 attends to copies of the token *before* the current one: its query reads "
                  "the previous-token slot and its key the token slot. Rows are queries (use the "
                  "token slot), columns keys (use the previous slot): qk2[token, previous], not "
                  "qk2[previous, token]."))
    elif ind >= 0.2 and acc == 1:
        hint = (_("layer 2 is on the right track but too soft: only {ind:.2f} of its attention "
                  "reaches the positions to copy from (an induction head should put at least 0.9 "
                  "there). Scale qk2 up, e.g. 20 instead of 1.").format(ind=ind))
    elif float(p2[mask].max(axis=-1).mean()) < 0.5:
        hint = (_("layer 2's attention is spread out: no key scores high. Check that qk2 pairs the "
                  "query's token slot with the key's previous-token slot, with a large scale."))
    else:
        hint = (_("layer 2 should attend to the position whose previous token equals the current "
                  "token (it puts {ind:.2f} there) and copy that position's token to the output.").format(ind=ind))
    return False, (msg, hint)


@checker("4.5", reread=page(PAGE, "How two heads make one algorithm"))
def induction_head(previous, induction):
    """Check ``induction_circuits(layout) -> (qk2, ov2)`` on top of the previous-token head:
    does the two-layer model copy the token that followed the last occurrence?"""
    f1 = expect_function(previous, "previous_token_circuits")
    f2 = expect_function(induction, "induction_circuits")
    result = None
    for sizes in LAYOUTS:
        qk1, ov1 = _circuits(f1, "previous_token_circuits", sizes)
        if _layer1_report(qk1, ov1, sizes)[1] is not None:
            raise Wrong(_("layer 1 is not yet a previous-token head, so layer 2 has nothing to "
                          "match."), _("get exercise 4.4 to pass first."))
        qk2, ov2 = _circuits(f2, "induction_circuits", sizes)
        passed, info = _induction_report([(qk1, ov1), (qk2, ov2)], sizes)
        if not passed:
            raise Wrong(*info)
        result = result or info
    n, ind = result
    return (_("your two-layer model copies: on {n} positions of held-out prompts it predicts the "
              "token that followed the previous occurrence of the current token, every time (and "
              "for a second layout too). Layer 2 puts {ind:.2f} of its attention on those positions.").format(n=n, ind=ind))
