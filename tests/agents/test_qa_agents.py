"""QA of the agents package's edges: hyper-parameter types, interrupting a run, memory of long
episodes, the vectorised learner's frequencies, environment spec strings, tournaments."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from agents.base import Agent, Decision
from agents.envs import make_env
from agents.envs.repeated import RepeatedGameEnv
from agents.registry import make_agent
from agents.runner import MAX_RECENT_ROUNDS, Runner, make_agents
from agents.tournament import tournament
from agents.vectorised import VectorisedIQL
from games.catalogue import get_game
from games.model import Game


class Typed(Agent):
    name = "typed"
    defaults: dict[str, Any] = {"lr": 0.1, "hidden": 8, "double": False, "mode": "a", "x": None}

    def act(self, obs, state, explore=True) -> Decision:
        return Decision((0,))


SPEC = RepeatedGameEnv(get_game("prisoners-dilemma")).spec


@pytest.mark.parametrize(
    "hp, message",
    [
        ({"lr": "0.1"}, "lr must be a number"),
        ({"lr": [0.1]}, "lr must be a number"),
        ({"lr": True}, "lr must be a number"),
        ({"lr": float("inf")}, "lr must be finite"),
        ({"hidden": 8.5}, "hidden must be a whole number"),
        ({"double": 1}, "double must be true or false"),
    ],
)
def test_hyper_parameters_of_the_wrong_type_are_refused_by_name(hp, message):
    with pytest.raises(ValueError, match=message):
        Typed(SPEC, [0], **hp)


def test_hyper_parameters_of_the_right_type_pass_and_whole_floats_become_ints():
    agent = Typed(SPEC, [0], lr=1, hidden=16.0, double=np.bool_(True), mode="b", x=[1, 2])
    assert agent.hp["hidden"] == 16 and isinstance(agent.hp["hidden"], int)
    assert agent.hp["lr"] == 1 and agent.hp["mode"] == "b" and agent.hp["x"] == [1, 2]
    Typed(SPEC, [0], hidden=np.int64(4), lr=np.float32(0.5))  # numpy scalars are numbers


def pd_runner(seed: int = 3) -> Runner:
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=1, rounds=4)
    return Runner(env, make_agents(env.spec, "iql", vs="wolf-phc", seed=seed), seed=seed)


def test_an_interrupted_run_returns_finished_episodes_and_resumes_identically():
    interrupted, straight = pd_runner(), pd_runner()
    step = interrupted.step

    def step_and_interrupt_once():
        if interrupted.rounds == 30:  # in the middle of episode 7
            interrupted.interrupt()
        return step()

    interrupted.step = step_and_interrupt_once
    first = interrupted.run(20)
    assert list(first["episode"]) == list(range(7)) and interrupted.rounds == 31
    rest = interrupted.run(13)  # finishes episode 7, then 12 more
    pd.testing.assert_frame_equal(pd.concat([first, rest], ignore_index=True), straight.run(20))
    assert interrupted.run(0).empty


def test_long_episodes_keep_a_bounded_window_of_recent_rounds(monkeypatch):
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=0, rounds=10**7)
    runner = Runner(env, make_agents(env.spec, "always-defect"), window=100)
    assert runner._ring.shape[0] == MAX_RECENT_ROUNDS  # not window x rounds = 10^9 rows
    monkeypatch.setattr("agents.runner.MAX_RECENT_ROUNDS", 50)  # the same, quickly
    runner = Runner(env, make_agents(env.spec, "always-defect"), window=100)
    for _ in range(57):
        runner.step()
    metrics = runner.metrics()
    assert metrics.joint_counts.sum() == 50
    np.testing.assert_array_equal(metrics.empirical[0], [0.0, 1.0])


def test_vectorised_frequencies_cover_every_action_even_unplayed_ones():
    payoffs = np.zeros((2, 3, 3))
    payoffs[:, 0, 0] = 1.0  # everyone settles on action 0
    vec = VectorisedIQL(Game(payoffs), runs=4, lr=0.5, epsilon=0.0, seed=0)
    result = vec.run(10)
    freq = result.action_frequencies(last=5)
    assert freq.shape == (2, 4, 3)
    np.testing.assert_array_equal(freq[..., 0], 1.0)
    assert result.action_frequencies(last=0).sum() == 0.0  # no rounds, not all of them
    with pytest.raises(ValueError, match="lr"):
        VectorisedIQL(Game(payoffs), runs=1, lr=-0.1)


def test_environment_parameters_are_checked_by_name():
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) size; known: m, pool"):
        make_env("levers:size=3")
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) x; known: none"):
        make_env("two-step:x=1")
    assert make_env("levers:m=3,pool=4").spec.n_players == 3


def test_tournament_on_an_asymmetric_game_seats_every_pair_both_ways():
    game = Game.from_bimatrix([[3, 0, 1], [1, 2, 0]], [[1, 0, 2], [0, 3, 1]])
    result = tournament(["tit-for-tat", "always-defect", "always-defect"], game, rounds=5)
    pairs = set(zip(result.matches["player_a"], result.matches["player_b"], strict=True))
    assert pairs == {("tit-for-tat", "always-defect"), ("always-defect", "tit-for-tat"),
                     ("tit-for-tat", "tit-for-tat"), ("always-defect", "always-defect")}
    assert list(result.ranking["matches"]) == [3, 3]


def test_fixed_mixed_strategy_of_the_wrong_shape_is_a_value_error():
    with pytest.raises(ValueError, match="not a list of numbers"):
        make_agent("mixed", SPEC, [0], strategy={"a": 1})
