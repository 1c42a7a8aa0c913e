"""The runner's lean path: it logs, learns and draws exactly what the plain path does."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from agents.base import Agent, Decision
from agents.envs.repeated import RepeatedGameEnv
from agents.iql import IQL, LeanIQL
from agents.lean import DrawnStream
from agents.registry import make_agent
from agents.runner import Runner, make_agents
from games.catalogue import get_game


def iql_runner(
    game: str, rounds: int, lean: bool, seed: int = 3, history: int = 0, **options
) -> Runner:
    env = RepeatedGameEnv(get_game(game), history=history, rounds=rounds)
    hp = options.pop("hp", {})
    return Runner(env, make_agents(env.spec, "iql", seed=seed, hp=hp), seed=seed, lean=lean,
                  **options)


def assert_same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)  # not within a tolerance: bit for bit


def assert_same_run(fast: Runner, plain: Runner) -> None:
    """Same log, counters, metrics, learned tables and random generators."""
    assert_same_rows(fast.log, plain.log)
    assert (fast.episode, fast.rounds, fast.stopped) == (plain.episode, plain.rounds, plain.stopped)
    for a, b in zip(fast.agents, plain.agents, strict=True):
        for table_a, table_b in zip(a.q, b.q, strict=True):
            assert table_a.keys() == table_b.keys()
            for key in table_a:
                np.testing.assert_array_equal(table_a[key], table_b[key])
        for counts_a, counts_b in zip(a.counts, b.counts, strict=True):
            np.testing.assert_array_equal(counts_a, counts_b)
        assert a.rng.bit_generator.state == b.rng.bit_generator.state
    ma, mb = fast.metrics(), plain.metrics()
    for field in ma.__dataclass_fields__:
        va, vb = getattr(ma, field), getattr(mb, field)
        if isinstance(va, tuple):
            for x, y in zip(va, vb, strict=True):
                np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_array_equal(va, vb)


@pytest.mark.parametrize(
    "game, rounds, epsilon, episodes, history",
    [
        ("prisoners-dilemma", 100, 0.1, 60, 0),  # the benchmark's setting
        ("rock-paper-scissors", 7, 0.5, 200, 0),  # 3 actions, episodes cut across the calls
        ("matching-pennies", 1, 1.0, 400, 0),  # every action random: integers() every round
        ("public-goods", 5, 0.2, 100, 0),  # more than two players
        ("prisoners-dilemma", 10, 0.1, 150, 1),  # train's default: stateful IQL, one round seen
        ("prisoners-dilemma", 10, 0.3, 150, 2),  # 21 histories
        ("rock-paper-scissors", 7, 0.5, 200, 1),
        ("rock-paper-scissors", 7, 0.5, 200, 2),  # 91 histories, some first seen late
        ("matching-pennies", 1, 1.0, 400, 1),  # every episode ends after its first round
        ("public-goods", 5, 0.2, 100, 1),  # more than two players
        ("public-goods", 5, 0.2, 100, 2),
    ],
)
def test_the_lean_path_logs_and_learns_exactly_what_the_plain_path_does(
    game, rounds, epsilon, episodes, history
):
    fast, plain = (iql_runner(game, rounds, lean, history=history, hp={"epsilon": epsilon},
                              max_log_rows=64) for lean in (True, False))
    for part in (episodes // 3, episodes - episodes // 3):
        assert_same_rows(fast.run(part), plain.run(part))
    assert len(fast.log) <= 64  # the compaction ran, on the same rows
    assert "td_error" in fast.log.columns
    for _ in range(3):  # a started episode, finished by the next run
        fast.step()
        plain.step()
    assert_same_rows(fast.run(2), plain.run(2))
    assert_same_run(fast, plain)


@pytest.mark.parametrize("history", [0, 1])
def test_the_lean_path_is_the_one_that_runs(monkeypatch, history):
    def no_act(*args, **kwargs):
        raise AssertionError("the lean path does not call act")

    runner = iql_runner("prisoners-dilemma", 10, lean=True, history=history)
    monkeypatch.setattr(IQL, "act", no_act)
    monkeypatch.setattr(IQL, "learn", no_act)
    monkeypatch.setattr(RepeatedGameEnv, "step_tuple", no_act)
    runner.run(5)
    assert runner.rounds == 50
    assert all(runner.agents[0].stateful) == bool(history)
    keys = set(runner.agents[0].q[0])  # the rows were written back, under the histories seen
    assert len(keys) > 1 and "" not in keys if history else keys == {""}


@pytest.mark.parametrize("history", [0, 1, 2])
def test_one_agent_for_both_players_takes_the_lean_path_too(history):
    def build(lean: bool) -> Runner:
        env = RepeatedGameEnv(get_game("stag-hunt"), history=history, rounds=4)
        return Runner(env, [make_agent("iql", env.spec, [0, 1], seed=5, epsilon=0.3)], seed=5,
                      lean=lean)

    fast, plain = build(True), build(False)
    assert isinstance(fast.agents[0].lean(fast.env.lean_table()), LeanIQL)
    assert_same_rows(fast.run(50), plain.run(50))
    assert_same_run(fast, plain)


@pytest.mark.parametrize("history", [0, 1, 2])
def test_an_interrupt_stops_the_lean_path_after_the_same_round(monkeypatch, history):
    straight = iql_runner("prisoners-dilemma", 4, lean=True, history=history)
    fast = iql_runner("prisoners-dilemma", 4, lean=True, history=history)
    act = LeanIQL._act_one
    calls = []

    def act_and_interrupt_once(self, joint, s):
        if self.players == (0,):
            calls.append(1)
            if len(calls) == 30:  # round 30, in the middle of episode 7
                fast.interrupt()
        return act(self, joint, s)

    monkeypatch.setattr(LeanIQL, "_act_one", act_and_interrupt_once)
    first = fast.run(20)
    assert list(first["episode"]) == list(range(7)) and fast.rounds == 30
    monkeypatch.setattr(LeanIQL, "_act_one", act)
    fast.step()  # the plain path goes on in the observation the lean path left
    rest = fast.run(13)
    assert_same_rows(pd.concat([first, rest], ignore_index=True), straight.run(20))
    assert_same_run(fast, straight)


@pytest.mark.filterwarnings("ignore:overflow encountered")  # the plain path's numpy scalars
@pytest.mark.parametrize("max_loss, message", [
    (1e10, "iql's td_error diverged"),  # the loss grows past max_loss
    (float("inf"), "iql's td_error diverged (inf)"),  # no finite loss is too large
])
@pytest.mark.parametrize("rounds, history", [(1, 0), (3, 1)])
def test_a_divergence_on_the_lean_path_stops_and_restores_as_on_the_plain_path(
    max_loss, message, rounds, history
):
    fast, plain = (iql_runner("prisoners-dilemma", rounds, lean, seed=0, history=history,
                              hp={"lr": 2.5, "gamma": 1.0}, snapshot_every=5, max_loss=max_loss)
                   for lean in (True, False))
    assert_same_rows(fast.run(3000), plain.run(3000))
    assert fast.stopped is not None and message in fast.stopped
    restored = int(re.search(r"state at episode (\d+)", fast.stopped).group(1))
    assert restored % 5 == 0 and restored <= fast.episode
    assert_same_run(fast, plain)
    assert all(np.isfinite(row).all() for agent in fast.agents for row in agent.q[0].values())


def test_a_non_finite_q_value_stops_both_paths_before_the_round():
    fast, plain = (iql_runner("prisoners-dilemma", 3, lean) for lean in (True, False))
    for runner in (fast, plain):
        runner.run(4)
        runner.agents[1].q[0][""][0] = np.nan  # a broken table, as after an overflow
        runner.run(4)
    assert "iql produced non-finite Q-values" in fast.stopped
    assert_same_run(fast, plain)


def test_a_non_finite_q_value_ahead_is_bootstrapped_from_as_on_the_plain_path():
    fast, plain = (iql_runner("prisoners-dilemma", 3, lean, history=1, hp={"gamma": 1.0})
                   for lean in (True, False))
    for runner in (fast, plain):
        runner.run(20)
        table = runner.agents[1].q[0]
        for key in table:
            if key != "0,0,0,0":  # not the first round's: a row learned from before acted in
                table[key][1] = np.nan  # max() would skip it, numpy's max gives nan
        runner.run(4)
    assert "iql's td_error diverged (nan)" in fast.stopped
    assert_same_run(fast, plain)


class Uniform(Agent):
    """A plain agent without a lean form: every action equally likely."""

    name = "uniform-test"

    def act(self, obs, state, explore=True):
        n = self.spec.n_actions[self.players[0]]
        return Decision((int(self.rng.integers(n)),), (np.full(n, 1.0 / n),))


def test_agents_without_a_lean_form_still_run_on_the_plain_path():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=0, rounds=5)
    agents = [make_agent("iql", env.spec, [0], seed=1), Uniform(env.spec, [1], seed=2)]
    assert agents[1].lean(env.lean_table()) is None
    runner = Runner(env, agents, seed=0)
    log = runner.run(200)
    assert len(log) == 200 and runner.rounds == 1000
    np.testing.assert_allclose(log["prob_1_0"], 0.5)
    assert log["action_1"].between(0, 1).all()
    assert (log.tail(100)["action_0"] == 1).mean() > 0.8  # IQL still learns to defect


@pytest.mark.parametrize("game, history", [("prisoners-dilemma", 0), ("prisoners-dilemma", 2),
                                           ("public-goods", 1)])
def test_the_lean_table_follows_what_stepping_gives(game, history):
    env = RepeatedGameEnv(get_game(game), history=history, rounds=50)
    table = env.lean_table()
    assert len(table.next) == sum(env.game.n_cells**k for k in range(history + 1))
    rng = np.random.default_rng(0)
    obs, state = env.reset_tuple(0)
    s = table.start
    for _ in range(50):
        assert env.lean_at() == s
        for a, b in zip(obs, table.observations[s], strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(state, table.states[s])
        joint = tuple(int(rng.integers(n)) for n in env.spec.n_actions)
        obs, rewards, _, state = env.step_tuple(joint)
        assert rewards == table.rewards[joint]
        s = table.next[s][joint]


def test_the_round_number_in_the_observation_keeps_the_plain_path():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=1, rounds=5, include_round=True)
    assert env.lean_table() is None
    runner = Runner(env, make_agents(env.spec, "iql", seed=1), seed=1)
    runner.run(3)
    assert runner.rounds == 15 and len(runner.agents[0].q[0]) > 1


def test_skipping_rounds_ends_the_episode_like_stepping_does():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=0, rounds=3)
    env.reset_tuple(0)
    assert env.skip(0) == 3 and env.skip(2) == 1 and env.agents
    with pytest.raises(ValueError, match="cannot skip 2"):
        env.skip(2)
    assert env.skip(1) == 0 and env.agents == []


@pytest.mark.parametrize("n", [2, 3, 5, 1000])
@pytest.mark.parametrize("epsilon", [0.0, 0.3, 1.0])
def test_the_drawn_stream_replays_random_and_integers_and_leaves_the_same_state(n, epsilon):
    direct, replayed = np.random.default_rng(11), np.random.default_rng(11)
    direct.integers(7)  # start with a saved half-word
    replayed.integers(7)
    stream = DrawnStream(replayed)
    for _ in range(3000):  # more than one block
        u = direct.random()
        assert stream.random() == u
        if u < epsilon:
            assert stream.integers(n) == int(direct.integers(n))
    stream.sync()
    assert replayed.bit_generator.state == direct.bit_generator.state
    assert replayed.random() == direct.random() and replayed.integers(n) == direct.integers(n)
