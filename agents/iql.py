"""Independent Q-learning: every player learns its own action values, treating the others as noise.

Two forms, chosen by ``stateful`` (``None``: stateful exactly when the observation is non-empty):
- stateless, the course notebook's rule: ``Q[a] += lr (r - Q[a])``, the immediate payoff only;
- stateful (Watkins 1989, Q-learning over the observed history):
  ``Q[s, a] += lr (r + γ max_a' Q[s', a'] - Q[s, a])``, without bootstrapping at the episode end.
Actions are ε-greedy; ties go to the first maximal action, as in the notebook (and in
:mod:`agents.vectorised`, which must learn identically).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.lean import DrawnStream, LeanAgent, LeanTable
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

    def lean(self, table: LeanTable) -> LeanIQL | None:
        """The rule on plain numbers over ``table``'s observation ids (other generators: none)."""
        if not DrawnStream.supports(self.rng):
            return None
        return LeanIQL(self, table)

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


def _rows_of(table: dict[str, np.ndarray], keys: set[str]) -> dict[str, list[float]]:
    """The rows of ``table`` under ``keys``, as lists, in the table's order."""
    return {key: row.tolist() for key, row in table.items() if key in keys}


#: Q-values beyond this size get the exact finiteness check of their sum (as :meth:`IQL.act`'s
#: Decision would fail it); below it the sum of a few values cannot overflow.
_HUGE = 1e300


class LeanIQL(LeanAgent):
    """IQL on Python floats, over a :class:`~agents.lean.LeanTable`'s observation ids:
    :meth:`IQL.act` and :meth:`IQL.learn` without the objects.

    The same numbers in the same order: ε-greedy from ``rng.random()`` and ``rng.integers(n)``
    (replayed by :class:`~agents.lean.DrawnStream`), ``Q[s, a] += lr (r + γ max Q[s'] - Q[s, a])``
    (stateful players, no bootstrap at the episode end) or ``Q[a] += lr (r - Q[a])`` (stateless),
    the mean squared TD error over the agent's players, and the ε-greedy probabilities of the Q
    row acted on. Each player's rows are indexed by observation id; ids whose observations give
    the same key (every id, for a stateless player) share one row. A row is made when
    :meth:`IQL._row` would make it, and :meth:`sync` adds the new ones to the agent's tables in
    that order, under the keys :meth:`IQL._key` gives. An agent of one player (the usual case)
    gets loop-free versions of :meth:`act` and :meth:`learn`.
    """

    loss_key = "td_error"

    def __init__(self, agent: IQL, table: LeanTable) -> None:
        self.agent = agent
        self.players = agent.players
        self.slots = tuple(enumerate(agent.players))
        self.sizes = [agent.spec.n_actions[p] for p in agent.players]
        self.stateful = list(agent.stateful)
        #: per player: the key of each observation id, and the rows by key (the agent's own first,
        #: then the ones made here, in the order made)
        self.keys = [[agent._key(k, obs[p]) for obs in table.observations] for k, p in self.slots]
        self.by_key = [_rows_of(agent.q[k], set(keys)) for k, keys in enumerate(self.keys)]
        #: per player: the Q row of each observation id (None: not made yet)
        self.rows = [[by_key.get(key) for key in keys]
                     for keys, by_key in zip(self.keys, self.by_key, strict=True)]
        #: per player: whether the row of each observation id has non-finite Q-values
        self.bad = [[False] * len(keys) for keys in self.keys]
        self.counts = [c.tolist() for c in agent.counts]
        self.epsilon = agent.epsilon
        self.lr = agent.lr
        self.gamma = agent.gamma
        # row g: the ε-greedy probabilities when action g is greedy
        self.probs = [np.array([epsilon_greedy(np.eye(n)[g], agent.epsilon) for g in range(n)])
                      for n in self.sizes]
        self.chosen: list = []  # the greedy action(s) of each round acted in
        self.stream = DrawnStream(agent.rng)
        for k in range(len(self.players)):
            for key, row in self.by_key[k].items():
                self._check(k, key, row)
        if len(self.players) == 1:
            self.act, self.learn = self._act_one, self._learn_one
            self.rows0, self.bad0, self.stateful0 = self.rows[0], self.bad[0], self.stateful[0]

    def _new_row(self, k: int, s: int) -> list[float]:
        """The row of observation ``s`` for player ``k``, made as :meth:`IQL._row` makes it."""
        key = self.keys[k][s]
        row = self.by_key[k][key] = [0.0] * self.sizes[k]
        rows = self.rows[k]
        for i, other in enumerate(self.keys[k]):
            if other == key:
                rows[i] = row
        return row

    def _check(self, k: int, key: str, row: list[float]) -> None:
        """Mark ``row`` bad if its sum is not finite (as the Decision's Q-values are checked)."""
        if not math.isfinite(sum(row)):
            for i, other in enumerate(self.keys[k]):
                if other == key:
                    self.bad[k][i] = True

    def _bootstrap(self, k: int, s2: int) -> float:
        """``γ max Q[s']`` as :meth:`IQL.learn` takes it (numpy's max where a value is not finite)."""
        row = self.rows[k][s2]
        if row is None:
            row = self._new_row(k, s2)
        return self.gamma * (float(np.max(row)) if self.bad[k][s2] else max(row))

    def act(self, joint: list[int], s: int) -> str | None:
        bests = []
        for k, p in self.slots:
            q = self.rows[k][s]
            if q is None:
                q = self._new_row(k, s)
            elif self.bad[k][s]:
                return "non-finite Q-values"
            best = q.index(max(q))  # the first maximal action, as argmax
            bests.append(best)
            explores = self.stream.random() < self.epsilon
            joint[p] = self.stream.integers(self.sizes[k]) if explores else best
        self.chosen.append(bests)
        return None

    def _act_one(self, joint: list[int], s: int) -> str | None:
        q = self.rows0[s]
        if q is None:
            q = self._new_row(0, s)
        elif self.bad0[s]:
            return "non-finite Q-values"
        best = q.index(max(q))
        self.chosen.append(best)
        explores = self.stream.random() < self.epsilon
        joint[self.players[0]] = self.stream.integers(self.sizes[0]) if explores else best
        return None

    def learn(
        self, joint: list[int], rewards: tuple[float, ...], s: int, s2: int, done: bool
    ) -> float:
        lr, total = self.lr, 0
        for k, p in self.slots:
            q, a = self.rows[k][s], joint[p]
            target = rewards[p]
            if self.stateful[k] and not done:
                target += self._bootstrap(k, s2)
            error = target - q[a]
            q[a] += lr * error  # Q[s,a] += lr (r + γ max Q[s'] - Q[s,a])
            self.counts[k][a] += 1
            total += error * error
            if not -_HUGE < q[a] < _HUGE:
                self._check(k, self.keys[k][s], q)
        return total / len(self.slots)

    def _learn_one(
        self, joint: list[int], rewards: tuple[float, ...], s: int, s2: int, done: bool
    ) -> float:
        p = self.players[0]
        q, a = self.rows0[s], joint[p]
        target = rewards[p]
        if self.stateful0 and not done:
            ahead = self.rows0[s2]
            if ahead is None or self.bad0[s2]:
                target += self._bootstrap(0, s2)
            else:  # _bootstrap's usual case, inline
                target += self.gamma * max(ahead)
        error = target - q[a]
        q[a] += self.lr * error
        self.counts[0][a] += 1
        if not -_HUGE < q[a] < _HUGE:
            self._check(0, self.keys[0][s], q)
        return error * error  # the mean over one player: sum([e²]) / 1 is e² exactly

    def decision_probs(self, rounds: int) -> tuple[np.ndarray, ...]:
        chosen, self.chosen = self.chosen[:rounds], []
        greedy = np.array(chosen, dtype=np.int64).reshape(len(chosen), len(self.players))
        return tuple(table[greedy[:, k]] for k, table in enumerate(self.probs))

    def sync(self) -> None:
        agent = self.agent
        for k, (by_key, counts) in enumerate(zip(self.by_key, self.counts, strict=True)):
            table = agent.q[k]
            for key, row in by_key.items():  # new keys in the order made, as IQL._row adds them
                if key in table:
                    table[key][:] = row
                else:
                    table[key] = np.array(row, dtype=float)
            agent.counts[k][:] = counts
        self.stream.sync()
