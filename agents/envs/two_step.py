"""The two-step cooperative game of the QMIX paper (Rashid et al. 2018, §6.1 and Fig. 3).

Two agents, two actions each, one shared reward paid only at the end. In state 1 the first
agent's action chooses the next state: action A1 leads to state 2A, where every joint action pays
7; action A2 leads to state 2B, which pays ``[[0, 1], [1, 8]]``. The optimum (8) needs both agents
to pick A2 in state 2B, and agent 1 to gamble on 2B in state 1. Value decomposition with a sum
(VDN) cannot represent state 2B's payoffs under uniform exploration and settles on the safe 7;
QMIX's monotonic mixing can, and finds 8.

The global state is the one-hot of (state 1, state 2A, state 2B); every agent observes it too, as
in the paper. After the last step the observation and state are all-zero (terminal).
"""

from __future__ import annotations

import numpy as np

from agents.base import EnvSpec
from agents.envs.base import MultiAgentEnv

STATE_NAMES = ("state 1", "state 2A", "state 2B")
PAYOFF_2A = np.full((2, 2), 7.0)
PAYOFF_2B = np.array([[0.0, 1.0], [1.0, 8.0]])

_SPEC = EnvSpec(
    n_players=2,
    n_actions=(2, 2),
    obs_dims=(3, 3),
    state_dim=3,
    episode_length=2,
    name="two-step",
)


def state_vector(index: int) -> np.ndarray:
    """One-hot global state: 0 = state 1, 1 = state 2A, 2 = state 2B."""
    vector = np.zeros(3, dtype=np.float32)
    vector[index] = 1.0
    return vector


class TwoStepEnv(MultiAgentEnv):
    """Rashid et al. (2018) two-step game; the team's optimal return is 8."""

    metadata = {"name": "two_step_v0", "render_modes": []}

    def __init__(self) -> None:
        self._where = 0
        super().__init__()

    @property
    def spec(self) -> EnvSpec:
        return _SPEC

    def _observe(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        state = state_vector(self._where) if self._where >= 0 else np.zeros(3, np.float32)
        return (state.copy(), state.copy()), state

    def _reset(self) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        self._where = 0
        return self._observe()

    def _step(
        self, actions: tuple[int, ...]
    ) -> tuple[tuple[np.ndarray, ...], tuple[float, ...], bool, np.ndarray]:
        if self._where < 0:
            raise RuntimeError("two-step: the episode is over; call reset() first")
        if len(actions) != 2 or any(a not in (0, 1) for a in actions):
            raise ValueError(f"two-step: expected two actions in {{0, 1}}, got {actions}")
        if self._where == 0:
            # State 1: agent 1's action picks state 2A (A1) or 2B (A2); no reward yet.
            self._where = 1 + actions[0]
            obs, state = self._observe()
            return obs, (0.0, 0.0), False, state
        payoff = PAYOFF_2A if self._where == 1 else PAYOFF_2B
        reward = float(payoff[actions[0], actions[1]])
        self._where = -1
        obs, state = self._observe()
        return obs, (reward, reward), True, state
