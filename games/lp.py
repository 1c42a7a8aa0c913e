"""Linear programs solved in floating point, then certified optimal in exact rational arithmetic.

HiGHS (via ``scipy.optimize.linprog``) finds an optimal primal-dual pair in floats. Rounding both
to nearby fractions with small denominators and checking primal feasibility, dual feasibility
and equal objective values exactly (the strong duality certificate, e.g. Chvátal 1983, Ch. 5)
proves the rounded answer optimal. When no rounding passes, the float answer is returned with
``exact=False``: the certificate is sound, never guessed.
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
    result = linprog(
        c_min.astype(float),
        A_ub=A_ub.astype(float) if len(b_ub) else None,
        b_ub=b_ub.astype(float) if len(b_ub) else None,
        A_eq=A_eq.astype(float) if len(b_eq) else None,
        b_eq=b_eq.astype(float) if len(b_eq) else None,
        bounds=[(None, None) if f else (0, None) for f in free],
        method="highs",
    )
    if result.status == 2:
        return None
    if result.status == 3:
        raise GameError("internal error: an analysis linear program is unbounded")
    if result.status != 0:
        raise GameError(f"linear program failed: {result.message}")
    u = result.ineqlin.marginals if len(b_ub) else np.zeros(0)
    w = result.eqlin.marginals if len(b_eq) else np.zeros(0)
    for bound in _DENOMINATOR_BOUNDS:
        certified = _certify(result.x, u, w, c_min, A_ub, b_ub, A_eq, b_eq, free, bound)
        if certified is not None:
            x, value = certified
            return LPSolution(tuple(x), value * sign, True)
    return LPSolution(tuple(float(v) for v in result.x), float(result.fun) * sign, False)


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
