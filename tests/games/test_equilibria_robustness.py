"""Solvers on extreme payoff magnitudes, on games reduced by strict dominance, and under budgets."""

from __future__ import annotations

import time
from contextlib import contextmanager
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import games.equilibria as equilibria
from games import lemke_howson as lh
from games.catalogue import get_game
from games.dominance import iterated_elimination
from games.equilibria import deviation_gains, solve
from games.exact import integer_matrix, singular
from games.model import Game, GameError
from games.reduction import strictly_undominated
from games.scaled import scaled_payoffs
from games.vertex_enumeration import extreme_equilibria

CI = settings(
    deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)


def assert_exact_equilibria(game: Game, solution) -> None:
    for e in solution.equilibria:
        assert e.exact and all(sum(s) == 1 and min(s) >= 0 for s in e.strategies)
        assert list(deviation_gains(game, e.strategies)) == [0] * game.n_players
    pure = {tuple(s[0] for s in e.supports) for e in solution.equilibria if e.is_pure}
    assert set(solution.pure) <= pure


def strategy_set(solution) -> set:
    return {e.strategies for e in solution.equilibria}


# ----- A: extreme magnitudes ------------------------------------------------------------------
def test_tiny_fraction_next_to_huge_integer_is_solved_exactly() -> None:
    game = Game.from_bimatrix([[F(1, 10**300), 2]], [[1, 2 * 10**300]])
    solution = solve(game)
    assert solution.complete and solution.degenerate is False
    assert strategy_set(solution) == {((F(1),), (F(0), F(1)))}
    assert solution.equilibria[0].payoffs == (F(2), F(2 * 10**300))


def test_singular_decides_beyond_float_range() -> None:
    big = 10**400
    matrices = np.empty((3, 2, 2), dtype=object)
    matrices[0] = [[big, big + 1], [2 * big, 2 * big + 2]]  # second row is twice the first
    matrices[1] = [[big, big + 1], [big, big + 2]]
    matrices[2] = [[1, 2], [3, 4]]
    assert singular(matrices).tolist() == [True, False, False]


def test_integer_matrix_divides_out_common_scale() -> None:
    exact = np.array([[F(3 * 10**300), F(5 * 10**300)], [F(7 * 10**300), F(3 * 10**300)]])
    assert integer_matrix(exact).tolist() == [[1, 2], [3, 1]]


def magnitude_entries(magnitudes: list[F]):
    return st.builds(lambda k, scale: k * scale, st.integers(-3, 3), st.sampled_from(magnitudes))


def extreme_bimatrices(max_side: int, largest: int = 300):
    """Games whose entries are k * 10^±e, e up to ``largest``, or k/3 (k in -3..3)."""
    entries = magnitude_entries(
        [F(1), F(10) ** largest, F(1, 10**largest), F(10) ** (largest // 2), F(1, 3)]
    )
    rows = st.tuples(st.integers(1, max_side), st.integers(1, max_side))
    return rows.flatmap(
        lambda s: st.tuples(
            *[
                st.lists(
                    st.lists(entries, min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0]
                )
                for _ in range(2)
            ]
        )
    )


@CI
@given(extreme_bimatrices(4))
def test_extreme_magnitude_games_are_solved_exactly(matrices) -> None:
    A, B = matrices
    game = Game.from_bimatrix(A, B)
    solution = solve(game)
    assert solution.complete
    assert solution.equilibria  # Nash (1951): at least one
    assert_exact_equilibria(game, solution)
    if solution.degenerate is False:
        assert len(solution.equilibria) % 2 == 1  # Shapley (1974): odd in nondegenerate games


@CI
@given(extreme_bimatrices(3, 150), st.sampled_from([F(10) ** 150, F(1, 10**150), F(7, 10**100)]))
def test_equilibria_do_not_change_under_huge_or_tiny_positive_scaling(matrices, factor) -> None:
    A, B = matrices
    plain = solve(Game.from_bimatrix(A, B))
    scaled_a = [[v * factor + factor for v in row] for row in A]
    scaled_b = [[v / factor for v in row] for row in B]
    assert strategy_set(solve(Game.from_bimatrix(scaled_a, scaled_b))) == strategy_set(plain)


@CI
@given(
    st.tuples(st.integers(1, 4), st.integers(1, 4)).flatmap(
        lambda s: st.tuples(
            *[
                st.lists(
                    st.lists(st.integers(1, 2**60), min_size=s[1], max_size=s[1]),
                    min_size=s[0],
                    max_size=s[0],
                )
                for _ in range(2)
            ]
        )
    )
)
def test_float_selection_agrees_with_all_exact_enumeration(matrices) -> None:
    # Integer payoffs up to 2^60 (a dynamic range of 1e18): the float path and the path that
    # solves every system exactly must report the same extreme equilibria and degeneracy.
    A, B = matrices
    floats = extreme_equilibria(A, B, exact=False)
    exact = extreme_equilibria(A, B, exact=True)
    assert set(floats.equilibria) == set(exact.equilibria)
    assert floats.degenerate == exact.degenerate


# ----- B: strict dominance before enumeration, Lemke-Howson budgets ---------------------------
@pytest.mark.parametrize("size", [12, 20, 40])
def test_travelers_dilemma_is_solved_completely_after_strict_dominance(size: int) -> None:
    game = get_game(f"travelers-dilemma:size={size}")
    solution = solve(game)
    lowest = tuple(tuple(F(int(i == 0)) for i in range(size)) for _ in range(2))
    assert strategy_set(solution) == {lowest} and solution.pure == ((0, 0),)
    assert solution.complete and solution.degenerate is None
    assert f"{size}x{size} -> 1x1" in solution.method and "not decided" in solution.method


def small_games_with_dominance():
    shapes = st.tuples(st.integers(2, 4), st.integers(2, 4))
    return shapes.flatmap(
        lambda s: st.tuples(
            *[
                st.lists(
                    st.lists(st.integers(-4, 4), min_size=s[1], max_size=s[1]),
                    min_size=s[0],
                    max_size=s[0],
                )
                for _ in range(2)
            ]
        )
    )


@contextmanager
def reducing_every_game():
    """Make solve reduce every two-player game by strict dominance before enumerating."""
    saved = equilibria.REDUCE_ABOVE
    equilibria.REDUCE_ABOVE = 0
    try:
        yield
    finally:
        equilibria.REDUCE_ABOVE = saved


@CI
@given(small_games_with_dominance())
def test_reduced_enumeration_reports_the_same_equilibria(matrices) -> None:
    game = Game.from_bimatrix(*matrices)
    full = solve(game)
    with reducing_every_game():
        reduced = solve(game)
    assert reduced.complete and strategy_set(reduced) == strategy_set(full)
    assert_exact_equilibria(game, reduced)
    if reduced.degenerate is not None:
        assert reduced.degenerate == full.degenerate


@CI
@given(small_games_with_dominance())
def test_strict_reduction_matches_the_dominance_module(matrices) -> None:
    game = Game.from_bimatrix(*matrices)
    expected = iterated_elimination(game, weak=False, mixed=True).surviving
    assert strictly_undominated(scaled_payoffs(game).values) == expected


def test_lemke_howson_pivot_budget_raises() -> None:
    rng = np.random.default_rng(3)
    A = (rng.integers(1, 40, (8, 8))).tolist()
    B = (rng.integers(1, 40, (8, 8))).tolist()
    with pytest.raises(lh.PivotBudgetExceeded, match="1 pivots"):
        lh.lemke_howson(A, B, 0, max_pivots=1)
    with pytest.raises(lh.PivotBudgetExceeded, match="time budget"):
        lh.lemke_howson(A, B, 0, deadline=time.monotonic() - 1)
    assert lh.lemke_howson(A, B, 0, max_pivots=10_000)  # the unbounded answer is reachable


def test_budgeted_lemke_howson_reports_fewer_equilibria_and_says_so() -> None:
    # Coordination on the diagonal: no dominated action, so no reduction; 6x6 with max_bases=10
    # forces Lemke-Howson, and one pivot is too few for any path (each needs at least two).
    game = Game.from_bimatrix(np.eye(6, dtype=int) * 3 + 1, np.eye(6, dtype=int) * 2 + 1)
    solution = solve(game, max_bases=10, lh_max_pivots=1)
    assert not solution.complete and solution.degenerate is None
    assert solution.method == "lemke-howson (exact; 0 of 12 labels within the pivot/time budget)"
    assert solution.pure == tuple((i, i) for i in range(6))
    assert strategy_set(solution) == {
        tuple(tuple(F(int(i == k)) for i in range(6)) for _ in range(2)) for k in range(6)
    }
    timed_out = solve(game, max_bases=10, lh_seconds=0.0)
    assert "0 of 12 labels" in timed_out.method
    unbounded = solve(game, max_bases=10)
    assert unbounded.method == "lemke-howson (exact)"


# ----- C: n-player support enumeration budget -------------------------------------------------
def test_support_enumeration_stops_at_its_budget_and_says_so() -> None:
    game = get_game("volunteers-dilemma:n_players=6")
    solution = solve(game, support_seconds=0.0)
    assert "0 of 665 support profiles within the time budget" in solution.method
    # Pure equilibria (exactly one volunteer) are exact and always reported.
    assert len(solution.pure) == 6 and all(e.exact for e in solution.equilibria)
    assert len(solution.equilibria) == 6


def test_n_player_games_beyond_float_spread_get_a_clear_error() -> None:
    payoffs = np.zeros((3, 2, 2, 2))
    payoffs[0, 0, 0, 0], payoffs[1, 1, 1, 1] = 1.5e308, -1.5e308
    with pytest.raises(GameError, match="more than floating point can represent"):
        solve(Game(payoffs))


@settings(CI, max_examples=15)
@given(st.lists(magnitude_entries([F(1), F(10) ** 300, F(1, 10**300)]), min_size=24, max_size=24))
def test_n_player_extreme_magnitudes_are_verified(entries) -> None:
    exact = np.empty(24, dtype=object)
    exact[:] = entries
    game = Game(exact.reshape(3, 2, 2, 2))
    solution = solve(game, support_seconds=5.0)
    for e in solution.equilibria:
        if e.exact:
            assert list(deviation_gains(game, e.strategies)) == [0, 0, 0]
        else:
            assert deviation_gains(game, e.strategies).max() <= e.tolerance
