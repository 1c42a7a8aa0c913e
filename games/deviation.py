"""How much each player gains by deviating unilaterally from a mixed-strategy profile.

This is the verification every solver's output passes: a profile is a Nash equilibrium exactly
when no player's best pure reply beats their current expected payoff. With Fraction strategies
the computation is exact (on ``game.exact_payoffs``); with floats it is numeric.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from games.model import Game, GameError


def action_values(payoffs: np.ndarray, strategies: Sequence[np.ndarray], player: int) -> np.ndarray:
    """Player's expected payoff for each of their own actions against the others' mixtures.

    ``payoffs`` is that player's tensor (a_1, ..., a_n); contracting every other player's axis
    with their strategy leaves a vector over ``player``'s actions.
    """
    values = payoffs
    for q in range(len(strategies) - 1, -1, -1):
        if q != player:
            values = np.tensordot(values, strategies[q], axes=([q], [0]))
    return values


def is_exact_profile(strategies: Sequence[Sequence[object]]) -> bool:
    """True when every probability is an int or Fraction, so arithmetic can stay exact."""
    return all(
        isinstance(v, Fraction | int) and not isinstance(v, bool) for s in strategies for v in s
    )


def as_profile(game: Game, strategies: Sequence[Sequence[object]]) -> tuple[list[np.ndarray], bool]:
    """Strategies as arrays (object Fractions when exact, floats otherwise), shape-checked."""
    if len(strategies) != game.n_players:
        raise GameError(
            f"expected one strategy per player ({game.n_players}), got {len(strategies)}"
        )
    exact = is_exact_profile(strategies)
    profile = []
    for p, (s, count) in enumerate(zip(strategies, game.num_actions, strict=True)):
        if len(s) != count:
            raise GameError(
                f"{game.players[p]}'s strategy has {len(s)} probabilities for {count} actions"
            )
        if exact:
            vector = np.empty(count, dtype=object)
            vector[:] = [Fraction(v) for v in s]
        else:
            vector = np.asarray(s, dtype=float)
        profile.append(vector)
    return profile, exact


def deviation_gains(game: Game, strategies: Sequence[Sequence[object]]) -> np.ndarray:
    """Per player: best pure reply's payoff minus the current expected payoff (>= 0).

    Returns an object array of Fractions when every probability is exact, else floats.
    """
    profile, exact = as_profile(game, strategies)
    payoffs = game.exact_payoffs if exact else game.payoffs
    gains = []
    for p in range(game.n_players):
        values = action_values(payoffs[p], profile, p)
        current = np.dot(values, profile[p])
        gains.append(max(max(values) - current, 0))
    if exact:
        result = np.empty(len(gains), dtype=object)
        result[:] = [Fraction(g) for g in gains]
        return result
    return np.array(gains, dtype=float)


def nash_conv(game: Game, strategies: Sequence[Sequence[object]]) -> float:
    """Sum over players of the deviation gains: 0 exactly at a Nash equilibrium."""
    return float(sum(deviation_gains(game, strategies)))


def is_equilibrium(game: Game, strategies: Sequence[Sequence[object]], tol: float = 1e-9) -> bool:
    """Whether ``strategies`` are probability vectors from which no player gains more than ``tol``."""
    profile, _ = as_profile(game, strategies)
    for vector in profile:
        if min(vector) < -tol or abs(sum(vector) - 1) > tol:
            return False
    return bool(all(g <= tol for g in deviation_gains(game, strategies)))
