"""The two-player fast path: one padded float batch per polytope, exact enumeration of tiny
games, integer verification of equilibria, pure equilibria from the integer matrices."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import games.vertex_enumeration as vertex_enumeration
from games.equilibria import _Bimatrix, solve
from games.exact import singular, solve_integer
from games.model import Game, GameError
from games.pivoting_vertex_enumeration import pivoting_extreme_equilibria
from games.pure import pure_equilibria
from games.small_vertex_enumeration import small_extreme_equilibria
from games.vertex_enumeration import (
    SMALL_BASES,
    basis_count,
    extreme_equilibria,
    floats_suffice,
)

CI = settings(
    deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)


def bimatrices(max_size: int, high: int):
    """Pairs of positive integer matrices of one random shape; small ``high`` forces ties."""
    entries = st.integers(1, high)
    return st.tuples(st.integers(1, max_size), st.integers(1, max_size)).flatmap(
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
@given(bimatrices(4, 4), st.sampled_from([0, vertex_enumeration.PAD_BASES]))
def test_padded_and_per_size_batches_agree_with_exact_enumeration(matrices, pad_bases: int) -> None:
    # PAD_BASES = 0 sends every game through the per-size batches that large games use.
    A, B = matrices
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vertex_enumeration, "PAD_BASES", pad_bases)
        floats = extreme_equilibria(A, B, exact=False)
    exact = extreme_equilibria(A, B, exact=True)
    assert set(floats.equilibria) == set(exact.equilibria)
    assert floats.degenerate == exact.degenerate


@CI
@given(
    st.integers(1, 4).flatmap(
        lambda k: st.tuples(
            st.lists(st.lists(st.integers(-6, 6), min_size=k, max_size=k), min_size=k, max_size=k),
            st.lists(st.integers(-6, 6), min_size=k, max_size=k),
        )
    )
)
def test_solve_integer_solves_exactly_or_proves_singular(system) -> None:
    matrix, rhs = system
    solved = solve_integer(matrix, rhs)
    if solved is None:
        assert singular(np.array([matrix], dtype=object)).tolist() == [True]
        return
    numerators, denominator = solved
    assert denominator > 0
    for row, b in zip(matrix, rhs, strict=True):
        assert sum(a * x for a, x in zip(row, numerators, strict=True)) == b * denominator


def test_integer_verification_rejects_what_is_not_an_equilibrium() -> None:
    game = Game.from_bimatrix([[F(1, 3), 0], [0, F(2, 7)]], [[F(2, 7), 0], [0, F(1, 3)]])
    bimatrix = _Bimatrix.of(game)
    half = (F(1, 2), F(1, 2))
    with pytest.raises(ArithmeticError, match="non-equilibrium"):
        bimatrix.equilibrium((half, half))
    with pytest.raises(ArithmeticError, match="non-probability"):
        bimatrix.equilibrium(((F(1), F(1)), (F(1), F(0))))
    with pytest.raises(GameError, match="sizes"):
        bimatrix.equilibrium(((F(1),), half))


def test_integer_verification_reports_exact_expected_payoffs() -> None:
    A = [[F(1, 3), 0], [0, F(2, 7)]]
    B = [[F(2, 7), 0], [0, F(1, 3)]]
    game = Game.from_bimatrix(A, B)
    # Mixed equilibrium (indifference): x = (q, 1 - q) with 2/7 q = 1/3 (1 - q), likewise y.
    x = (F(7, 13), F(6, 13))
    y = (F(6, 13), F(7, 13))
    equilibrium = _Bimatrix.of(game).equilibrium((x, y))
    expected = [sum(x[i] * M[i][j] * y[j] for i in range(2) for j in range(2)) for M in (A, B)]
    assert equilibrium.payoffs == tuple(expected) == (F(2, 13), F(2, 13))
    assert (x, y) in {e.strategies for e in solve(game).equilibria}


@CI
@given(bimatrices(4, 3))
def test_two_player_pure_equilibria_match_the_n_player_scan(matrices) -> None:
    game = Game.from_bimatrix(*matrices)
    assert list(solve(game).pure) == pure_equilibria(game)


def test_pure_equilibria_see_differences_floats_cannot_hold() -> None:
    # 1 and 1 + 1e-30 are the same double; only the exact payoffs tell them apart.
    game = Game.from_bimatrix([[0, 0]], [[1, F(1) + F(1, 10**30)]])
    assert solve(game).pure == ((0, 1),)


@pytest.mark.parametrize(
    "value", [0.0, -0.0, 7.0, -20.0, 2.0**53, -(2.0**53), 2.0**53 + 2, 1e20, 1.5, 0.1, 1e300]
)
def test_exact_payoffs_read_floats_as_their_shortest_decimal(value: float) -> None:
    game = Game(np.full((2, 1, 1), value))
    assert game.exact_payoffs[0, 0, 0] == F(repr(value))


def small_bimatrices(high: int):
    """Positive integer pairs of a shape the plain-integer path takes (up to 3x3, 2x5, 1x20)."""
    shapes = [
        (m, n) for m in range(1, 20) for n in range(1, 20) if basis_count(m, n) <= SMALL_BASES
    ]
    entries = st.integers(1, high)
    return st.sampled_from(shapes).flatmap(
        lambda s: st.tuples(
            *[
                st.lists(
                    st.lists(entries, min_size=s[1], max_size=s[1]), min_size=s[0], max_size=s[0]
                )
                for _ in range(2)
            ]
        )
    )


def exactly_equilibrium(A, B, x, y) -> bool:
    """No pure deviation gains, in Fractions: independent of every solver's own check."""
    rows = [sum(a * q for a, q in zip(row, y, strict=True)) for row in A]
    columns = [sum(b * p for b, p in zip(column, x, strict=True)) for column in zip(*B, strict=True)]
    return (
        sum(x) == sum(y) == 1
        and min(x) >= 0
        and min(y) >= 0
        and sum(p * v for p, v in zip(x, rows, strict=True)) == max(rows)
        and sum(q * v for q, v in zip(y, columns, strict=True)) == max(columns)
    )


@settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(small_bimatrices(3) | small_bimatrices(100))
def test_plain_integer_path_agrees_with_both_batched_enumerations(matrices) -> None:
    # Entries 1..3 make ties, hence degenerate games with infinite equilibrium sets: the
    # paths must agree on the extreme points and on degeneracy, not only on generic games.
    A, B = matrices
    small, degenerate = small_extreme_equilibria(A, B)
    assert len(set(small)) == len(small)
    for exact in (False, True):
        general = extreme_equilibria(A, B, exact=exact)
        assert set(small) == set(general.equilibria)
        assert degenerate == general.degenerate
    assert all(exactly_equilibrium(A, B, x, y) for x, y in small)
    assert set(extreme_equilibria(A, B).equilibria) == set(small)  # the default takes it


@pytest.mark.parametrize(
    ("A", "B", "count"),
    [
        # A constant game: every profile is an equilibrium; extreme ones are the 4 pure ones.
        ([[1, 1], [1, 1]], [[1, 1], [1, 1]], 4),
        # Matching pennies: the one mixed equilibrium, found by indifference.
        ([[2, 1], [1, 2]], [[1, 2], [2, 1]], 1),
        # Row player indifferent, column player matching: x₁ in [½, 1] with L, x₁ in [0, ½]
        # with R, and x = (½, ½) with any y; extreme points (1, L), (½, L), (0, R), (½, R).
        ([[1, 1], [1, 1]], [[2, 1], [1, 2]], 4),
    ],
)
def test_plain_integer_path_on_degenerate_and_mixed_2x2_games(A, B, count: int) -> None:
    small, _ = small_extreme_equilibria(A, B)
    assert len(small) == count
    assert set(small) == set(extreme_equilibria(A, B, exact=False).equilibria)
    assert all(exactly_equilibrium(A, B, x, y) for x, y in small)


@CI
@given(bimatrices(5, 3) | bimatrices(4, 2**70))
def test_pivoting_agrees_with_solving_every_system_exactly(matrices) -> None:
    # Entries 1..3 give degenerate polytopes, where only the lexicographic rule makes the search
    # over feasible bases meet every vertex; entries up to 2^70 are the wide-range case.
    A, B = matrices
    pivoted, degenerate = pivoting_extreme_equilibria(A, B)
    exact = extreme_equilibria(A, B, exact=True)
    assert len(set(pivoted)) == len(pivoted)
    assert set(pivoted) == set(exact.equilibria)
    assert degenerate == exact.degenerate
    assert all(exactly_equilibrium(A, B, x, y) for x, y in pivoted)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_wide_range_6x6_games_pivot_to_the_same_equilibria_as_exact_systems(seed: int) -> None:
    # Payoffs ±10^uniform(-20, 20): integers of about 190 bits over their common denominator,
    # so extreme_equilibria pivots (floats may not select vertices there).
    rng = np.random.default_rng(seed)
    A, B = rng.choice([-1, 1], (2, 6, 6)) * 10 ** rng.uniform(-20, 20, (2, 6, 6))
    bimatrix = _Bimatrix.of(Game.from_bimatrix(A, B))
    a, b = [list(r) for r in bimatrix.A], [list(r) for r in bimatrix.B]
    assert not floats_suffice(a, b)
    default = extreme_equilibria(a, b)
    exact = extreme_equilibria(a, b, exact=True)
    assert set(default.equilibria) == set(exact.equilibria)
    assert default.degenerate == exact.degenerate
    assert all(exactly_equilibrium(a, b, x, y) for x, y in default.equilibria)
