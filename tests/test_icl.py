"""Tests for emergence.icl: published table, exact Bayes, induction-head measurements, hand-built circuits."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from emergence import icl, nn

# ---------------------------------------------------------------- GPT-3 table


def test_gpt3_table_matches_the_paper():
    table = icl.gpt3_shots()
    assert table.tasks == ("2D+", "2D-", "3D+", "3D-", "4D+", "4D-", "5D+", "5D-", "2Dx", "1DC")
    assert len(table.models) == 8 and np.all(np.diff(table.params) > 0)
    assert table.params[0] == 125e6 and table.params[-1] == 175e9
    # Table 3.9 (175B), read verbatim
    assert table.curve("2D+", "zero-shot")[-1] == 76.9 and table.curve("2D+", "few-shot")[-1] == 100.0
    assert table.curve("3D+", "few-shot")[-1] == 80.4  # the table, not the text's 80.2
    assert table.curve("1DC", "one-shot")[-1] == 14.3
    # Table H.1 (transcribed): 13B few-shot 2D+ and the 175B column is never transcribed
    assert table.curve("2D+", "few-shot")[-2] == 55.5
    assert not table.transcribed[..., -1].any() and table.transcribed[..., :-1].all()
    # the garbled 4D- one-shot row: only 175B is known
    one = table.curve("4D-", "one-shot")
    assert np.isnan(one[:-1]).all() and one[-1] == 14.0
    assert np.allclose(table.gain("2D+"), table.curve("2D+") - table.curve("2D+", "zero-shot"))
    assert all("Brown et al. 2020" in s for s in table.sources)


def test_gpt3_table_rejects_unknown_names():
    table = icl.gpt3_shots()
    with pytest.raises(ValueError, match="task"):
        table.curve("2D*")
    with pytest.raises(ValueError, match="setting"):
        table.curve("2D+", "two")


# ---------------------------------------------------------------- Bayesian toy

NAMES, LABELS = icl.concept_labels()


def brute_posterior(prior, xs, ys, noise):
    """Bayes' rule one concept at a time, with plain Python loops."""
    weights = []
    for c in range(len(prior)):
        w = prior[c]
        for x, y in zip(xs, ys):
            w *= (1 - noise) if bool(LABELS[c, x]) == bool(y) else noise
        weights.append(w)
    return np.array(weights) / sum(weights)


def test_concepts_are_distinct_rules_on_0_to_15():
    assert LABELS.shape == (6, 16) and len(set(map(bytes, LABELS))) == 6
    assert LABELS[NAMES.index("prime")].nonzero()[0].tolist() == [2, 3, 5, 7, 11, 13]
    assert LABELS[NAMES.index("8 or more")].sum() == 8


def test_posterior_matches_brute_force_after_every_example():
    rng = np.random.default_rng(0)
    for _ in range(20):
        prior = rng.dirichlet(np.ones(6))
        k = int(rng.integers(0, 8))
        xs, ys = rng.integers(0, 16, k), rng.random(k) < 0.5
        noise = float(rng.uniform(0.01, 0.4))
        post = icl.posterior(prior, LABELS, xs, ys, noise)
        assert post.shape == (k + 1, 6)
        for j in range(k + 1):
            assert np.allclose(post[j], brute_posterior(prior, xs[:j], ys[:j], noise))


def test_posterior_batches_and_zero_prior():
    prior = np.array([0.5, 0, 0.5, 0, 0, 0])
    xs, ys = icl.sample_demonstrations(LABELS, 1, 5, n=3, seed=1)
    post = icl.posterior(prior, LABELS, xs, ys)
    assert post.shape == (3, 6, 6)
    assert np.all(post[..., 1] == 0) and np.allclose(post.sum(-1), 1)  # prior 0 stays 0
    for n in range(3):
        assert np.allclose(post[n], icl.posterior(prior, LABELS, xs[n], ys[n]))


def test_posterior_sharpens_on_the_true_concept():
    xs, ys = icl.sample_demonstrations(LABELS, 2, 12, seed=0)
    post = icl.posterior(np.full(6, 1 / 6), LABELS, xs[0], ys[0])
    assert post[0, 2] == pytest.approx(1 / 6) and post[-1, 2] > 0.99


def test_predictive_is_the_posterior_weighted_vote():
    post = np.array([0.5, 0.5, 0, 0, 0, 0])  # even or 8+
    p = icl.predictive(post, LABELS, noise=0.0)
    assert p[8] == 1 and p[1] == 0 and p[2] == 0.5 and p[9] == 0.5


def test_icl_accuracy_rises_with_examples_and_depends_on_the_prior():
    true = NAMES.index("multiple of 3")
    uniform = icl.icl_accuracy(np.full(6, 1 / 6), LABELS, true, 10, n_prompts=500)
    rare = icl.icl_accuracy(icl.prior_favouring(6, true, 0.02), LABELS, true, 10, n_prompts=500)
    assert uniform[-1] > 0.98 and uniform[0] < 0.8
    assert np.all(rare <= uniform + 0.02) and rare[3] < uniform[3] - 0.1
    common = icl.icl_accuracy(icl.prior_favouring(6, true, 0.5), LABELS, true, 3, n_prompts=50)
    assert np.all(common == 1)  # a prior that already picks the rule needs no examples


@pytest.mark.parametrize("call, match", [
    (lambda: icl.posterior([0.5, 0.5], LABELS, [1], [True]), "prior"),
    (lambda: icl.posterior(np.full(6, 0.2), LABELS, [1], [True]), "prior"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [16], [True]), "xs"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [1.5], [True]), "xs"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [1, 2], [True]), "same shape"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [1], [2]), "ys"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS, [1], [True], noise=0.7), "noise"),
    (lambda: icl.posterior(np.full(6, 1 / 6), LABELS * 2, [1], [True]), "labels"),
    (lambda: icl.prior_favouring(6, 6, 0.5), "favoured"),
    (lambda: icl.icl_accuracy(np.full(6, 1 / 6), LABELS, 0, -1), "k_max"),
])
def test_bayes_bad_input_names_the_parameter(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 15), max_size=6), st.floats(0.01, 0.49), st.integers(0, 5))
def test_posterior_is_a_distribution(xs, noise, concept):
    xs = np.array(xs, dtype=np.int64)
    post = icl.posterior(np.full(6, 1 / 6), LABELS, xs, LABELS[concept][xs], noise)
    assert np.all(post >= 0) and np.allclose(post.sum(-1), 1)
    assert post[-1, concept] >= post[-1].max() - 1e-12  # the true rule is never behind


# ---------------------------------------------------------------- sequences, scores


def test_repeated_sequences_repeat_with_their_period():
    tokens, periods = icl.repeated_sequences(50, 32, 64, min_period=4, max_period=16, seed=0)
    assert tokens.shape == (50, 32) and tokens.min() >= 0 and tokens.max() < 64
    assert periods.min() >= 4 and periods.max() <= 16
    for row, p in zip(tokens, periods):
        assert np.array_equal(row[p:], row[:-p])
    again, _ = icl.repeated_sequences(50, 32, 64, min_period=4, max_period=16, seed=0)
    assert np.array_equal(tokens, again)
    _, mixed = icl.repeated_sequences(400, 32, 64, repeat_fraction=0.25, seed=0)
    assert 0.6 < np.mean(mixed == 32) < 0.9


def test_icl_score_is_late_minus_early():
    losses = np.array([[np.nan, 4.0, 3.0, 2.0], [np.nan, 4.0, 3.5, 1.0]])
    assert icl.icl_score(losses[0], 1, 3) == -2.0
    assert np.allclose(icl.icl_score(losses, 1, 3), [-2.0, -3.0])
    with pytest.raises(ValueError, match="late"):
        icl.icl_score(losses, 2, 1)
    with pytest.raises(ValueError, match="early"):
        icl.icl_score(losses, 0, 3)


def _ideal_patterns(periods, size, kind):
    n = len(periods)
    out = np.zeros((n, size, size))
    for s, p in enumerate(periods):
        for i in range(size):
            targets = [j for j in range(1, i + 1) if j <= i + 1 - p and (i + 1 - j) % p == 0]
            if kind == "induction" and targets:
                out[s, i, targets] = 1 / len(targets)
            elif kind == "previous" and i:
                out[s, i, i - 1] = 1
            else:
                out[s, i, : i + 1] = 1 / (i + 1)
    return out


def test_head_scores_recognise_ideal_heads():
    periods = np.array([4, 5, 8])
    ind = _ideal_patterns(periods, 20, "induction")
    prev = _ideal_patterns(periods, 20, "previous")
    assert icl.induction_score(ind, periods) == pytest.approx(1)
    assert icl.induction_score(prev, periods) == pytest.approx(0)
    assert icl.previous_token_score(prev).mean() == pytest.approx(1)
    assert icl.previous_token_score(ind).mean() < 0.2
    stacked = np.stack([prev, ind], axis=1)[:, None]  # (n, layers=1, heads=2, T, T)
    assert np.allclose(icl.induction_score(stacked, periods), [[0, 1]])


def test_phase_change_finds_the_steepest_window():
    steps = np.arange(0, 1000, 10)
    sigmoid = -4 / (1 + np.exp(-(steps - 400) / 15))
    pc = icl.phase_change(steps, sigmoid, width=50)
    assert 350 <= pc.start <= 400 <= pc.end <= 450 and pc.drop > 2
    smooth = -2 * (1 - np.exp(-steps / 200))
    assert icl.phase_change(steps, smooth, width=50).start == 0
    with pytest.raises(ValueError, match="steps"):
        icl.phase_change([0, 0, 1], [1, 2, 3])


# ---------------------------------------------------------------- training (small, fast)


@pytest.fixture(scope="module")
def short_run():
    return icl.train(icl.InductionConfig(steps=60, eval_every=20, checkpoints=[0, 60],
                                         n_eval=32), progress=False)


def test_train_records_everything(short_run):
    run = short_run
    assert run.config.late == 31 and run.config.checkpoints == (0, 60)
    assert np.array_equal(run.history.loss, run.train_loss)
    assert run.eval_steps.tolist() == [0, 20, 40, 60] and run.train_loss.shape == (60,)
    assert run.position_loss.shape == (4, 32) and np.isnan(run.position_loss[:, 0]).all()
    assert np.allclose(run.icl, run.position_loss[:, 31] - run.position_loss[:, 3])
    assert run.prev_token.shape == run.induction.shape == (4, 2, 2)
    assert run.patterns.shape == (2, 2, 2, 31, 31)
    assert np.allclose(run.patterns.sum(-1), 1)
    # at initialisation every token costs about ln(64) nats
    assert abs(np.nanmean(run.position_loss[0]) - np.log(64)) < 0.3


def test_train_is_deterministic(short_run):
    again = icl.train(short_run.config, progress=False)
    assert np.array_equal(again.train_loss, short_run.train_loss)


def test_runs_round_trip_through_npz(tmp_path, short_run):
    path = tmp_path / "runs.npz"
    icl.save_runs(path, {"a": short_run})
    back = icl.load_runs(path)["a"]
    assert back.config == short_run.config and back.probe_period == 8
    assert np.allclose(back.icl, short_run.icl, atol=1e-6)
    assert np.allclose(back.patterns, short_run.patterns, atol=1e-6)


def test_shipped_runs_show_the_phase_change():
    runs = icl.load_runs()
    assert {f"two_layer_seed{s}" for s in range(5)} <= set(runs)
    for s in range(5):
        run = runs[f"two_layer_seed{s}"]
        pc = run.phase_change()
        assert 100 <= pc.start <= 400 and pc.drop > 1.2, (s, pc)
        assert run.icl[-1] < -3.5 and run.induction[-1, 1].max() > 0.7
    one = runs["one_layer_seed0"]
    assert one.icl[-1] > -2.5 and one.phase_change().drop < 1


def test_live_run_reproduces_the_shipped_run():
    shipped = icl.load_runs()["two_layer_seed0"]
    live = icl.train(icl.InductionConfig(steps=40), progress=False)
    n = len(live.eval_steps)
    assert np.allclose(live.icl, shipped.icl[:n], atol=1e-4)


# ---------------------------------------------------------------- circuits by hand


def _reference_circuits(n_vocab, seq_len, scale=20.0):
    lay = icl.residual_layout(n_vocab, seq_len)
    d = lay["d_model"]
    tok, pos, prev, out = (lay[k] for k in ("token", "position", "previous", "output"))
    qk1, ov1, qk2, ov2 = (np.zeros((d, d)) for _ in range(4))
    qk1[pos, pos] = scale * np.eye(seq_len, k=-1)
    ov1[tok, prev] = np.eye(n_vocab)
    qk2[tok, prev] = scale * np.eye(n_vocab)
    ov2[tok, out] = np.eye(n_vocab)
    return [(qk1, ov1), (qk2, ov2)]


def test_residual_layout_blocks_are_disjoint():
    lay = icl.residual_layout(5, 7)
    blocks = [lay[k] for k in ("token", "position", "previous", "output")]
    covered = list(itertools.chain.from_iterable(range(b.start, b.stop) for b in blocks))
    assert sorted(covered) == list(range(lay["d_model"])) == list(range(5 + 7 + 5 + 5))


def test_hand_built_induction_head_copies():
    tokens, periods = icl.repeated_sequences(20, 24, 10, min_period=3, max_period=8, seed=2)
    # distinct tokens within a period, so every earlier occurrence points at one answer
    rng = np.random.default_rng(0)
    for s, p in enumerate(periods):
        tokens[s] = rng.permutation(10)[:p][np.arange(24) % p]
    model = icl.hand_built_transformer(_reference_circuits(10, 24), 10, 24)
    preds = icl.predict(model, tokens)
    for s, p in enumerate(periods):
        # from one period on, except position p: its token is the first token, whose
        # "previous" slot holds itself (position 0 can only attend to itself), a tie
        assert np.array_equal(preds[s, p + 1:], tokens[s, p + 2:])
    patterns = icl.attention_patterns(model, tokens)
    assert icl.previous_token_score(patterns[:, 0, 0]).mean() > 0.99
    assert icl.induction_score(patterns, periods)[1, 0] > 0.9  # position p splits its attention


def test_hand_built_model_equals_its_circuits():
    """The nn.Transformer built from (qk, ov) computes exactly x + softmax(x qk xᵀ) x ov."""
    rng = np.random.default_rng(3)
    n_vocab, seq_len = 4, 6
    d = icl.residual_layout(n_vocab, seq_len)["d_model"]
    qk, ov = rng.normal(size=(d, d)), rng.normal(size=(d, d)) / d
    model = icl.hand_built_transformer([(qk, ov)], n_vocab, seq_len, read="output")
    tokens = rng.integers(0, n_vocab, (3, seq_len + 1))
    x = np.zeros((3, seq_len, d))
    x[np.arange(3)[:, None], np.arange(seq_len), tokens[:, :-1]] = 1
    x[:, np.arange(seq_len), n_vocab + np.arange(seq_len)] = 1
    scores = x @ qk @ x.transpose(0, 2, 1)
    scores[:, np.triu_indices(seq_len, 1)[0], np.triu_indices(seq_len, 1)[1]] = -np.inf
    pattern = np.exp(scores - scores.max(-1, keepdims=True))
    pattern /= pattern.sum(-1, keepdims=True)
    resid = x + pattern @ (x @ ov)
    lay = icl.residual_layout(n_vocab, seq_len)
    with nn.no_grad():
        logits = model(tokens[:, :-1]).data
    assert np.allclose(logits, resid[..., lay["output"]], atol=1e-10)


def test_hand_built_bad_input():
    d = icl.residual_layout(4, 6)["d_model"]
    with pytest.raises(ValueError, match="qk"):
        icl.hand_built_transformer([(np.zeros((d, d + 1)), np.zeros((d, d)))], 4, 6)
    with pytest.raises(TypeError, match="circuits"):
        icl.hand_built_transformer([], 4, 6)
    with pytest.raises(ValueError, match="read"):
        icl.hand_built_transformer([(np.zeros((d, d)),) * 2], 4, 6, read="token")
    model = icl.hand_built_transformer((np.zeros((d, d)), np.zeros((d, d))), 4, 6)
    with pytest.raises(ValueError, match="tokens"):
        icl.predict(model, np.zeros((2, 9), dtype=int))
    with pytest.raises(TypeError, match="tokens"):
        icl.predict(model, np.zeros((2, 5)))


def test_head_roles_use_one_pair_of_thresholds():
    prev = np.array([[0.9, 0.1], [0.2, 0.41]])
    ind = np.array([[0.0, 0.2], [0.8, 0.5]])
    assert icl.head_roles(prev, ind).tolist() == [["previous-token head", "other"],
                                                  ["induction head", "previous-token head"]]
    trained = icl.load_runs()["two_layer_seed0"]
    roles = icl.head_roles(trained.prev_token[-1], trained.induction[-1])
    assert "induction head" in roles[1] and "previous-token head" in roles[0]
    with pytest.raises(ValueError, match="induction"):
        icl.head_roles(prev, ind[0])
