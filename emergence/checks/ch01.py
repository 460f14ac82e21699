"""Checkers for the Chapter 1 exercises (emergence in complex systems).

Each checker calls the student's answer on several inputs, some of which the student
never saw, compares with a reference, and when the answer is wrong tries the usual
mistakes one by one: if a known wrong approach reproduces the student's answers, the
hint names that mistake.

    from emergence.checks import ch01 as check
    check.crossing(crossing)
"""
from __future__ import annotations

import functools
import numbers
import warnings

import numpy as np

from emergence import complex_systems as cs
from emergence.checks import (Wrong, call, checker, compare_prediction, expect_array, expect_function,
                              expect_prediction, expect_real, fmt, judge, outputs, page, quiet_call,
                              same, shape_of)
from emergence.i18n import N_, _

__all__ = ["crossing", "energy_per_spin", "life_step", "polar_order", "finite_size", "flow",
           "FINITE_SIZE_LS", "FINITE_SIZE_PS", "FINITE_SIZE_TRIALS"]

TOL = 1e-6


PAGE = "ch01_complex_systems"


def _real(name: str, inspect=None):
    """``read`` for ``judge``: one real number, after ``inspect(out, label)`` had its say."""
    def read(out, label):
        if inspect is not None:
            inspect(out, label)
        return expect_real(out, _("{name} on {label}").format(name=name, label=label))
    return read


# ---------------------------------------------------------------- 1.1 crossing

def _bracket(ps, probs, level):
    i = np.flatnonzero((probs[:-1] < level) & (probs[1:] >= level))
    return int(i[0]) if i.size else None


def _interp(ps, probs, level, i):
    if i is None or i < 0 or i + 1 >= len(ps) or probs[i + 1] == probs[i]:
        return None
    return ps[i] + (level - probs[i]) * (ps[i + 1] - ps[i]) / (probs[i + 1] - probs[i])


def _crossing(ps, probs, level=0.5):
    """Reference: first bracket probs[i] < level <= probs[i+1], linear interpolation."""
    ps, probs = np.asarray(ps, float), np.asarray(probs, float)
    return float(_interp(ps, probs, level, _bracket(ps, probs, level)))


def _crossing_cases():
    """(ps, probs, level, description) for the crossing check; the first is the worked example."""
    ex_ps, ex_probs = np.array([0.4, 0.5, 0.6, 0.7]), np.array([0.0, 0.2, 0.8, 1.0])
    uneven_ps = np.array([0.1, 0.2, 0.35, 0.45, 0.7, 0.9])
    uneven = np.array([0.02, 0.05, 0.3, 0.55, 0.9, 0.97])
    steps_ps = np.linspace(0.5, 0.7, 9)
    steps = np.array([0, 0, 0.1, 0.1, 0.4, 0.4, 0.85, 1, 1])
    logistic_ps = np.linspace(0.45, 0.75, 13)
    logistic = 1 / (1 + np.exp(-(logistic_ps - 0.5927) / 0.03))
    rng = np.random.default_rng(11)
    random_ps, random = np.sort(rng.random(20)), np.sort(rng.random(20))
    span_ps = np.linspace(0.4, 0.8, 41)
    span = cs.spanning_probability(16, span_ps, 99, 7)
    curves = [
        (ex_ps, ex_probs, (None, 0.1, 0.9), _("the worked example")),
        (uneven_ps, uneven, (0.5, 0.75), _("unevenly spaced samples")),
        (steps_ps, steps, (0.25, 0.5, 0.95), _("a curve with flat steps")),
        (logistic_ps, logistic, (0.5, 0.2, 0.8), _("a logistic curve")),
        (random_ps, random, (0.63,), _("a random increasing curve of 20 uneven samples")),
        (span_ps, span, (0.5,), _("a simulated spanning-probability curve (L = 16)")),
    ]
    return [(ps, probs, level, label) for ps, probs, levels, label in curves for level in levels]


def _wrong_crossings():
    """(hint, f(ps, probs, level)) for the usual mistakes in ``crossing``."""
    def at(f):
        return lambda ps, probs, level: f(ps, probs, level, _bracket(ps, probs, level))

    def frac(ps, probs, level, i):
        return (level - probs[i]) / (probs[i + 1] - probs[i])

    return [
        (_("your function returns a position in the array (an index), not a value of p: "
           "use the index to look up ps, then interpolate."),
         [at(lambda ps, probs, level, i: i), at(lambda ps, probs, level, i: i + 1),
          at(lambda ps, probs, level, i: i + frac(ps, probs, level, i)),
          lambda ps, probs, level: int(np.argmin(np.abs(probs - level)))]),
        (_("you returned the sample whose probability is nearest to the level; interpolate "
           "linearly between the two samples that bracket the level instead."),
         [lambda ps, probs, level: ps[np.argmin(np.abs(probs - level))]]),
        (_("you returned one of the two bracketing samples (ps[i] or ps[i+1]) without "
           "interpolating between them."),
         [at(lambda ps, probs, level, i: ps[i]), at(lambda ps, probs, level, i: ps[i + 1])]),
        (_("your bracket is off by one: you interpolate between the pair of samples before or "
           "after the one that straddles the level."),
         [at(lambda ps, probs, level, i: _interp(ps, probs, level, i + 1)),
          at(lambda ps, probs, level, i: _interp(ps, probs, level, i - 1))]),
        (_("you computed the curve's value at p = level; the exercise asks for the inverse: the "
           "p at which probs reaches level."),
         [lambda ps, probs, level: np.interp(level, ps, probs)]),
        (_("the interpolation is upside down: you moved along p by a step that has the units "
           "of probability. Draw the straight line between the two samples and solve it for p."),
         [at(lambda ps, probs, level, i: ps[i] + (level - probs[i]) * (probs[i + 1] - probs[i])
             / (ps[i + 1] - ps[i]))]),
        (_("your function always finds the 0.5 crossing: use the `level` argument."),
         [lambda ps, probs, level: _crossing(ps, probs, 0.5)]),
        (_("your function assumes the ps are evenly spaced; the samples here are not, so use "
           "the spacing of the two samples around the crossing."),
         [at(lambda ps, probs, level, i:
             ps[0] + (i + frac(ps, probs, level, i)) * (ps[1] - ps[0]))]),
    ]


def _crossing_mistakes():
    """(hint, f(ps, probs, level)) for every variant of every usual mistake in ``crossing``."""
    return [(hint, lambda ps, probs, level=0.5, f=f: f(ps, probs, level))
            for hint, variants in _wrong_crossings() for f in variants]


@checker("1.1", reread=page(PAGE, "Spanning probability"))
def crossing(answer):
    """Check ``crossing(ps, probs, level=0.5)``: where a sampled increasing curve crosses level."""
    f = expect_function(answer, "crossing")
    cases = []
    for ps, probs, level, label in _crossing_cases():
        shown = f"crossing(ps, probs{'' if level is None else ', ' + str(level)})"
        args = (ps, probs) if level is None else (ps, probs, level)
        try:
            out = quiet_call(f, *args, what=shown)
        except Wrong as wrong:
            if "IndexError" in wrong.message:
                raise Wrong(_("{message} (on {label}).").format(message=wrong.message, label=label),
                            _("an index ran past the end of the array: the bracket you look for "
                              "may be off by one.")) from None
            raise
        if isinstance(out, numbers.Real) and not np.isfinite(out):
            raise Wrong(_("{shown} returned {out} on {label}.").format(shown=shown, out=out, label=label),
                        _("a division by zero: two neighbouring samples with the same probability "
                          "were used as the bracket. The bracket you look for may be off by one."))
        data = _(" (ps = {ps}, probs = {probs})").format(ps=fmt(ps), probs=fmt(probs)) if len(ps) <= 9 else ""
        cases.append((args, _("{label}{data}, level {value}").format(label=label, data=data, value=0.5 if level is None else level)))
    judge(outputs(f, "crossing(ps, probs, level)"), cases, _crossing, _crossing_mistakes(),
          _("find the two neighbouring samples between which the curve reaches the level, and "
            "assume the curve is a straight line between them."), what="crossing",
          read=_real("crossing"))
    return (_("crossing interpolates correctly on 13 curves and levels, including ones you had "
              "not seen."))


# ---------------------------------------------------------------- 1.2 Ising energy

def _energy(s):
    s = np.asarray(s, dtype=float)
    return float(-(s * np.roll(s, 1, 0) + s * np.roll(s, 1, 1)).sum() / s.size)


def _energy_open(s):
    s = np.asarray(s, dtype=float)
    return float(-((s[1:] * s[:-1]).sum() + (s[:, 1:] * s[:, :-1]).sum()) / s.size)


def _energy_diagonal(s):
    s = np.asarray(s, dtype=float)
    diag = s * np.roll(s, (1, 1), (0, 1)) + s * np.roll(s, (1, -1), (0, 1))
    return _energy(s) - float(diag.sum() / s.size)


def _spin_cases():
    rng = np.random.default_rng(12)
    up = np.ones((4, 4), dtype=int)
    checker_board = np.where(np.indices((6, 6)).sum(0) % 2 == 0, 1, -1)
    stripes = np.repeat(np.array([[1], [-1], [1], [-1]]), 6, axis=1)
    simulated = cs.ising_simulate(16, [2.1], 20, 3)["spins"][0]
    return [
        (up, _("all spins up (4×4)")),
        (-np.ones((5, 5), dtype=np.int8), _("all spins down (5×5)")),
        (checker_board, _("a checkerboard (6×6)")),
        (stripes, _("horizontal stripes (4×6)")),
        (rng.choice([-1, 1], (8, 8)), _("random spins (8×8)")),
        (rng.choice([-1.0, 1.0], (5, 7)), _("random spins on a 5×7 grid")),
        (rng.choice(np.array([-1, 1], np.int8), (3, 9)), _("random int8 spins on a 3×9 grid")),
        (simulated, _("a configuration from ising_simulate at T = 2.1 (16×16)")),
    ]


def _wrong_energies():
    return [
        (_("you counted every bond twice (each pair of neighbours appears from both ends)."),
         lambda s: 2 * _energy(s)),
        (_("check the sign: aligned spins have low (negative) energy."), lambda s: -_energy(s)),
        (_("that is the total energy; the exercise asks for the energy *per spin*."),
         lambda s: _energy(s) * np.size(s)),
        (_("you divided by the number of bonds; the energy per spin divides by the number of "
           "spins."), lambda s: _energy(s) / 2),
        (_("the boundaries are periodic: the last column neighbours the first and the last row "
           "the first. Slicing does not wrap around."), lambda s: _energy_open(s)),
        (_("the boundaries are periodic (slicing does not wrap around), and each bond should be "
           "counted once, not twice."), lambda s: 2 * _energy_open(s)),
        (_("on a square lattice each spin has bonds in two directions; you counted only one."),
         lambda s: -float((np.asarray(s, float) * np.roll(s, 1, 1)).sum() / np.size(s))),
        (_("on a square lattice each spin has bonds in two directions; you counted only one."),
         lambda s: -float((np.asarray(s, float) * np.roll(s, 1, 0)).sum() / np.size(s))),
        (_("the grid need not be square: your result assumes it is."),
         lambda s: _energy(s) * np.size(s) / np.shape(s)[0] ** 2),
        (_("the grid need not be square: your result assumes it is."),
         lambda s: _energy(s) * np.size(s) / np.shape(s)[1] ** 2),
        (_("only the four nearest neighbours (up, down, left, right) interact; "
           "diagonal neighbours do not."), _energy_diagonal),
        (_("that is the magnetisation (the mean spin), not the energy, which is about pairs of "
           "neighbours."), lambda s: float(np.mean(s))),
    ]


@checker("1.2", reread=page(PAGE, "Spins and coupling"))
def energy_per_spin(answer):
    """Check ``energy_per_spin(spins)``: -(sum of s_i s_j over nearest-neighbour bonds) / N."""
    judge(outputs(expect_function(answer, "energy_per_spin"), "energy_per_spin(spins)"),
          [((x,), label) for x, label in _spin_cases()], _energy, _wrong_energies(),
          _("work out the energy of a 2×2 periodic grid by hand, bond by bond, and compare with "
            "your function."), what="energy_per_spin", read=_real("energy_per_spin"))
    return (_("energy_per_spin is right on 8 configurations, including rectangular grids and a "
              "simulated one."))


# ---------------------------------------------------------------- 1.3 Game of Life

def _counts(grid, *, periodic=True, offsets=cs.MOORE):
    g = np.asarray(grid, dtype=int)
    if periodic:
        return sum(np.roll(g, off, axis=(0, 1)) for off in offsets)
    padded = np.pad(g, 1)
    h, w = g.shape
    return sum(padded[1 + di:1 + di + h, 1 + dj:1 + dj + w] for di, dj in offsets)


def _conway(grid, n):
    return (n == 3) | (grid & (n == 2))


def _place(shape, cells, at=(0, 0)):
    grid = np.zeros(shape, dtype=bool)
    for i, j in cells:
        grid[(i + at[0]) % shape[0], (j + at[1]) % shape[1]] = True
    return grid


GLIDER = ((0, 1), (1, 2), (2, 0), (2, 1), (2, 2))


def _life_cases():
    return [
        (_place((5, 5), ((2, 1), (2, 2), (2, 3))), 1, _("a blinker (5×5)")),
        (_place((4, 4), ((1, 1), (1, 2), (2, 1), (2, 2))), 1, _("a block (4×4)")),
        (_place((6, 6), GLIDER, at=(4, 4)), 1, _("a glider across the corner of a 6×6 grid")),
        (_place((8, 8), GLIDER, at=(5, 5)), 8, _("a glider, 8 steps, wrapping around an 8×8 grid")),
        (cs.life_random((12, 17), 0.35, 1), 1, _("a random soup (12×17)")),
        (cs.life_random((30, 30), 0.4, 2), 3, _("a random soup (30×30), 3 steps")),
    ]


def _life_rule_hint(pairs):
    """Describe how the student's rule differs from Conway's, if it depends only on (alive, n)."""
    seen = {}
    for grid, new in pairs:
        n = _counts(grid)
        for alive in (True, False):
            for k in range(9):
                mask = (grid == alive) & (n == k)
                if mask.any():
                    vals = set(np.unique(new[mask]).tolist())
                    seen.setdefault((alive, k), set()).update(vals)
    if any(len(v) > 1 for v in seen.values()):
        return None
    wrong = []
    for (alive, k), vals in sorted(seen.items(), key=lambda kv: (not kv[0][0], kv[0][1])):
        lives, should = bool(vals.pop()), (k == 3) or (alive and k == 2)
        if lives != should:
            who = _("a live cell") if alive else _("a dead cell")
            does = (_("comes alive") if not alive else _("survives")) if lives else (
                _("dies") if alive else _("stays dead"))
            want = ((_("survive") if alive else _("be born")) if should
                    else (_("die") if alive else _("stay dead")))
            wrong.append((_("{who} with 1 live neighbour {does}, but should {want}") if k == 1 else
                          _("{who} with {k} live neighbours {does}, but should {want}")).format(
                who=who, k=k, does=does, want=want))
    if not wrong:
        return None
    return _("your rule differs from the one in the text: {differences}.").format(
        differences="; ".join(wrong[:3]))


def _life_history(f, grid, steps, label):
    """The student's states after each step (validated), or Wrong."""
    states, g = [], grid
    for _skip in range(steps):
        before = g.copy()
        out = call(f, g, what="life_step(grid)")
        if not np.array_equal(g, before):
            raise Wrong(_("life_step changed its input grid (on {label}).").format(label=label),
                        _("all cells update at once, from the old grid: changing cells one by one "
                          "in place lets a cell see its neighbours' new states."))
        arr = expect_array(out, what=_("life_step(grid) on {label}").format(label=label))
        if arr.shape != grid.shape:
            padded = arr.ndim == 2 and arr.shape[0] > grid.shape[0]
            raise Wrong(_("life_step returned shape {shape} for a grid of shape {shape2} "
                          "({label}).").format(shape=arr.shape, shape2=grid.shape, label=label), _("return a grid of the same shape as the input")
                        + (_(" (crop the padding you added)") if padded else ""))
        if not np.all((arr == 0) | (arr == 1)):
            bad = arr[(arr != 0) & (arr != 1)].flat[0]
            raise Wrong(_("life_step returned values other than alive/dead (e.g. {bad}) "
                          "on {label}.").format(bad=fmt(bad), label=label),
                        _("return the new grid of alive/dead cells, not an intermediate count."))
        g = arr.astype(bool)
        states.append(g)
    return states


def _iterate(rule, grid, steps):
    """The states after each of ``steps`` applications of ``rule``, stacked."""
    states = [np.asarray(grid, bool)]
    for _skip in range(steps):
        states.append(np.asarray(rule(states[-1]), bool))
    return np.stack(states[1:])


def _rule_hint(failed):
    """The fallback of 1.3: how the student's rule differs, else a general nudge."""
    pairs = []
    for (grid, steps, _skip), got in failed:
        before = np.concatenate([np.asarray(grid, bool)[None], got[:-1].astype(bool)])
        pairs += list(zip(before, got.astype(bool)))
    return _life_rule_hint(pairs) or (
        _("count the 8 neighbours of every cell of the old grid at once, then apply the rule "
          "to every cell."))


@checker("1.3", reread=page(PAGE, "The Game of Life"))
def life_step(answer):
    """Check ``life_step(grid)``: one synchronous Game of Life step on a periodic boolean grid."""
    f = expect_function(answer, "life_step", own=(cs.life_step,))

    def history(grid, steps, label):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return np.stack(_life_history(f, grid, steps, label)).astype(float)

    mistakes = [
        (_("every cell died. In numpy, adding boolean arrays with + is a logical OR, so a "
           "neighbour count never exceeds 1."), lambda grid, steps, label: np.zeros((steps,) + grid.shape)),
        (_("the edges are periodic: a cell on the right edge neighbours the left edge (zero "
           "padding or slicing does not wrap around)."),
         lambda grid, steps, label: _iterate(lambda c: _conway(c, _counts(c, periodic=False)), grid, steps)),
        (_("you counted the cell itself as one of its neighbours: only the 8 surrounding cells "
           "count."), lambda grid, steps, label: _iterate(lambda c: _conway(c, _counts(c) + c), grid, steps)),
        (_("the neighbourhood has 8 cells: the 4 diagonal neighbours count too."),
         lambda grid, steps, label: _iterate(lambda c: _conway(c, _counts(c, offsets=cs.VON_NEUMANN)),
                                             grid, steps)),
        (_("your function returned the grid unchanged."),
         lambda grid, steps, label: _iterate(lambda c: c, grid, steps)),
    ]
    judge(history, [((grid, steps, label), label) for grid, steps, label in _life_cases()],
          lambda grid, steps, label: _iterate(cs.life_step, grid, steps), mistakes, _rule_hint,
          what="life_step", read=lambda out, label: out,
          agree=lambda got, want: np.array_equal(got, want))
    return (_("life_step matches Conway's rules on still lifes, oscillators, gliders that wrap "
              "around, and random soups."))


# ---------------------------------------------------------------- 1.4 polar order

def _order(angles):
    a = np.asarray(angles, dtype=float)
    return float(np.hypot(np.cos(a).mean(), np.sin(a).mean()))


def _angle_cases():
    rng = np.random.default_rng(14)
    near_pi = np.pi + rng.normal(0, 0.05, 40)
    near_pi = (near_pi + np.pi) % (2 * np.pi) - np.pi  # half near +pi, half near -pi
    two_groups = np.concatenate([np.full(10, 0.3), np.full(10, 0.3 + np.pi)])
    vicsek = cs.vicsek_simulate(80, 5.0, 1.5, 30, 4)["angles"]
    return [
        (np.full(12, 2.0), _("12 particles all heading at 2.0 rad")),
        (near_pi, _("40 particles heading near ±π (angles wrap from π to -π)")),
        (np.linspace(-np.pi, np.pi, 24, endpoint=False), _("24 equally spaced headings")),
        (two_groups, _("two equal groups heading in opposite directions")),
        (np.array([0.0, np.pi / 2]), _("two particles at right angles")),
        (rng.vonmises(1.0, 2.0, 200), _("200 partly aligned headings")),
        (rng.uniform(0, 2 * np.pi, 150) + 4 * np.pi, _("150 random headings given in [4π, 6π)")),
        (vicsek, _("the headings of a Vicsek flock (80 particles)")),
    ]


BOTH = N_("the mean heading vector has two components, and its length needs both.")


def _wrong_orders():
    return [
        (_("you averaged the angles themselves. Angles wrap around: π and -π are the same "
           "heading, but their average is 0."), lambda a: float(np.mean(a))),
        (_("you averaged the angles themselves. Angles wrap around: π and -π are the same "
           "heading, but their average is 0."), lambda a: float(abs(np.mean(a)))),
        (_("the angles are already in radians: do not convert them from degrees."),
         lambda a: _order(np.deg2rad(a))),
        (_("the angles are in radians, not degrees."), lambda a: _order(np.rad2deg(a))),
        (_("every unit vector has length 1, so the mean of their lengths is always 1: the order "
           "is in how the vectors add up."), lambda a: 1.0),
        (_("that grows with the number of particles; the order parameter lies between 0 and 1."),
         lambda a: _order(a) * len(a)),
        (_("that is the squared length of the mean vector."),
         lambda a: _order(a) ** 2),
        (_("that is 1 minus the order parameter (the circular variance): the order parameter is the "
           "length of the mean unit vector itself."), lambda a: 1 - _order(a)),
        (_(BOTH), lambda a: float(abs(np.cos(a).mean()))),
        (_(BOTH), lambda a: float(np.cos(a).mean())),
        (_("the two components combine into a length (Pythagoras), not a sum."),
         lambda a: float(np.cos(a).mean() + np.sin(a).mean())),
        (_("the two components combine into a length (Pythagoras), not a sum."),
         lambda a: float(abs(np.cos(a).mean()) + abs(np.sin(a).mean()))),
        (_("absolute values inside the average lose the directions: opposite headings no "
           "longer cancel."),
         lambda a: float(np.hypot(np.abs(np.cos(a)).mean(), np.abs(np.sin(a)).mean()))),
    ]


@checker("1.4", reread=page(PAGE, "Flocking"))
def polar_order(answer):
    """Check ``polar_order(angles)``: the length of the mean unit heading vector, in [0, 1]."""
    def vector(out, label):
        if shape_of(out) == (2,):
            raise Wrong(_("polar_order returned two numbers ({out}) for {label}.").format(out=fmt(out), label=label),
                        _("that looks like a vector; the order parameter is one number, a length."))

    judge(outputs(expect_function(answer, "polar_order"), "polar_order(angles)"),
          [((x,), label) for x, label in _angle_cases()], _order, _wrong_orders(),
          _("picture each heading as an arrow of length 1: when do the arrows cancel, and when "
            "do they add up?"), what="polar_order", read=_real("polar_order", vector))
    return (_("polar_order is right on 8 sets of headings, including wrapped angles and a "
              "simulated flock."))


# ---------------------------------------------------------------- 1.5 finite-size scaling

FINITE_SIZE_LS = (8, 16, 32, 64)
FINITE_SIZE_PS = np.linspace(0.3, 0.9, 121)
FINITE_SIZE_TRIALS = 400
# Theory: -3/4. Measured with these settings over 12 seeds: -0.716 ± 0.020 (1 sd); with 200
# trials -0.70 ± 0.04 (corrections to scaling at small L make it a little shallower).
SLOPE_RANGE = (-0.95, -0.55)


@functools.lru_cache(maxsize=1)
def _finite_size_curves():
    """The curves the notebook simulates: seed = L for each lattice size."""
    return tuple(cs.spanning_probability(L, FINITE_SIZE_PS, FINITE_SIZE_TRIALS, L)
                 for L in FINITE_SIZE_LS)


def _widths(cross=_crossing, lo=0.1, hi=0.9):
    out = []
    for curve in _finite_size_curves():
        a, b = cross(FINITE_SIZE_PS, curve, hi), cross(FINITE_SIZE_PS, curve, lo)
        if a is None or b is None:
            return None
        out.append(float(a) - float(b))
    return np.array(out)


def _slope(x, y):
    return float(np.polyfit(x, y, 1)[0])


def finite_size_reference() -> tuple[np.ndarray, float]:
    """(widths, slope) from the reference solution of exercise 1.5."""
    w = _widths()
    return w, _slope(np.log(FINITE_SIZE_LS), np.log(w))


def _check_widths(widths):
    n = len(FINITE_SIZE_LS)
    if isinstance(widths, dict):
        widths = [widths.get(L) for L in FINITE_SIZE_LS]
        if any(w is None for w in widths):
            raise Wrong(_("widths is a dict without an entry for every L in Ls."),
                        _("make widths an array with one width per L, in the order "
                          "Ls = {FINITE_SIZE_LS}.").format(FINITE_SIZE_LS=FINITE_SIZE_LS))
    w = expect_array(widths, what="widths")
    if w.shape != (n,):
        raise Wrong(_("widths has shape {shape}; expected one width per lattice size, "
                      "shape ({n},).").format(shape=w.shape, n=n),
                    _("compute one width for each L in Ls = {FINITE_SIZE_LS}.").format(FINITE_SIZE_LS=FINITE_SIZE_LS))
    ref = _widths()
    candidates = [
        (_("you subtracted the wrong way round: a width is positive."), -ref),
        (_("the widths are in the wrong order: give them in the order of Ls, smallest lattice "
           "first."), ref[::-1]),
        (_("the exercise asks for the 10-90 % width, not the 25-75 % one."),
         _widths(lo=0.25, hi=0.75)),
    ]
    for hint, variants in _wrong_crossings():
        for cross in variants:
            candidates.append((_("widths computed with this crossing are off: ") + hint
                               + _(" (Exercise 1.1 checks crossing on its own: fix it first.)"),
                               _widths(cross)))

    def fallback(failed):
        if np.any(w <= 0):
            return _("a width is the distance between two crossings, so it must be positive.")
        if not np.all(np.diff(w) < 0):
            return (_("the transition should get sharper (narrower) as L grows; check that "
                      "width k uses the curve of Ls[k]."))
        return (_("for each lattice size, measure how far apart in p the curve passes 10 % and "
                  "90 %, with the curves simulated above and your crossing from 1.1."))

    def agree(got, want):  # other seeds stay within ~15 % of ref (1 sd: 4-8 % per width)
        exact = same(got, want, 1e-9)
        return exact or (not any(same(got, v) for _, v in candidates if v is not None)
                         and np.all(got > 0) and np.all(np.abs(got / want - 1) <= 0.3))

    judge(lambda: w, [((), _("these curves"))], lambda: ref,
          [(h, lambda v=v: v) for h, v in candidates], fallback, what="widths",
          read=lambda out, label: out, agree=agree)
    return w


@checker("1.5", reread=page(PAGE, "Finite-size scaling"))
def finite_size(widths, slope, guess):
    """Check the 10-90 % widths of the spanning curves and the log-log slope of width against L,
    after the student's recorded prediction ``guess`` of how many times narrower the transition
    gets when L doubles."""
    guess = expect_prediction(guess, "narrowing_guess")
    w = _check_widths(widths)
    logL, logw = np.log(FINITE_SIZE_LS), np.log(w)
    fit = _slope(logL, logw)
    if isinstance(slope, np.ndarray | list | tuple) and np.size(slope) == 2:
        raise Wrong(_("slope holds two numbers."),
                    _("a straight-line fit gives a slope and an intercept: the exercise asks for "
                      "one of them."))
    s = expect_real(slope, "slope")
    if abs(s - fit) <= 0.01 and not SLOPE_RANGE[0] <= s <= SLOPE_RANGE[1]:
        raise Wrong(_("slope = {s:.3f} is far from the theory, -3/4.").format(s=s),  # not with widths that pass
                    _("re-run the simulation cell as given, then your widths cell."))
    intercept = float(np.polyfit(logL, logw, 1)[1])
    candidates = [
        (_("a straight-line fit gives two numbers, and you took the intercept."), intercept),
        (_("the axes are swapped: lattice size is the cause, on the x-axis."), _slope(logw, logL)),
        (_("take the logarithm of L too: the fit is on log-log axes."),
         _slope(np.array(FINITE_SIZE_LS, float), logw)),
        (_("take the logarithm of the widths too: the fit is on log-log axes."), _slope(logL, w)),
        (_("fit on log-log axes, not the raw numbers."), _slope(np.array(FINITE_SIZE_LS, float), w)),
        (_("use the same logarithm on both axes."), _slope(np.log10(FINITE_SIZE_LS), logw)),
        (_("use the same logarithm on both axes."), _slope(logL, np.log10(w))),
        (_("you used only the smallest and largest lattices: fit a straight line through all "
           "{n_FINITE_SIZE_LS} points.").format(n_FINITE_SIZE_LS=len(FINITE_SIZE_LS)), float((logw[-1] - logw[0]) / (logL[-1] - logL[0]))),
        (_("that is ν, which follows from the slope; the exercise asks for the slope itself."),
         -1 / fit),
        (_("check the sign: the widths shrink as L grows."), -fit),
    ]
    judge(lambda: s, [((), _("your widths"))], lambda: fit, [(h, lambda v=v: v) for h, v in candidates],
          _("a power law is a straight line on log-log axes; fit one through all the points."),
          what="slope", agree=lambda got, want: abs(got - want) <= 0.01, tol=1e-3)
    return (_("{compare_prediction} The width shrinks as L^{s:.2f} (theory: L^-0.75, so ν = {value:.2f} against 4/3). "
              "Every doubling of L makes the transition about {value2:.0%} narrower.").format(compare_prediction=compare_prediction(guess, 2 ** (-s)), s=s, value=-1 / s, value2=1 - 2 ** s))


# ---------------------------------------------------------------- 1.6 traffic flow

def _flow(road):
    road = np.asarray(road)
    return float(np.where(road >= 0, road, 0).sum() / road.size)


def _road_cases():
    small = np.array([[0, -1, -1, 2, -1, 1, -1, -1],
                      [-1, 1, -1, -1, 1, -1, 1, -1],
                      [-1, -1, 2, -1, -1, 2, -1, 1]], dtype=np.int8)
    full = np.zeros((4, 10), dtype=np.int8)
    single = np.full((5, 30), -1, dtype=np.int8)
    for t in range(5):
        single[t, (3 * t) % 30] = 3
    return [
        (small, _("the 3×8 example road")),
        (cs.nasch_simulate(100, 0.1, 60, 1)[30:],
         _("free traffic (density 0.1, 100 cells, 30 steps)")),
        (cs.nasch_simulate(100, 0.35, 60, 2)[30:], _("jammed traffic (density 0.35)")),
        (cs.nasch_simulate(57, 0.6, 40, 3, vmax=3, p_slow=0.1)[20:],
         _("dense traffic on a 57-cell road")),
        (full, _("a completely full road (every car stopped)")),
        (single, _("a single car at speed 3 on a 30-cell road")),
    ]


def _wrong_flows():
    def cars(r):
        return np.asarray(r) >= 0

    def speeds(r):
        return np.where(cars(r), r, 0)

    def mean_speed(r):
        return float(speeds(r).sum() / cars(r).sum())

    return [
        (_("empty cells are stored as -1, and your sum counts them as speeds."),
         lambda r: float(np.asarray(r, float).sum() / np.size(r))),
        (_("empty cells are stored as -1, and your average counts them as speeds."),
         lambda r: float(np.asarray(r, float).sum() / cars(r).sum())),
        (_("that is the mean speed of the cars; the flow also depends on how many cars there "
           "are."), mean_speed),
        (_("that is the density; the flow also depends on how fast the cars move."),
         lambda r: float(cars(r).mean())),
        (_("your flow grows with the road length; it should be a rate per cell."),
         lambda r: float(speeds(r).sum() / np.shape(r)[0])),
        (_("your flow grows with the number of time steps; average over time."),
         lambda r: float(speeds(r).sum() / np.shape(r)[1])),
        (_("your flow counts the density twice: the mean speed is an average over cars, not "
           "over all cells."),
         lambda r: float(cars(r).mean() * speeds(r).mean())),
        (_("the flow counts how far cars move (their speeds), not how many cars are moving."),
         lambda r: float((np.asarray(r) > 0).mean())),
    ]


@checker("1.6", reread=page(PAGE, "Traffic jams from nowhere"))
def flow(answer):
    """Check ``flow(road)``: density × mean speed of a NaSch space-time array, averaged in time."""
    def per_step(out, label):
        shape = shape_of(out)
        if shape is not None and len(shape) == 1 and shape[0] > 1:
            raise Wrong(_("flow returned {shape} numbers for {label}.").format(shape=shape[0], label=label),
                        _("return one number: average over time steps and over the road."))

    judge(outputs(expect_function(answer, "flow"), "flow(road)"),
          [((x,), label) for x, label in _road_cases()], _flow, _wrong_flows(),
          _("flow is how many cells the cars advance per cell of road and per step: count it on "
            "the 3×8 example road by hand."), what="flow", read=_real("flow", per_step))
    return _("flow is right on 6 roads, from free flow to a complete jam.")
