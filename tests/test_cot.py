"""Tests for emergence.cot: tasks, the two learners, compounding, the toy scale model, data."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from emergence import cot, nn
from emergence.data import DATA

# ---------------------------------------------------------------- tasks


def cups_by_hand(moves):
    """The shell game simulated with an explicit list of cups."""
    cups = ["ball", "", ""]
    pairs = {0: (0, 1), 1: (1, 2), 2: (0, 2)}
    out = []
    for m in moves:
        i, j = pairs[m]
        cups[i], cups[j] = cups[j], cups[i]
        out.append(cups.index("ball"))
    return out


def test_cups_chain_matches_a_hand_simulation():
    moves = np.random.default_rng(0).integers(0, 3, (20, 15))
    states = cot.run_chain("cups", moves)
    assert states.shape == (20, 15)
    for row, got in zip(moves, states):
        assert got.tolist() == cups_by_hand(row)


def test_parity_chain_is_the_running_parity():
    bits = np.random.default_rng(1).integers(0, 2, (50, 30))
    np.testing.assert_array_equal(cot.run_chain("parity", bits), np.cumsum(bits, axis=1) % 2)
    assert cot.run_chain("parity", [1, 1, 0, 1]).tolist() == [[1, 0, 0, 1]]


def test_step_and_parity_step():
    assert [cot.parity_step(s, b) for s in (0, 1) for b in (0, 1)] == [0, 1, 1, 0]
    np.testing.assert_array_equal(cot.parity_step(np.array([0, 1, 1]), np.array([1, 1, 0])),
                                  [1, 0, 1])
    assert cot.step("cups", 0, 0) == 1 and cot.step("cups", 2, 1) == 1
    assert cot.step("cups", 1, 2) == 1  # swapping A and C leaves the ball under B


def test_every_swap_is_its_own_inverse():
    table = cot.TASKS["cups"]
    for s in range(3):
        for m in range(3):
            assert table[table[s, m], m] == s


def test_encodings():
    x = cot.encode_sequence("cups", [[0, 2, 1]], width=5)
    assert x.shape == (1, 15) and x.dtype == np.float32
    assert x[0, :9].tolist() == [1, 0, 0, 0, 0, 1, 0, 1, 0] and not x[0, 9:].any()
    e = cot.encode_step("parity", [0, 1], [1, 1])
    assert e.tolist() == [[1, 0, 0, 1], [0, 1, 0, 1]]


@pytest.mark.parametrize("call, match", [
    (lambda: cot.run_chain("chess", [1]), "task"),
    (lambda: cot.run_chain("cups", [[0, 3]]), "symbols"),
    (lambda: cot.run_chain("parity", [[0.5, 1]]), "symbols"),
    (lambda: cot.run_chain("cups", np.zeros((2, 0))), "symbols"),
    (lambda: cot.step("cups", 3, 0), "states"),
    (lambda: cot.parity_step(0, 2), "symbols"),
    (lambda: cot.encode_sequence("cups", [[0, 1, 2]], width=2), "width"),
    (lambda: cot.sample_symbols("cups", 0, 3, 0), "n"),
    (lambda: cot.DirectConfig(ks=[2, 2]), "ks"),
    (lambda: cot.DirectConfig(ks=[]), "ks"),
    (lambda: cot.DirectConfig(steps=-1, checkpoints=()), "steps"),
    (lambda: cot.DirectConfig(steps=10, checkpoints=[20]), "checkpoints"),
    (lambda: cot.DirectConfig(ks=[2, 4], width=3), "width"),
    (lambda: cot.DirectConfig(task="chess"), "task"),
    (lambda: cot.StepperConfig(lr=0), "lr"),
    (lambda: cot.train({"task": "cups"}), "config"),
    (lambda: cot.evaluate_stepper("not a result", [2]), "result"),
    (lambda: cot.evaluate_direct(None), "result"),
    (lambda: cot.StackedMLP([3, 4], 8, 2, rngs=[0]), "rngs"),
])
def test_bad_arguments_name_the_parameter(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


# ---------------------------------------------------------------- the learners


def test_stacked_mlp_is_m_independent_mlps():
    rngs = [cot.streams(0, 1, 2), cot.streams(0, 1, 5)]
    stacked = cot.StackedMLP([6, 15], 16, 3, rngs=rngs)
    singles = [nn.MLP([6, 16, 3], rng=cot.streams(0, 1, 2)),
               nn.MLP([15, 16, 3], rng=cot.streams(0, 1, 5))]
    x = np.random.default_rng(3).random((2, 7, 15)).astype(np.float32)
    x[0, :, 6:] = 0
    out = stacked(x).data
    np.testing.assert_allclose(out[0], singles[0](x[0, :, :6]).data, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1], singles[1](x[1]).data, rtol=1e-5, atol=1e-6)
    assert stacked.parameters_of(0) == singles[0].num_parameters()
    assert stacked.parameters_of(1) == singles[1].num_parameters()


def test_a_direct_model_does_not_depend_on_its_neighbours_in_the_stack():
    alone = cot.train(cot.DirectConfig(ks=[5], steps=30, width=9), progress=False)
    stacked = cot.train(cot.DirectConfig(ks=[2, 5, 9], steps=30, width=None), progress=False)
    np.testing.assert_array_equal(alone.model.w1.data[0], stacked.model.w1.data[1])
    assert cot.evaluate_direct(alone, 300)[5] == cot.evaluate_direct(stacked, 300)[5]


def test_checkpoints_are_the_states_of_shorter_runs():
    long = cot.train(cot.DirectConfig("parity", [3, 6], steps=40, width=None,
                                      checkpoints=[20, 40], n_test=300), progress=False)
    short = cot.train(cot.DirectConfig("parity", [3, 6], steps=20, width=None), progress=False)
    assert long.checkpoints[20] == cot.evaluate_direct(short, 300)
    assert long.checkpoints[40] == cot.evaluate_direct(long, 300)
    assert len(long.history.loss) == 40


def test_direct_learns_short_chains_and_the_stepper_learns_any_length():  # ~2 s
    direct = cot.train(cot.DirectConfig(ks=[2, 12], width=None), progress=False)
    acc = cot.evaluate_direct(direct, 1000)
    assert acc[2] == 1.0 and acc[12] < 0.5  # chance is 1/3
    assert direct.parameters() == {2: 1283, 12: 5123}
    stepper = cot.train(cot.StepperConfig(steps=100, checkpoints=[5, 100],
                                          checkpoint_ks=[3, 30]), progress=False)
    assert stepper.model.num_parameters() == 1283
    late = stepper.checkpoints[100]
    assert late[30] == {"final": 1.0, "chain": 1.0, "step": 1.0}
    early = stepper.checkpoints[5][30]
    assert early["chain"] <= early["final"] and early["step"] < 1


def test_evaluate_stepper_counts_chains_and_steps():
    class Wrong:
        """A 'model' that always answers cup 0, so only chains ending under A are right."""

        def __call__(self, x):
            out = np.zeros((*np.shape(x)[:-1], 3), np.float32)
            out[..., 0] = 1
            return nn.Tensor(out)

    result = cot.StepperResult(cot.StepperConfig(), Wrong(), nn.History())
    r = cot.evaluate_stepper(result, [1, 4], n=3000)
    sym = cot.sample_symbols("cups", 3000, 4, 12345 * 1000 + 4)
    truth = cot.run_chain("cups", sym)
    assert r[4]["final"] == np.mean(truth[:, -1] == 0)
    assert r[4]["chain"] == np.mean(np.all(truth == 0, axis=1))
    assert r[4]["step"] == np.mean(truth == 0)
    assert r[1]["final"] == r[1]["chain"] == r[1]["step"] == pytest.approx(1 / 3, abs=0.03)


# ---------------------------------------------------------------- compounding


def test_chain_success_values():
    assert cot.chain_success(0.9, 10) == pytest.approx(0.3486784401)
    np.testing.assert_allclose(cot.chain_success([0.5, 1.0], 2), [0.25, 1.0])
    assert cot.chain_success(0.7, 0) == 1.0
    assert cot.required_step_accuracy(0.5, 10) == pytest.approx(0.5 ** 0.1)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 1.0), st.integers(1, 200))
def test_required_accuracy_inverts_chain_success(target, k):
    p = cot.required_step_accuracy(target, k)
    assert 0 <= p <= 1
    assert cot.chain_success(p, k) == pytest.approx(target, rel=1e-9)
    assert cot.chain_success(p, k + 1) <= target + 1e-12


@pytest.mark.parametrize("call, match", [
    (lambda: cot.chain_success(1.2, 3), "p"), (lambda: cot.chain_success(0.5, -1), "k"),
    (lambda: cot.chain_success("x", 2), "p"), (lambda: cot.required_step_accuracy(0.5, 0), "k"),
    (lambda: cot.required_step_accuracy(-0.1, 2), "target"),
    (lambda: cot.scale_model([0, 1], 3), "scale"), (lambda: cot.scale_model([1e9], 0), "k"),
    (lambda: cot.scale_model([1e9], 2, step_width=0), "step_width"),
    (lambda: cot.published("numbers"), "kind"),
])
def test_compounding_bad_arguments(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_toy_model_cot_hurts_small_and_helps_large():
    scales = np.logspace(7, 14, 300)
    for k in (1, 2, 4, 8, 16):
        m = cot.scale_model(scales, k)
        assert m["cot"][0] < m["direct"][0] and m["cot"][-1] >= m["direct"][-1] - 1e-9
        star = cot.crossover_scale(k)
        at = cot.scale_model(np.array([star]), k)
        assert at["cot"][0] == pytest.approx(at["direct"][0], abs=1e-9)
        assert np.all(m["p"] >= m["q"])
    stars = [cot.crossover_scale(k) for k in (1, 2, 4, 8, 16)]
    assert all(a < b for a, b in zip(stars, stars[1:]))  # longer chains need bigger models


def test_toy_model_no_crossover_gives_nan():
    assert np.isnan(cot.crossover_scale(4, direct_floor=0.0, cot_floor=0.5))  # CoT ahead at once


# ---------------------------------------------------------------- data


def test_published_rows_and_attribution():
    rows = cot.published()
    assert all(r["source"] and r["tag"] in ("V", "S") for r in rows)
    assert all(r["transcribed"] == (r["tag"] == "S") for r in rows)
    acc = cot.published("accuracy")
    multiarith = [r for r in acc if r["dataset"] == "MultiArith"]
    assert len(multiarith) == 1 and multiarith[0]["paper"] == "kojima2022large"
    assert (multiarith[0]["baseline_acc"], multiarith[0]["cot_acc"]) == (17.7, 78.7)
    wei = {r["model"]: r for r in acc if r["paper"] == "wei2022chain"}
    assert len(wei) == 6 and all(r["transcribed"] and r["dataset"] == "GSM8K" for r in wei.values())
    assert [m for m, r in wei.items() if r["cot_acc"] < r["baseline_acc"]] == ["PaLM 8B"]
    assert wei["PaLM 540B"]["cot_acc"] - wei["PaLM 540B"]["baseline_acc"] == pytest.approx(39.0)
    onset = cot.published("emergence_scale")
    assert {r["method_paper"] for r in onset} == {"nye2021show", "wei2022chain", "kojima2022large"}
    bib = (DATA.parent.parent / "book" / "references.bib").read_text()
    assert all(f"{{{r['paper']}," in bib and f"{{{r['method_paper']}," in bib for r in rows)


def test_sweep_is_complete_and_says_what_the_chapter_says():
    s = cot.load_sweep()
    for task in ("cups", "parity"):
        direct = s.where(task=task, learner="direct")
        step = s.where(task=task, learner="step")
        assert len(np.unique(s.k[direct])) >= 10 and len(np.unique(s.seed[direct])) == 3
        late = step & (s.updates >= 100)
        assert s.final[late].min() >= 0.99  # the step model is right at every k
        assert np.isnan(s.chain[direct]).all()
        chance = 1 / cot.TASKS[task].shape[0]
        longest = direct & (s.k == s.k[direct].max()) & (s.updates == 1000)
        if task == "cups":
            assert np.abs(s.final[longest] - chance).max() < 0.05


def test_sweep_by_k_averages_the_seeds():
    s = cot.load_sweep()
    ks, mean = s.by_k("final", task="parity", learner="direct", updates=300)
    assert ks.tolist() == sorted(set(s.k[s.where(learner="direct")].astype(int).tolist()))
    k4 = s.where(task="parity", learner="direct", updates=300, k=4)
    assert k4.sum() == 3 and mean[ks.tolist().index(4)] == pytest.approx(s.final[k4].mean())
    with pytest.raises(ValueError, match="column"):
        s.where(colour="red")
    with pytest.raises(ValueError, match="column"):
        s.by_k("task")


def test_sweep_rows_are_reproduced_by_a_fresh_run():
    s = cot.load_sweep()
    row = s.where(task="cups", learner="direct", seed=1, updates=100, k=4)
    run = cot.train(cot.DirectConfig(ks=[4], steps=100, seed=1, width=16), progress=False)
    assert cot.evaluate_direct(run)[4] == pytest.approx(s.final[row][0], abs=5e-5)
