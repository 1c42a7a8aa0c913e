"""Self-play, tested by what it learns on rock-paper-scissors (fixed seeds), through the Runner."""

from __future__ import annotations

import json

import numpy as np
import pytest

from agents.deep.self_play import SelfPlay
from agents.envs.repeated import RepeatedGameEnv
from agents.registry import load_agent, make_agent
from agents.runner import Runner
from games import Game
from games.equilibria import nash_conv

RPS = Game.zero_sum([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], name="rock-paper-scissors")
STATELESS = np.zeros(0, dtype=np.float32)


def stage_env(game: Game = RPS) -> RepeatedGameEnv:
    return RepeatedGameEnv(game, history=0, rounds=1)


def train(mode: str, seed: int, episodes: int, **hp) -> tuple[SelfPlay, Runner]:
    env = stage_env()
    agent = SelfPlay(env.spec, (0, 1), seed=seed, mode=mode, **hp)
    runner = Runner(env, [agent], seed=seed)
    runner.run(episodes)
    return agent, runner


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fictitious_self_play_average_strategy_is_near_nash(seed):
    """Typical behaviour, not one lucky seed: every seed's average strategy gets within 0.05."""
    agent, runner = train("fictitious", seed, 300)
    early = nash_conv(RPS, agent.average_policy())
    runner.run(2700)
    average = agent.average_policy()
    assert nash_conv(RPS, average) < 0.05 < early
    summary = json.loads(json.dumps(agent.summary()))
    assert summary["exploitability_average"] == pytest.approx(nash_conv(RPS, average))
    assert runner.metrics().exploitability == pytest.approx(nash_conv(RPS, average))
    # the evaluation policy of fictitious self-play is the average strategy
    np.testing.assert_allclose(agent.policy([STATELESS] * 2, STATELESS)[0], average[0])


def test_naive_self_play_keeps_cycling():
    agent, _ = train("naive", 0, 1500)
    policies = agent.snapshot_policies(STATELESS)  # (snapshots, 3), oldest first
    greedy = policies.argmax(axis=1)
    late = greedy[len(greedy) // 3 :]
    assert set(late.tolist()) == {0, 1, 2}  # it never settles on one action ...
    assert np.count_nonzero(np.diff(late)) >= 4  # ... and keeps switching
    # each step of the cycle is the best response to the one before: R -> P -> S -> R
    switches = [(a, b) for a, b in zip(late[:-1], late[1:], strict=True) if a != b]
    assert all(b == (a + 1) % 3 for a, b in switches)
    # the latest strategy is nearly pure, hence highly exploitable, at every late snapshot
    exploitability = [nash_conv(RPS, (p, p)) for p in policies[len(policies) // 3 :]]
    assert min(exploitability) > 0.5
    assert agent.summary()["exploitability_latest"] > 0.5


def test_zero_sum_asymmetric_game_trains_both_seats():
    pennies = Game.zero_sum([[1, -1], [-1, 1]], name="matching pennies")
    env = stage_env(pennies)
    agent = SelfPlay(env.spec, (0, 1), seed=0)
    assert not agent.mirrored
    Runner(env, [agent], seed=0).run(1600)
    seats = {agent.learner_seat}
    agent.episodes += 1
    seats.add(agent.learner_seat)
    assert seats == {0, 1}
    # the seats learned different best responses from their own payoffs, both near 50/50
    average = agent.average_policy()
    assert nash_conv(pennies, average) < 0.3


def test_refuses_games_that_are_neither_symmetric_nor_zero_sum():
    battle = Game.from_bimatrix([[3, 0], [0, 2]], [[2, 0], [0, 3]], name="battle of the sexes")
    with pytest.raises(ValueError, match="symmetric or zero-sum"):
        SelfPlay(stage_env(battle).spec, (0, 1))
    three = Game(np.zeros((3, 2, 2, 2)))
    with pytest.raises(ValueError, match="two-player"):
        SelfPlay(stage_env(three).spec, (0, 1, 2))
    with pytest.raises(ValueError, match="mode"):
        SelfPlay(stage_env().spec, (0, 1), mode="league")


def test_save_load_round_trip_gives_identical_strategies(tmp_path):
    env = stage_env()
    agent = make_agent("self-play", env.spec, (0, 1), seed=2, snapshot_every=5)
    Runner(env, [agent], seed=2).run(120)
    agent.save(tmp_path)
    loaded = load_agent(tmp_path, env.spec)
    assert loaded.pool_count == agent.pool_count
    np.testing.assert_array_equal(
        loaded.snapshot_policies(STATELESS), agent.snapshot_policies(STATELESS)
    )
    a = agent.act([STATELESS] * 2, STATELESS, explore=False)
    b = loaded.act([STATELESS] * 2, STATELESS, explore=False)
    for qa, qb in zip(a.q_values, b.q_values, strict=True):
        np.testing.assert_array_equal(qa, qb)
    for pa, pb in zip(a.probs, b.probs, strict=True):
        np.testing.assert_array_equal(pa, pb)


def test_seeded_cpu_runs_are_bit_reproducible():
    log_a = train("fictitious", 5, 80, device="cpu")[1].log
    log_b = train("fictitious", 5, 80, device="cpu")[1].log
    assert log_a.equals(log_b)
