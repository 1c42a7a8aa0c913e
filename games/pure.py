"""Pure Nash equilibria of n-player games, vectorised over the payoff tensor.

A joint action is a pure equilibrium when every player's payoff there is a maximum along that
player's own axis (no unilateral deviation gains). Floats select the cells; since rounding to
float is monotone, the float test never misses a true equilibrium, and exact payoffs decide
whenever the floats might not represent them exactly.
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
    exact = game.exact_payoffs
    return [cell for cell in cells if _exactly_stable(exact, cell)]


def _floats_are_exact(game: Game) -> bool:
    """True when every payoff is an integer that float64 represents exactly."""
    floats = game.payoffs
    if not (np.all(floats == np.round(floats)) and np.all(np.abs(floats) < _EXACT_FLOAT_INTEGERS)):
        return False
    return all(v.denominator == 1 for v in game.exact_payoffs.reshape(-1))


def _exactly_stable(exact: np.ndarray, cell: tuple[int, ...]) -> bool:
    for p in range(exact.shape[0]):
        line = list(cell)
        line[p] = slice(None)
        if max(exact[(p, *line)]) > exact[(p, *cell)]:
            return False
    return True
