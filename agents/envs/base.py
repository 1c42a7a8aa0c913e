"""Environments as PettingZoo Parallel environments, built from a few plain methods.

Subclasses implement :meth:`spec`, :meth:`_reset` and :meth:`_step` over tuples indexed by player;
this base class adds the Parallel API (dicts keyed by agent name, spaces, terminations and
truncations) so every environment passes ``pettingzoo.test.parallel_api_test``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cache
from typing import Any

import numpy as np

from agents.base import EnvSpec
from agents.lean import LeanTable


class MultiAgentEnv(ABC):
    """A multi-agent environment: every player acts each step (PettingZoo's Parallel API)."""

    metadata: dict[str, Any] = {"name": "marl_tui_env", "render_modes": []}
    render_mode = None

    def __init__(self) -> None:
        self.possible_agents = [f"player_{p}" for p in range(self.spec.n_players)]
        self.agents: list[str] = []
        self.rng = np.random.default_rng()
        self._state = np.zeros(self.spec.state_dim, dtype=np.float32)

    @property
    @abstractmethod
    def spec(self) -> EnvSpec:
        """Sizes every agent is built for."""

    @abstractmethod
    def _reset(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """Start an episode: every player's observation and the global state."""

    @abstractmethod
    def _step(
        self, actions: tuple[int, ...]
    ) -> tuple[tuple[np.ndarray, ...], tuple[float, ...], bool, np.ndarray]:
        """Play a joint action: observations, rewards, whether the episode ended, next state."""

    # ----- plain tuple API used by the runner ------------------------------------------------
    def reset_tuple(self, seed: int | None = None) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        obs, self._state = self._reset()
        self.agents = list(self.possible_agents)
        return obs, self._state

    def step_tuple(
        self, actions: tuple[int, ...]
    ) -> tuple[tuple[np.ndarray, ...], tuple[float, ...], bool, np.ndarray]:
        obs, rewards, done, self._state = self._step(tuple(int(a) for a in actions))
        if done:
            self.agents = []
        return obs, rewards, done, self._state

    # ----- the runner's lean path (agents.lean): environments with finitely many observations ---
    def lean_table(self) -> LeanTable | None:
        """The rounds as tables of rewards and next-observation ids (:class:`LeanTable`), where
        the observations are finitely many, each a function of the previous one and the joint
        action, so the runner may play rounds without :meth:`step_tuple` and count them with
        :meth:`skip`; ``None`` (the default): not so."""
        return None

    def lean_at(self) -> int:
        """The current observation's id in :meth:`lean_table` (only where that exists)."""
        raise NotImplementedError(f"{type(self).__name__} has no lean path")

    def skip(self, rounds: int, to: int | None = None) -> int:
        """Count ``rounds`` rounds as played outside :meth:`step_tuple` (only where
        :meth:`lean_table` is not ``None``), ending in the observation of id ``to`` (``None``:
        the observation does not change); returns the rounds left in the episode."""
        raise NotImplementedError(f"{type(self).__name__} has no lean path")

    # ----- PettingZoo Parallel API -----------------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None):
        obs, _ = self.reset_tuple(seed)
        return self._by_agent(obs), {a: {} for a in self.agents}

    def step(self, actions: dict[str, int]):
        agents = list(self.agents)
        joint = tuple(int(actions[a]) for a in self.possible_agents)
        obs, rewards, done, _ = self.step_tuple(joint)
        observations = {a: obs[p] for p, a in enumerate(self.possible_agents) if a in agents}
        reward = {a: float(rewards[p]) for p, a in enumerate(self.possible_agents) if a in agents}
        terminations = {a: bool(done) for a in agents}
        truncations = {a: False for a in agents}
        return observations, reward, terminations, truncations, {a: {} for a in agents}

    def state(self) -> np.ndarray:
        return self._state

    def observation_space(self, agent: str):
        return _box(self.spec.obs_dims[self.possible_agents.index(agent)])

    def action_space(self, agent: str):
        return _discrete(self.spec.n_actions[self.possible_agents.index(agent)])

    @property
    def unwrapped(self) -> MultiAgentEnv:
        """PettingZoo's ``ParallelEnv.unwrapped``: the environment itself (it wraps nothing)."""
        return self

    def render(self) -> None:
        return None

    def close(self) -> None:
        return None

    def _by_agent(self, values: tuple) -> dict[str, Any]:
        return dict(zip(self.possible_agents, values, strict=True))


def _spaces():
    """gymnasium's spaces module: only the PettingZoo API needs it, so it is an optional extra."""
    try:
        from gymnasium import spaces
    except ImportError as error:
        raise ImportError(
            "the PettingZoo API's observation and action spaces need gymnasium: "
            "pip install 'marl-tui[pettingzoo]'"
        ) from error
    return spaces


@cache
def _box(dim: int):
    return _spaces().Box(low=0.0, high=np.inf, shape=(dim,), dtype=np.float32)


@cache
def _discrete(n: int):
    """The same space object on every call, as PettingZoo's API test requires."""
    return _spaces().Discrete(n)
