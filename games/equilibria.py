"""Nash equilibria of normal-form games: the one front every screen, command and agent calls.

- two players: every extreme equilibrium, exactly as Fractions, by vertex enumeration
  (:mod:`games.vertex_enumeration`). A game too large to enumerate is first reduced by iterated
  strict dominance (:mod:`games.reduction`), which keeps the equilibrium set; if the reduced
  game is small enough it is enumerated and the answer is still complete, else Lemke-Howson
  runs from every initial label (:mod:`games.lemke_howson`) within a pivot budget, which
  finds some equilibria, exactly;
- n players: every pure equilibrium exactly (:mod:`games.pure`), plus mixed ones found
  numerically on each support profile (:mod:`games.support_enumeration`).

Every reported profile has been verified: exact ones gain exactly 0 by any deviation, numeric
ones at most their ``tolerance``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from operator import mul

import numpy as np

from games import lemke_howson as _lh
from games.deviation import deviation_gains, is_equilibrium, nash_conv
from games.exact import positive_integers, scaled_integers
from games.model import Game, GameError
from games.pure import exactly_stable, pure_equilibria
from games.reduction import strictly_undominated
from games.support_enumeration import largest_gain, search_supports
from games.vertex_enumeration import ExtremeEquilibria, basis_count, extreme_equilibria

__all__ = [
    "Equilibrium",
    "Solution",
    "deviation_gains",
    "is_degenerate",
    "is_equilibrium",
    "lemke_howson",
    "nash_conv",
    "nash_equilibria",
    "pure_equilibria",
    "solve",
]

#: Two-player games with more square systems than this use Lemke-Howson instead (10x10: 184,756).
MAX_BASES = 1_000_000
#: Larger games (9x9: 48,620 systems, about a second) first drop strictly dominated actions.
REDUCE_ABOVE = 20_000
#: Lemke-Howson's budget for one solve, all initial labels together, in tableau entries updated
#: (a pivot updates one tableau of (m or n) x (m + n + 1) integers): about 2 s on this project's
#: machine whatever the size. Counts, not clocks, so the same game gets the same answer anywhere.
LH_ENTRY_BUDGET = 2_000_000
#: Lemke-Howson's pivot budget for one path (one initial label).
LH_MAX_PIVOTS = 20_000
#: Numeric support enumeration's budget for one solve: support profiles searched.
SUPPORT_PROFILES = 2_000
#: Default numeric tolerance for n-player equilibria, relative to the payoff range.
NUMERIC_TOLERANCE = 1e-9

Probability = Fraction | float


@dataclass(frozen=True)
class Equilibrium:
    """A verified Nash equilibrium: one probability vector per player and their payoffs."""

    strategies: tuple[tuple[Probability, ...], ...]
    payoffs: tuple[Probability, ...]
    exact: bool
    tolerance: float | None = None

    @property
    def supports(self) -> tuple[tuple[int, ...], ...]:
        """Actions each player plays with positive probability."""
        return tuple(tuple(i for i, v in enumerate(s) if v > 0) for s in self.strategies)

    @property
    def is_pure(self) -> bool:
        return all(len(s) == 1 for s in self.supports)

    def as_arrays(self) -> list[np.ndarray]:
        """Strategies as float arrays (for plotting and agents)."""
        return [np.array([float(v) for v in s]) for s in self.strategies]


@dataclass(frozen=True)
class Solution:
    """What :func:`solve` found and how much it can promise about it."""

    equilibria: tuple[Equilibrium, ...]
    pure: tuple[tuple[int, ...], ...]
    degenerate: bool | None
    complete: bool
    method: str


def solve(
    game: Game,
    *,
    method: str = "auto",
    max_bases: int = MAX_BASES,
    tol: float = NUMERIC_TOLERANCE,
    starts: int = 4,
    seed: int = 0,
    lh_pivots: int | None = None,
    lh_max_pivots: int = LH_MAX_PIVOTS,
    support_profiles: int = SUPPORT_PROFILES,
) -> Solution:
    """Nash equilibria of ``game``.

    ``method``: "auto" (vertex enumeration for two players when it takes at most ``max_bases``
    systems; above ``REDUCE_ABOVE`` systems, of the game left by iterated strict dominance,
    whose equilibria are the same; else Lemke-Howson from every label on that reduced game;
    support enumeration for n players), "enumeration", "lemke-howson" (two players) or
    "support" (numeric, any number of players). ``lh_pivots`` (all labels together; default
    :data:`LH_ENTRY_BUDGET` over the tableau size) and ``lh_max_pivots`` (one label) bound
    Lemke-Howson (labels whose path runs out are skipped and the method says how many ran).
    ``tol``, ``starts`` and ``seed`` tune the numeric support enumeration, which stops after
    ``support_profiles`` profiles (the method then says how many it searched). Budgets are
    counts, so an answer never depends on the machine or its load.
    """
    _check_method(game, method)
    if method == "support" or game.n_players != 2:
        return _solve_numeric(
            game, tuple(pure_equilibria(game)), tol, starts, seed, support_profiles
        )
    bimatrix = _Bimatrix.of(game)
    m, n = game.num_actions
    if method == "enumeration" or (
        method == "auto"
        and basis_count(m, n) <= REDUCE_ABOVE
        and _enumerable(bimatrix.A, max_bases)
    ):
        return _enumerate(bimatrix)
    rows, cols = (range(m), range(n)) if method != "auto" else _undominated(bimatrix.A, bimatrix.B)
    reduced = _Reduced(bimatrix, tuple(rows), tuple(cols))
    if method == "auto" and not reduced.shrunk and _enumerable(bimatrix.A, max_bases):
        return _enumerate(bimatrix)
    if method == "auto" and reduced.shrunk and _enumerable(reduced.A, max_bases):
        return _enumerate_reduced(reduced)
    budget = default_pivot_budget(*reduced.shape) if lh_pivots is None else lh_pivots
    return _lemke_howson_from_every_label(game, reduced, budget, lh_max_pivots)


def _check_method(game: Game, method: str) -> None:
    methods = ("auto", "enumeration", "lemke-howson", "support")
    if method not in methods:
        raise GameError(f"unknown method {method!r}; choose one of {', '.join(methods)}")
    if game.n_players != 2 and method in ("enumeration", "lemke-howson"):
        raise GameError(f"{method} needs a two-player game; {game.name!r} has {game.n_players}")


def _enumerate(bimatrix: _Bimatrix) -> Solution:
    """Every extreme equilibrium of the whole game (complete, degeneracy decided)."""
    found = _extreme(bimatrix.A, bimatrix.B)
    equilibria = [bimatrix.equilibrium(pair) for pair in found.equilibria]
    return Solution(
        tuple(sorted(equilibria, key=_order)),
        bimatrix.pure_equilibria(),
        found.degenerate,
        True,
        "vertex enumeration (exact)",
    )


@dataclass(frozen=True)
class _Reduced:
    """A bimatrix game restricted to the rows and columns left by iterated strict dominance."""

    bimatrix: _Bimatrix
    rows: tuple[int, ...]
    cols: tuple[int, ...]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.cols)

    @property
    def shrunk(self) -> bool:
        return self.shape != (len(self.bimatrix.A), len(self.bimatrix.A[0]))

    @property
    def A(self) -> tuple[tuple[int, ...], ...]:
        return _submatrix(self.bimatrix.A, self.rows, self.cols)

    @property
    def B(self) -> tuple[tuple[int, ...], ...]:
        return _submatrix(self.bimatrix.B, self.rows, self.cols)

    @property
    def note(self) -> str:
        m, n = len(self.bimatrix.A), len(self.bimatrix.A[0])
        if not self.shrunk:
            return ""
        return f"after iterated strict dominance {m}x{n} -> {len(self.rows)}x{len(self.cols)}"

    def lift(self, pair) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
        m, n = len(self.bimatrix.A), len(self.bimatrix.A[0])
        return _lift(pair, self.rows, self.cols, m, n)


def _enumerate_reduced(reduced: _Reduced) -> Solution:
    """Every extreme equilibrium, found on the game left by iterated strict dominance.

    Same equilibrium set (games.reduction), and the extreme equilibria correspond too: a
    removed column j is strictly worse than a surviving one against any x supported on
    surviving rows, so (Bᵀx)_j < 1 at every such vertex of P: vertices of the reduced P, padded
    with zeros, are the vertices of P with x_i = 0 on removed rows, same labels.
    """
    found = _extreme(reduced.A, reduced.B)
    bimatrix = reduced.bimatrix
    equilibria = [bimatrix.equilibrium(reduced.lift(pair)) for pair in found.equilibria]
    # A degenerate mixture of the reduced game is one of the full game too (removed actions
    # are never best responses to it); the converse fails, so "no" stays undecided (None).
    return Solution(
        tuple(sorted(equilibria, key=_order)),
        bimatrix.pure_equilibria(),
        True if found.degenerate else None,
        True,
        f"vertex enumeration (exact, {reduced.note}; degeneracy of the full game"
        f" {'proven' if found.degenerate else 'not decided'})",
    )


def _lemke_howson_from_every_label(
    game: Game, reduced: _Reduced, budget: int, max_pivots: int
) -> Solution:
    """Lemke-Howson from every label of the reduced game while the pivot budget lasts, plus
    every pure equilibrium (exact); incomplete by nature."""
    A, B = reduced.A, reduced.B
    labels = sum(reduced.shape)
    pairs: dict[tuple[tuple[Fraction, ...], tuple[Fraction, ...]], None] = {}
    finished = 0
    for label in range(labels):
        limit = min(max_pivots, budget)
        try:
            pair, used = _lh.lemke_howson_path(A, B, label, max_pivots=limit)
        except _lh.PivotBudgetExceeded:
            budget -= limit
            continue
        budget -= used
        pairs[reduced.lift(pair)] = None
        finished += 1
    bimatrix = reduced.bimatrix
    pure = bimatrix.pure_equilibria()
    equilibria = [bimatrix.equilibrium(pair) for pair in pairs]
    exact_pure = set(pure) - {_joint_action(e) for e in equilibria}
    equilibria += [_pure_equilibrium(game, cell) for cell in sorted(exact_pure)]
    details = [reduced.note] if reduced.note else []
    if finished < labels:
        details.append(f"{finished} of {labels} labels within the pivot budget")
    return Solution(
        tuple(sorted(equilibria, key=_order)),
        pure,
        None,
        False,
        f"lemke-howson (exact{''.join('; ' + d for d in details)})",
    )


def default_pivot_budget(m: int, n: int) -> int:
    """Lemke-Howson's pivots for one m x n solve: :data:`LH_ENTRY_BUDGET` tableau entries."""
    return max(LH_ENTRY_BUDGET // (max(m, n) * (m + n + 1)), 2 * (m + n))


def nash_equilibria(game: Game, **options: object) -> list[Equilibrium]:
    """The equilibria :func:`solve` reports, as a list."""
    return list(solve(game, **options).equilibria)


def is_degenerate(game: Game) -> bool:
    """Whether a two-player game is degenerate: some mixed strategy with support size k has more
    than k pure best responses (von Stengel 2007, Definition 3.5), decided exactly."""
    if game.n_players != 2:
        raise GameError(
            f"degeneracy is defined for two-player games; {game.name!r} has {game.n_players}"
        )
    bimatrix = _Bimatrix.of(game)
    return _extreme(bimatrix.A, bimatrix.B).degenerate


def lemke_howson(game: Game, initial_label: int = 0) -> Equilibrium:
    """One exact equilibrium of a two-player game: the end of the Lemke-Howson path that drops
    ``initial_label`` (0..m-1: the row player's actions, m..m+n-1: the column player's)."""
    if game.n_players != 2:
        raise GameError(f"Lemke-Howson needs a two-player game; {game.name!r} has {game.n_players}")
    m, n = game.num_actions
    if not 0 <= initial_label < m + n:
        raise GameError(f"initial label must be between 0 and {m + n - 1}, got {initial_label}")
    bimatrix = _Bimatrix.of(game)
    return bimatrix.equilibrium(_lh.lemke_howson(bimatrix.A, bimatrix.B, initial_label))


def _enumerable(A: Sequence[Sequence[int]], max_bases: int) -> bool:
    """Whether vertex enumeration of an m x n game stays within ``max_bases`` square systems
    (whatever the payoffs: beyond float range it solves them in exact integer arithmetic)."""
    return basis_count(len(A), len(A[0])) <= max_bases


def _undominated(A, B) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Rows and columns surviving iterated strict dominance of the bimatrix game (A, B)."""
    values = np.empty((2, len(A), len(A[0])), dtype=object)
    values[0], values[1] = A, B
    if max(map(max, (*A, *B))) * (len(A) + len(A[0])) < 2**62:
        values = values.astype(np.int64)  # row sums and differences cannot overflow
    rows, cols = strictly_undominated(values)
    return rows, cols


def _submatrix(matrix, rows: Sequence[int], cols: Sequence[int]) -> tuple:
    return tuple(tuple(matrix[i][j] for j in cols) for i in rows)


def _lift(
    pair: tuple[tuple[Fraction, ...], tuple[Fraction, ...]],
    rows: Sequence[int],
    cols: Sequence[int],
    m: int,
    n: int,
) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """A reduced game's strategy pair padded with zero probability on the removed actions."""
    x, y = [Fraction(0)] * m, [Fraction(0)] * n
    for i, v in zip(rows, pair[0], strict=True):
        x[i] = v
    for j, v in zip(cols, pair[1], strict=True):
        y[j] = v
    return tuple(x), tuple(y)


@dataclass(frozen=True)
class _Bimatrix:
    """A two-player game's exact payoffs as integers, computed once per solve.

    ``scaled[p] / scales[p]`` is player p's exact payoff matrix (integers over the least common
    denominator), which verification uses; ``A``, ``B`` are the positive integer matrices with the
    same best responses (:func:`games.exact.integer_matrix`) that the solvers take (hashable).
    """

    scaled: tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]
    scales: tuple[int, int]
    A: tuple[tuple[int, ...], ...]
    B: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, game: Game) -> _Bimatrix:
        """Scale each player's exact payoffs to integers once (Fractions only where needed)."""
        n = game.num_actions[1]
        exact = game.exact_payoffs
        scaled, scales, positive = [], [], []
        for p in range(2):
            ints, scale = scaled_integers(exact[p].reshape(-1).tolist())
            scaled.append(_rows(ints, n))
            scales.append(scale)
            positive.append(_rows(positive_integers(ints), n))
        return cls(tuple(scaled), tuple(scales), *positive)

    def pure_equilibria(self) -> tuple[tuple[int, int], ...]:
        """Joint actions where A is a column maximum and B a row maximum, in row-major order."""
        column_best = [max(column) for column in zip(*self.A, strict=True)]
        row_best = [max(row) for row in self.B]
        return tuple(
            (i, j)
            for i, (a_row, b_row) in enumerate(zip(self.A, self.B, strict=True))
            for j, (a, b) in enumerate(zip(a_row, b_row, strict=True))
            if a == column_best[j] and b == row_best[i]
        )

    def equilibrium(self, strategies: Sequence[Sequence[Fraction]]) -> Equilibrium:
        """Wrap an exact strategy pair after verifying it exactly in integer arithmetic.

        With x = u / du and y = v / dv over common denominators and payoffs S_p / s_p, the
        pair is an equilibrium iff both are distributions and du · max_i (S_A v)_i = u · S_A v
        and dv · max_j (uᵀ S_B)_j = uᵀ S_B v (no pure deviation gains: Nash 1951).
        """
        x, y = strategies
        u, du = scaled_integers([Fraction(v) for v in x])
        v, dv = scaled_integers([Fraction(w) for w in y])
        if (len(u), len(v)) != (len(self.A), len(self.A[0])):
            raise GameError(
                f"strategy pair of sizes {len(u)}, {len(v)} for a game of shape"
                f" {len(self.A)}x{len(self.A[0])}"
            )
        if min(u) < 0 or min(v) < 0 or sum(u) != du or sum(v) != dv:
            raise ArithmeticError(f"solver returned non-probability vectors {strategies}")
        row_values = [sum(map(mul, row, v)) for row in self.scaled[0]]
        column_values = [sum(map(mul, u, column)) for column in zip(*self.scaled[1], strict=True)]
        row_current = sum(map(mul, u, row_values))
        column_current = sum(map(mul, column_values, v))
        if du * max(row_values) != row_current or dv * max(column_values) != column_current:
            raise ArithmeticError(f"solver returned a non-equilibrium profile {strategies}")
        denominator = du * dv
        payoffs = (
            Fraction(row_current, denominator * self.scales[0]),
            Fraction(column_current, denominator * self.scales[1]),
        )
        return Equilibrium(tuple(tuple(s) for s in strategies), payoffs, exact=True)


def _rows(flat: list[int], n: int) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(flat[i : i + n]) for i in range(0, len(flat), n))


@lru_cache(maxsize=32)
def _extreme(A: tuple[tuple[int, ...], ...], B: tuple[tuple[int, ...], ...]) -> ExtremeEquilibria:
    """Vertex enumeration, cached: the app asks for equilibria and degeneracy of the same game."""
    return extreme_equilibria([list(r) for r in A], [list(r) for r in B])


def _pure_equilibrium(game: Game, cell: tuple[int, ...]) -> Equilibrium:
    """Wrap a pure equilibrium after verifying it exactly along each player's own axis (the
    deviations of a pure profile), which costs O(Σ a_p) rather than a full tensor contraction."""
    if not exactly_stable(game, cell):
        raise ArithmeticError(f"solver returned a non-equilibrium joint action {cell}")
    payoffs = [Fraction(game.exact_payoff(p, cell)) for p in range(game.n_players)]
    strategies = tuple(
        tuple(Fraction(int(i == a)) for i in range(k))
        for a, k in zip(cell, game.num_actions, strict=True)
    )
    return Equilibrium(strategies, tuple(payoffs), exact=True)


def _joint_action(equilibrium: Equilibrium) -> tuple[int, ...] | None:
    return tuple(s[0] for s in equilibrium.supports) if equilibrium.is_pure else None


def _solve_numeric(
    game: Game,
    pure: tuple[tuple[int, ...], ...],
    tol: float,
    starts: int,
    seed: int,
    max_profiles: int,
) -> Solution:
    """Exact pure equilibria plus verified numeric mixed ones (n players)."""
    equilibria = [_pure_equilibrium(game, cell) for cell in pure]
    spread = (float(game.payoffs.max()) - float(game.payoffs.min())) or 1.0
    tolerance = tol * spread
    search = search_supports(game, tol=tol, starts=starts, seed=seed, max_profiles=max_profiles)
    found: list[np.ndarray] = [np.concatenate(e.as_arrays()) for e in equilibria]
    for raw in search.equilibria:
        # Probabilities within round-off of 0 are 0: such a profile may be a pure one already listed.
        strategies = [np.where(np.asarray(s) > tol, s, 0.0) for s in raw]
        strategies = [s / s.sum() for s in strategies]
        flat = np.concatenate(strategies)
        if any(np.abs(flat - other).max() <= 1e-6 for other in found):
            continue
        if any(len(np.flatnonzero(s > 0)) > 1 for s in strategies):
            if largest_gain(game.payoffs, strategies) > tolerance:
                continue
            found.append(flat)
            equilibria.append(
                Equilibrium(
                    tuple(tuple(float(v) for v in s) for s in strategies),
                    tuple(float(v) for v in game.expected_payoffs(strategies)),
                    exact=False,
                    tolerance=tolerance,
                )
            )
    return Solution(
        tuple(sorted(equilibria, key=_order)),
        pure,
        None,
        False,
        "support enumeration (numeric)"
        if search.searched == search.profiles
        else f"support enumeration (numeric; {search.searched} of {search.profiles} support"
        " profiles within the budget)",
    )


def _order(equilibrium: Equilibrium) -> tuple:
    """Pure first, then by support size and, within that, by strategies (deterministic)."""
    supports = equilibrium.supports
    return (
        sum(map(len, supports)),
        supports,
        tuple(-float(v) for s in equilibrium.strategies for v in s),
    )
