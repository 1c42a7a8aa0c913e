"""A human player: the app records the chosen action with :meth:`Human.choose` before each step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.base import Agent, Decision, EnvSpec, Transition


class Human(Agent):
    """Plays whatever the person chose for this round; never learns."""

    name = "human"
    description = "You: the app asks for your action every round"

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.pending: tuple[int, ...] | None = None
        self.counts = [np.zeros(spec.n_actions[p]) for p in self.players]

    def choose(self, action: int | Sequence[int]) -> None:
        """Set the action(s) for the next round, one per controlled player."""
        actions = (action,) if isinstance(action, int | np.integer) else tuple(action)
        if len(actions) != len(self.players):
            raise ValueError(f"human: expected {len(self.players)} action(s), got {len(actions)}")
        for p, a in zip(self.players, actions, strict=True):
            if not 0 <= int(a) < self.spec.n_actions[p]:
                raise ValueError(
                    f"human: action {a} out of range for player {p} "
                    f"(0..{self.spec.n_actions[p] - 1})"
                )
        self.pending = tuple(int(a) for a in actions)

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        if self.pending is None:
            raise RuntimeError(
                "human: no action chosen for this round; call choose(action) before stepping"
            )
        actions, self.pending = self.pending, None
        probs = tuple(np.eye(self.spec.n_actions[p])[a] for p, a in zip(self.players, actions,
                                                                         strict=True))
        return Decision(actions, probs)

    def learn(self, transition: Transition) -> dict[str, float]:
        for k, p in enumerate(self.players):
            self.counts[k][transition.actions[p]] += 1
        return {}

    def policy(self, obs: Sequence[np.ndarray], state: np.ndarray) -> tuple[np.ndarray, ...]:
        return self.average_policy()

    def average_policy(self) -> tuple[np.ndarray, ...]:
        """How often the person chose each action (uniform before the first round)."""
        return tuple(c / c.sum() if c.sum() else np.full(len(c), 1 / len(c)) for c in self.counts)
