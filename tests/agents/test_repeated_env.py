"""The repeated normal-form game environment: encoding, rewards, episodes, the PettingZoo API."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from agents.envs import make_env, parse_env_spec
from agents.envs.repeated import RepeatedGameEnv
from games import Game, GameError
from games.catalogue import get_game


def three_player_game() -> Game:
    rng = np.random.default_rng(0)
    return Game(rng.integers(-3, 4, size=(3, 2, 3, 2)).astype(float))


@pytest.mark.parametrize("history, include_round", [(0, False), (1, False), (2, True)])
@pytest.mark.parametrize("game_factory", [lambda: get_game("prisoners-dilemma"), three_player_game])
def test_parallel_api_test_passes(history, include_round, game_factory):
    env = RepeatedGameEnv(game_factory(), history=history, rounds=7, include_round=include_round)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the API test warns about live agents missing data
        parallel_api_test(env, num_cycles=30)


def test_rewards_are_the_stage_game_payoffs_and_episodes_last_t_rounds():
    game = three_player_game()
    env = RepeatedGameEnv(game, history=1, rounds=3)
    env.reset_tuple(0)
    for t, joint in enumerate([(0, 2, 1), (1, 0, 0), (1, 1, 1)]):
        _, rewards, done, _ = env.step_tuple(joint)
        assert rewards == game.payoff(joint)
        assert done == (t == 2)


def test_observation_holds_the_last_k_joint_actions_most_recent_first_zero_padded():
    game = three_player_game()  # actions (2, 3, 2): 7 entries per joint action
    env = RepeatedGameEnv(game, history=2, rounds=5, include_round=True)
    obs, state = env.reset_tuple(0)
    assert env.spec.obs_dims == (15, 15, 15) and env.spec.state_dim == 15
    assert not obs[0].any() and obs[0].dtype == np.float32
    obs, _, _, state = env.step_tuple((1, 2, 0))
    assert env.decode(obs[1]) == [(1, 2, 0), None]
    np.testing.assert_array_equal(obs[0][:7], [0, 1, 0, 0, 1, 1, 0])
    assert obs[0][-1] == pytest.approx(1 / 5)
    obs, _, _, state = env.step_tuple((0, 0, 1))
    assert env.decode(obs[2]) == [(0, 0, 1), (1, 2, 0)]
    np.testing.assert_array_equal(state, obs[0])
    obs, _ = env.reset_tuple()
    assert not obs[0][:-1].any() and obs[0][-1] == 0.0


def test_stateless_observation_is_empty():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=0, rounds=1)
    obs, state = env.reset_tuple(0)
    assert obs[0].shape == (0,) and state.shape == (0,)
    assert env.spec.episode_length == 1 and env.spec.game is not None


def test_bad_arguments_and_actions_are_clear_errors():
    game = get_game("prisoners-dilemma")
    with pytest.raises(ValueError, match="history"):
        RepeatedGameEnv(game, history=-1)
    with pytest.raises(ValueError, match="rounds"):
        RepeatedGameEnv(game, rounds=0)
    env = RepeatedGameEnv(game)
    env.reset_tuple(0)
    with pytest.raises(ValueError, match="out of range"):
        env.step_tuple((0, 2))


def test_make_env_builds_games_and_special_environments():
    env = make_env("prisoners-dilemma", history=2, rounds=4)
    assert isinstance(env, RepeatedGameEnv) and env.history == 2 and env.rounds == 4
    assert make_env("two-step").spec.name == "two-step"
    levers = make_env("levers:m=3,pool=6")
    assert levers.spec.n_players == 3
    assert parse_env_spec("levers:m=5,pool=50") == ("levers", {"m": 5, "pool": 50})
    with pytest.raises(GameError):
        make_env("no-such-game")
    with pytest.raises(ValueError, match="key=value"):
        make_env("levers:m")
