"""Hedge, the multiplicative-weights algorithm (Freund & Schapire 1997), with full information.

Each round the agent learns the payoff every one of its actions would have earned against the
others' realised actions (from the stage game ``spec.game``) and plays

    σ_{t+1}(k) ∝ exp(η U_t(k) / range),   U_t(k) = Σ_s u(k, a_-i^s),

where ``range`` is the spread of the player's payoffs, so that ``eta`` does not depend on the
payoff scale. Hedge has no regret; in two-player zero-sum games the time-average of σ (the
average policy) approaches a Nash equilibrium.
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


def softmax(values: np.ndarray) -> np.ndarray:
    z = np.exp(values - values.max())
    return z / z.sum()


class Hedge(Agent):
    """Multiplicative weights over the player's actions."""

    name = "hedge"
    description = "Hedge / multiplicative weights (Freund & Schapire 1997), full information"
    defaults = {"eta": 0.1}

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.game = require_game(spec, self.name)
        self.eta = float(self.hp["eta"])
        if self.eta <= 0:
            raise ValueError(f"hedge: eta must be > 0, got {self.eta}")
        self.scale = [
            self.eta / (float(np.ptp(self.game.payoffs[p])) or 1.0) for p in self.players
        ]
        self.cumulative = [np.zeros(spec.n_actions[p]) for p in self.players]
        self.strategy_sum = [np.zeros(spec.n_actions[p]) for p in self.players]

    def _strategies(self) -> list[np.ndarray]:
        return [softmax(s * u) for s, u in zip(self.scale, self.cumulative, strict=True)]

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        probs = self._strategies()
        actions = [sample(self.rng, s) for s in probs]
        return Decision(tuple(actions), tuple(probs), tuple(u.copy() for u in self.cumulative))

    def learn(self, transition: Transition) -> dict[str, float]:
        for k, (p, strategy) in enumerate(zip(self.players, self._strategies(), strict=True)):
            self.strategy_sum[k] += strategy
            self.cumulative[k] += realised_values(self.game, p, transition.actions)  # U += u(·, a_-i)
        return {}

    def policy(self, obs: Sequence[np.ndarray], state: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(self._strategies())

    def average_policy(self) -> tuple[np.ndarray, ...]:
        """Time-average of the played mixed strategies."""
        return tuple(
            s / s.sum() if s.sum() else cur
            for s, cur in zip(self.strategy_sum, self._strategies(), strict=True)
        )

    def summary(self) -> dict[str, Any]:
        return {"average_policy": per_player(self.players, list(self.average_policy()))}

    def save_state(self, directory: Path) -> None:
        save_json_state(directory, self.rng, cumulative=self.cumulative,
                        strategy_sum=self.strategy_sum)

    def load_state(self, directory: Path) -> None:
        data = load_json_state(directory, self.rng)
        self.cumulative, self.strategy_sum = list(data["cumulative"]), list(data["strategy_sum"])
