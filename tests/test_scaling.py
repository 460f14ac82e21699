"""emergence.scaling: the published laws against values computed here from the papers'
constants (typed below independently of the CSVs), the compute-optimal split against a
brute-force search, and fit_power_law on data whose law is known."""
import csv
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emergence import scaling as sc
from emergence.data import DATA, read_table

# Constants as printed in the papers (Kaplan et al. 2020 §1.2 and Table 2; Hoffmann et al.
# 2022 Eq. 10; Besiroglu et al. 2024), typed here so that the CSVs are checked against them.
HOFFMANN = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
HOFFMANN_UNROUNDED = dict(E=1.6934, A=406.4, B=410.7, alpha=0.3392, beta=0.2849)
BESIROGLU = dict(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)


def _loss(c, N, D):
    return c["E"] + c["A"] / N ** c["alpha"] + c["B"] / D ** c["beta"]


# ---------------------------------------------------------------- the data files

@pytest.mark.parametrize("name", ["kaplan2020_constants", "chinchilla_fits", "chinchilla_table3",
                                  "chinchilla_vs_gopher"])
def test_every_row_names_its_source(name):
    with (DATA / f"{name}.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        assert "arXiv:" in row["source"] and row["source"].count(",") >= 1, row
        assert row["transcribed"] in ("yes", "no")


def test_secondary_sources_are_flagged_as_transcribed():
    for name in ("kaplan2020_constants", "chinchilla_fits", "chinchilla_table3"):
        assert all(r["transcribed"] is True for r in read_table(name)), name


def test_csv_constants_are_the_published_ones():
    for name, want in [("hoffmann2022", HOFFMANN), ("hoffmann2022_unrounded", HOFFMANN_UNROUNDED),
                       ("besiroglu2024", BESIROGLU)]:
        f = sc.chinchilla_fit(name)
        assert {k: getattr(f, k) for k in want} == want
    assert sc.chinchilla_fit("besiroglu2024").se == dict(E=0.03, A=124.58, B=1293.23,
                                                         alpha=0.02, beta=0.02)
    assert sc.chinchilla_fit("hoffmann2022").se == {}
    k = sc.kaplan_constants()
    assert k["L(N)", "alpha_N"] == 0.076 and k["L(N)", "N_c"] == 8.8e13
    assert k["L(D)", "alpha_D"] == 0.095 and k["L(D)", "D_c"] == 5.4e13
    assert k["L(C_min)", "alpha_C_min"] == 0.05 and k["L(C_min)", "C_c_min"] == 3.1e8
    assert (k["L(N,D)", "alpha_N"], k["L(N,D)", "alpha_D"], k["L(N,D)", "N_c"],
            k["L(N,D)", "D_c"]) == (0.076, 0.103, 6.4e13, 1.8e13)
    table3 = read_table("chinchilla_table3")
    assert [(r["parameters"], r["tokens"]) for r in table3] == [
        (1e9, 20.2e9), (67e9, 1.5e12), (175e9, 3.7e12), (280e9, 5.9e12)]


def test_read_table_rejects_unknown_names():
    with pytest.raises(ValueError, match="name must be one of"):
        read_table("nope")
    with pytest.raises(TypeError, match="name"):
        read_table(3)


# ---------------------------------------------------------------- Kaplan et al. 2020

def test_kaplan_single_variable_laws():
    assert sc.kaplan_loss_N(1e9) == pytest.approx((8.8e13 / 1e9) ** 0.076, rel=1e-12)
    assert sc.kaplan_loss_D(1e10) == pytest.approx((5.4e13 / 1e10) ** 0.095, rel=1e-12)
    assert sc.kaplan_loss_C(1.0) == pytest.approx(3.1e8 ** 0.05, rel=1e-12)
    # a 10x larger model lowers the loss by the factor 10^-0.076
    assert sc.kaplan_loss_N(1e10) / sc.kaplan_loss_N(1e9) == pytest.approx(10 ** -0.076)
    assert sc.PF_DAY == 8.64e19


def test_kaplan_joint_law_and_its_limits():
    N, D = 1e9, 1e10
    want = ((6.4e13 / N) ** (0.076 / 0.103) + 1.8e13 / D) ** 0.103
    assert sc.kaplan_loss_ND(N, D) == pytest.approx(want, rel=1e-12)
    # with unlimited data it is L(N) with the Table 2 constants
    assert sc.kaplan_loss_ND(N, 1e40) == pytest.approx((6.4e13 / N) ** 0.076, rel=1e-9)
    out = sc.kaplan_loss_ND(np.array([1e8, 1e9]), 1e10)
    assert out.shape == (2,) and out[0] > out[1]


# ---------------------------------------------------------------- Chinchilla

@pytest.mark.parametrize("fit, consts", [("hoffmann2022", HOFFMANN),
                                         ("hoffmann2022_unrounded", HOFFMANN_UNROUNDED),
                                         ("besiroglu2024", BESIROGLU)])
def test_chinchilla_loss(fit, consts):
    for N, D in [(70e9, 1.4e12), (280e9, 300e9), (1e6, 1e6)]:
        assert sc.chinchilla_loss(N, D, fit=fit) == pytest.approx(_loss(consts, N, D), rel=1e-12)
    grid = sc.chinchilla_loss(np.array([[1e8], [1e9]]), np.array([1e9, 1e10, 1e11]), fit=fit)
    assert grid.shape == (2, 3)


def test_chinchilla_beats_gopher_under_both_fits():
    for fit in sc.FITS:
        assert sc.chinchilla_loss(70e9, 1.4e12, fit) < sc.chinchilla_loss(280e9, 300e9, fit)


def test_training_flops_sanity():
    assert sc.training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)   # Chinchilla: ~5.9e23
    assert sc.training_flops(280e9, 300e9) == pytest.approx(5.04e23)   # Gopher


def _brute_force_optimum(C, consts):
    """Minimise the loss along C = 6ND by golden-section search on log N."""
    def loss_at(logN):
        N = math.exp(logN)
        return _loss(consts, N, C / 6 / N)
    lo, hi = math.log(1e2), math.log(C / 6 / 1e2)
    g = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        a, b = hi - g * (hi - lo), lo + g * (hi - lo)
        if loss_at(a) < loss_at(b):
            hi = b
        else:
            lo = a
    N = math.exp((lo + hi) / 2)
    return N, C / 6 / N


@pytest.mark.parametrize("fit, consts", [("hoffmann2022", HOFFMANN),
                                         ("hoffmann2022_unrounded", HOFFMANN_UNROUNDED),
                                         ("besiroglu2024", BESIROGLU)])
@pytest.mark.parametrize("C", [1e18, 5.88e23, 1e26])
def test_compute_optimal_matches_brute_force(fit, consts, C):
    N, D = sc.compute_optimal(C, fit=fit)
    Nb, Db = _brute_force_optimum(C, consts)
    assert N == pytest.approx(Nb, rel=1e-6) and D == pytest.approx(Db, rel=1e-6)
    assert 6 * N * D == pytest.approx(C, rel=1e-12)


def test_compute_optimal_at_chinchilla_budget():
    C = sc.training_flops(70e9, 1.4e12)
    # The refit lands close to Chinchilla itself; Eq. 10 as printed prefers a smaller model.
    N, D = sc.compute_optimal(C, "besiroglu2024")
    assert 60e9 < N < 85e9 and 15 < D / N < 25
    N, D = sc.compute_optimal(C, "hoffmann2022")
    assert 25e9 < N < 40e9 and D / N > 60
    Ns, Ds = sc.compute_optimal(np.array([1e20, 1e22]), "hoffmann2022")
    assert Ns.shape == (2,) and np.all(np.diff(Ns) > 0) and np.all(np.diff(Ds) > 0)


def test_allocation_exponents():
    a, b = sc.allocation_exponents("hoffmann2022")
    assert a == pytest.approx(0.28 / 0.62) and a + b == pytest.approx(1)
    assert sc.allocation_exponents("hoffmann2022_unrounded")[0] == pytest.approx(0.2849 / 0.6241)
    assert round(sc.allocation_exponents("hoffmann2022_unrounded")[0], 2) == 0.46  # Table 2
    assert sc.allocation_exponents("besiroglu2024")[0] == pytest.approx(0.3658 / 0.7136)
    # N_opt scales as C^a: a factor 10 in compute multiplies N_opt by 10^a
    N1, _ = sc.compute_optimal(1e22)
    N2, _ = sc.compute_optimal(1e23)
    assert N2 / N1 == pytest.approx(10 ** a)


@pytest.mark.parametrize("call, match", [
    (lambda: sc.chinchilla_loss(0, 1e9), "N must be positive"),
    (lambda: sc.chinchilla_loss(1e9, -1), "D must be positive"),
    (lambda: sc.chinchilla_loss(1e9, 1e9, fit="kaplan"), "fit must be one of"),
    (lambda: sc.compute_optimal(float("nan")), "C must contain only finite"),
    (lambda: sc.compute_optimal(1e20, fit="chinchilla"), "fit must be one of"),
    (lambda: sc.kaplan_loss_N([1e9, 0]), "N must be positive"),
    (lambda: sc.kaplan_loss_C(-1), "C_min must be positive"),
    (lambda: sc.training_flops(1e9, "many"), "D must"),
])
def test_bad_arguments_name_the_parameter(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_bool_is_not_a_size():
    with pytest.raises(TypeError, match="N"):
        sc.kaplan_loss_N(True)


# ---------------------------------------------------------------- fit_power_law

def test_pure_power_law_is_recovered_exactly():
    x = np.geomspace(1e3, 1e7, 9)
    fit = sc.fit_power_law(x, 5.0 * x ** -0.3)
    assert fit.exponent == pytest.approx(-0.3, abs=1e-12)
    assert fit.prefactor == pytest.approx(5.0, rel=1e-10)
    assert fit.offset == 0 and fit.offset_se == 0 and fit.rms < 1e-12
    assert fit(1e9) == pytest.approx(5.0 * 1e9 ** -0.3)


def test_offset_law_is_recovered():
    x = np.geomspace(1e6, 1e10, 15)
    y = 1.69 + 406.4 * x ** -0.34
    fit = sc.fit_power_law(x, y, offset=True)
    assert fit.exponent == pytest.approx(-0.34, abs=1e-6)
    assert fit.prefactor == pytest.approx(406.4, rel=1e-4)
    assert fit.offset == pytest.approx(1.69, abs=1e-6)


def test_offset_fit_on_pure_power_law_finds_no_offset():
    x = np.geomspace(10, 1e5, 10)
    fit = sc.fit_power_law(x, 3 * x ** -0.5, offset=True)
    assert fit.offset == pytest.approx(0, abs=1e-6)
    assert fit.exponent == pytest.approx(-0.5, abs=1e-6)


def test_a_power_law_fit_to_a_law_with_a_floor_is_too_shallow():
    x = np.geomspace(1e6, 1e9, 10)
    y = 1.69 + 406.4 * x ** -0.34
    assert sc.fit_power_law(x, y).exponent > -0.2  # far shallower than -0.34


def test_standard_errors_are_honest():
    """Over many noisy data sets, |b - b_true| < 2 SE about 95 % of the time."""
    rng = np.random.default_rng(0)
    x = np.geomspace(1, 1e4, 12)
    inside = 0
    for _ in range(300):
        y = 2 * x ** -0.4 * np.exp(rng.normal(0, 0.05, 12))
        fit = sc.fit_power_law(x, y)
        inside += abs(fit.exponent + 0.4) < 2 * fit.exponent_se
    assert 0.88 < inside / 300 < 0.99


def test_offset_fit_standard_errors_and_band():
    rng = np.random.default_rng(1)
    x = np.geomspace(1e6, 1e9, 12)
    y = (1.69 + 406.4 * x ** -0.34) * np.exp(rng.normal(0, 0.01, 12))
    fit = sc.fit_power_law(x, y, offset=True)
    assert fit.cov.shape == (3, 3) and fit.exponent_se > 0 and fit.offset_se > 0
    lo, hi = fit.band(1e12)
    assert lo < fit(1e12) < hi
    x_eval = np.array([10 ** 7.5, 1e12])
    lo, hi = fit.band(x_eval)
    relative = (hi - lo) / fit(x_eval)
    assert relative[1] > 2 * relative[0]   # the band widens away from the data


def test_bootstrap_is_seeded_and_comparable():
    rng = np.random.default_rng(2)
    x = np.geomspace(1, 1e4, 15)
    y = 2 * x ** -0.4 * np.exp(rng.normal(0, 0.05, 15))
    a = sc.fit_power_law(x, y, bootstrap=200, seed=3)
    b = sc.fit_power_law(x, y, bootstrap=200, seed=3)
    plain = sc.fit_power_law(x, y)
    assert a.exponent_se == b.exponent_se and "bootstrap" in a.method
    assert a.exponent == plain.exponent
    assert 0.5 < a.exponent_se / plain.exponent_se < 2


def test_summary_is_text():
    x = np.geomspace(1, 100, 5)
    text = sc.fit_power_law(x, 2 * x ** -0.5).summary()
    assert text.startswith("exponent -0.500") and "offset" not in text


@pytest.mark.parametrize("x, y, kwargs, match", [
    ([1, 2, 3], [1, 2], {}, "same length"),
    ([1, 2, 3], [1, 0, 2], {}, "positive"),
    ([-1, 2, 3], [1, 1, 2], {}, "positive"),
    ([1, 2], [1, 2], {}, "at least 3 points"),
    ([1, 2, 3], [3, 2, 1], {"offset": True}, "at least 4 points"),
    ([2, 2, 2], [1, 2, 3], {}, "two different values"),
    ([[1, 2, 3]], [1, 2, 3], {}, "x must be 1-dimensional"),
    ([1, 2, np.nan], [1, 2, 3], {}, "x must contain only finite"),
    (["a", "b", "c"], [1, 2, 3], {}, "x must"),
    ([1, 2, 3], [1, 2, 3], {"offset": "yes"}, "offset must be True or False"),
    ([1, 2, 3], [1, 2, 3], {"bootstrap": -1}, "bootstrap must be >= 0"),
])
def test_fit_power_law_validates(x, y, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        sc.fit_power_law(x, y, **kwargs)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.01, 1e3), b=st.floats(-2, 2).filter(lambda v: abs(v) > 1e-3),
       lo=st.floats(-3, 3), span=st.floats(0.5, 6), n=st.integers(3, 30))
def test_property_exact_power_laws_are_recovered(a, b, lo, span, n):
    x = np.logspace(lo, lo + span, n)
    fit = sc.fit_power_law(x, a * x ** b)
    assert fit.exponent == pytest.approx(b, abs=1e-8)
    assert fit.prefactor == pytest.approx(a, rel=1e-6)


@settings(max_examples=25, deadline=None)
@given(c=st.floats(0.1, 5), a=st.floats(0.5, 50), b=st.floats(-1, -0.1), n=st.integers(6, 20))
def test_property_offset_fits_never_fail_and_fit_well(c, a, b, n):
    x = np.geomspace(1, 1e4, n)
    fit = sc.fit_power_law(x, c + a * x ** b, offset=True)
    assert 0 <= fit.offset < (c + a * x ** b).min()
    assert fit.rms < 1e-3 and np.isfinite(fit.exponent_se)


@settings(max_examples=30, deadline=None)
@given(logC=st.floats(15, 28), fit=st.sampled_from(sc.FITS))
def test_property_compute_optimal_spends_the_budget_and_beats_neighbours(logC, fit):
    C = 10.0 ** logC
    N, D = sc.compute_optimal(C, fit)
    assert 6 * N * D == pytest.approx(C, rel=1e-9)
    best = sc.chinchilla_loss(N, D, fit)
    for factor in (0.8, 1.25):
        assert sc.chinchilla_loss(N * factor, D / factor, fit) > best


def test_chinchilla_loss_N_is_the_unlimited_data_limit():
    f = sc.chinchilla_fit()
    assert sc.chinchilla_loss_N(1e9) == pytest.approx(f.E + f.A / 1e9 ** f.alpha)
    assert sc.chinchilla_loss(1e9, 1e30) == pytest.approx(sc.chinchilla_loss_N(1e9))


def test_sample_losses_are_seeded_noisy_truth():
    N, L = sc.sample_losses(2, 0.02)
    assert N[0] == 1e6 and N[-1] == pytest.approx(1e8) and len(N) == 10
    again = sc.sample_losses(2, 0.02)[1]
    assert np.array_equal(L, again)
    ratio = np.log(L / sc.chinchilla_loss_N(N))
    assert np.abs(ratio).max() < 0.1 and np.any(ratio != 0)
    assert np.array_equal(sc.sample_losses(3, 0.0)[1], sc.chinchilla_loss_N(sc.sample_losses(3, 0.0)[0]))
    with pytest.raises(ValueError, match="decades"):
        sc.sample_losses(0, 0.02)
