"""The QMIX paper's two-step game: dynamics, payoffs, and the PettingZoo Parallel API."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from agents.envs import make_env
from agents.envs.two_step import PAYOFF_2B, TwoStepEnv, state_vector


def play(env: TwoStepEnv, first: tuple[int, int], second: tuple[int, int]):
    obs, state = env.reset_tuple(seed=0)
    assert np.array_equal(state, state_vector(0))
    assert all(np.array_equal(o, state) for o in obs)  # agents observe the state
    obs1, rewards1, done1, state1 = env.step_tuple(first)
    obs2, rewards2, done2, state2 = env.step_tuple(second)
    return (state1, rewards1, done1), (state2, rewards2, done2)


@pytest.mark.parametrize("a2", [0, 1])
def test_agent_one_picks_state_2a_where_everything_pays_7(a2):
    for joint in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        (state1, rewards1, done1), (state2, rewards2, done2) = play(TwoStepEnv(), (0, a2), joint)
        assert np.array_equal(state1, state_vector(1)) and rewards1 == (0.0, 0.0) and not done1
        assert rewards2 == (7.0, 7.0) and done2 and not state2.any()


def test_state_2b_pays_the_coordination_matrix():
    for a1 in (0, 1):
        for a2 in (0, 1):
            (state1, rewards1, _), (_, rewards2, done2) = play(TwoStepEnv(), (1, 0), (a1, a2))
            assert np.array_equal(state1, state_vector(2)) and rewards1 == (0.0, 0.0)
            assert rewards2 == (PAYOFF_2B[a1, a2],) * 2 and done2
    assert PAYOFF_2B.tolist() == [[0, 1], [1, 8]]


def test_spec_and_registry_name():
    env = make_env("two-step")
    assert isinstance(env, TwoStepEnv)
    spec = env.spec
    assert (spec.n_players, spec.n_actions, spec.obs_dims, spec.state_dim) == (2, (2, 2), (3, 3), 3)
    assert spec.episode_length == 2 and spec.game is None


def test_bad_actions_and_stepping_after_the_end_are_refused():
    env = TwoStepEnv()
    env.reset_tuple()
    with pytest.raises(ValueError, match="two actions"):
        env.step_tuple((2, 0))
    env.step_tuple((0, 0))
    env.step_tuple((0, 0))
    with pytest.raises(RuntimeError, match="reset"):
        env.step_tuple((0, 0))


def test_passes_pettingzoo_parallel_api_test():
    parallel_api_test(TwoStepEnv(), num_cycles=50)


def test_module_does_not_import_torch():
    code = "import sys, agents.envs.two_step; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
