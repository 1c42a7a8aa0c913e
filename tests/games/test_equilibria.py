"""Two-player and pure equilibria: named games with known answers, and generated games checked
against brute force and against nashpy's vertex enumeration."""

from __future__ import annotations

import itertools
import warnings
from fractions import Fraction as F

import nashpy
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from games.equilibria import (
    Equilibrium,
    deviation_gains,
    is_degenerate,
    is_equilibrium,
    lemke_howson,
    nash_conv,
    nash_equilibria,
    pure_equilibria,
    solve,
)
from games.model import Game, GameError

CI = settings(
    deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow]
)


def profile_set(equilibria) -> set[tuple[tuple[F, ...], ...]]:
    return {e.strategies for e in equilibria}


def pure_profile(cell, shape):
    return tuple(tuple(F(int(i == a)) for i in range(k)) for a, k in zip(cell, shape, strict=True))


def integer_bimatrices(low: int, high: int, max_side: int = 5):
    shapes = st.tuples(st.integers(1, max_side), st.integers(1, max_side))
    return shapes.flatmap(
        lambda s: st.tuples(
            arrays(np.int64, s, elements=st.integers(low, high)),
            arrays(np.int64, s, elements=st.integers(low, high)),
        )
    )


def assert_exactly_verified(game: Game, equilibria) -> None:
    for e in equilibria:
        assert e.exact and e.tolerance is None
        assert all(isinstance(v, F) for s in e.strategies for v in s)
        assert all(sum(s) == 1 and min(s) >= 0 for s in e.strategies)
        assert list(deviation_gains(game, e.strategies)) == [0] * game.n_players
        assert e.payoffs == tuple(
            sum(
                game.exact_payoffs[(p, *cell)]
                * np.prod([e.strategies[q][cell[q]] for q in range(game.n_players)])
                for cell in game.cells()
            )
            for p in range(game.n_players)
        )


def nashpy_extreme_equilibria(A: np.ndarray, B: np.ndarray) -> set[tuple[tuple[float, ...], ...]]:
    """nashpy's vertex enumeration, rounded, on matrices shifted to be positive.

    nashpy shifts a matrix only by |min| when min < 0, making the smallest payoff 0; when some
    pure strategy then leaves the opponent payoff 0 everywhere, its best-response polytope is
    unbounded along that axis and the vertices there (pure equilibria included) are lost. With
    payoffs >= 1, as von Stengel's construction assumes (§3.2), the polytopes are bounded and
    nashpy's set is the true set of extreme equilibria, degenerate games included.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = nashpy.Game(A - A.min() + 1, B - B.min() + 1).vertex_enumeration()
        return {rounded((x, y)) for x, y in found}


def well_separated(matrix: np.ndarray, gap: float = 1e-4) -> bool:
    values = np.unique(matrix)
    return bool(np.all(np.diff(values) > gap))


def rounded(strategies) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(round(float(v), 6) + 0.0 for v in s) for s in strategies)


# ----- named games ----------------------------------------------------------------------------
def test_battle_of_the_sexes_exact() -> None:
    game = Game.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    solution = solve(game)
    assert solution.complete and solution.degenerate is False
    assert solution.method == "vertex enumeration (exact)"
    assert solution.pure == ((0, 0), (1, 1))
    mixed = [e for e in solution.equilibria if not e.is_pure]
    assert profile_set(mixed) == {((F(2, 3), F(1, 3)), (F(1, 3), F(2, 3)))}
    assert mixed[0].payoffs == (F(2, 3), F(2, 3))
    assert profile_set(solution.equilibria) == {
        pure_profile((0, 0), (2, 2)),
        pure_profile((1, 1), (2, 2)),
        ((F(2, 3), F(1, 3)), (F(1, 3), F(2, 3))),
    }
    assert_exactly_verified(game, solution.equilibria)


def test_rock_paper_scissors_only_uniform() -> None:
    game = Game.zero_sum([[0, -1, 1], [1, 0, -1], [-1, 1, 0]])
    (only,) = nash_equilibria(game)
    assert only.strategies == ((F(1, 3),) * 3, (F(1, 3),) * 3)
    assert only.payoffs == (0, 0)
    assert not is_degenerate(game)


def test_matching_pennies() -> None:
    game = Game.zero_sum([[1, -1], [-1, 1]])
    solution = solve(game)
    assert solution.pure == ()
    assert profile_set(solution.equilibria) == {((F(1, 2), F(1, 2)), (F(1, 2), F(1, 2)))}


def test_duplicated_strategy_is_degenerate_with_extreme_equilibria() -> None:
    # Columns 0 and 2 are the same strategy. Row 0 is dominant; the column player is then
    # indifferent between columns 0 and 2, so the equilibria form the segment
    # (row 0, y = (t, 0, 1-t)), whose extreme points are the two pure equilibria.
    game = Game.from_bimatrix([[3, 2, 3], [1, 0, 1]], [[2, 1, 2], [0, 3, 0]])
    solution = solve(game)
    assert solution.degenerate is True and solution.complete
    assert profile_set(solution.equilibria) == {
        pure_profile((0, 0), (2, 3)),
        pure_profile((0, 2), (2, 3)),
    }


def test_constant_payoff_player_is_degenerate_with_extreme_equilibria() -> None:
    # The column player is indifferent everywhere; row 0 earns 1 + 2*y0, row 1 earns 2. The
    # equilibrium set is (e0, y0 >= 1/2) ∪ (any x, y0 = 1/2) ∪ (e1, y0 <= 1/2): four corners.
    game = Game.from_bimatrix([[3, 1], [2, 2]], [[5, 5], [5, 5]])
    solution = solve(game)
    assert solution.degenerate is True
    half = (F(1, 2), F(1, 2))
    assert profile_set(solution.equilibria) == {
        ((F(1), F(0)), (F(1), F(0))),
        ((F(1), F(0)), half),
        ((F(0), F(1)), half),
        ((F(0), F(1)), (F(0), F(1))),
    }
    assert_exactly_verified(game, solution.equilibria)


def test_single_action_players_and_vectors() -> None:
    assert profile_set(nash_equilibria(Game.from_bimatrix([[7]], [[-2]]))) == {((F(1),), (F(1),))}
    row = Game.from_bimatrix([[1, 5, 5]], [[0, 2, 2]])
    assert profile_set(nash_equilibria(row)) == {
        ((F(1),), (F(0), F(1), F(0))),
        ((F(1),), (F(0), F(0), F(1))),
    }
    assert is_degenerate(row)
    column = Game.from_bimatrix([[1], [4], [2]], [[3], [3], [3]])
    assert profile_set(nash_equilibria(column)) == {((F(0), F(1), F(0)), (F(1),))}


def test_fractional_payoffs_are_solved_exactly() -> None:
    game = Game.from_bimatrix([["1/3", "0"], ["0", "1/7"]], [["0.1", "0"], ["0", "0.3"]])
    mixed = [e for e in nash_equilibria(game) if not e.is_pure]
    # Indifference: y0/3 = y1/7 and x0/10 = 3 x1/10.
    assert profile_set(mixed) == {((F(3, 4), F(1, 4)), (F(3, 10), F(7, 10)))}
    assert_exactly_verified(game, mixed)


def test_equilibrium_helpers() -> None:
    e = Equilibrium(((F(1, 2), F(1, 2), F(0)), (F(1), F(0))), (F(1), F(2)), exact=True)
    assert e.supports == ((0, 1), (0,))
    assert not e.is_pure
    assert [a.tolist() for a in e.as_arrays()] == [[0.5, 0.5, 0.0], [1.0, 0.0]]


def test_deviation_gains_and_nash_conv() -> None:
    game = Game.from_bimatrix([[2, 0], [0, 1]], [[1, 0], [0, 2]])
    # Miscoordination at (row 0, column 1): row 1 would earn 1 instead of 0, column 0 would too.
    assert list(deviation_gains(game, [(F(1), F(0)), (F(0), F(1))])) == [1, 1]
    # At (row 1, column 0) the row player would gain 2 by moving to row 0, the column player 2.
    assert nash_conv(game, [[0.0, 1.0], [1.0, 0.0]]) == pytest.approx(4.0)
    assert is_equilibrium(game, [[2 / 3, 1 / 3], [1 / 3, 2 / 3]])
    assert not is_equilibrium(game, [[0.5, 0.5], [0.5, 0.5]])
    assert not is_equilibrium(game, [[1.0, 1.0], [1.0, 0.0]])
    with pytest.raises(GameError, match="2 actions"):
        deviation_gains(game, [[1.0, 0.0, 0.0], [1.0, 0.0]])
    with pytest.raises(GameError, match="one strategy per player"):
        nash_conv(game, [[1.0, 0.0]])


def test_bad_requests_raise_game_errors() -> None:
    game = Game(np.zeros((3, 2, 2, 2)))
    with pytest.raises(GameError, match="two-player"):
        lemke_howson(game)
    with pytest.raises(GameError, match="two-player"):
        is_degenerate(game)
    with pytest.raises(GameError, match="unknown method"):
        solve(game, method="magic")
    with pytest.raises(GameError, match="initial label"):
        lemke_howson(Game.zero_sum([[1, -1], [-1, 1]]), initial_label=4)


# ----- generated games ------------------------------------------------------------------------
@CI
@given(integer_bimatrices(-3, 3))
def test_small_integer_games_match_nashpy_vertex_enumeration(matrices) -> None:
    A, B = matrices
    game = Game.from_bimatrix(A, B)
    solution = solve(game)
    assert solution.complete
    assert_exactly_verified(game, solution.equilibria)
    pure = {tuple(s[0] for s in e.supports) for e in solution.equilibria if e.is_pure}
    assert set(solution.pure) == pure
    if min(A.shape) >= 2:  # nashpy's Qhull cannot build a one-dimensional polytope
        assert {rounded(e.strategies) for e in solution.equilibria} == nashpy_extreme_equilibria(
            A, B
        )


@settings(CI, max_examples=40)
@given(integer_bimatrices(-20, 20))
def test_wide_range_integer_games_match_nashpy(matrices) -> None:
    A, B = matrices
    game = Game.from_bimatrix(A, B)
    solution = solve(game)
    assert_exactly_verified(game, solution.equilibria)
    if min(A.shape) >= 2:
        assert {rounded(e.strategies) for e in solution.equilibria} == nashpy_extreme_equilibria(
            A, B
        )


@settings(CI, max_examples=40)
@given(
    st.tuples(st.integers(2, 4), st.integers(2, 4)).flatmap(
        lambda s: st.tuples(
            *[arrays(float, s, elements=st.floats(-10, 10, width=32)) for _ in range(2)]
        )
    )
)
def test_float_games_verified_and_match_nashpy(matrices) -> None:
    A, B = matrices
    game = Game.from_bimatrix(A, B)
    solution = solve(game)
    assert_exactly_verified(game, solution.equilibria)
    # nashpy reads labels with np.isclose, so payoffs 1e-7 apart count as tied there (and a
    # strictly dominated strategy can look like a best response); compare only games whose
    # distinct payoffs are well apart, where its float labels are right.
    if not solution.degenerate and well_separated(A) and well_separated(B):
        assert {rounded(e.strategies) for e in solution.equilibria} == nashpy_extreme_equilibria(
            A, B
        )


@CI
@given(
    st.lists(st.integers(1, 3), min_size=2, max_size=3).flatmap(
        lambda shape: arrays(np.int64, (len(shape), *shape), elements=st.integers(-2, 2))
    )
)
def test_pure_equilibria_match_brute_force(payoffs) -> None:
    game = Game(payoffs)
    expected = []
    for cell in itertools.product(*map(range, game.num_actions)):
        stable = True
        for p in range(game.n_players):
            for deviation in range(game.num_actions[p]):
                other = list(cell)
                other[p] = deviation
                stable &= payoffs[(p, *other)] <= payoffs[(p, *cell)]
        if stable:
            expected.append(cell)
    assert pure_equilibria(game) == expected


def test_pure_equilibria_decide_exactly_beyond_float_precision() -> None:
    # 1/3 and 0.3333333333333333 are different numbers but the same float.
    game = Game.from_bimatrix([["1/3"], ["0.3333333333333333"]], [["0"], ["0"]])
    assert pure_equilibria(game) == [(0, 0)]


# ----- Lemke-Howson ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(3))
def test_lemke_howson_on_15x15_random_games(seed: int) -> None:
    rng = np.random.default_rng(seed)
    game = Game.from_bimatrix(rng.integers(-20, 21, (15, 15)), rng.integers(-20, 21, (15, 15)))
    for label in (0, 7, 29):
        equilibrium = lemke_howson(game, label)
        assert_exactly_verified(game, [equilibrium])


@CI
@given(integer_bimatrices(-2, 2, max_side=4))
def test_lemke_howson_every_label_on_degenerate_games(matrices) -> None:
    game = Game.from_bimatrix(*matrices)
    extreme = profile_set(nash_equilibria(game))
    for label in range(sum(game.num_actions)):
        equilibrium = lemke_howson(game, label)
        assert_exactly_verified(game, [equilibrium])
        assert equilibrium.strategies in extreme  # LH ends at a vertex pair


def test_lemke_howson_fallback_when_enumeration_is_too_big() -> None:
    rng = np.random.default_rng(7)
    game = Game.from_bimatrix(rng.integers(-20, 21, (6, 6)), rng.integers(-20, 21, (6, 6)))
    fallback = solve(game, max_bases=10)
    # Two rows and two columns go by iterated strict dominance; the 4x4 rest needs 70 > 10.
    assert fallback.method == "lemke-howson (exact; after iterated strict dominance 6x6 -> 4x4)"
    assert not fallback.complete and fallback.degenerate is None
    assert_exactly_verified(game, fallback.equilibria)
    assert profile_set(fallback.equilibria) <= profile_set(solve(game).equilibria)
    assert set(fallback.pure) <= {tuple(s[0] for s in e.supports) for e in fallback.equilibria}
