"""Vectorised IQL learns exactly as the per-step agent, in distribution, and handles any game."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from agents.envs.repeated import RepeatedGameEnv
from agents.runner import Runner, make_agents
from agents.vectorised import VectorisedIQL
from games import Game
from games.catalogue import get_game

SEEDS = 24
ROUNDS = 600


def indistinguishable(a: np.ndarray, b: np.ndarray) -> bool:
    """Means within four standard errors of their difference (two-sample z-test, ~1e-4 level)."""
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return bool(abs(a.mean() - b.mean()) < 4 * se + 1e-3)


@cache  # shared by two tests
def per_step_statistics(game: Game) -> dict[str, np.ndarray]:
    """Per seed: early and late defection rates of player 0 and its final Q-values."""
    early, late, q = [], [], []
    for seed in range(SEEDS):
        env = RepeatedGameEnv(game, history=0, rounds=1)
        agents = make_agents(env.spec, "iql", seed=seed, hp={"lr": 0.1, "epsilon": 0.1})
        log = Runner(env, agents, seed=seed).run(ROUNDS)
        early.append(log["action_0"].iloc[:100].mean())
        late.append(log["action_0"].iloc[-200:].mean())
        q.append(agents[0].q[0][""])
    return {"early": np.array(early), "late": np.array(late), "q": np.array(q)}


def test_matches_the_per_step_agent_in_distribution_on_the_prisoners_dilemma():
    game = get_game("prisoners-dilemma")
    step = per_step_statistics(game)
    vec = VectorisedIQL(game, runs=2000, lr=0.1, epsilon=0.1, seed=0)
    result = vec.run(ROUNDS)
    actions = result.actions[:, 0, :].astype(float)
    fast = {"early": actions[:100].mean(axis=0), "late": actions[-200:].mean(axis=0),
            "q": vec.q_values()[0]}
    for key in ("early", "late"):
        assert indistinguishable(step[key], fast[key]), key
    for action in (0, 1):
        assert indistinguishable(step["q"][:, action], fast["q"][:, action]), f"Q[{action}]"
    assert fast["late"].mean() > 0.9  # and, like the notebook, it ends in mutual defection


def test_a_wrong_learning_rate_would_be_detected():
    """The statistics used above separate learners that differ (the test can fail)."""
    game = get_game("prisoners-dilemma")
    step = per_step_statistics(game)
    slow = VectorisedIQL(game, runs=2000, lr=0.03, epsilon=0.1, seed=0)
    slow.run(ROUNDS)
    assert not indistinguishable(step["q"][:, 1], slow.q_values()[0][:, 1])


def test_unequal_action_counts_never_pick_padding_and_learn_dominant_actions():
    payoffs = np.zeros((3, 2, 3, 4))
    payoffs[0, 1] += 1.0  # player 0: action 1 dominates
    payoffs[1, :, 2] += 1.0  # player 1: action 2 dominates
    payoffs[2, :, :, 3] += 1.0  # player 2: action 3 dominates
    vec = VectorisedIQL(Game(payoffs), runs=50, lr=0.2, epsilon=0.2, seed=1)
    result = vec.run(300)
    for p, count in enumerate((2, 3, 4)):
        assert result.actions[:, p].max() == count - 1 and result.actions[:, p].min() == 0
    np.testing.assert_array_equal(vec.greedy_actions(), np.array([[1], [2], [3]]) * np.ones(50))
    assert np.isnan(vec.q_values()[0, :, 2:]).all()
    freq = result.action_frequencies(last=100)
    assert freq.shape == (3, 50, 4) and np.allclose(freq.sum(axis=2), 1.0)


def test_seeded_runs_are_reproducible_and_arguments_checked():
    game = get_game("matching-pennies")
    a = VectorisedIQL(game, runs=10, seed=5).run(50)
    b = VectorisedIQL(game, runs=10, seed=5).run(50)
    np.testing.assert_array_equal(a.actions, b.actions)
    np.testing.assert_array_equal(a.rewards.sum(axis=1), 0.0)  # zero-sum
    with pytest.raises(ValueError):
        VectorisedIQL(game, runs=0)
    with pytest.raises(ValueError):
        VectorisedIQL(game, runs=3, epsilon=1.5)
