"""Everything a teacher points at in a game, in one place: the analysis screen's data.

This module gathers the focused analyses (best responses, dominance, welfare, security levels,
correlated equilibria, evolutionary stability) and the equilibria into one :class:`Analysis`.
Each part is computed on first access and then kept, so a screen that shows only some parts
pays only for those; :meth:`Analysis.compute` forces all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from games.best_response import best_responses
from games.correlated import CorrelatedEquilibrium, correlated_equilibrium
from games.dominance import Domination, Elimination, dominated_actions, iterated_elimination
from games.equilibria import Solution, solve
from games.ess import evolutionarily_stable_strategies, is_symmetric
from games.model import Game
from games.security import ZeroSumValue, is_constant_sum, maxmin, zero_sum_value
from games.welfare import (
    WelfareRatio,
    optimal_welfare,
    pareto_optimal,
    price_of_anarchy,
    price_of_stability,
    welfare_maximising,
)

__all__ = [
    "Analysis",
    "analyse",
    "best_responses",
    "correlated_equilibrium",
    "dominated_actions",
    "evolutionarily_stable_strategies",
    "iterated_elimination",
    "maxmin",
    "pareto_optimal",
    "price_of_anarchy",
    "price_of_stability",
    "welfare_maximising",
    "zero_sum_value",
]


@dataclass(frozen=True, eq=False)
class Analysis:
    """The analysis of one game; every attribute below is computed lazily and cached."""

    game: Game

    @cached_property
    def solution(self) -> Solution:
        """The equilibria, from :func:`games.equilibria.solve`."""
        return solve(self.game)

    @cached_property
    def best_responses(self) -> np.ndarray:
        return best_responses(self.game)

    @cached_property
    def dominated(self) -> tuple[Domination, ...]:
        """Strictly and weakly dominated actions (by pure or mixed strategies), each marked."""
        return dominated_actions(self.game, weak=True)

    @cached_property
    def elimination(self) -> Elimination:
        """Iterated elimination of strictly dominated actions (order-independent)."""
        return iterated_elimination(self.game)

    @cached_property
    def weak_elimination(self) -> Elimination:
        """Iterated elimination of weakly dominated actions (the result depends on the order)."""
        return iterated_elimination(self.game, weak=True)

    @cached_property
    def pareto_optimal(self) -> list[tuple[int, ...]]:
        return pareto_optimal(self.game)

    @cached_property
    def welfare_maximising(self) -> list[tuple[int, ...]]:
        return welfare_maximising(self.game)

    @cached_property
    def optimal_welfare(self):
        return optimal_welfare(self.game)

    @cached_property
    def maxmin(self) -> tuple:
        """Each player's (security strategy, guaranteed value)."""
        return tuple(maxmin(self.game, p) for p in range(self.game.n_players))

    @cached_property
    def zero_sum(self) -> ZeroSumValue | None:
        """The value of a two-player zero-sum (or constant-sum) game; None for other games."""
        return zero_sum_value(self.game) if is_constant_sum(self.game) else None

    @cached_property
    def correlated(self) -> CorrelatedEquilibrium:
        """The welfare-maximising correlated equilibrium."""
        return correlated_equilibrium(self.game)

    @cached_property
    def ess(self) -> tuple | None:
        """Evolutionarily stable strategies when the game is symmetric two-player; else None."""
        if not is_symmetric(self.game):
            return None
        return evolutionarily_stable_strategies(self.game)

    @cached_property
    def price_of_anarchy(self) -> WelfareRatio:
        return price_of_anarchy(self.game, self.solution)

    @cached_property
    def price_of_stability(self) -> WelfareRatio:
        return price_of_stability(self.game, self.solution)

    def compute(self) -> Analysis:
        """Compute every part now (e.g. before handing the analysis to another thread)."""
        for name in _PARTS:
            getattr(self, name)
        return self


_PARTS = (
    "solution",
    "best_responses",
    "dominated",
    "elimination",
    "weak_elimination",
    "pareto_optimal",
    "welfare_maximising",
    "optimal_welfare",
    "maxmin",
    "zero_sum",
    "correlated",
    "ess",
    "price_of_anarchy",
    "price_of_stability",
)


def analyse(game: Game, solution: Solution | None = None) -> Analysis:
    """The analysis of ``game``, parts computed on first use; pass ``solution`` if already solved."""
    analysis = Analysis(game)
    if solution is not None:
        analysis.__dict__["solution"] = solution
    return analysis
