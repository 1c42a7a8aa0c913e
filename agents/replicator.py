"""Discrete-time replicator dynamics (Taylor & Jonker 1978) as a learning rule.

Each controlled player holds a mixed strategy x and, every round, grows the share of actions that
do better than its current average against its model of the opponents:

    x_k ← x_k + η x_k (f_k - x·f) / range,   f = payoff of each action against the opponents' mix,

where ``range`` is the spread of the player's payoffs (so ``eta`` < 1 keeps x a distribution).
The opponents' mix is their empirical frequency of play (``tracking=0``) or, with
``0 < tracking <= 1``, an exponential moving average of their recent actions (an estimate of
their current mix). The agent plays by sampling x; the time-average of x is its average policy.
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


class Replicator(Agent):
    """Replicator dynamics against the opponents' empirical (or recent) mix."""

    name = "replicator"
    description = "Discrete-time replicator dynamics against the opponents' observed mix"
    defaults = {"eta": 0.1, "tracking": 0.0}

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.game = require_game(spec, self.name)
        self.eta = float(self.hp["eta"])
        self.tracking = float(self.hp["tracking"])
        if not 0 < self.eta < 1:
            raise ValueError(f"replicator: eta must be in (0, 1), got {self.eta}")
        if not 0 <= self.tracking <= 1:
            raise ValueError(f"replicator: tracking must be in [0, 1], got {self.tracking}")
        self.range = [float(np.ptp(self.game.payoffs[p])) or 1.0 for p in self.players]
        self.x = [np.full(n, 1.0 / n) for n in (spec.n_actions[p] for p in self.players)]
        self.x_sum = [np.zeros(spec.n_actions[p]) for p in self.players]
        # Opponent model: counts (tracking = 0) or a moving average (tracking > 0), uniform start.
        self.model = [np.full(n, 1.0 / n) for n in spec.n_actions]
        self.seen = 0

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        actions = [sample(self.rng, x) for x in self.x]
        return Decision(tuple(actions), tuple(x.copy() for x in self.x))

    def learn(self, transition: Transition) -> dict[str, float]:
        self.seen += 1
        rate = self.tracking or 1.0 / self.seen  # 1/t: the running empirical frequency
        for p, a in enumerate(transition.actions):
            self.model[p] *= 1.0 - rate
            self.model[p][a] += rate
        for k, p in enumerate(self.players):
            x = self.x[k]
            self.x_sum[k] += x
            f = action_values(self.game, p, self.model)
            x = x + self.eta * x * (f - x @ f) / self.range[k]  # Taylor & Jonker (1978), discrete
            x = np.maximum(x, 0.0)
            self.x[k] = x / x.sum()
        return {}

    def policy(self, obs: Sequence[np.ndarray], state: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(x.copy() for x in self.x)

    def average_policy(self) -> tuple[np.ndarray, ...]:
        return tuple(
            s / s.sum() if s.sum() else x for s, x in zip(self.x_sum, self.x, strict=True)
        )

    def summary(self) -> dict[str, Any]:
        return {"strategy": per_player(self.players, self.x)}

    def save_state(self, directory: Path) -> None:
        save_json_state(directory, self.rng, x=self.x, x_sum=self.x_sum, model=self.model,
                        seen=self.seen)

    def load_state(self, directory: Path) -> None:
        data = load_json_state(directory, self.rng)
        self.x, self.x_sum, self.model = list(data["x"]), list(data["x_sum"]), list(data["model"])
        self.seen = int(data["seen"])
