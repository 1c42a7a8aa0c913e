"""Live metrics: policies, NashConv and the distance to the nearest equilibrium."""

from __future__ import annotations

import numpy as np
import pytest

from agents.envs.repeated import RepeatedGameEnv
from agents.envs.two_step import TwoStepEnv
from agents.registry import make_agent
from agents.runner import Runner, equilibria_of, nearest_equilibrium
from games import Game
from games.catalogue import get_game
from games.equilibria import nash_conv


def scripted_runner(game_key: str, first: str, second: str, **hp) -> Runner:
    env = RepeatedGameEnv(get_game(game_key), history=1, rounds=10)
    agents = [make_agent(first, env.spec, [0], seed=0, **hp),
              make_agent(second, env.spec, [1], seed=1)]
    return Runner(env, agents, seed=0, window=5)


def test_mutual_defection_is_the_equilibrium_with_zero_exploitability():
    runner = scripted_runner("prisoners-dilemma", "always-defect", "always-defect")
    runner.run(10)
    m = runner.metrics()
    assert m.exploitability == 0.0 and m.distance_to_nash == 0.0
    np.testing.assert_array_equal(m.nearest_equilibrium[0], [0, 1])
    np.testing.assert_allclose(m.mean_rewards, [10.0, 10.0])  # returns of 10 rounds of (1, 1)
    assert m.joint_counts.sum() == 50 and m.joint_counts[1, 1] == 50  # 5 episodes x 10 rounds


def test_mutual_cooperation_is_exploitable_by_the_temptation_gain():
    runner = scripted_runner("prisoners-dilemma", "always-cooperate", "tit-for-tat")
    runner.run(3)
    m = runner.metrics()
    assert m.exploitability == pytest.approx(2 * (5 - 3))  # each would gain T - R by defecting
    assert m.distance_to_nash == pytest.approx(2.0)  # L1 from Cooperate to Defect
    np.testing.assert_allclose(m.empirical[0], [1.0, 0.0])


def test_exploitability_is_nash_conv_of_the_average_policies():
    runner = scripted_runner("rock-paper-scissors", "mixed", "random", strategy=[0.5, 0.3, 0.2])
    runner.run(20)
    m = runner.metrics()
    game = get_game("rock-paper-scissors")
    np.testing.assert_allclose(m.average_policies[0], [0.5, 0.3, 0.2])
    assert m.exploitability == pytest.approx(nash_conv(game, m.average_policies))
    assert m.current_exploitability == pytest.approx(nash_conv(game, m.policies))
    distance, equilibrium = nearest_equilibrium(game, m.average_policies)
    assert distance == pytest.approx(np.abs(np.array([0.5, 0.3, 0.2]) - 1 / 3).sum())
    assert m.distance_to_nash == pytest.approx(distance)


def test_distance_picks_the_nearest_of_several_equilibria():
    game = get_game("stag-hunt")  # (Stag, Stag), (Hare, Hare) and a mixed one
    assert len(equilibria_of(game)) == 3
    assert equilibria_of(game) is equilibria_of(game)  # cached per game
    distance, eq = nearest_equilibrium(game, [np.array([0.9, 0.1]), np.array([1.0, 0.0])])
    assert distance == pytest.approx(0.2)
    np.testing.assert_array_equal(eq[0], [1, 0])


def test_metrics_of_a_non_matrix_environment_have_no_game_fields():
    env = TwoStepEnv()
    runner = Runner(env, [make_agent("random", env.spec, [0], seed=0),
                         make_agent("random", env.spec, [1], seed=1)], seed=0)
    runner.run(30)
    m = runner.metrics()
    assert m.exploitability is None and m.distance_to_nash is None
    assert m.joint_counts.shape == (2, 2) and m.episode == 30 and m.rounds == 60


def test_large_n_player_games_skip_the_nash_distance_but_keep_nash_conv():
    game = Game(np.random.default_rng(0).random((4, 3, 3, 3, 3)))
    env = RepeatedGameEnv(game, history=0, rounds=2)
    runner = Runner(env, [make_agent("random", env.spec, [p], seed=p) for p in range(4)], seed=0)
    runner.run(5)
    m = runner.metrics()
    assert m.distance_to_nash is None and m.exploitability >= 0.0
