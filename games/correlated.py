"""Correlated equilibria (Aumann 1974): a distribution over joint actions nobody wants to disobey.

A mediator draws a joint action from μ and tells each player only their own part. μ is a
correlated equilibrium iff for every player p and actions i != j (the obedience constraints)
Σ_{c: c_p = i} μ(c) [u_p(j, c_-p) - u_p(i, c_-p)] <= 0. These are linear, so the best
correlated equilibrium for any linear objective is an LP, for any number of players.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from games.lp import certified_linprog
from games.model import Game, GameError
from games.scaled import scaled_payoffs

Number = Fraction | float
OBJECTIVES = ("welfare", "min-welfare")


@dataclass(frozen=True)
class CorrelatedEquilibrium:
    """``distribution`` has shape (a_1, ..., a_n); ``payoffs`` are each player's expected payoff."""

    distribution: np.ndarray
    welfare: Number
    payoffs: tuple[Number, ...]
    exact: bool


def obedience_constraints(values: np.ndarray) -> np.ndarray:
    """Rows of the obedience constraints (one per player p and pair i != j) over flattened cells."""
    n = values.shape[0]
    shape = values.shape[1:]
    rows = []
    for p in range(n):
        own = np.moveaxis(values[p], p, 0)  # (a_p, others...)
        for i in range(shape[p]):
            for j in range(shape[p]):
                if i == j:
                    continue
                row = np.zeros_like(own)
                row[i] = own[j] - own[i]  # gain from deviating to j when told i
                rows.append(np.moveaxis(row, 0, p).reshape(-1))
    if not rows:
        return np.zeros((0, int(np.prod(shape))), dtype=values.dtype)
    return np.array(rows, dtype=values.dtype)


def correlated_equilibrium(game: Game, objective: str = "welfare") -> CorrelatedEquilibrium:
    """The correlated equilibrium maximising (``"welfare"``) or minimising (``"min-welfare"``)
    the sum of payoffs; exact Fractions when the LP answer is certified, floats otherwise."""
    if objective not in OBJECTIVES:
        raise GameError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    scaled = scaled_payoffs(game)
    values = scaled.values
    cells = game.n_cells
    A_ub = obedience_constraints(values)
    welfare = values.sum(axis=0).reshape(-1)
    # Σμ = 1, so shifting every cell's welfare by a constant shifts the objective by it too.
    solution = certified_linprog(
        c=welfare - welfare.min(),
        A_ub=A_ub,
        b_ub=np.zeros(len(A_ub), dtype=np.int64),
        A_eq=np.ones((1, cells), dtype=np.int64),
        b_eq=np.ones(1, dtype=np.int64),
        maximize=objective == "welfare",
    )
    # A Nash equilibrium is a correlated one, so the LP is always feasible (Nash 1951); only
    # floating point can make it look otherwise.
    if solution is None:
        raise GameError(
            "cannot compute a correlated equilibrium: the payoffs span too many orders of "
            "magnitude for the floating-point LP solver"
        )
    if solution.exact:
        mu = np.empty(cells, dtype=object)
        mu[:] = list(solution.x)
        payoffs = tuple(scaled.unscale(values[p].reshape(-1).dot(mu)) for p in range(len(values)))
        total = sum(payoffs, Fraction(0))
    else:
        mu = np.asarray(solution.x, dtype=float)
        mu = np.clip(mu, 0.0, None)
        mu = mu / mu.sum()
        payoffs = tuple(float(game.payoffs[p].reshape(-1) @ mu) for p in range(game.n_players))
        total = float(sum(payoffs))
    return CorrelatedEquilibrium(mu.reshape(game.num_actions), total, payoffs, solution.exact)
