"""Payoffs scaled to integers, so that analysis decides ties exactly and still runs in numpy.

Multiplying every payoff by the least common multiple of their denominators, then dividing by the
greatest common divisor of the resulting integers, is a positive linear map: it keeps each
player's preferences, best responses, dominance, the Pareto order and the ranking of welfare
sums, while turning Fraction comparisons into integer ones. Dividing by the gcd keeps the
integers as small as the payoffs' proportions allow (payoffs 3e20 and 5e20 become 3 and 5), so
the floating-point linear programs built on them stay well within their numeric range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from games.model import Game

# Largest magnitude kept in int64: sums over up to 12 players and pairwise differences stay below 2**63.
_INT64_SAFE = 2**58


@dataclass(frozen=True)
class ScaledPayoffs:
    """``values = scale * payoffs`` exactly; ``values`` is int64 when it fits, else Python ints."""

    values: np.ndarray
    scale: Fraction

    def unscale(self, value: int | Fraction) -> Fraction:
        """A quantity in scaled units (an integer or Fraction) back in payoff units."""
        return Fraction(value) / self.scale


def scaled_payoffs(game: Game) -> ScaledPayoffs:
    """The game's exact payoffs as coprime integers: times the common denominator, over the gcd."""
    flat = game.exact_payoffs.reshape(-1)
    denominator = math.lcm(*(v.denominator for v in flat))
    ints = [v.numerator * (denominator // v.denominator) for v in flat]
    divisor = math.gcd(*ints) or 1  # all-zero payoffs: nothing to divide
    ints = [v // divisor for v in ints]
    scale = Fraction(denominator, divisor)
    if max(abs(v) for v in ints) < _INT64_SAFE:
        values = np.array(ints, dtype=np.int64)
    else:
        values = np.empty(len(ints), dtype=object)
        values[:] = ints
    return ScaledPayoffs(values.reshape(game.payoffs.shape), scale)


def player_matrix(values: np.ndarray, player: int) -> np.ndarray:
    """Player ``player``'s payoffs as a matrix: rows their actions, columns the others' joint actions.

    Columns run over the other players' joint actions in row-major order of the remaining axes.
    """
    own = np.moveaxis(values[player], player, 0)
    return own.reshape(own.shape[0], -1)
