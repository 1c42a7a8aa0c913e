"""Independent Q-learning: every player learns its own action values, treating the others as noise.

Two forms, chosen by ``stateful`` (``None``: stateful exactly when the observation is non-empty):
- stateless, the course notebook's rule: ``Q[a] += lr (r - Q[a])``, the immediate payoff only;
- stateful (Watkins 1989, Q-learning over the observed history):
  ``Q[s, a] += lr (r + γ max_a' Q[s', a'] - Q[s, a])``, without bootstrapping at the episode end.
Actions are ε-greedy; ties go to the first maximal action, as in the notebook (and in
:mod:`agents.vectorised`, which must learn identically).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.tabular import epsilon_greedy, load_json_state, obs_key, per_player, save_json_state


class IQL(Agent):
    """Independent (tabular) Q-learning with ε-greedy exploration."""

    name = "iql"
    description = "Independent Q-learning: ε-greedy on its own action values (stateless or per history)"
    defaults = {"lr": 0.1, "epsilon": 0.1, "gamma": 0.9, "stateful": None}

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.lr = float(self.hp["lr"])
        self.epsilon = float(self.hp["epsilon"])
        self.gamma = float(self.hp["gamma"])
        if not 0.0 <= self.epsilon <= 1.0:
            raise ValueError(f"iql: epsilon must be in [0, 1], got {self.epsilon}")
        if self.lr < 0:
            raise ValueError(f"iql: lr must be >= 0, got {self.lr}")
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"iql: gamma must be in [0, 1], got {self.gamma}")
        stateful = self.hp["stateful"]
        self.stateful = [
            spec.obs_dims[p] > 0 if stateful is None else bool(stateful) for p in self.players
        ]
        # One table per controlled player: observation key -> Q row ("" is the only stateless key).
        self.q: list[dict[str, np.ndarray]] = [{} for _ in self.players]
        self.counts = [np.zeros(spec.n_actions[p]) for p in self.players]

    def _key(self, k: int, obs: np.ndarray) -> str:
        return obs_key(obs) if self.stateful[k] else ""

    def _row(self, k: int, key: str) -> np.ndarray:
        row = self.q[k].get(key)
        if row is None:
            row = self.q[k][key] = np.zeros(self.spec.n_actions[self.players[k]])
        return row

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        actions, probs, values = [], [], []
        for k, p in enumerate(self.players):
            q = self._row(k, self._key(k, obs[p]))
            if explore and self.rng.random() < self.epsilon:
                action = int(self.rng.integers(len(q)))
            else:
                action = int(q.argmax())
            actions.append(action)
            probs.append(epsilon_greedy(q, self.epsilon if explore else 0.0))
            values.append(q.copy())
        return Decision(tuple(actions), tuple(probs), tuple(values))

    def learn(self, transition: Transition) -> dict[str, float]:
        errors = []
        for k, p in enumerate(self.players):
            a = transition.actions[p]
            q = self._row(k, self._key(k, transition.obs[p]))
            target = transition.rewards[p]
            if self.stateful[k] and not transition.done:
                target += self.gamma * float(self._row(k, self._key(k, transition.next_obs[p])).max())
            error = target - q[a]
            q[a] += self.lr * error  # Q[s,a] += lr (r + γ max Q[s'] - Q[s,a])
            self.counts[k][a] += 1
            errors.append(error * error)
        return {"td_error": sum(errors) / len(errors)}

    def policy(self, obs: Sequence[np.ndarray], state: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(
            epsilon_greedy(self._row(k, self._key(k, obs[p])), 0.0)
            for k, p in enumerate(self.players)
        )

    def average_policy(self) -> tuple[np.ndarray, ...]:
        """How often each action was played so far (uniform before the first round)."""
        return tuple(
            c / c.sum() if c.sum() else np.full(len(c), 1 / len(c)) for c in self.counts
        )

    def summary(self) -> dict[str, Any]:
        return {
            "q_values": per_player(self.players, [self._row(k, "") if not self.stateful[k]
                                                  else _mean_row(self.q[k], len(self.counts[k]))
                                                  for k in range(len(self.players))]),
            "states_seen": per_player(self.players, [len(t) for t in self.q]),
        }

    def save_state(self, directory: Path) -> None:
        save_json_state(directory, self.rng, q=self.q, counts=self.counts)

    def load_state(self, directory: Path) -> None:
        data = load_json_state(directory, self.rng)
        self.q = [dict(table) for table in data["q"]]
        self.counts = list(data["counts"])


def _mean_row(table: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Average Q row over the observations seen (a one-line summary of a stateful table)."""
    return np.mean(list(table.values()), axis=0) if table else np.zeros(n)
