"""Everything a teacher points at in a game, in one place: the analysis screen's data.

This module gathers the focused analyses (best responses, dominance, welfare, security levels,
correlated equilibria, evolutionary stability) and the equilibria into one :class:`Analysis`.
Each part is computed on first access and then kept, so a screen that shows only some parts
pays only for those; :meth:`Analysis.compute` forces all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from games.best_response import best_responses
from games.correlated import CorrelatedEquilibrium, correlated_equilibrium
from games.dominance import Domination, Elimination, dominated_actions, iterated_elimination
from games.equilibria import Solution, solve
from games.ess import evolutionarily_stable_strategies, is_symmetric
from games.model import Game, GameError
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

    @cached_property
    def failures(self) -> dict[str, str]:
        """Parts that could not be computed, each with the reason (filled by :meth:`compute`)."""
        return {}

    def failure(self, *parts: str) -> str | None:
        """Why the first of ``parts`` that failed could not be computed; None when all worked."""
        return next((self.failures[p] for p in parts if p in self.failures), None)

    def compute(self, parts: Sequence[str] | None = None) -> Analysis:
        """Compute ``parts`` (every part by default) now, e.g. before handing the analysis to
        another thread.

        A part that fails is recorded in :attr:`failures` with its reason and left out; every
        other part is still computed, so one failing analysis never hides the rest.
        """
        for name in _PARTS if parts is None else parts:
            needed = self.failure(*_NEEDS.get(name, ()))
            if needed is not None:
                self.failures[name] = f"needs the {_NEEDS[name][0]}, which failed: {needed}"
                continue
            try:
                getattr(self, name)
            except GameError as error:
                self.failures[name] = str(error)
            except (ArithmeticError, ValueError, RuntimeError, MemoryError) as error:
                self.failures[name] = f"{type(error).__name__}: {error}"
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
#: Parts computed from another part: when that one fails, so do they (without recomputing it).
_NEEDS = {"price_of_anarchy": ("solution",), "price_of_stability": ("solution",)}


def analyse(game: Game, solution: Solution | None = None) -> Analysis:
    """The analysis of ``game``, parts computed on first use; pass ``solution`` if already solved."""
    analysis = Analysis(game)
    if solution is not None:
        analysis.__dict__["solution"] = solution
    return analysis
