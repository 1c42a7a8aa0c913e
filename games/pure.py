"""Pure Nash equilibria of n-player games, vectorised over the payoff tensor.

A joint action is a pure equilibrium when every player's payoff there is a maximum along that
player's own axis (no unilateral deviation gains). Floats select the cells; since rounding to
float is monotone, the float test never misses a true equilibrium, and the exact payoffs decide
float ties whenever the floats might not be the exact payoffs (only those entries are read
exactly: converting every payoff of a float game to a Fraction would cost more than the whole
support search).
"""

from __future__ import annotations

import numpy as np

from games.model import Game

_EXACT_FLOAT_INTEGERS = 2.0**53


def pure_equilibria(game: Game) -> list[tuple[int, ...]]:
    """Every pure Nash equilibrium of ``game`` as a joint action, in row-major order."""
    payoffs = game.payoffs
    stable = np.ones(game.num_actions, dtype=bool)
    for p in range(game.n_players):
        stable &= payoffs[p] >= payoffs[p].max(axis=p, keepdims=True)
    cells = [tuple(int(i) for i in cell) for cell in np.argwhere(stable)]
    if _floats_are_exact(game):
        return cells
    return [cell for cell in cells if exactly_stable(game, cell)]


def _floats_are_exact(game: Game) -> bool:
    """True when every payoff is an integer that float64 represents exactly."""
    floats = game.payoffs
    if not (np.all(floats == np.round(floats)) and np.all(np.abs(floats) < _EXACT_FLOAT_INTEGERS)):
        return False
    return all(v.denominator == 1 for v in game.exact_payoffs.reshape(-1))


def exactly_stable(game: Game, cell: tuple[int, ...]) -> bool:
    """Whether no player gains by a unilateral deviation from ``cell``, in exact arithmetic.

    Floats decide wherever they differ: rounding to the nearest double is monotone, so a strict
    inequality between two floats holds between the exact payoffs too; only float ties are
    compared exactly.
    """
    floats = game.payoffs
    for p, count in enumerate(game.num_actions):
        current = floats[(p, *cell)]
        for action in range(count):
            deviation = (*cell[:p], action, *cell[p + 1 :])
            value = floats[(p, *deviation)]
            if value > current:
                return False
            if (
                action != cell[p]
                and value == current
                and game.exact_payoff(p, deviation) > game.exact_payoff(p, cell)
            ):
                return False
    return True
