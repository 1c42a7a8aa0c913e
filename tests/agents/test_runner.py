"""The runner: stepping, reproducibility, bounded logs, stopping on divergence."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from agents.base import Agent, Decision
from agents.envs.repeated import RepeatedGameEnv
from agents.registry import make_agent
from agents.runner import Runner, RunStopped, make_agents
from games.catalogue import get_game


def mixed_runner(seed: int, **kwargs) -> Runner:
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=1, rounds=5)
    agents = [make_agent("iql", env.spec, [0], seed=seed + 1),
              make_agent("wolf-phc", env.spec, [1], seed=seed + 2)]
    return Runner(env, agents, seed=seed, **kwargs)


def test_same_seed_gives_identical_logs_even_when_metrics_are_read_in_between():
    first, second = mixed_runner(7), mixed_runner(7)
    log_a = first.run(150)
    parts = []
    for _ in range(3):
        parts.append(second.run(50))
        second.metrics()
    pd.testing.assert_frame_equal(log_a, pd.concat(parts, ignore_index=True))
    pd.testing.assert_frame_equal(first.log, second.log)
    assert not mixed_runner(8).run(150).equals(log_a)


def test_step_and_run_share_episodes_and_counters():
    runner = mixed_runner(0)
    results = [runner.step() for _ in range(7)]
    assert [r.done for r in results] == [False] * 4 + [True] + [False] * 2
    assert runner.episode == 1 and runner.rounds == 7
    rows = runner.run(2)  # finishes the started episode, then one more
    assert list(rows["episode"]) == [1, 2] and runner.rounds == 15
    assert list(runner.log["episode"]) == [0, 1, 2]


def test_log_rows_hold_returns_actions_probabilities_and_losses():
    env = RepeatedGameEnv(get_game("rock-paper-scissors"), history=0, rounds=4)
    runner = Runner(env, make_agents(env.spec, "iql", seed=0), seed=0)
    log = runner.run(20)
    expected = {"episode", "episodes", "rounds", "reward_0", "reward_1", "action_0", "action_1",
                "td_error"} | {f"prob_{p}_{a}" for p in (0, 1) for a in range(3)}
    assert expected <= set(log.columns)
    np.testing.assert_allclose(log[[f"prob_0_{a}" for a in range(3)]].sum(axis=1), 1.0)
    np.testing.assert_allclose(log["reward_0"] + log["reward_1"], 0.0)  # zero-sum returns


def test_memory_stays_bounded_and_old_rows_keep_the_totals():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=0, rounds=1)
    runner = Runner(env, make_agents(env.spec, "iql", seed=0), seed=0, max_log_rows=100)
    rows = pd.concat([runner.run(500) for _ in range(4)], ignore_index=True)
    log = runner.log
    assert len(log) <= 100 and len(rows) == 2000
    assert log["episodes"].sum() == 2000
    assert (log["reward_0"] * log["episodes"]).sum() == pytest.approx(rows["reward_0"].sum())
    assert log["episode"].is_monotonic_increasing and log["episode"].iloc[-1] == 1999
    # The most recent rows are exact.
    pd.testing.assert_frame_equal(
        log.tail(10).reset_index(drop=True), rows.tail(10).reset_index(drop=True),
        check_dtype=False,
    )


def diverging_runner() -> tuple[Runner, list[Agent]]:
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=0, rounds=1)
    agents = make_agents(env.spec, "iql", seed=0, hp={"lr": 2.5})  # |1 - lr| > 1: Q blows up
    return Runner(env, agents, seed=0, snapshot_every=5), agents


def test_a_diverging_loss_stops_the_run_and_restores_the_last_good_agents():
    runner, agents = diverging_runner()
    rows = runner.run(1000)
    assert runner.stopped is not None and "td_error diverged" in runner.stopped
    assert len(rows) < 1000
    assert runner.agents[0] is agents[0]  # restored in place: callers' references stay valid
    restored = int(re.search(r"state at episode (\d+)", runner.stopped).group(1))
    assert restored % 5 == 0 and restored <= runner.episode
    replay, replayed = diverging_runner()
    replay.run(restored)
    assert replay.stopped is None
    for agent, reference in zip(agents, replayed, strict=True):
        np.testing.assert_array_equal(agent.q[0][""], reference.q[0][""])
        assert np.all(np.isfinite(agent.q[0][""]))
    with pytest.raises(RunStopped):
        runner.step()
    assert runner.run(5).empty


class NaNAgent(Agent):
    """Reports NaN probabilities after a few rounds (a broken learner)."""

    name = "nan-test"

    def __init__(self, spec, players, seed=None, **hp):
        super().__init__(spec, players, seed, **hp)
        self.calls = 0

    def act(self, obs, state, explore=True):
        self.calls += 1
        probs = np.full(2, np.nan if self.calls > 12 else 0.5)
        return Decision((0,), (probs,))


def test_nan_in_a_decision_stops_the_run_with_a_clear_message():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=0, rounds=1)
    broken = NaNAgent(env.spec, [0])
    runner = Runner(env, [broken, make_agent("always-defect", env.spec, [1])], seed=0,
                    snapshot_every=10)
    runner.run(50)
    assert "nan-test produced non-finite probabilities" in runner.stopped
    assert broken.calls == 10  # restored to the snapshot taken before episode 10 began
    assert runner.episode == 12


def test_agents_must_cover_every_player_once():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"))
    with pytest.raises(ValueError, match="no agent controls"):
        Runner(env, [make_agent("random", env.spec, [0])])
    with pytest.raises(ValueError, match="more than one agent"):
        Runner(env, [make_agent("random", env.spec, [0, 1]), make_agent("random", env.spec, [1])])


def test_make_agents_with_vs_builds_one_agent_per_player():
    env = RepeatedGameEnv(get_game("public-goods"))
    agents = make_agents(env.spec, "iql", vs="tit-for-tat", seed=1)
    assert [a.name for a in agents] == ["iql"] + ["tit-for-tat"] * (env.spec.n_players - 1)
    assert [a.players for a in agents] == [(p,) for p in range(env.spec.n_players)]
    assert len({a.seed for a in agents}) == len(agents)


def test_advance_logs_what_run_returns() -> None:
    def build() -> Runner:
        env = RepeatedGameEnv(get_game("stag-hunt"), history=1, rounds=6)
        return Runner(env, make_agents(env.spec, "iql", seed=2), seed=2)

    returned, advanced = build(), build()
    rows = returned.run(25)
    assert advanced.advance(10) is None
    advanced.advance(15)
    pd.testing.assert_frame_equal(advanced.log, rows, check_exact=True)
    assert advanced.rounds == returned.rounds == 150
    with pytest.raises(ValueError, match="episodes must be >= 0"):
        advanced.advance(-1)
