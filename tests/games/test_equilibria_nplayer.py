"""n-player equilibria: exact pure ones plus numeric mixed ones from support enumeration."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from games.equilibria import deviation_gains, solve
from games.model import Game

CI = settings(
    deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)


def cyclic_pennies(q1, q2, q3) -> Game:
    """Jordan's (1993) three-player cyclic matching pennies, reweighted so the unique equilibrium
    is the fully mixed profile (q1, q2, q3) (probability of action 0 for each player).

    Player 1 wants to match player 2, player 2 to match player 3, player 3 to mismatch player 1;
    the weights make each player exactly indifferent at the designed profile.
    """
    u = np.zeros((3, 2, 2, 2))
    for a1, a2, a3 in np.ndindex(2, 2, 2):
        if a1 == a2:
            u[0, a1, a2, a3] = (1 - q2) if a1 == 0 else q2
        if a2 == a3:
            u[1, a1, a2, a3] = (1 - q3) if a2 == 0 else q3
        if a3 != a1:
            u[2, a1, a2, a3] = q1 if a3 == 0 else (1 - q1)
    return Game(u)


def assert_numerically_verified(game: Game, solution) -> None:
    for e in solution.equilibria:
        if e.exact:
            assert list(deviation_gains(game, e.strategies)) == [0] * game.n_players
        else:
            assert e.tolerance is not None and e.tolerance > 0
            assert deviation_gains(game, e.strategies).max() <= e.tolerance
            assert all(abs(sum(s) - 1) < 1e-12 and min(s) >= 0 for s in e.strategies)
            assert np.allclose(e.payoffs, game.expected_payoffs(e.strategies))
    flat = [np.concatenate(e.as_arrays()) for e in solution.equilibria]
    for i, j in itertools.combinations(range(len(flat)), 2):
        assert np.abs(flat[i] - flat[j]).max() > 1e-7, "equilibria are deduplicated"


@pytest.mark.parametrize("q", [(0.5, 0.5, 0.5), (1 / 3, 1 / 4, 2 / 5)])
def test_designed_fully_mixed_three_player_equilibrium_is_found(q) -> None:
    game = cyclic_pennies(*q)
    solution = solve(game)
    assert solution.method == "support enumeration (numeric)" and not solution.complete
    assert solution.pure == ()
    assert_numerically_verified(game, solution)
    (only,) = solution.equilibria
    assert not only.exact
    np.testing.assert_allclose([s[0] for s in only.strategies], q, atol=1e-8)


def test_three_player_game_with_a_dummy_matches_the_two_player_answer() -> None:
    # Battle of the Sexes with a third player who has one action: same equilibria.
    bos = np.array([[[2, 0], [0, 1]], [[1, 0], [0, 2]], [[0, 0], [0, 0]]], dtype=float)
    game = Game(bos[..., None])
    solution = solve(game)
    assert solution.pure == ((0, 0, 0), (1, 1, 0))
    assert [e.exact for e in solution.equilibria] == [True, True, False]
    mixed = solution.equilibria[2]
    np.testing.assert_allclose(mixed.as_arrays()[0], [2 / 3, 1 / 3], atol=1e-9)
    np.testing.assert_allclose(mixed.as_arrays()[1], [1 / 3, 2 / 3], atol=1e-9)
    np.testing.assert_allclose(mixed.payoffs, [2 / 3, 2 / 3, 0], atol=1e-9)


def test_pure_equilibria_of_n_player_games_are_exact() -> None:
    game = Game.common_payoff(np.arange(8).reshape(2, 2, 2))
    solution = solve(game)
    best = solution.equilibria[0]
    assert best.exact and best.is_pure and best.payoffs == (F(7),) * 3
    assert solution.pure == ((1, 1, 1),)


@CI
@given(
    st.sampled_from([(2, 2, 2), (3, 2, 2), (2, 3, 2)]).flatmap(
        lambda shape: arrays(np.int64, (3, *shape), elements=st.integers(-3, 3))
    )
)
def test_small_three_player_integer_games_are_verified(payoffs) -> None:
    game = Game(payoffs)
    assert_numerically_verified(game, solve(game))


@CI
@given(
    st.sampled_from([(2, 2, 2), (3, 2, 2)]).flatmap(
        lambda shape: arrays(float, (3, *shape), elements=st.floats(-5, 5, width=32))
    )
)
def test_three_player_float_games_have_an_equilibrium(payoffs) -> None:
    game = Game(payoffs)
    solution = solve(game)
    assert_numerically_verified(game, solution)
    # Nash's theorem: at least one equilibrium exists; generic games' are isolated and found.
    assert solution.equilibria


# ----- closed forms for two-action players keep every equilibrium the root finder finds ------
@settings(CI, max_examples=25)
@given(st.integers(0, 2**32 - 1), st.sampled_from([3, 4]))
def test_closed_forms_find_every_equilibrium_the_root_finder_finds(seed, players) -> None:
    from games.support_enumeration import search_supports

    rng = np.random.default_rng(seed)
    game = Game(rng.uniform(-1, 1, (players, *[2] * players)))
    closed = search_supports(game).equilibria
    general = search_supports(game, closed_form=False).equilibria
    for profile in general:
        assert any(
            all(np.abs(a - b).max() <= 1e-6 for a, b in zip(profile, other, strict=True))
            for other in closed
        ), "the closed forms lost an equilibrium"
    solution = solve(game)
    assert_numerically_verified(game, solution)
    mixed = [e for e in solution.equilibria if not e.is_pure]
    assert len(mixed) == sum(1 for p in closed if any(np.count_nonzero(s) > 1 for s in p))



def test_pure_equilibria_are_decided_exactly_where_the_floats_tie() -> None:
    # Player 1's two payoffs differ by 1e-30: the same double, but only action 1 is a best reply.
    payoffs = np.full((3, 2, 2, 2), F(0), dtype=object)
    payoffs[0, 0] = F(1, 3)
    payoffs[0, 1] = F(1, 3) + F(1, 10**30)
    game = Game(payoffs)
    assert game.payoffs[0, 0, 0, 0] == game.payoffs[0, 1, 0, 0]
    solution = solve(game)
    assert solution.pure and all(cell[0] == 1 for cell in solution.pure)
    assert all(e.strategies[0] == (0, 1) for e in solution.equilibria if e.exact)
