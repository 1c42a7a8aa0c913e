"""Scripted strategies and the human agent: their rules, from the transition history only."""

from __future__ import annotations

import numpy as np
import pytest

from agents.envs.repeated import RepeatedGameEnv
from agents.registry import make_agent
from agents.runner import Runner
from games import Game
from games.catalogue import get_game

C, D = 0, 1


def play(
    first: str, second: str, rounds: int = 6, history: int = 1,
    first_hp: dict | None = None, second_hp: dict | None = None,
) -> list[tuple[int, int]]:
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=history, rounds=rounds)
    agents = [make_agent(first, env.spec, [0], seed=0, **(first_hp or {})),
              make_agent(second, env.spec, [1], seed=1, **(second_hp or {}))]
    runner = Runner(env, agents, seed=0)
    return [runner.step().actions for _ in range(rounds)]


@pytest.mark.parametrize("history", [0, 1, 3])
def test_tit_for_tat_copies_the_opponent_whatever_the_observation_length(history):
    joint = play("tit-for-tat", "mixed", rounds=40, history=history,
                 second_hp={"strategy": "0.5,0.5"})
    assert joint[0][0] == C
    for previous, current in zip(joint, joint[1:], strict=False):
        assert current[0] == previous[1]


def test_grim_trigger_defects_forever_after_one_defection():
    joint = play("grim-trigger", "mixed", rounds=30, second_hp={"strategy": [0.9, 0.1]})
    first_defection = next(t for t, (_, b) in enumerate(joint) if b == D)
    assert all(a == C for a, _ in joint[: first_defection + 1])
    assert all(a == D for a, _ in joint[first_defection + 1 :])


def test_win_stay_lose_shift_is_pavlov_on_the_prisoners_dilemma():
    # Against always-defect: C (sucker: lose, shift) D (punished: lose, shift) C ...
    assert [a for a, _ in play("win-stay-lose-shift", "always-defect")] == [C, D, C, D, C, D]
    # Against always-cooperate: keeps cooperating (reward R = 3 is a win).
    assert {a for a, _ in play("win-stay-lose-shift", "always-cooperate")} == {C}


def test_always_defect_is_the_last_action_and_always_cooperate_action_zero():
    game = Game.symmetric([[2, 0, 0], [3, 1, 0], [4, 2, 1]])
    env = RepeatedGameEnv(game, history=0, rounds=3)
    obs, state = env.reset_tuple(0)
    assert make_agent("always-defect", env.spec, [0]).act(obs, state).actions == (2,)
    assert make_agent("always-cooperate", env.spec, [1]).act(obs, state).actions == (0,)


def test_memory_resets_every_episode():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=1, rounds=2)
    agents = [make_agent("grim-trigger", env.spec, [0]), make_agent("always-defect", env.spec, [1])]
    runner = Runner(env, agents, seed=0)
    joint = [runner.step().actions for _ in range(4)]
    assert [a for a, _ in joint] == [C, D, C, D]


def test_fixed_mixed_plays_its_strategy_and_random_is_uniform():
    joint = play("mixed", "random", rounds=4000, first_hp={"strategy": "0.2,0.8"})
    first = np.mean([a for a, _ in joint])
    second = np.mean([b for _, b in joint])
    assert first == pytest.approx(0.8, abs=0.03)
    assert second == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("strategy", ["0.5", [0.7, 0.7], "a,b", [-0.2, 1.2]])
def test_fixed_mixed_rejects_bad_strategies(strategy):
    env = RepeatedGameEnv(get_game("prisoners-dilemma"))
    with pytest.raises(ValueError, match="mixed: strategy"):
        make_agent("mixed", env.spec, [0], strategy=strategy)


def test_scripted_agents_work_in_n_player_games():
    game = Game(np.zeros((3, 2, 2, 2)))
    env = RepeatedGameEnv(game, history=0, rounds=3)
    agents = [make_agent("tit-for-tat", env.spec, [0]), make_agent("always-defect", env.spec, [1]),
              make_agent("always-cooperate", env.spec, [2])]
    runner = Runner(env, agents, seed=0)
    assert [runner.step().actions[0] for _ in range(3)] == [C, D, D]


def test_human_plays_the_chosen_action_and_refuses_to_guess():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=1, rounds=10)
    human = make_agent("human", env.spec, [0])
    runner = Runner(env, [human, make_agent("tit-for-tat", env.spec, [1])], seed=0)
    human.choose(D)
    assert runner.step().actions == (D, C)
    human.choose(C)
    assert runner.step().actions == (C, D)
    with pytest.raises(RuntimeError, match="call choose"):
        runner.step()
    with pytest.raises(ValueError, match="out of range"):
        human.choose(5)
    np.testing.assert_allclose(human.average_policy()[0], [0.5, 0.5])
