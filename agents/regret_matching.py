"""Regret matching (Hart & Mas-Colell 2000, "A simple adaptive procedure leading to correlated
equilibrium"), in its unconditional form (their §4): play each action with probability
proportional to the positive part of its cumulative regret,

    R_T(k) = Σ_t [u(k, a_-i^t) - u(a_i^t, a_-i^t)],   σ_{T+1}(k) = R_T(k)⁺ / Σ_j R_T(j)⁺

(uniform when no regret is positive). Regrets for actions not played need the stage game
(``spec.game``). The time-average of σ is the average policy: in two-player zero-sum games it
converges to a Nash equilibrium, and the empirical joint play to the set of coarse correlated
equilibria in every game.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.tabular import (
    load_json_state,
    per_player,
    realised_values,
    require_game,
    sample,
    save_json_state,
)


def regret_matching_strategy(regrets: np.ndarray) -> np.ndarray:
    """σ(k) ∝ max(R(k), 0); uniform when no regret is positive (Hart & Mas-Colell 2000, eq. 2.2)."""
    positive = np.maximum(regrets, 0.0)
    total = positive.sum()
    return positive / total if total > 0 else np.full(len(regrets), 1.0 / len(regrets))


class RegretMatching(Agent):
    """No-regret learner: mix in proportion to positive cumulative regret."""

    name = "regret-matching"
    description = "Regret matching (Hart & Mas-Colell 2000): mix in proportion to positive regret"
    defaults: dict[str, Any] = {}

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.game = require_game(spec, self.name)
        self.regrets = [np.zeros(spec.n_actions[p]) for p in self.players]
        self.strategy_sum = [np.zeros(spec.n_actions[p]) for p in self.players]

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        probs = [regret_matching_strategy(r) for r in self.regrets]
        actions = [sample(self.rng, s) for s in probs]
        return Decision(tuple(actions), tuple(probs), tuple(r.copy() for r in self.regrets))

    def learn(self, transition: Transition) -> dict[str, float]:
        for k, p in enumerate(self.players):
            self.strategy_sum[k] += regret_matching_strategy(self.regrets[k])
            values = realised_values(self.game, p, transition.actions)
            self.regrets[k] += values - values[transition.actions[p]]  # R(k) += u(k,a_-i) - u(a)
        return {}

    def policy(self, obs: Sequence[np.ndarray], state: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(regret_matching_strategy(r) for r in self.regrets)

    def average_policy(self) -> tuple[np.ndarray, ...]:
        """Time-average of the played mixed strategies."""
        return tuple(
            s / s.sum() if s.sum() else regret_matching_strategy(r)
            for s, r in zip(self.strategy_sum, self.regrets, strict=True)
        )

    def summary(self) -> dict[str, Any]:
        return {"regrets": per_player(self.players, self.regrets),
                "average_policy": per_player(self.players, list(self.average_policy()))}

    def save_state(self, directory: Path) -> None:
        save_json_state(directory, self.rng, regrets=self.regrets, strategy_sum=self.strategy_sum)

    def load_state(self, directory: Path) -> None:
        data = load_json_state(directory, self.rng)
        self.regrets, self.strategy_sum = list(data["regrets"]), list(data["strategy_sum"])
