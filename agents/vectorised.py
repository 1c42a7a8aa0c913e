"""The notebook's stateless independent Q-learning, for every player over R parallel runs at once.

State is a few numpy arrays: ``q`` of shape (players, runs, max actions). One round of all runs
and players is a handful of array operations (Watkins' update in its stateless form, as in the
course notebook and :class:`agents.iql.IQL`):

    a = ε-greedy(Q)  (ties to the first maximal action),   Q[a] += lr (r - Q[a]).

Players with fewer actions than the largest are padded with -inf so they never pick a padding
action. This is the fast path for experiments over many seeds and for the benchmark; it learns the
same way as the per-step agent (tests compare their statistics over seeds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from games import Game


@dataclass(frozen=True)
class VectorisedRun:
    """What :meth:`VectorisedIQL.run` returns: actions and rewards per round, run and player."""

    actions: np.ndarray  # (rounds, players, runs), int8/int32
    rewards: np.ndarray  # (rounds, players, runs), float
    n_actions: int | None = None  # the largest player's action count (None: the largest seen)

    def action_frequencies(self, last: int | None = None) -> np.ndarray:
        """(players, runs, actions): how often each action was played in the last ``last`` rounds.

        The action axis has ``n_actions`` entries, whatever was played (actions never chosen
        count 0), so results of different runs line up.
        """
        if last is not None and last < 0:
            raise ValueError(f"last must be >= 0, got {last}")
        actions = self.actions if last is None else self.actions[len(self.actions) - last:]
        size = self.n_actions or (int(self.actions.max()) + 1 if self.actions.size else 1)
        counts = (actions[..., None] == np.arange(size)).sum(axis=0)
        return counts / max(len(actions), 1)


class VectorisedIQL:
    """Stateless IQL for every player of ``game`` over ``runs`` independent runs."""

    def __init__(
        self,
        game: Game,
        runs: int,
        lr: float = 0.1,
        epsilon: float = 0.1,
        seed: int | None = None,
    ) -> None:
        if runs < 1:
            raise ValueError(f"runs must be >= 1, got {runs}")
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon must be in [0, 1], got {epsilon}")
        if not lr >= 0.0:
            raise ValueError(f"lr must be >= 0, got {lr}")
        self.game = game
        self.runs = int(runs)
        self.lr = float(lr)
        self.epsilon = float(epsilon)
        self.rng = np.random.default_rng(seed)
        self.n_players = game.n_players
        self.n_actions = np.asarray(game.num_actions)
        width = int(self.n_actions.max())
        self.q = np.zeros((self.n_players, self.runs, width))
        self._padding = np.broadcast_to(
            np.arange(width)[None, None, :] >= self.n_actions[:, None, None], self.q.shape
        )
        self.q[self._padding] = -np.inf
        self._payoffs = game.payoffs
        self._players = np.arange(self.n_players)[:, None]
        self._run_index = np.arange(self.runs)[None, :]
        self.rounds = 0

    def step(self) -> tuple[np.ndarray, np.ndarray]:
        """One round of every run: actions and rewards, both of shape (players, runs)."""
        shape = (self.n_players, self.runs)
        explore = self.rng.random(shape) < self.epsilon
        random_actions = (self.rng.random(shape) * self.n_actions[:, None]).astype(np.int64)
        actions = np.where(explore, random_actions, self.q.argmax(axis=2))
        rewards = self._payoffs[(slice(None), *actions)]  # (players, runs): u_p(a_1..a_n)
        chosen = self.q[self._players, self._run_index, actions]
        self.q[self._players, self._run_index, actions] = chosen + self.lr * (rewards - chosen)
        self.rounds += 1
        return actions, rewards

    def run(self, rounds: int) -> VectorisedRun:
        """Play ``rounds`` rounds of every run, recording actions and rewards."""
        dtype = np.int8 if self.n_actions.max() < 128 else np.int32
        actions = np.empty((rounds, self.n_players, self.runs), dtype=dtype)
        rewards = np.empty((rounds, self.n_players, self.runs))
        for t in range(rounds):
            actions[t], rewards[t] = self.step()
        return VectorisedRun(actions, rewards, int(self.n_actions.max()))

    def greedy_actions(self) -> np.ndarray:
        """(players, runs): each player's greedy action in each run."""
        return self.q.argmax(axis=2)

    def q_values(self) -> np.ndarray:
        """(players, runs, max actions) with padding entries as NaN."""
        return np.where(self._padding, np.nan, self.q)
