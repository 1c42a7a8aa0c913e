"""Policy hill-climbing (PHC): Q-learning plus a small step of the policy toward the greedy action.

Per controlled player and observed state s (Table 1 of Bowling & Veloso 2002):
1. Q(s,a) ← (1-α) Q(s,a) + α (r + γ max_a' Q(s',a'))   (no bootstrap at the episode end);
2. π(s,a) += Δ_sa with Δ_sa = -min(π(s,a), δ/(|A|-1)) for a not greedy, and the greedy action
   gaining what the others lose.
The step δ shrinks with the visits C(s) of s, δ_t = δ / (1 + C(s)/c) (``delta_decay`` = c, 0 keeps
it constant): a decaying step of the t0 / (t + t1) form the paper's experiments use. PHC is rational
against stationary opponents but, with one δ, keeps cycling in self-play on games such as Matching
Pennies; :mod:`agents.wolf_phc` varies δ to make it converge. The average policy π̄ (step 2 of
Table 2) is kept for display. Actions are drawn from π mixed with ε uniform exploration.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.tabular import load_json_state, obs_key, per_player, sample, save_json_state


class PHC(Agent):
    """Policy hill-climbing with one step size δ (it cycles where WoLF-PHC settles)."""

    name = "phc"
    description = "Policy hill-climbing (Bowling & Veloso 2002): one step size, cycles in self-play"
    defaults = {"alpha": 0.1, "gamma": 0.9, "delta": 0.01, "delta_decay": 300.0, "epsilon": 0.05}

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.alpha = float(self.hp["alpha"])
        self.gamma = float(self.hp["gamma"])
        self.delta_decay = float(self.hp["delta_decay"])
        self.epsilon = float(self.hp["epsilon"])
        if self.alpha < 0:
            raise ValueError(f"{self.name}: alpha must be >= 0, got {self.alpha}")
        if self.delta_decay < 0:
            raise ValueError(f"{self.name}: delta_decay must be >= 0, got {self.delta_decay}")
        for key, value in (("gamma", self.gamma), ("epsilon", self.epsilon)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{self.name}: {key} must be in [0, 1], got {value}")
        self.read_step_sizes()
        # Per controlled player: observation key -> arrays Q, π, π̄ and the visit count C.
        self.tables: list[dict[str, dict[str, Any]]] = [{} for _ in self.players]

    def read_step_sizes(self) -> None:
        """Read and check the policy step size(s) from ``self.hp``."""
        self.delta = float(self.hp["delta"])
        if self.delta <= 0:
            raise ValueError(f"{self.name}: delta must be > 0, got {self.delta}")

    def step_size(self, entry: dict[str, Any]) -> float:
        """δ before its decay, for the state ``entry`` (PHC: always the same)."""
        return self.delta

    def decayed(self, delta: float, visits: float) -> float:
        """δ_t = δ / (1 + C(s)/c): the step after ``visits`` visits of the state."""
        return delta / (1.0 + visits / self.delta_decay) if self.delta_decay else delta

    def _entry(self, k: int, obs: np.ndarray) -> dict[str, Any]:
        key = obs_key(obs)
        entry = self.tables[k].get(key)
        if entry is None:
            n = self.spec.n_actions[self.players[k]]
            entry = self.tables[k][key] = {
                "q": np.zeros(n), "pi": np.full(n, 1.0 / n), "avg": np.full(n, 1.0 / n),
                "count": 0.0,
            }
        return entry

    def _behaviour(self, pi: np.ndarray, explore: bool) -> np.ndarray:
        if not explore:
            return pi.copy()
        return (1.0 - self.epsilon) * pi + self.epsilon / len(pi)

    def act(self, obs: Sequence[np.ndarray], state: np.ndarray, explore: bool = True) -> Decision:
        entries = [self._entry(k, obs[p]) for k, p in enumerate(self.players)]
        probs = [self._behaviour(e["pi"], explore) for e in entries]
        actions = [sample(self.rng, s) for s in probs]
        return Decision(tuple(actions), tuple(probs), tuple(e["q"].copy() for e in entries))

    def learn(self, transition: Transition) -> dict[str, float]:
        errors = []
        for k, p in enumerate(self.players):
            e = self._entry(k, transition.obs[p])
            a = transition.actions[p]
            q, pi, avg = e["q"], e["pi"], e["avg"]
            target = transition.rewards[p]
            if not transition.done:
                target += self.gamma * float(self._entry(k, transition.next_obs[p])["q"].max())
            errors.append((target - q[a]) ** 2)
            q[a] += self.alpha * (target - q[a])  # Table 1, step 1
            e["count"] += 1.0
            avg += (pi - avg) / e["count"]  # Table 2, step 2 (the average policy)
            delta = self.decayed(self.step_size(e), e["count"])
            greedy = int(np.argmax(q))
            step = np.minimum(pi, delta / max(len(pi) - 1, 1))  # Table 1, step 2
            step[greedy] = 0.0
            pi -= step
            pi[greedy] += step.sum()
        return {"td_error": float(np.mean(errors))}

    def policy(self, obs: Sequence[np.ndarray], state: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(self._entry(k, obs[p])["pi"].copy() for k, p in enumerate(self.players))

    def average_policy(self) -> tuple[np.ndarray, ...]:
        """π̄ averaged over the states seen, weighted by visits (the single state when stateless)."""
        result = []
        for k, p in enumerate(self.players):
            table = self.tables[k].values()
            weights = np.array([e["count"] for e in table])
            if not len(weights) or weights.sum() == 0:
                n = self.spec.n_actions[p]
                result.append(np.full(n, 1.0 / n))
                continue
            stacked = np.array([e["avg"] for e in table])
            result.append(weights @ stacked / weights.sum())
        return tuple(result)

    def summary(self) -> dict[str, Any]:
        return {"average_policy": per_player(self.players, list(self.average_policy())),
                "states_seen": per_player(self.players, [len(t) for t in self.tables])}

    def save_state(self, directory: Path) -> None:
        save_json_state(directory, self.rng, tables=self.tables)

    def load_state(self, directory: Path) -> None:
        data = load_json_state(directory, self.rng)
        self.tables = [
            {key: {**e, "count": float(e["count"])} for key, e in table.items()}
            for table in data["tables"]
        ]
