"""What the tabular learners learn, with fixed seeds (several where the claim is typical behaviour)."""

from __future__ import annotations

import numpy as np
import pytest

from agents.envs.repeated import RepeatedGameEnv
from agents.registry import load_agent, make_agent
from agents.runner import Runner, make_agents
from games.catalogue import get_game
from games.equilibria import nash_conv


def train(game_key: str, algo: str, rounds: int, seed: int, history: int = 0, **hp):
    env = RepeatedGameEnv(get_game(game_key), history=history, rounds=1)
    agents = make_agents(env.spec, algo, seed=seed, hp=hp)
    runner = Runner(env, agents, seed=seed)
    log = runner.run(rounds)
    return runner, log


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_iql_on_the_notebooks_prisoners_dilemma_ends_in_mutual_defection(seed):
    runner, log = train("prisoners-dilemma", "iql", 2000, seed, lr=0.1, epsilon=0.1)
    last = log.tail(500)
    for p in (0, 1):
        assert (last[f"action_{p}"] == 1).mean() >= 0.90
        assert runner.agents[p].q[0][""].argmax() == 1


def test_fictitious_play_on_rock_paper_scissors_average_strategy_is_nearly_unexploitable():
    runner, _ = train("rock-paper-scissors", "fictitious-play", 3000, seed=0)
    average = runner.metrics().average_policies
    assert nash_conv(get_game("rock-paper-scissors"), average) < 0.05
    assert runner.metrics().exploitability < 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_wolf_phc_self_play_on_matching_pennies_averages_to_one_half(seed):
    runner, _ = train("matching-pennies", "wolf-phc", 6000, seed)
    for policy in runner.metrics().average_policies:
        assert np.abs(policy - 0.5).max() < 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_regret_matching_average_strategy_on_rps_is_near_uniform(seed):
    runner, _ = train("rock-paper-scissors", "regret-matching", 4000, seed)
    for policy in runner.metrics().average_policies:
        assert np.abs(policy - 1 / 3).max() < 0.05


@pytest.mark.parametrize("seed", [0, 1])
def test_hedge_average_strategy_on_rps_is_near_uniform_and_hedge_has_low_regret(seed):
    runner, log = train("rock-paper-scissors", "hedge", 3000, seed, eta=0.05)
    for policy in runner.metrics().average_policies:
        assert np.abs(policy - 1 / 3).max() < 0.05
    # No regret: the mean payoff is not much worse than the best fixed action in hindsight.
    game = get_game("rock-paper-scissors")
    opponent = np.bincount(log["action_1"], minlength=3) / len(log)
    best_fixed = (game.payoffs[0] @ opponent).max()
    assert log["reward_0"].mean() >= best_fixed - 0.05


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_replicator_on_stag_hunt_converges_to_a_pure_equilibrium(seed):
    game = get_game("stag-hunt")
    runner, _ = train("stag-hunt", "replicator", 1500, seed, eta=0.5)
    strategies = [agent.x[0] for agent in runner.agents]
    assert all(s.max() > 0.99 for s in strategies)
    pure = [np.eye(2)[int(s.argmax())] for s in strategies]
    assert nash_conv(game, pure) == 0.0


def test_replicator_with_tracking_follows_an_opponent_that_always_plays_one_action():
    env = RepeatedGameEnv(get_game("stag-hunt"), history=0, rounds=1)
    agents = [make_agent("replicator", env.spec, [0], seed=0, eta=0.5, tracking=0.2),
              make_agent("always-cooperate", env.spec, [1])]  # always "Stag"
    Runner(env, agents, seed=0).run(400)
    assert agents[0].x[0][0] > 0.99  # best response to Stag is Stag


def test_fictitious_play_best_responds_to_a_fixed_mix():
    env = RepeatedGameEnv(get_game("rock-paper-scissors"), history=0, rounds=1)
    agents = [make_agent("fictitious-play", env.spec, [0], seed=0),
              make_agent("mixed", env.spec, [1], seed=1, strategy=[0.6, 0.2, 0.2])]
    Runner(env, agents, seed=0).run(500)
    assert np.argmax(agents[0].policy([np.zeros(0)] * 2, np.zeros(0))[0]) == 1  # Paper beats Rock


def test_stateful_iql_learns_per_history_and_bootstraps():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"), history=1, rounds=5)
    agents = [make_agent("iql", env.spec, [0], seed=0, gamma=0.5),
              make_agent("tit-for-tat", env.spec, [1])]
    Runner(env, agents, seed=0).run(400)
    table = agents[0].q[0]
    assert len(table) == 5  # the empty start plus the four joint actions
    # Against tit-for-tat with γ = 0.5, cooperating after mutual cooperation is worth more than
    # defecting (3 + 0.5 * 3... > 5 + 0.5 * 1... once the future is valued).
    after_cc = env.decode(np.array([1, 0, 1, 0], dtype=np.float32))
    assert after_cc == [(0, 0)]
    q_cc = table["1,0,1,0"]
    assert np.all(np.isfinite(q_cc)) and q_cc.max() > 3.0


@pytest.mark.parametrize(
    "algo, hp",
    [("iql", {}), ("iql", {"stateful": True}), ("fictitious-play", {}),
     ("regret-matching", {}), ("wolf-phc", {}), ("phc", {}), ("hedge", {}), ("replicator", {})],
)
def test_save_load_round_trip_continues_identically(tmp_path, algo, hp):
    env = RepeatedGameEnv(get_game("rock-paper-scissors"), history=1, rounds=4)
    agents = make_agents(env.spec, algo, seed=3, hp=hp)
    runner = Runner(env, agents, seed=3)
    runner.run(30)
    agents[0].save(tmp_path / "a")
    loaded = load_agent(tmp_path / "a", env.spec)
    assert type(loaded) is type(agents[0]) and loaded.hp == agents[0].hp
    obs, state = env.reset_tuple(9)
    for _ in range(20):
        original = agents[0].act(obs, state)
        copy = loaded.act(obs, state)
        assert original.actions == copy.actions
        for a, b in zip(original.probs, copy.probs, strict=True):
            np.testing.assert_allclose(a, b)


def test_unknown_hyper_parameter_and_missing_game_are_clear_errors():
    env = RepeatedGameEnv(get_game("prisoners-dilemma"))
    with pytest.raises(ValueError, match="unknown hyper-parameter"):
        make_agent("iql", env.spec, [0], learning_rate=0.1)
    from agents.envs.two_step import TwoStepEnv

    with pytest.raises(ValueError, match="needs a repeated normal-form game"):
        make_agent("fictitious-play", TwoStepEnv().spec, [0])


@pytest.mark.parametrize("algo, hp, message", [
    ("phc", {"delta": 0.0}, "delta must be > 0"),
    ("phc", {"delta_decay": -1.0}, "delta_decay must be >= 0"),
    ("wolf-phc", {"delta_win": 0.02, "delta_lose": 0.02}, "need 0 < delta_win < delta_lose"),
])
def test_hill_climbers_refuse_step_sizes_they_cannot_use(algo, hp, message):
    env = RepeatedGameEnv(get_game("matching-pennies"))
    with pytest.raises(ValueError, match=message):
        make_agent(algo, env.spec, [0], **hp)


def test_every_tabular_agent_reports_probabilities_that_sum_to_one():
    env = RepeatedGameEnv(get_game("rock-paper-scissors"), history=1, rounds=3)
    obs, state = env.reset_tuple(0)
    for algo in ("iql", "fictitious-play", "regret-matching", "wolf-phc", "phc", "hedge",
                 "replicator"):
        decision = make_agent(algo, env.spec, [0, 1], seed=0).act(obs, state)
        assert len(decision.actions) == 2 and len(decision.probs) == 2
        for probs in decision.probs:
            assert probs.shape == (3,) and np.isclose(probs.sum(), 1.0) and probs.min() >= 0
