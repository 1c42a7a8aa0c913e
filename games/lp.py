"""Linear programs solved in floating point, then certified optimal in exact rational arithmetic.

HiGHS (via ``scipy.optimize.linprog``) finds an optimal primal-dual pair in floats. Rounding both
to nearby fractions with small denominators and checking primal feasibility, dual feasibility
and equal objective values exactly (the strong duality certificate, e.g. Chvátal 1983, Ch. 5)
proves the rounded answer optimal. When no rounding passes, or HiGHS itself gives up (payoffs
spanning more orders of magnitude than doubles resolve), a small LP is solved again exactly by
the simplex method in rational arithmetic (Dantzig's two phases with Bland's rule, Chvátal 1983,
Ch. 3); only a large one falls back on the float answer, with ``exact=False``. Every exact answer
is proven, never guessed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from games.model import GameError

Number = Fraction | float

# Denominator bounds tried when rounding: a large one first (recovers p/q up to q ~ 10^5 from
# HiGHS's ~1e-12 accurate vertices), then a small one for less accurate solves.
_DENOMINATOR_BOUNDS = (1_000_000, 1_000)
# Largest LP (constraints x variables) the exact simplex takes on when floats fail: a few
# thousand Fraction entries pivot in well under a second.
_EXACT_SIMPLEX_LIMIT = 4_000


@dataclass(frozen=True)
class LPSolution:
    """An optimal solution ``x`` and its objective; Fractions when ``exact``, else floats."""

    x: tuple[Number, ...]
    objective: Number
    exact: bool


def _integer_array(values: np.ndarray | Sequence, n: int, rows: bool) -> np.ndarray:
    """Exact integer coefficients: int64, or Python ints in an object array; empty when None."""
    if values is None:
        return np.zeros((0, n) if rows else 0, dtype=np.int64)
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype == object and all(isinstance(v, int | np.integer) for v in array.reshape(-1)):
        return array
    raise TypeError("certified_linprog needs integer coefficients (scale rational data first)")


def certified_linprog(
    c: np.ndarray,
    A_ub: np.ndarray | None,
    b_ub: np.ndarray | None,
    A_eq: np.ndarray | None,
    b_eq: np.ndarray | None,
    free: Sequence[bool] | None = None,
    maximize: bool = False,
) -> LPSolution | None:
    """Optimise ``c·x`` subject to ``A_ub x <= b_ub``, ``A_eq x = b_eq``, ``x_j >= 0`` unless free.

    Coefficients must be integers (int64, or Python ints for big ones). Returns None when the LP
    is infeasible; raises GameError when it is unbounded (a modelling error, not bad input).
    """
    from scipy.optimize import linprog  # imported on first use: it takes a second to load

    n = len(c)
    free = [False] * n if free is None else list(free)
    sign = -1 if maximize else 1
    c_min = _integer_array(c, n, rows=False) * sign
    A_ub = _integer_array(A_ub, n, rows=True)
    b_ub = _integer_array(b_ub, n, rows=False)
    A_eq = _integer_array(A_eq, n, rows=True)
    b_eq = _integer_array(b_eq, n, rows=False)
    small = (len(b_ub) + len(b_eq)) * n <= _EXACT_SIMPLEX_LIMIT
    scaled = _equilibrated(c_min, A_ub, b_ub, A_eq, b_eq)
    result = linprog(
        scaled.c,
        A_ub=scaled.A_ub if len(b_ub) else None,
        b_ub=scaled.b_ub if len(b_ub) else None,
        A_eq=scaled.A_eq if len(b_eq) else None,
        b_eq=scaled.b_eq if len(b_eq) else None,
        bounds=[(None, None) if f else (0, None) for f in free],
        method="highs",
    )
    if result.status == 0:
        u = result.ineqlin.marginals * scaled.dual_ub if len(b_ub) else np.zeros(0)
        w = result.eqlin.marginals * scaled.dual_eq if len(b_eq) else np.zeros(0)
        for bound in _DENOMINATOR_BOUNDS:
            certified = _certify(result.x, u, w, c_min, A_ub, b_ub, A_eq, b_eq, free, bound)
            if certified is not None:
                x, value = certified
                return LPSolution(tuple(x), value * sign, True)
    if small:  # floats could not prove their answer (or gave up): decide exactly
        exact = _exact_simplex(c_min, A_ub, b_ub, A_eq, b_eq, free)
        if exact is None:
            return None
        x, value = exact
        return LPSolution(tuple(x), value * sign, True)
    if result.status == 0:
        value = float(result.fun) * scaled.objective * sign
        return LPSolution(tuple(float(v) for v in result.x), value, False)
    if result.status == 2:
        return None
    if result.status == 3:
        raise GameError("internal error: an analysis linear program is unbounded")
    raise GameError(f"linear program failed: {result.message}")


@dataclass(frozen=True)
class _Equilibrated:
    """The LP in floats with every row divided by its largest coefficient and the objective by
    its own: the same solutions, coefficients within [-1, 1] whatever the integers' size, so
    HiGHS's tolerances mean the same on payoffs 1e-20 apart as on 1 apart. ``dual_*`` and
    ``objective`` map its duals and optimum back to the integer LP's."""

    c: np.ndarray
    A_ub: np.ndarray
    b_ub: np.ndarray
    A_eq: np.ndarray
    b_eq: np.ndarray
    dual_ub: np.ndarray
    dual_eq: np.ndarray
    objective: float


def _equilibrated(c, A_ub, b_ub, A_eq, b_eq) -> _Equilibrated:
    objective = _largest(c[None, :])[0] if len(c) else 1
    c_float = _divided(c[None, :], [objective])[0]
    ub_rows, eq_rows = _largest(np.c_[A_ub, b_ub]), _largest(np.c_[A_eq, b_eq])
    ub, eq = _divided(np.c_[A_ub, b_ub], ub_rows), _divided(np.c_[A_eq, b_eq], eq_rows)
    # The dual of row i scaled by 1/s_i, with the objective scaled by 1/g, is g/s_i times the
    # integer LP's dual of that row (a row's dual is the objective's rate of change in it).
    to_dual = (
        [float(Fraction(objective, s)) for s in ub_rows],
        [float(Fraction(objective, s)) for s in eq_rows],
    )
    return _Equilibrated(
        c_float,
        ub[:, :-1],
        ub[:, -1],
        eq[:, :-1],
        eq[:, -1],
        np.array(to_dual[0]),
        np.array(to_dual[1]),
        float(objective),
    )


def _largest(rows: np.ndarray) -> list[int]:
    """Each row's largest coefficient in magnitude, as an exact integer (1 for an all-zero row)."""
    return [max((abs(int(v)) for v in row), default=0) or 1 for row in rows]


def _divided(rows: np.ndarray, divisors: list[int]) -> np.ndarray:
    """``rows[i] / divisors[i]`` as floats, each quotient of integers correctly rounded."""
    result = np.zeros(rows.shape)
    for i, (row, divisor) in enumerate(zip(rows, divisors, strict=True)):
        if row.dtype == object or abs(divisor) > 2**53:
            result[i] = [int(v) / divisor for v in row]
        else:
            result[i] = row / divisor
    return result


def _exact_simplex(c, A_ub, b_ub, A_eq, b_eq, free) -> tuple[list[Fraction], Fraction] | None:
    """min c·x s.t. A_ub x <= b_ub, A_eq x = b_eq, x_j >= 0 unless free, in exact arithmetic.

    Standard form (Chvátal 1983, Ch. 3 and 8): a free x_j = x_j⁺ - x_j⁻, a slack per <= row, rows
    negated so that b >= 0, one artificial per row; phase 1 minimises the artificials' sum,
    phase 2 the objective, both with Bland's rule, which cannot cycle. None when infeasible.
    """
    n = len(c)
    columns = [(j, 1) for j in range(n)] + [(j, -1) for j in range(n) if free[j]]
    rows = [([int(a) for a in A_ub[i]], int(b_ub[i]), True) for i in range(len(b_ub))]
    rows += [([int(a) for a in A_eq[i]], int(b_eq[i]), False) for i in range(len(b_eq))]
    m, k = len(rows), len(columns)
    slacks = [i for i, (_, _, ub) in enumerate(rows) if ub]
    width = k + len(slacks) + m  # structural, slack, artificial columns; then the right side
    tableau = []
    for i, (coefficients, rhs, _) in enumerate(rows):
        row = [Fraction(coefficients[j] * s) for j, s in columns]
        row += [Fraction(int(i == r)) for r in slacks]
        row += [Fraction(int(i == r)) for r in range(m)]
        row.append(Fraction(rhs))
        if rhs < 0:
            row = [-v for v in row[: k + len(slacks)]] + row[k + len(slacks) : width] + [-row[-1]]
        tableau.append(row)
    basis = list(range(k + len(slacks), width))
    # Phase 1: minimise the sum of the artificials.
    phase1 = [Fraction(0)] * (k + len(slacks)) + [Fraction(1)] * m
    _pivot_to_optimum(tableau, basis, phase1, width)
    if sum(tableau[i][-1] for i, b in enumerate(basis) if b >= k + len(slacks)) != 0:
        return None
    # Drive zero-valued artificials out of the basis where a real column can replace them.
    for i, b in enumerate(basis):
        if b >= k + len(slacks):
            entering = next((j for j in range(k + len(slacks)) if tableau[i][j] != 0), None)
            if entering is not None:
                _pivot(tableau, basis, i, entering)
    cost = [Fraction(int(c[j]) * s) for j, s in columns] + [Fraction(0)] * (len(slacks) + m)
    allowed = k + len(slacks)  # artificials never re-enter
    if not _pivot_to_optimum(tableau, basis, cost, allowed):
        raise GameError("internal error: an analysis linear program is unbounded")
    value = [Fraction(0)] * k
    for i, b in enumerate(basis):
        if b < k:
            value[b] = tableau[i][-1]
    x = [Fraction(0)] * n
    for (j, s), v in zip(columns, value, strict=True):
        x[j] += s * v
    return x, sum((int(c[j]) * x[j] for j in range(n)), Fraction(0))


def _pivot(tableau: list[list[Fraction]], basis: list[int], row: int, column: int) -> None:
    pivot = tableau[row][column]
    tableau[row] = [v / pivot for v in tableau[row]]
    for i, other in enumerate(tableau):
        factor = other[column]
        if i != row and factor != 0:
            tableau[i] = [a - factor * b for a, b in zip(other, tableau[row], strict=True)]
    basis[row] = column


def _pivot_to_optimum(
    tableau: list[list[Fraction]], basis: list[int], cost: list[Fraction], allowed: int
) -> bool:
    """Primal simplex with Bland's rule over columns < ``allowed``; False when unbounded."""
    while True:
        # Reduced cost of column j: c_j - c_B · B⁻¹ A_j (the tableau holds B⁻¹ A).
        entering = None
        for j in range(allowed):
            if j in basis:
                continue
            reduced = cost[j] - sum(cost[b] * tableau[i][j] for i, b in enumerate(basis))
            if reduced < 0:
                entering = j
                break
        if entering is None:
            return True
        candidates = [
            (tableau[i][-1] / tableau[i][entering], basis[i], i)
            for i in range(len(basis))
            if tableau[i][entering] > 0
        ]
        if not candidates:
            return False
        _, _, leaving = min(candidates)  # smallest ratio, ties to the lowest basic index (Bland)
        _pivot(tableau, basis, leaving, entering)


def _snap(values: np.ndarray, bound: int) -> tuple[np.ndarray, int]:
    """Nearby fractions with denominators <= bound, as integer numerators over one denominator."""
    fractions = [Fraction(float(v)).limit_denominator(bound) for v in values]
    denominator = math.lcm(*(f.denominator for f in fractions)) if fractions else 1
    numerators = np.empty(len(fractions), dtype=object)
    numerators[:] = [f.numerator * (denominator // f.denominator) for f in fractions]
    return numerators, denominator


def _dot(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Exact integer matrix-vector product, in int64 when no overflow is possible."""
    if not len(vector) or not matrix.size:
        return np.zeros(matrix.shape[0], dtype=np.int64)
    bound = max(abs(int(v)) for v in vector) * len(vector)
    if matrix.dtype == np.int64 and bound * int(np.abs(matrix).max()) < 2**62:
        return matrix.dot(vector.astype(np.int64))
    return matrix.astype(object).dot(vector)


def _certify(x_float, u_float, w_float, c, A_ub, b_ub, A_eq, b_eq, free, bound):
    """Rounded (x, c·x) if x and the rounded duals (u, w) pass the exact optimality certificate.

    x = X / dx and the duals (u, w) = (U, W) / dd with integer X, U, W: every check below is an
    integer identity or inequality, multiplied through by the positive denominators.
    """
    X, dx = _snap(x_float, bound)
    duals, dd = _snap(np.r_[u_float, w_float], bound)
    U, W = duals[: len(b_ub)], duals[len(b_ub) :]
    if any(v < 0 for v, f in zip(X, free, strict=True) if not f):
        return None
    if any(_dot(A_ub, X) > b_ub.astype(object) * dx) or any(
        _dot(A_eq, X) != b_eq.astype(object) * dx
    ):
        return None
    if any(v > 0 for v in U):  # duals of the <= rows of a minimisation are <= 0
        return None
    # Dual feasibility: reduced costs c - A_ubᵀu - A_eqᵀw are >= 0, and = 0 on free variables.
    reduced = c.astype(object) * dd - _dot(A_ub.T, U) - _dot(A_eq.T, W)
    for r, f in zip(reduced, free, strict=True):
        if r < 0 or (f and r != 0):
            return None
    primal = int(_dot(c[None, :], X)[0])
    dual = int(_dot(b_ub[None, :], U)[0]) + int(_dot(b_eq[None, :], W)[0])
    if primal * dd != dual * dx:  # strong duality: equal objectives prove both optimal
        return None
    return [Fraction(int(v), dx) for v in X], Fraction(primal, dx)
