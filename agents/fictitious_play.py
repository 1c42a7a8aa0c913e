"""Fictitious play (Brown 1951; Robinson 1951): best-respond to the opponents' empirical frequencies.

Each controlled player keeps a count of every other player's actions (starting from a uniform
pseudo-count ``prior``) and plays a best response to the product of the empirical mixes, computed
from the stage game (``spec.game``). With ``temperature > 0`` it plays the logit (smooth) best
response instead (Fudenberg & Kreps 1993). In two-player zero-sum games the empirical frequency of
play, reported as the average policy, converges to a Nash equilibrium (Robinson 1951).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.tabular import (
    action_values,
    load_json_state,
    per_player,
    require_game,
    sample,
    save_json_state,
)


class FictitiousPlay(Agent):
    """Best response to the empirical mix of the opponents' past actions."""

    name = "fictitious-play"
    description = "Fictitious play: best response to the opponents' empirical action frequencies"
    defaults = {"prior": 1.0, "temperature": 0.0}

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.game = require_game(spec, self.name)
        self.temperature = float(self.hp["temperature"])
        prior = float(self.hp["prior"])
        if prior < 0 or self.temperature < 0:
            raise ValueError("fictitious-play: prior and temperature must be >= 0")
        # beliefs[p]: counts of player p's actions, shared by all controlled players.
        self.beliefs = [np.full(n, prior, dtype=float) for n in spec.n_actions]
        self.own_counts = [np.zeros(spec.n_actions[p]) for p in self.players]

    def _profile(self) -> list[np.ndarray]:
        return [
            c / c.sum() if c.sum() else np.full(len(c), 1 / len(c)) for c in self.beliefs
        ]

    def _strategy(self, values: np.ndarray) -> np.ndarray:
        if self.temperature > 0:  # logit response: softmax(u / τ)
            z = np.exp((values - values.max()) / self.temperature)
            return z / z.sum()
        # BR(empirical mix), ties split evenly: a tie is then broken at random when acting, so two
        # players starting alike need not stay alike (on the diagonal of Shapley's game, play
        # would converge; from generic starts it cycles, Shapley 1964)
        best = values >= values.max() - 1e-12 * max(1.0, float(np.abs(values).max()))
        return best / best.sum()

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        profile = self._profile()
        values = [action_values(self.game, p, profile) for p in self.players]
        probs = [self._strategy(v) for v in values]
        actions = [sample(self.rng, s) for s in probs]
        return Decision(tuple(actions), tuple(probs), tuple(values))

    def learn(self, transition: Transition) -> dict[str, float]:
        for p, a in enumerate(transition.actions):
            self.beliefs[p][a] += 1.0
        for k, p in enumerate(self.players):
            self.own_counts[k][transition.actions[p]] += 1.0
        return {}

    def policy(self, obs: Sequence[np.ndarray], state: np.ndarray) -> tuple[np.ndarray, ...]:
        profile = self._profile()
        return tuple(self._strategy(action_values(self.game, p, profile)) for p in self.players)

    def average_policy(self) -> tuple[np.ndarray, ...]:
        """Empirical frequency of this agent's own play (what converges in fictitious play)."""
        return tuple(
            c / c.sum() if c.sum() else np.full(len(c), 1 / len(c)) for c in self.own_counts
        )

    def summary(self) -> dict[str, Any]:
        profile = self._profile()
        return {"beliefs": {str(p): profile[p].round(6).tolist() for p in range(len(profile))},
                "average_policy": per_player(self.players, list(self.average_policy()))}

    def save_state(self, directory: Path) -> None:
        save_json_state(directory, self.rng, beliefs=self.beliefs, own_counts=self.own_counts)

    def load_state(self, directory: Path) -> None:
        data = load_json_state(directory, self.rng)
        self.beliefs, self.own_counts = list(data["beliefs"]), list(data["own_counts"])
