"""Tests for emergence.induction: sequences, head scores, training runs, hand-built circuits."""
import itertools

import numpy as np
import pytest

from emergence import induction, nn

# ---------------------------------------------------------------- sequences, scores


def test_repeated_sequences_repeat_with_their_period():
    tokens, periods = induction.repeated_sequences(50, 32, 64, min_period=4, max_period=16, seed=0)
    assert tokens.shape == (50, 32) and tokens.min() >= 0 and tokens.max() < 64
    assert periods.min() >= 4 and periods.max() <= 16
    for row, p in zip(tokens, periods):
        assert np.array_equal(row[p:], row[:-p])
    again, _ = induction.repeated_sequences(50, 32, 64, min_period=4, max_period=16, seed=0)
    assert np.array_equal(tokens, again)
    _, mixed = induction.repeated_sequences(400, 32, 64, repeat_fraction=0.25, seed=0)
    assert 0.6 < np.mean(mixed == 32) < 0.9


def test_icl_score_is_late_minus_early():
    losses = np.array([[np.nan, 4.0, 3.0, 2.0], [np.nan, 4.0, 3.5, 1.0]])
    assert induction.icl_score(losses[0], 1, 3) == -2.0
    assert np.allclose(induction.icl_score(losses, 1, 3), [-2.0, -3.0])
    with pytest.raises(ValueError, match="late"):
        induction.icl_score(losses, 2, 1)
    with pytest.raises(ValueError, match="early"):
        induction.icl_score(losses, 0, 3)


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
    assert induction.induction_score(ind, periods) == pytest.approx(1)
    assert induction.induction_score(prev, periods) == pytest.approx(0)
    assert induction.previous_token_score(prev).mean() == pytest.approx(1)
    assert induction.previous_token_score(ind).mean() < 0.2
    stacked = np.stack([prev, ind], axis=1)[:, None]  # (n, layers=1, heads=2, T, T)
    assert np.allclose(induction.induction_score(stacked, periods), [[0, 1]])


def test_phase_change_finds_the_steepest_window():
    steps = np.arange(0, 1000, 10)
    sigmoid = -4 / (1 + np.exp(-(steps - 400) / 15))
    pc = induction.phase_change(steps, sigmoid, width=50)
    assert 350 <= pc.start <= 400 <= pc.end <= 450 and pc.drop > 2
    smooth = -2 * (1 - np.exp(-steps / 200))
    assert induction.phase_change(steps, smooth, width=50).start == 0
    with pytest.raises(ValueError, match="steps"):
        induction.phase_change([0, 0, 1], [1, 2, 3])


# ---------------------------------------------------------------- training (small, fast)


@pytest.fixture(scope="module")
def short_run():
    return induction.train(induction.InductionConfig(steps=60, eval_every=20, checkpoints=[0, 60],
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
    again = induction.train(short_run.config, progress=False)
    assert np.array_equal(again.train_loss, short_run.train_loss)


def test_runs_round_trip_through_npz(tmp_path, short_run):
    path = tmp_path / "runs.npz"
    induction.save_runs(path, {"a": short_run})
    back = induction.load_runs(path)["a"]
    assert back.config == short_run.config and back.probe_period == 8
    assert np.allclose(back.icl, short_run.icl, atol=1e-6)
    assert np.allclose(back.patterns, short_run.patterns, atol=1e-6)


def test_shipped_runs_show_the_phase_change():
    runs = induction.load_runs()
    assert {f"two_layer_seed{s}" for s in range(5)} <= set(runs)
    for s in range(5):
        run = runs[f"two_layer_seed{s}"]
        pc = run.phase_change()
        assert 100 <= pc.start <= 400 and pc.drop > 1.2, (s, pc)
        assert run.icl[-1] < -3.5 and run.induction[-1, 1].max() > 0.7
    one = runs["one_layer_seed0"]
    assert one.icl[-1] > -2.5 and one.phase_change().drop < 1


def test_live_run_reproduces_the_shipped_run():
    shipped = induction.load_runs()["two_layer_seed0"]
    live = induction.train(induction.InductionConfig(steps=40), progress=False)
    n = len(live.eval_steps)
    assert np.allclose(live.icl, shipped.icl[:n], atol=1e-4)


# ---------------------------------------------------------------- circuits by hand


def _reference_circuits(n_vocab, seq_len, scale=20.0):
    lay = induction.residual_layout(n_vocab, seq_len)
    d = lay["d_model"]
    tok, pos, prev, out = (lay[k] for k in ("token", "position", "previous", "output"))
    qk1, ov1, qk2, ov2 = (np.zeros((d, d)) for _ in range(4))
    qk1[pos, pos] = scale * np.eye(seq_len, k=-1)
    ov1[tok, prev] = np.eye(n_vocab)
    qk2[tok, prev] = scale * np.eye(n_vocab)
    ov2[tok, out] = np.eye(n_vocab)
    return [(qk1, ov1), (qk2, ov2)]


def test_residual_layout_blocks_are_disjoint():
    lay = induction.residual_layout(5, 7)
    blocks = [lay[k] for k in ("token", "position", "previous", "output")]
    covered = list(itertools.chain.from_iterable(range(b.start, b.stop) for b in blocks))
    assert sorted(covered) == list(range(lay["d_model"])) == list(range(5 + 7 + 5 + 5))


def test_hand_built_induction_head_copies():
    tokens, periods = induction.repeated_sequences(20, 24, 10, min_period=3, max_period=8, seed=2)
    # distinct tokens within a period, so every earlier occurrence points at one answer
    rng = np.random.default_rng(0)
    for s, p in enumerate(periods):
        tokens[s] = rng.permutation(10)[:p][np.arange(24) % p]
    model = induction.hand_built_transformer(_reference_circuits(10, 24), 10, 24)
    preds = induction.predict(model, tokens)
    for s, p in enumerate(periods):
        # from one period on, except position p: its token is the first token, whose
        # "previous" slot holds itself (position 0 can only attend to itself), a tie
        assert np.array_equal(preds[s, p + 1:], tokens[s, p + 2:])
    patterns = induction.attention_patterns(model, tokens)
    assert induction.previous_token_score(patterns[:, 0, 0]).mean() > 0.99
    assert induction.induction_score(patterns, periods)[1, 0] > 0.9  # position p splits its attention


def test_hand_built_model_equals_its_circuits():
    """The nn.Transformer built from (qk, ov) computes exactly x + softmax(x qk xᵀ) x ov."""
    rng = np.random.default_rng(3)
    n_vocab, seq_len = 4, 6
    d = induction.residual_layout(n_vocab, seq_len)["d_model"]
    qk, ov = rng.normal(size=(d, d)), rng.normal(size=(d, d)) / d
    model = induction.hand_built_transformer([(qk, ov)], n_vocab, seq_len, read="output")
    tokens = rng.integers(0, n_vocab, (3, seq_len + 1))
    x = np.zeros((3, seq_len, d))
    x[np.arange(3)[:, None], np.arange(seq_len), tokens[:, :-1]] = 1
    x[:, np.arange(seq_len), n_vocab + np.arange(seq_len)] = 1
    scores = x @ qk @ x.transpose(0, 2, 1)
    scores[:, np.triu_indices(seq_len, 1)[0], np.triu_indices(seq_len, 1)[1]] = -np.inf
    pattern = np.exp(scores - scores.max(-1, keepdims=True))
    pattern /= pattern.sum(-1, keepdims=True)
    resid = x + pattern @ (x @ ov)
    lay = induction.residual_layout(n_vocab, seq_len)
    with nn.no_grad():
        logits = model(tokens[:, :-1]).data
    assert np.allclose(logits, resid[..., lay["output"]], atol=1e-10)


def test_hand_built_bad_input():
    d = induction.residual_layout(4, 6)["d_model"]
    with pytest.raises(ValueError, match="qk"):
        induction.hand_built_transformer([(np.zeros((d, d + 1)), np.zeros((d, d)))], 4, 6)
    with pytest.raises(TypeError, match="circuits"):
        induction.hand_built_transformer([], 4, 6)
    with pytest.raises(ValueError, match="read"):
        induction.hand_built_transformer([(np.zeros((d, d)),) * 2], 4, 6, read="token")
    model = induction.hand_built_transformer((np.zeros((d, d)), np.zeros((d, d))), 4, 6)
    with pytest.raises(ValueError, match="tokens"):
        induction.predict(model, np.zeros((2, 9), dtype=int))
    with pytest.raises(TypeError, match="tokens"):
        induction.predict(model, np.zeros((2, 5)))


def test_head_roles_use_one_pair_of_thresholds():
    prev = np.array([[0.9, 0.1], [0.2, 0.41]])
    ind = np.array([[0.0, 0.2], [0.8, 0.5]])
    assert induction.head_roles(prev, ind).tolist() == [["previous-token head", "other"],
                                                  ["induction head", "previous-token head"]]
    trained = induction.load_runs()["two_layer_seed0"]
    roles = induction.head_roles(trained.prev_token[-1], trained.induction[-1])
    assert "induction head" in roles[1] and "previous-token head" in roles[0]
    with pytest.raises(ValueError, match="induction"):
        induction.head_roles(prev, ind[0])
