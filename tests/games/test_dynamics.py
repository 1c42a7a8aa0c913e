"""Learning dynamics: rest points, their stability and orbits, on the classical examples."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from games import Game, GameError, get_game, nash_equilibria
from games.dynamics import (
    DYNAMICS,
    classify,
    constant_of_motion,
    is_nash,
    rest_points,
    system,
    trajectory,
)


def _interior(points):
    (point,) = [r for r in points if all(0 < v < 1 for s in r.strategies for v in s)]
    return point


def test_matching_pennies_centre_on_the_unit_square_is_a_centre_with_closed_orbits():
    sys = system(get_game("matching-pennies"))
    assert sys.sizes == (2, 2)
    points = rest_points(sys)
    centre = _interior(points)
    assert centre.exact == ((Fraction(1, 2),) * 2,) * 2
    assert centre.stability == "centre" and centre.conserved and centre.nash
    assert all(abs(e.real) < 1e-9 and abs(e.imag) > 0.1 for e in centre.eigenvalues)
    # every corner is a saddle of the two-population replicator dynamic
    corners = [r for r in points if r is not centre]
    assert len(corners) == 4 and {r.stability for r in corners} == {"saddle"}


@pytest.mark.parametrize("slug", ["stag-hunt", "hawk-dove"])
def test_mixed_equilibria_of_stag_hunt_and_hawk_dove_are_two_population_saddles(slug):
    game = get_game(slug)
    sys = system(game, population="two")
    points = rest_points(sys)
    mixed = _interior(points)
    (equilibrium,) = [e for e in nash_equilibria(game) if not e.is_pure]
    assert mixed.exact == equilibrium.strategies  # the exact position comes from games
    assert mixed.stability == "saddle" and mixed.nash
    pure = [r for r in points if r.nash and r is not mixed]
    assert {r.stability for r in pure} == {"sink"}


def test_single_population_hawk_dove_mix_v_over_c_is_a_sink():
    value, cost = 2, 3
    sys = system(get_game("hawk-dove", value=value, cost=cost), population="single")
    ess = _interior(rest_points(sys))
    assert ess.exact == ((Fraction(value, cost), 1 - Fraction(value, cost)),)
    assert ess.stability == "sink"
    _, states = trajectory(sys, np.array([0.05, 0.95]), duration=60.0)
    assert abs(states[-1][0] - value / cost) < 1e-4


def test_rps_centre_is_surrounded_by_closed_orbits():
    sys = system(get_game("rock-paper-scissors"))
    assert sys.single and sys.sizes == (3,)
    centre = _interior(rest_points(sys))
    assert centre.exact == ((Fraction(1, 3),) * 3,)
    assert centre.stability == "centre" and centre.conserved
    H = constant_of_motion(sys, centre.exact)
    start = np.array([0.5, 0.3, 0.2])
    times, states = trajectory(sys, start, duration=40.0, samples=4001)
    values = np.array([H(s) for s in states])
    assert np.ptp(values) < 1e-7  # conserved along the orbit
    distance = np.linalg.norm(states - start, axis=1)
    assert distance.max() > 0.2  # it goes round...
    later = times > 5.0
    assert distance[later].min() < 5e-3  # ...and comes back near where it started


def test_a_game_that_is_not_zero_sum_like_gets_no_constant_of_motion():
    sys = system(get_game("shapley"))  # symmetric, A + Aᵀ not a sum of row and column constants
    centre = _interior(rest_points(sys))
    assert constant_of_motion(sys, centre.exact) is None
    assert centre.stability == "sink"  # win 1 > loss 0: the uniform mix attracts


@pytest.mark.parametrize("slug", ["stag-hunt", "hawk-dove", "battle-of-the-sexes", "coordination",
                                  "matching-pennies", "prisoners-dilemma", "chicken"])
def test_logit_rest_points_converge_to_nash_equilibria_as_the_temperature_falls(slug):
    game = get_game(slug)
    equilibria = [np.concatenate(e.as_arrays()) for e in nash_equilibria(game)]
    scale = float(np.ptp(game.payoffs))
    gaps = []
    for temperature in (0.5, 0.1, 0.02, 0.004):
        states = [r.state for r in rest_points(system(game, "logit", temperature * scale))]
        gap = max(min(np.abs(s - e).max() for e in equilibria) for s in states)
        gaps.append(gap)
        # every equilibrium of these nondegenerate games is approached by a logit rest point
        if temperature <= 0.02:
            assert all(min(np.abs(s - e).max() for s in states) < 0.1 for e in equilibria)
    assert gaps[-1] < 0.01 and gaps[-1] <= gaps[0]


def test_best_response_rest_points_are_the_nash_equilibria_classified():
    points = rest_points(system(get_game("stag-hunt"), "best-response"))
    assert [r.stability for r in points] == ["sink", "saddle", "sink"]
    assert all(r.nash for r in points)
    (centre,) = rest_points(system(get_game("matching-pennies"), "best-response"))
    assert centre.stability == "sink"  # best response converges in zero-sum games
    (shapley,) = rest_points(system(get_game("shapley"), "best-response", population="two"))
    assert shapley.stability == "saddle"  # Shapley (1964): play leaves the equilibrium


def test_best_response_trajectory_reaches_a_strict_equilibrium():
    sys = system(get_game("prisoners-dilemma"), "best-response")
    _, states = trajectory(sys, np.array([0.9, 0.1, 0.8, 0.2]), duration=10.0)
    assert np.abs(states[-1] - [0, 1, 0, 1]).max() < 1e-3
    assert is_nash(sys, np.array([0.0, 1.0, 0.0, 1.0]))


def test_asymmetric_three_by_three_uses_two_populations():
    game = Game.from_bimatrix([[1, 0, 2], [0, 2, 1], [2, 1, 0]], [[0, 2, 1], [1, 0, 2], [2, 1, 0]])
    sys = system(game)
    assert sys.sizes == (3, 3) and sys.dimension == 4
    points = rest_points(sys)
    assert sum(r.nash for r in points) == len(nash_equilibria(game))
    for r in points:
        assert np.abs(sys.velocity(r.state)).max() < 1e-12


def test_velocity_is_tangent_and_the_simplex_invariant():
    for dynamic in DYNAMICS:
        sys = system(get_game("rock-paper-scissors"), dynamic, 0.2)
        rng = np.random.default_rng(0)
        states = rng.dirichlet(np.ones(3), size=50)
        assert np.abs(sys.velocity(states).sum(axis=1)).max() < 1e-12


def test_classify_words():
    assert classify([-1, -2], 1e-9) == "sink"
    assert classify([1, 2], 1e-9) == "source"
    assert classify([-1, 2], 1e-9) == "saddle"
    assert classify([1j, -1j], 1e-9) == "centre"
    assert classify([0, -1], 1e-9) == "non-hyperbolic"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dynamic": "gradient"}, "unknown dynamic"),
        ({"temperature": 0}, "temperature must be a positive number"),
        ({"temperature": float("nan")}, "temperature must be a positive number"),
        ({"population": "single"}, "not symmetric"),
    ],
)
def test_bad_input_is_a_game_error(kwargs, message):
    with pytest.raises(GameError, match=message):
        system(get_game("battle-of-the-sexes"), **kwargs)


def test_games_outside_two_players_are_refused():
    with pytest.raises(GameError, match="two-player"):
        system(get_game("public-goods"))
