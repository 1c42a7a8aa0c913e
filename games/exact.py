"""Exact linear algebra over the integers, for solvers that must decide, not estimate.

Floating point is fast but cannot tell a tie from a near-tie; these helpers decide exactly:
scaling rational payoffs to integers, fraction-free (Bareiss) solving of small systems, and a
vectorised modular rank test that proves a batch of integer matrices singular or not.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache

import numpy as np


def scaled_integers(values: list[Fraction]) -> tuple[list[int], int]:
    """Rationals as integers over their least common denominator: ``values = ints / scale``.

    Integer inputs (denominator 1, the common case) skip the lcm and the multiplications.
    """
    denominators = {v.denominator for v in values}
    if denominators <= {1}:
        return [v.numerator for v in values], 1
    scale = math.lcm(*denominators)
    return [v.numerator * (scale // v.denominator) for v in values], scale


def integer_matrix(exact: np.ndarray) -> np.ndarray:
    """Smallest-proportioned positive integer matrix with the same best responses as ``exact``.

    Multiplies by the common denominator, subtracts the minimum, divides by the gcd of what is
    left and adds 1, so the minimum entry is 1: positive affine maps, which leave every player's
    preferences, hence every equilibrium, unchanged (von Stengel 2007, §3.2: P and Q are bounded
    polytopes when payoffs are positive). Dividing by the gcd keeps payoffs such as 3e300 and
    5e300 at 1 and 3, within what floating point can represent.
    """
    ints, _ = scaled_integers([Fraction(v) for v in exact.reshape(-1)])
    result = np.empty(len(ints), dtype=object)
    result[:] = positive_integers(ints)
    return result.reshape(exact.shape)


def positive_integers(ints: list[int]) -> list[int]:
    """``(v - min) / gcd + 1`` for each v: the positive affine map of :func:`integer_matrix`."""
    low = min(ints, default=0)
    divisor = math.gcd(*(v - low for v in ints)) or 1  # constant payoffs: nothing to divide
    return [(v - low) // divisor + 1 for v in ints]


def solve_integer(matrix: list[list[int]], rhs: list[int]) -> tuple[list[int], int] | None:
    """Solve ``matrix @ x = rhs`` exactly; ``x = numerators / denominator`` or None if singular.

    Fraction-free Gaussian elimination (Bareiss 1968): every intermediate entry is a minor of
    the augmented matrix, so the division in the update is exact and numbers stay small.
    """
    k = len(matrix)
    rows = [list(row) + [b] for row, b in zip(matrix, rhs, strict=True)]
    previous = 1
    for c in range(k):
        pivot_row = next((r for r in range(c, k) if rows[r][c] != 0), None)
        if pivot_row is None:
            return None
        rows[c], rows[pivot_row] = rows[pivot_row], rows[c]
        pivot, row_c = rows[c][c], rows[c]
        for r in range(c + 1, k):
            row_r, factor = rows[r], rows[r][c]
            # Bareiss update: a_rj <- (a_cc a_rj - a_rc a_cj) / a_(c-1)(c-1), an exact division
            rows[r] = [(pivot * row_r[j] - factor * row_c[j]) // previous for j in range(k + 1)]
        previous = pivot
    determinant = rows[k - 1][k - 1] if k else 1
    # Back substitution on X = det * x, an integer vector (Cramer's rule): row r of the echelon
    # form reads a_rr X_r = det * b_r - sum_j a_rj X_j, so each division is exact.
    numerators = [0] * k
    for r in range(k - 1, -1, -1):
        row = rows[r]
        tail = sum(row[j] * numerators[j] for j in range(r + 1, k))
        numerators[r] = (determinant * row[k] - tail) // row[r]
    if determinant < 0:
        determinant, numerators = -determinant, [-v for v in numerators]
    return numerators, determinant


def solve_integer_batch(systems: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve a batch of integer systems ``M x = 1`` exactly, all at once (object arrays).

    ``systems`` has shape (N, k, k); returns numerators X (N, k) and determinants D (N,) with
    x = X / D, D > 0, or D = 0 where the system is singular (X is then meaningless). The same
    fraction-free elimination as :func:`solve_integer` (Bareiss 1968), vectorised over the
    batch so that Python's big integers are combined by numpy loops, not interpreted ones.
    """
    count, k = systems.shape[0], systems.shape[1]
    work = np.empty((count, k, k + 1), dtype=object)
    work[:, :, :k] = systems
    work[:, :, k] = 1
    previous = np.ones(count, dtype=object)
    regular = np.ones(count, dtype=bool)
    index = np.arange(count)
    for c in range(k):
        nonzero = (work[:, c:, c] != 0).astype(bool)
        regular &= nonzero.any(axis=1)
        pivot_row = c + np.argmax(nonzero, axis=1)
        swapped = work[index, pivot_row].copy()
        work[index, pivot_row] = work[:, c]
        work[:, c] = swapped
        pivot = np.where(regular, work[:, c, c], 1)
        rest = work[:, c + 1 :, c:]
        # Bareiss update: a_rj <- (a_cc a_rj - a_rc a_cj) / a_(c-1)(c-1), an exact division
        work[:, c + 1 :, c:] = (
            pivot[:, None, None] * rest - rest[:, :, :1] * work[:, None, c, c:]
        ) // previous[:, None, None]
        previous = pivot
    determinant = np.where(regular, work[:, k - 1, k - 1], 0) if k else np.ones(count, object)
    safe = np.where(regular, determinant, 1)
    numerators = np.zeros((count, k), dtype=object)
    for r in range(k - 1, -1, -1):
        tail = (work[:, r, r + 1 : k] * numerators[:, r + 1 :]).sum(axis=1) if r + 1 < k else 0
        numerators[:, r] = (safe * work[:, r, k] - tail) // np.where(regular, work[:, r, r], 1)
    negative = (determinant < 0).astype(bool)
    determinant = np.where(negative, -determinant, determinant)
    numerators = np.where(negative[:, None], -numerators, numerators)
    return numerators, determinant


def solve_fractions(matrix: list[list[int]], rhs: list[int]) -> list[Fraction] | None:
    """Exact solution of ``matrix @ x = rhs`` as Fractions, or None when the matrix is singular."""
    solved = solve_integer(matrix, rhs)
    if solved is None:
        return None
    numerators, denominator = solved
    return [Fraction(v, denominator) for v in numerators]


def _is_prime(n: int) -> bool:
    """Deterministic Miller-Rabin for n < 3.3e24 (bases: the first 13 primes)."""
    if n < 2:
        return False
    bases = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)
    if n in bases:
        return True
    if any(n % b == 0 for b in bases):
        return False
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


@cache
def _primes_below_2_31(count: int) -> tuple[int, ...]:
    """The ``count`` largest primes below 2**31 (so products of residues fit in int64)."""
    primes: list[int] = []
    candidate = 2**31 - 1
    while len(primes) < count:
        if _is_prime(candidate):
            primes.append(candidate)
        candidate -= 2
    return tuple(primes)


def _full_rank_mod(matrices: np.ndarray, p: int) -> np.ndarray:
    """For a batch (N, k, k) of int64 residues mod prime p: is each matrix invertible mod p?"""
    m = matrices % p
    count, k = m.shape[0], m.shape[1]
    full = np.ones(count, dtype=bool)
    index = np.arange(count)
    for c in range(k):
        nonzero = m[:, c:, c] != 0
        has = nonzero.any(axis=1)
        full &= has
        pivot_row = c + np.argmax(nonzero, axis=1)
        swapped = m[index, pivot_row].copy()
        m[index, pivot_row] = m[:, c]
        m[:, c] = swapped
        pivot = np.where(has, m[:, c, c], 1)
        inverse = _pow_mod(pivot, p - 2, p)  # Fermat: a^(p-2) = a^-1 mod p
        factors = (m[:, c + 1 :, c] * inverse[:, None]) % p
        m[:, c + 1 :, :] = (m[:, c + 1 :, :] - (factors[:, :, None] * m[:, None, c, :]) % p) % p
    return full


def _pow_mod(base: np.ndarray, exponent: int, p: int) -> np.ndarray:
    result = np.ones_like(base)
    square = base % p
    while exponent:
        if exponent & 1:
            result = (result * square) % p
        square = (square * square) % p
        exponent >>= 1
    return result


def singular(matrices: np.ndarray) -> np.ndarray:
    """Exactly, for a batch (N, k, k) of integer matrices (object or int64): is each singular?

    det is an integer bounded by Hadamard's product of row norms H; it is zero exactly when it
    vanishes modulo primes whose product exceeds H (Chinese remainder theorem).
    """
    count = matrices.shape[0]
    if count == 0:
        return np.zeros(0, dtype=bool)
    if matrices.shape[1] == 0:
        return np.zeros(count, dtype=bool)
    # log2 H <= sum over rows of (bits of the row's largest entry + log2(k)/2), in integers
    # (bit lengths), so entries beyond float range (1e300 and up) bound exactly, never inf/NaN.
    bits = np.frompyfunc(lambda v: abs(int(v)).bit_length(), 1, 1)(matrices).astype(np.int64)
    k = matrices.shape[1]
    log2_bound = bits.max(axis=2).sum(axis=1) + k * math.ceil(math.log2(k) / 2 + 1)
    needed = int(np.max(log2_bound)) // 30 + 2
    result = np.ones(count, dtype=bool)
    undecided = np.arange(count)
    for p in _primes_below_2_31(needed):
        if undecided.size == 0:
            break
        residues = np.asarray(matrices[undecided] % p, dtype=np.int64)
        invertible = _full_rank_mod(residues, p)
        result[undecided[invertible]] = False
        undecided = undecided[~invertible]
    return result
