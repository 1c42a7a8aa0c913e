"""Outcomes judged by everyone: Pareto optimality, utilitarian welfare, and the price of anarchy.

Welfare is the utilitarian sum of payoffs. The price of anarchy (Koutsoupias & Papadimitriou
1999) divides the optimal welfare by the worst equilibrium's; the price of stability
(Anshelevich et al. 2004) by the best equilibrium's.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from games.equilibria import Solution, solve
from games.model import Game
from games.scaled import scaled_payoffs

Number = Fraction | float
Cell = tuple[int, ...]


def pareto_optimal(game: Game) -> list[Cell]:
    """Cells no other cell Pareto-dominates (nobody worse off, somebody strictly better), row-major.

    A dominating cell has a strictly larger payoff sum, so scanning cells by decreasing welfare
    and testing each only against the Pareto-optimal cells found so far is exact and complete
    (dominance is transitive: a dominator is itself optimal or dominated by an optimal cell).
    """
    values = scaled_payoffs(game).values
    points = values.reshape(game.n_players, -1).T  # (cells, players)
    order = sorted(range(len(points)), key=lambda k: -points[k].sum())
    frontier: list[int] = []
    for k in order:
        if frontier:
            others = points[frontier]
            dominated = np.all(others >= points[k], axis=1) & np.any(others > points[k], axis=1)
            if dominated.any():
                continue
        frontier.append(k)
    return [tuple(int(i) for i in np.unravel_index(k, game.num_actions)) for k in sorted(frontier)]


def welfare_maximising(game: Game) -> list[Cell]:
    """Cells whose payoff sum is maximal (ties all listed), row-major."""
    welfare = scaled_payoffs(game).values.sum(axis=0)
    return [tuple(int(i) for i in cell) for cell in np.argwhere(welfare == welfare.max())]


def optimal_welfare(game: Game) -> Fraction:
    """The largest payoff sum over all cells (no mixed profile does better: welfare is linear)."""
    scaled = scaled_payoffs(game)
    return scaled.unscale(int(scaled.values.sum(axis=0).max()))


@dataclass(frozen=True)
class WelfareRatio:
    """A price of anarchy or stability: ``value`` (None when undefined, with ``reason``)."""

    value: Number | None
    optimum: Number
    equilibrium_welfare: Number | None
    reason: str = ""


def _equilibrium_welfares(solution: Solution) -> list[Number]:
    return [sum(eq.payoffs, Fraction(0) if eq.exact else 0.0) for eq in solution.equilibria]


def _ratio(game: Game, solution: Solution, worst: bool) -> WelfareRatio:
    optimum = optimal_welfare(game)
    welfares = _equilibrium_welfares(solution)
    if not welfares:
        return WelfareRatio(None, optimum, None, "no equilibrium was found")
    chosen = min(welfares) if worst else max(welfares)
    if optimum <= 0 or chosen <= 0:
        return WelfareRatio(
            None,
            optimum,
            chosen,
            "undefined: welfare must be positive for the ratio to be meaningful",
        )
    value = optimum / chosen if isinstance(chosen, Fraction) else float(optimum) / chosen
    return WelfareRatio(value, optimum, chosen)


def price_of_anarchy(game: Game, solution: Solution | None = None) -> WelfareRatio:
    """Optimal welfare over the worst welfare among the equilibria ``solve(game)`` reports.

    In a degenerate game the solver reports the extreme equilibria of each component; for two
    players welfare is bilinear, so its minimum over a component is attained at one of them.
    """
    if solution is None:
        solution = solve(game)
    return _ratio(game, solution, worst=True)


def price_of_stability(game: Game, solution: Solution | None = None) -> WelfareRatio:
    """Optimal welfare over the best welfare among the equilibria ``solve(game)`` reports.

    For degenerate games these are the extreme equilibria (see :func:`price_of_anarchy`).
    """
    if solution is None:
        solution = solve(game)
    return _ratio(game, solution, worst=False)
