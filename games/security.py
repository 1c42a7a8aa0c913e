"""Security (maxmin) strategies and the value of two-player zero-sum games.

A player's maxmin strategy maximises the payoff they can guarantee whatever the others do; the
others may coordinate, so their joint pure actions are the LP's columns (von Neumann 1928;
Osborne & Rubinstein 1994, §2.5). In a zero-sum game both players' maxmin values coincide up to
sign (the minimax theorem) and the maxmin strategies are exactly the equilibrium strategies.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from games.lp import certified_linprog
from games.model import Game, GameError
from games.scaled import player_matrix, scaled_payoffs

Number = Fraction | float
Strategy = tuple[Number, ...]


def maxmin(game: Game, player: int) -> tuple[Strategy, Number]:
    """Player ``player``'s security strategy and the payoff it guarantees.

    LP: max v s.t. Σ_i x_i u_p(i, c) >= v for every joint pure action c of the others,
    Σ x = 1, x >= 0. Fractions when the LP solution is certified exact, floats otherwise.
    """
    if not 0 <= player < game.n_players:
        raise GameError(f"no player #{player + 1} (the game has {game.n_players})")
    scaled = scaled_payoffs(game)
    matrix = player_matrix(scaled.values, player)  # (own actions, others' joint actions)
    shift = matrix.min()  # solve for v - shift: small, nonnegative numbers condition the LP
    matrix = matrix - shift
    k, m = matrix.shape
    solution = certified_linprog(
        c=np.r_[np.zeros(k, dtype=np.int64), 1],
        A_ub=np.c_[-matrix.T, np.ones(m, dtype=np.int64)],
        b_ub=np.zeros(m, dtype=np.int64),
        A_eq=np.r_[np.ones(k, dtype=np.int64), 0][None, :],
        b_eq=np.ones(1, dtype=np.int64),
        free=[False] * k + [True],
        maximize=True,
    )
    if solution is None:  # always feasible in exact arithmetic: floats broke down
        raise GameError(
            f"cannot compute {game.players[player]}'s maxmin strategy: the payoffs span too many "
            "orders of magnitude for the floating-point LP solver"
        )
    strategy = tuple(solution.x[:k])
    if solution.exact:
        return strategy, scaled.unscale(solution.objective + shift)
    return strategy, (float(solution.objective) + float(shift)) / float(scaled.scale)


@dataclass(frozen=True)
class ZeroSumValue:
    """Value to the row player (the column player gets ``constant - value``) and optimal strategies."""

    value: Number
    row_strategy: Strategy
    column_strategy: Strategy
    constant: Fraction = Fraction(0)


def is_constant_sum(game: Game) -> bool:
    """Two players whose payoffs add up to the same constant in every cell (exactly)."""
    if game.n_players != 2:
        return False
    totals = game.exact_payoffs.sum(axis=0).reshape(-1)
    return all(t == totals[0] for t in totals)


def zero_sum_value(game: Game) -> ZeroSumValue:
    """Value and optimal strategies of a two-player zero-sum (or constant-sum) game.

    Constant-sum games are strategically zero-sum: the column player's maxmin in B = k - A is
    k minus the row player's minmax, so the minimax theorem applies unchanged.
    """
    if game.n_players != 2:
        raise GameError(
            f"the zero-sum value needs a two-player game; {game.name!r} has "
            f"{game.n_players} players"
        )
    if not is_constant_sum(game):
        raise GameError(f"{game.name!r} is not zero-sum: the payoffs' sum varies across cells")
    row, value = maxmin(game, 0)
    column, _ = maxmin(game, 1)
    return ZeroSumValue(value, row, column, Fraction(game.exact_payoffs[(slice(None), 0, 0)].sum()))
