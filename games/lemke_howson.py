"""One Nash equilibrium of a bimatrix game by the Lemke-Howson algorithm, in exact integers.

Follows von Stengel (Algorithmic Game Theory, 2007, ch. 3), §3.5 "The Lemke-Howson algorithm"
with the tableaux of §3.6 ("Integer pivoting") and the lexicographic ratio test of §3.7 that
makes it terminate on degenerate games too. For positive A, B (m x n) the two systems are

    Bᵀx + s = 1   (rows j in N)      variables x_i (label i), s_j (label m + j)
    A y + r = 1   (rows i in M)      variables r_i (label i), y_j (label m + j)

Starting from the artificial equilibrium (0, 0), label k is dropped; each pivot picks up a
label in one polytope, whose duplicate is then dropped in the other, until label k is picked
up again: the endpoint is completely labelled, hence a Nash equilibrium (Theorem 3.7).
"""

from __future__ import annotations

from fractions import Fraction


class PivotBudgetExceeded(ArithmeticError):
    """A Lemke-Howson path ran past its pivot budget before reaching an equilibrium."""


class Tableau:
    """Integer tableau [C | I | 1] with common denominator ``determinant`` (von Stengel §3.6).

    Columns are indexed by label; ``slack_columns`` are the labels of the initial basis,
    whose columns are read for the lexicographic ratio test.
    """

    def __init__(self, rows: list[list[int]], basis: list[int], slack_columns: list[int]) -> None:
        self.rows = rows
        self.basis = basis
        self.slack_columns = slack_columns
        self.determinant = 1

    def copy(self) -> Tableau:
        """An independent tableau in the same basis (rows are replaced, never mutated)."""
        copied = Tableau(list(self.rows), list(self.basis), self.slack_columns)
        copied.determinant = self.determinant
        return copied

    def pivot(self, entering: int) -> int:
        """Bring label ``entering`` into the basis; return the label that leaves."""
        row = self.leaving_row(entering)
        pivot_row = self.rows[row]
        pivot = pivot_row[entering]
        for r, values in enumerate(self.rows):
            if r == row:
                continue
            factor = values[entering]
            # Integer pivoting (§3.6): a_rj <- (a_pivot a_rj - a_r,entering a_row,j) / det
            self.rows[r] = [
                (pivot * v - factor * p) // self.determinant
                for v, p in zip(values, pivot_row, strict=True)
            ]
        self.determinant = pivot
        leaving = self.basis[row]
        self.basis[row] = entering
        return leaving

    def leaving_row(self, column: int) -> int:
        """The row whose basic variable leaves when label ``column`` enters: the minimum ratio
        test with ties broken lexicographically over the inverse basis (§3.7)."""
        best: int | None = None
        for r, values in enumerate(self.rows):
            if values[column] <= 0:
                continue
            if best is None or self._lex_less(r, best, column):
                best = r
        if best is None:
            raise ArithmeticError("unbounded ray: payoffs must be positive")
        return best

    def _lex_less(self, r: int, s: int, column: int) -> bool:
        a, b = self.rows[r], self.rows[s]
        for c in (-1, *self.slack_columns):
            left, right = a[c] * b[column], b[c] * a[column]
            if left != right:
                return left < right
        return False

    def values(self, labels: range) -> list[Fraction]:
        """Value of the variables with the given labels (zero when nonbasic)."""
        result = {label: Fraction(0) for label in labels}
        for r, label in enumerate(self.basis):
            if label in result:
                result[label] = Fraction(self.rows[r][-1], self.determinant)
        return [result[label] for label in labels]


def lemke_howson(
    A: list[list[int]],
    B: list[list[int]],
    initial_label: int = 0,
    max_pivots: int | None = None,
) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """The equilibrium reached by dropping ``initial_label`` (0..m+n-1) from (0, 0).

    A and B must be positive integer matrices (shift and scale the payoffs first). Paths can be
    exponentially long (Savani & von Stengel 2006), so ``max_pivots`` bounds the work: past it,
    :class:`PivotBudgetExceeded`. A count, not a clock, so every machine gives the same answer.
    """
    return lemke_howson_path(A, B, initial_label, max_pivots)[0]


def lemke_howson_path(
    A: list[list[int]],
    B: list[list[int]],
    initial_label: int = 0,
    max_pivots: int | None = None,
) -> tuple[tuple[tuple[Fraction, ...], tuple[Fraction, ...]], int]:
    """:func:`lemke_howson`, with the number of pivots its path took."""
    m, n = len(A), len(A[0])
    if not 0 <= initial_label < m + n:
        raise ValueError(f"initial label must be in 0..{m + n - 1}, got {initial_label}")
    # P's tableau: row j reads sum_i B[i][j] x_i + s_j = 1; columns by label: x (0..m-1), s (m..).
    p_rows = [[B[i][j] for i in range(m)] + [int(j == t) for t in range(n)] + [1] for j in range(n)]
    p = Tableau(p_rows, [m + j for j in range(n)], [m + j for j in range(n)])
    # Q's tableau: row i reads r_i + sum_j A[i][j] y_j = 1; columns by label: r (0..m-1), y (m..).
    q_rows = [[int(i == t) for t in range(m)] + list(A[i]) + [1] for i in range(m)]
    q = Tableau(q_rows, list(range(m)), list(range(m)))
    tableau, other = (p, q) if initial_label < m else (q, p)
    entering = initial_label
    pivots = 0
    while True:
        pivots += 1
        if max_pivots is not None and pivots > max_pivots:
            raise PivotBudgetExceeded(f"no equilibrium within {max_pivots} pivots")
        leaving = tableau.pivot(entering)
        if leaving == initial_label:
            break
        # The label just left in one polytope is now duplicate: drop it in the other (§3.5).
        tableau, other = other, tableau
        entering = leaving
    x = p.values(range(m))
    y = q.values(range(m, m + n))
    return (_normalise(x), _normalise(y)), pivots


def _normalise(z: list[Fraction]) -> tuple[Fraction, ...]:
    total = sum(z)
    return tuple(v / total for v in z)
