"""Solvers on extreme payoff magnitudes, on games reduced by strict dominance, and under budgets."""

from __future__ import annotations

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
    pair, pivots = lh.lemke_howson_path(A, B, 0)
    assert lh.lemke_howson(A, B, 0, max_pivots=pivots) == pair  # the budget is exactly a count
    with pytest.raises(lh.PivotBudgetExceeded, match=f"{pivots - 1} pivots"):
        lh.lemke_howson(A, B, 0, max_pivots=pivots - 1)
    assert lh.lemke_howson(A, B, 0, max_pivots=10_000)  # the unbounded answer is reachable


def test_budgeted_lemke_howson_reports_fewer_equilibria_and_says_so() -> None:
    # Coordination on the diagonal: no dominated action, so no reduction; 6x6 with max_bases=10
    # forces Lemke-Howson, and one pivot is too few for any path (each needs at least two).
    game = Game.from_bimatrix(np.eye(6, dtype=int) * 3 + 1, np.eye(6, dtype=int) * 2 + 1)
    solution = solve(game, max_bases=10, lh_max_pivots=1)
    assert not solution.complete and solution.degenerate is None
    assert solution.method == "lemke-howson (exact; 0 of 12 labels within the pivot budget)"
    assert solution.pure == tuple((i, i) for i in range(6))
    assert strategy_set(solution) == {
        tuple(tuple(F(int(i == k)) for i in range(6)) for _ in range(2)) for k in range(6)
    }
    timed_out = solve(game, max_bases=10, lh_pivots=0)
    assert "0 of 12 labels" in timed_out.method
    # The total budget is shared by the labels in order: enough for the first path only.
    bimatrix = equilibria._Bimatrix.of(game)
    _, first = lh.lemke_howson_path([list(r) for r in bimatrix.A], [list(r) for r in bimatrix.B])
    partial = solve(game, max_bases=10, lh_pivots=first)
    assert "1 of 12 labels within the pivot budget" in partial.method
    assert partial.method == solve(game, max_bases=10, lh_pivots=first).method  # deterministic
    unbounded = solve(game, max_bases=10)
    assert unbounded.method == "lemke-howson (exact)"


# ----- C: n-player support enumeration budget -------------------------------------------------
def test_support_enumeration_stops_at_its_budget_and_says_so() -> None:
    game = get_game("volunteers-dilemma:n_players=6")
    solution = solve(game, support_profiles=0)
    assert "0 of 665 support profiles within the budget" in solution.method
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
    solution = solve(game)
    for e in solution.equilibria:
        if e.exact:
            assert list(deviation_gains(game, e.strategies)) == [0, 0, 0]
        else:
            assert deviation_gains(game, e.strategies).max() <= e.tolerance


def test_big_integer_coordination_game_is_solved_as_given() -> None:
    big = 2**53
    A = [[big + 1, big], [big, big + 1]]
    for game in (Game.from_bimatrix(A, A), Game.from_bimatrix(np.array(A), np.array(A))):
        solution = solve(game)
        assert_exact_equilibria(game, solution)
        assert solution.pure == ((0, 0), (1, 1))
        assert solution.complete and solution.degenerate is False
        assert ((F(1, 2), F(1, 2)), (F(1, 2), F(1, 2))) in strategy_set(solution)
        assert len(solution.equilibria) == 3


# ----- complete below the documented switch, whatever the payoffs' range ------------------------
def wide_range_game(seed: int, side: int) -> Game:
    """Random uniform(-1, 1) payoffs with one entry a millionth of the rest: over a common
    denominator the integers exceed 2**64, where floats may not select vertices."""
    rng = np.random.default_rng(seed)
    A, B = rng.uniform(-1, 1, (2, side, side))
    A[0, 0] *= 1e-9
    return Game.from_bimatrix(A, B)


@pytest.mark.parametrize("small", [1e-20, F(1, 10**20)])
def test_identity_with_a_tiny_entry_has_every_one_of_its_127_equilibria(small) -> None:
    A = [[F(int(i == j)) for j in range(7)] for i in range(7)]
    A[0][1] = small
    game = Game.from_bimatrix(A, A)
    solution = solve(game)
    assert solution.complete and solution.method == "vertex enumeration (exact)"
    assert len(solution.equilibria) == 127  # one per nonempty support set, as in the identity
    assert_exact_equilibria(game, solution)
    assert strategy_set(solution) == strategy_set(solve(game, method="enumeration"))


@settings(CI, max_examples=3)  # nashpy takes ~2 s on each 7x7 game
@given(st.integers(0, 2**32 - 1))
def test_wide_range_float_games_are_enumerated_completely(seed: int) -> None:
    import warnings

    import nashpy

    game = wide_range_game(seed, 7)
    bimatrix = equilibria._Bimatrix.of(game)
    assert max(map(max, bimatrix.A + bimatrix.B)) > 2**64
    solution = solve(game)
    assert solution.complete and solution.method == "vertex enumeration (exact)"
    assert_exact_equilibria(game, solution)
    assert strategy_set(solution) == strategy_set(solve(game, method="enumeration"))
    A, B = game.payoffs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = nashpy.Game(A - A.min() + 1, B - B.min() + 1).vertex_enumeration()
        expected = {
            tuple(tuple(round(float(v), 6) + 0.0 for v in s) for s in pair) for pair in found
        }
    assert solution.degenerate is False
    assert {
        tuple(tuple(round(float(v), 6) + 0.0 for v in s) for s in e.strategies)
        for e in solution.equilibria
    } == expected


@pytest.mark.parametrize("seed", [0, 1])
def test_wide_range_8x8_games_match_float_selected_vertices(seed: int) -> None:
    # nashpy takes ~20 s on 8x8: check against the float-selecting enumeration instead, which
    # is right on these well-conditioned payoffs (only its soundness guarantee is lost).
    game = wide_range_game(seed, 8)
    solution = solve(game)
    assert solution.complete
    assert_exact_equilibria(game, solution)
    bimatrix = equilibria._Bimatrix.of(game)
    by_floats = extreme_equilibria(
        [list(r) for r in bimatrix.A], [list(r) for r in bimatrix.B], exact=False
    )
    assert strategy_set(solution) == set(by_floats.equilibria)
