"""Chapter 1 demo frames: percolation, Ising, traffic, flocking, Game of Life."""
from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap

from ..curves import first_crossing
from ..figures import PALETTE, line_label

SITES = ListedColormap(["#ffffff", "#b8c4d6", PALETTE[1]])  # empty, occupied, spanning cluster
SPINS = ListedColormap(["#ffffff", "#1f3b63"])


def draw_percolation(fig, p, L, *, grids, clusters, curves, ps, p_c):
    """Left: one L x L lattice at occupancy p, spanning cluster in orange. Right: P(span) vs p."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.35])
    grid, cluster = grids[L, p], clusters[L, p]
    left.imshow(grid.astype(int) + cluster, cmap=SITES, vmin=0, vmax=2, interpolation="nearest")
    left.set(xticks=[], yticks=[], title=f"L = {L}, p = {p:.2f}\n"
             + ("spans (orange cluster)" if cluster.any() else "no spanning cluster"))
    left.grid(False)
    for size, curve in curves.items():
        right.plot(ps, curve, lw=2.5 if size == L else 1, alpha=1 if size == L else 0.35,
                   label=f"L = {size}")
    right.axvline(p_c, color="grey", ls=":", lw=1)
    line_label(right, f"p_c = {p_c:g}", x=p_c)
    right.plot([p], [np.interp(p, ps, curves[L])], "o", color="black")
    right.set(xlabel="occupancy p", ylabel="P(top–bottom path)", ylim=(-0.03, 1.03))
    right.legend(fontsize=8, loc="lower right")
    prob = float(np.interp(p, ps, curves[L]))
    return (f"Percolation at L = {L}, p = {p:.2f}: this lattice "
            f"{'has' if cluster.any() else 'has no'} spanning cluster; at this p a {L}-by-{L} "
            f"lattice spans with probability {prob:.2f}. The curve for L = {L} rises from 0 to 1 "
            f"around p = {first_crossing(ps, curves[L]):.3f}, steeper for larger lattices.")


def draw_ising(fig, T, *, result, spins, exact_T, exact_m, T_c):
    """Left: a spin configuration at temperature T. Right: |m| vs T with Onsager's curve."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.35])
    k = int(np.argmin(np.abs(result["T"] - T)))
    left.imshow(spins[k] > 0, cmap=SPINS, interpolation="nearest")
    left.set(xticks=[], yticks=[], title=f"T = {T:.2f}")
    left.grid(False)
    right.plot(result["T"], result["abs_m"], "o-", ms=3, label="simulation ⟨|m|⟩")
    right.plot(exact_T, exact_m, "--", color="grey", label="Onsager (infinite lattice)")
    right.axvline(T_c, color="grey", ls=":", lw=1)
    line_label(right, "T_c", x=T_c)
    right.plot([T], [result["abs_m"][k]], "o", color="black", ms=8)
    right.set(xlabel="temperature T", ylabel="|magnetisation| per spin", ylim=(-0.03, 1.03))
    right.legend(fontsize=8)
    m = result["abs_m"][k]
    phase = "ordered (below T_c)" if T < T_c else "disordered (above T_c)"
    return (f"Ising model at T = {T:.2f}, {phase}: mean |m| = {m:.2f}, "
            f"{100 * np.mean(spins[k] > 0):.0f}% of spins point up in this snapshot.")


def draw_traffic(fig, density, p_slow, *, diagrams, flows, densities):
    """Left: space-time diagram (time down, cars move right). Right: flow vs density."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.2])
    road = diagrams[density, p_slow]
    speed = np.where(road < 0, np.nan, road)
    left.imshow(np.isnan(speed), cmap="gray", aspect="auto", interpolation="nearest")
    left.set(xlabel="position on the ring road", ylabel="time step",
             title=f"density {density:.2f}, p_slow {p_slow:g}")
    left.grid(False)
    for ps, curve in flows.items():
        right.plot(densities, curve, lw=2.5 if ps == p_slow else 1, alpha=1 if ps == p_slow else 0.4,
                   label=f"p_slow = {ps:g}")
    right.plot([density], [np.interp(density, densities, flows[p_slow])], "o", color="black")
    right.set(xlabel="density (cars per cell)", ylabel="flow (cars per step)")
    right.legend(fontsize=8)
    stopped = np.nanmean(speed[len(speed) // 2:] == 0)
    peak = densities[int(np.argmax(flows[p_slow]))]
    return (f"Traffic at density {density:.2f} with random slowing {p_slow:g}: "
            f"{100 * stopped:.0f}% of cars are stopped in jams in the second half of the run; "
            f"flow peaks at density {peak:.2f}.")


def draw_flock(fig, eta, *, runs, etas, order, box):
    """Left: the flock's positions and headings at noise eta. Right: order vs noise."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.35])
    run = runs[eta]
    (x, y), theta = run["positions"].T, run["angles"]
    left.quiver(x, y, np.cos(theta), np.sin(theta), angles="xy", scale=25, width=0.006,
                color=PALETTE[0])
    left.set(xlim=(0, box), ylim=(0, box), xticks=[], yticks=[], aspect="equal",
             title=f"noise η = {eta:.2f}")
    right.plot(etas, order, "o-", ms=3)
    k = list(etas).index(eta)
    right.plot([eta], [order[k]], "o", color="black", ms=8)
    right.set(xlabel="noise η", ylabel="order |⟨v⟩| / v₀", ylim=(-0.03, 1.03))
    return (f"Vicsek flock at noise {eta:.2f}: order parameter {order[k]:.2f} "
            f"({'mostly aligned' if order[k] > 0.5 else 'mostly disordered'}).")


def draw_life(fig, pattern, step, *, histories):
    """One generation of a Game of Life pattern, with its population over time."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.35])
    history = histories[pattern]
    left.imshow(history[step], cmap=SPINS, interpolation="nearest")
    left.set(xticks=[], yticks=[], title=f"{pattern}, generation {step}")
    left.grid(False)
    population = history.sum(axis=(1, 2))
    right.plot(population)
    right.plot([step], [population[step]], "o", color="black")
    right.set(xlabel="generation", ylabel="live cells")
    return f"Game of Life, {pattern}, generation {step}: {population[step]} live cells."


def draw_foraging(fig, n_ants, *, runs, sweep, evaporation, colony):
    """Left: the pheromone field a colony of n_ants built. Right: efficiency vs colony size."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.35])
    run = runs[n_ants]
    left.imshow(np.sqrt(run["pheromone"]).T, origin="lower", cmap="viridis",
                interpolation="nearest")
    for (x, y), label in ((colony.nest, "nest"), (colony.food, "food")):
        left.plot([x], [y], "o", ms=7, mfc="none", mec="white")
        left.annotate(label, (x, y), xytext=(5, -3), textcoords="offset points", color="white",
                      fontsize=11)
    left.set(xticks=[], yticks=[], title=f"{n_ants} ants: pheromone")
    left.grid(False)
    ants, evap, eff = sweep["ants"], sweep["evaporation"], sweep["efficiency"]
    for i, e in enumerate(evap):
        right.plot(ants, eff[i], "o-", ms=3, color=PALETTE[i % len(PALETTE)],
                   lw=2.5 if np.isclose(e, evaporation) else 1, label=f"evaporation {e:g}")
    live = 100.0 * run["delivered"][run["delivered"].size // 2:].mean() / n_ants
    right.plot([n_ants], [live], "o", color="black", ms=8)
    right.set(xscale="log", xlabel="colony size (ants)", ylabel="food per ant per 100 steps")
    right.legend(fontsize=8)
    return (f"Ant colony of {n_ants} with evaporation {evaporation:g}: food per ant per 100 steps "
            f"{live:.2f}; the trail is {'clear' if run['pheromone'].max() > 10 else 'absent or faint'}.")
