"""WoLF-PHC: policy hill-climbing with a "Win or Learn Fast" step size (Bowling & Veloso 2002).

Per controlled player and observed state s (Table 2 of the paper):
1. Q(s,a) ← (1-α) Q(s,a) + α (r + γ max_a' Q(s',a'))   (no bootstrap at the episode end);
2. C(s) += 1;  π̄(s,a) += (π(s,a) - π̄(s,a)) / C(s)      (the average policy);
3. δ = δ_w if Σ_a π(s,a) Q(s,a) > Σ_a π̄(s,a) Q(s,a) ("winning") else δ_l  (δ_l > δ_w);
4. π(s,a) += Δ_sa with Δ_sa = -min(π(s,a), δ/(|A|-1)) for a not greedy, and the greedy action
   gaining what the others lose.
Actions are drawn from π mixed with ε uniform exploration.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.tabular import load_json_state, obs_key, per_player, sample, save_json_state


class WoLFPHC(Agent):
    """Policy hill-climbing that learns fast when losing and cautiously when winning."""

    name = "wolf-phc"
    description = "WoLF-PHC (Bowling & Veloso 2002): hill-climbing, fast when losing"
    defaults = {"alpha": 0.1, "gamma": 0.9, "delta_win": 0.005, "delta_lose": 0.02,
                "epsilon": 0.05}

    def __init__(
        self, spec: EnvSpec, players: Sequence[int], seed: int | None = None, **hp: Any
    ) -> None:
        super().__init__(spec, players, seed, **hp)
        self.alpha = float(self.hp["alpha"])
        self.gamma = float(self.hp["gamma"])
        self.delta_win = float(self.hp["delta_win"])
        self.delta_lose = float(self.hp["delta_lose"])
        self.epsilon = float(self.hp["epsilon"])
        if self.alpha < 0:
            raise ValueError(f"wolf-phc: alpha must be >= 0, got {self.alpha}")
        for key, value in (("gamma", self.gamma), ("epsilon", self.epsilon)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"wolf-phc: {key} must be in [0, 1], got {value}")
        if not 0 < self.delta_win < self.delta_lose:
            raise ValueError("wolf-phc: need 0 < delta_win < delta_lose (learn fast when losing)")
        # Per controlled player: observation key -> arrays Q, π, π̄ and the visit count C.
        self.tables: list[dict[str, dict[str, Any]]] = [{} for _ in self.players]

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
            q[a] += self.alpha * (target - q[a])  # step 1
            e["count"] += 1.0
            avg += (pi - avg) / e["count"]  # step 2
            delta = self.delta_win if pi @ q > avg @ q else self.delta_lose  # step 3
            greedy = int(np.argmax(q))
            step = np.minimum(pi, delta / max(len(pi) - 1, 1))  # step 4
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
