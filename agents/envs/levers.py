"""Lever pulling (Sukhbaatar, Szlam & Fergus 2016, "Learning Multiagent Communication with
Backpropagation", §5.1): the smallest task where talking pays.

Each episode is one round. ``m`` agents are drawn without replacement from a pool of ``pool``
agents; each sees only its own identity (a one-hot vector over the pool) and pulls one of ``m``
levers. Everyone receives the same team reward: the fraction of distinct levers pulled. The best
joint action pulls every lever once (reward 1), which needs the drawn agents to agree who takes
which lever - something they can only do reliably by communicating.

Player ``p`` of the environment is the ``p``-th *slot* of the draw; an agent that may not talk
sees only the identity in its slot, so its lever is a function of that identity alone.
:func:`no_communication_cap` gives the best team reward such policies can reach.
"""

from __future__ import annotations

from math import comb

import numpy as np

from agents.base import EnvSpec
from agents.envs.base import MultiAgentEnv


class LeversEnv(MultiAgentEnv):
    """The lever-pulling game with ``m`` levers and drawn agents, and a pool of ``pool`` agents.

    Observations: player ``p`` sees the one-hot identity (over the pool) of the agent drawn into
    slot ``p``. Global state: the drawn identities, the slots' one-hots concatenated (``m * pool``).
    """

    metadata = {"name": "levers", "render_modes": []}

    def __init__(self, m: int = 5, pool: int = 50) -> None:
        if not isinstance(m, int | np.integer) or m < 2:
            raise ValueError(
                f"levers: m (levers and drawn agents) must be an integer >= 2, got {m!r}"
            )
        if not isinstance(pool, int | np.integer) or pool < m:
            raise ValueError(
                f"levers: pool must be an integer >= m = {m} (agents are drawn without "
                f"replacement), got {pool!r}"
            )
        self.m = int(m)
        self.pool = int(pool)
        self._spec = EnvSpec(
            n_players=self.m,
            n_actions=(self.m,) * self.m,
            obs_dims=(self.pool,) * self.m,
            state_dim=self.m * self.pool,
            episode_length=1,
            name=f"levers:m={self.m},pool={self.pool}",
        )
        super().__init__()
        self.ids = np.arange(self.m)

    @property
    def spec(self) -> EnvSpec:
        return self._spec

    def _observe(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        one_hots = np.zeros((self.m, self.pool), dtype=np.float32)
        one_hots[np.arange(self.m), self.ids] = 1.0
        return tuple(one_hots), one_hots.reshape(-1)

    def _reset(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        self.ids = self.rng.choice(self.pool, size=self.m, replace=False)
        return self._observe()

    def _step(
        self, actions: tuple[int, ...]
    ) -> tuple[tuple[np.ndarray, ...], tuple[float, ...], bool, np.ndarray]:
        if len(actions) != self.m or any(not 0 <= a < self.m for a in actions):
            raise ValueError(f"levers: expected {self.m} levers in 0..{self.m - 1}, got {actions}")
        reward = lever_reward(actions, self.m)
        obs, state = self._observe()
        return obs, (reward,) * self.m, True, state


def lever_reward(levers: tuple[int, ...] | np.ndarray, m: int) -> float:
    """Team reward of §5.1: the fraction of the ``m`` levers pulled by at least one agent."""
    return len(set(int(a) for a in levers)) / m


def no_communication_cap(m: int, pool: int) -> float:
    """Best expected team reward when each agent's lever depends only on its own identity.

    Without messages a policy is a map from identity to a lever distribution. The expected reward
    is linear in each identity's distribution, so a deterministic map is optimal: identity ``k``
    pulls lever ``L(k)``. Lever ``l`` with ``n_l`` identities assigned to it is pulled unless all
    ``m`` drawn agents come from the other ``pool - n_l``, so

        E[reward] = (1/m) * sum_l (1 - C(pool - n_l, m) / C(pool, m)).

    ``C(pool - n, m)`` is convex in ``n``, so the sum is largest for the most balanced split
    (every ``n_l`` is ``pool // m`` or one more). This exceeds the random policy's
    ``1 - (1 - 1/m)^m`` (about 0.672 for m = 5): 0.778 for pool 10, 0.718 for pool 20 and
    0.689 for pool 50 when m = 5.
    """
    if m < 1 or pool < m:
        raise ValueError(f"need 1 <= m <= pool, got m={m}, pool={pool}")
    base, extra = divmod(pool, m)
    sizes = [base + 1] * extra + [base] * (m - extra)
    total = comb(pool, m)
    return sum(1.0 - comb(pool - n, m) / total for n in sizes) / m


def random_policy_value(m: int) -> float:
    """Expected team reward when every agent pulls a uniformly random lever: 1 - (1 - 1/m)^m."""
    return 1.0 - (1.0 - 1.0 / m) ** m
