"""Pure best responses: which of a player's actions are optimal against each joint action of the others."""

from __future__ import annotations

import numpy as np

from games.model import Game
from games.scaled import scaled_payoffs


def best_responses(game: Game) -> np.ndarray:
    """Bool array (n_players, a_1, ..., a_n): True where player p's action in that cell is a best response.

    A cell's entry for player p compares p's payoff there with p's payoffs over p's own actions,
    the others' actions held fixed; every maximiser counts (ties included). Comparison is exact:
    payoffs are scaled to integers first.
    """
    values = scaled_payoffs(game).values
    result = np.empty(values.shape, dtype=bool)
    for p in range(game.n_players):
        best = values[p].max(axis=p, keepdims=True)
        result[p] = values[p] == best
    return result
