"""The lever-pulling environment (CommNet paper §5.1) and its no-communication cap."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

from agents.envs import make_env
from agents.envs.levers import LeversEnv, lever_reward, no_communication_cap, random_policy_value


def test_spec_observations_and_state() -> None:
    env = LeversEnv(m=4, pool=9)
    assert env.spec.n_players == 4
    assert env.spec.n_actions == (4, 4, 4, 4)
    assert env.spec.obs_dims == (9,) * 4
    assert env.spec.state_dim == 36
    assert env.spec.episode_length == 1
    obs, state = env.reset_tuple(seed=3)
    ids = [int(np.argmax(o)) for o in obs]
    assert len(set(ids)) == 4  # drawn without replacement
    for o in obs:
        assert o.dtype == np.float32 and o.shape == (9,) and o.sum() == 1.0
    np.testing.assert_array_equal(state, np.concatenate(obs))


def test_reward_is_the_shared_fraction_of_distinct_levers() -> None:
    env = LeversEnv(m=4, pool=9)
    env.reset_tuple(seed=0)
    _, rewards, done, _ = env.step_tuple((0, 0, 3, 1))
    assert done
    assert rewards == (0.75,) * 4
    env.reset_tuple()
    assert env.step_tuple((3, 2, 1, 0))[1] == (1.0,) * 4
    env.reset_tuple()
    assert env.step_tuple((2, 2, 2, 2))[1] == (0.25,) * 4


def test_seeded_draws_repeat_and_cover_the_pool() -> None:
    first = LeversEnv(m=3, pool=7)
    second = LeversEnv(m=3, pool=7)
    draws_a = [
        tuple(np.argmax(first.reset_tuple(seed=11 if k == 0 else None)[0], axis=1))
        for k in range(50)
    ]
    draws_b = [
        tuple(np.argmax(second.reset_tuple(seed=11 if k == 0 else None)[0], axis=1))
        for k in range(50)
    ]
    assert draws_a == draws_b
    assert set(itertools.chain(*draws_a)) == set(range(7))


def test_invalid_sizes_and_actions_are_rejected() -> None:
    with pytest.raises(ValueError, match="pool"):
        LeversEnv(m=5, pool=4)
    with pytest.raises(ValueError, match="m"):
        LeversEnv(m=1, pool=4)
    env = LeversEnv(m=3, pool=5)
    env.reset_tuple(seed=0)
    with pytest.raises(ValueError, match="levers"):
        env.step_tuple((0, 1, 3))


def test_make_env_builds_levers_from_a_spec_string() -> None:
    env = make_env("levers:m=3,pool=8")
    assert isinstance(env, LeversEnv)
    assert (env.m, env.pool) == (3, 8)
    default = make_env("levers")
    assert (default.m, default.pool) == (5, 50)


def test_passes_the_pettingzoo_parallel_api_test() -> None:
    parallel_api_test(LeversEnv(m=5, pool=12), num_cycles=20)


def _best_identity_policy_value(m: int, pool: int) -> float:
    """Brute force: best expected reward over every deterministic map identity -> lever."""
    draws = list(itertools.combinations(range(pool), m))
    best = 0.0
    for levers in itertools.product(range(m), repeat=pool):
        value = sum(lever_reward(tuple(levers[k] for k in d), m) for d in draws) / len(draws)
        best = max(best, value)
    return best


@pytest.mark.parametrize(("m", "pool"), [(2, 5), (3, 5), (3, 6), (3, 7), (4, 6)])
def test_no_communication_cap_matches_brute_force(m: int, pool: int) -> None:
    assert no_communication_cap(m, pool) == pytest.approx(_best_identity_policy_value(m, pool))


def test_mixed_identity_policies_do_not_beat_the_cap() -> None:
    # The reward is linear in each identity's lever distribution, so no mixed policy beats the
    # best deterministic one; spot-check random mixed policies by exact expectation.
    m, pool = 3, 6
    rng = np.random.default_rng(0)
    draws = list(itertools.combinations(range(pool), m))
    cap = no_communication_cap(m, pool)
    for _ in range(20):
        policy = rng.dirichlet(np.ones(m), size=pool)
        value = 0.0
        for d in draws:
            unused = np.prod([1.0 - policy[k] for k in d], axis=0)  # P(lever unused)
            value += float(np.mean(1.0 - unused))
        assert value / len(draws) <= cap + 1e-12


def test_cap_values_for_the_sizes_used_in_tests_and_the_paper() -> None:
    assert random_policy_value(5) == pytest.approx(1 - 0.8**5)  # 0.672
    assert no_communication_cap(5, 10) == pytest.approx(1 - comb(8, 5) / comb(10, 5))  # 0.778
    assert no_communication_cap(5, 20) == pytest.approx(1 - comb(16, 5) / comb(20, 5))  # 0.718
    assert no_communication_cap(5, 50) == pytest.approx(1 - comb(40, 5) / comb(50, 5))  # 0.689
    assert random_policy_value(5) < no_communication_cap(5, 50) < no_communication_cap(5, 10)
    assert no_communication_cap(5, 5) == 1.0  # every identity drawn each time: no need to talk
