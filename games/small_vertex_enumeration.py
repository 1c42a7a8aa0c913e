"""Extreme equilibria of small bimatrix games in plain Python integers: the keystroke path.

The same vertex enumeration as :mod:`games.vertex_enumeration` (von Stengel 2007, §3.4), for
games with few square systems (2x2 has 5 per polytope, 3x3 has 19), where numpy's per-call
cost outweighs the arithmetic. Every decision is exact: each vertex of

    P = {x >= 0 : Bᵀx <= 1},   Q = {y >= 0 : Ay <= 1}   (A, B positive integers)

is found from its *exact* support K (z_K > 0) and k = |K| tight rows T with C[T, K]
nonsingular, which exist at every vertex (the tight constraints have rank d, and the zero
constraints contribute only the d - k outside K). Support size 1 is closed form: z = e_j / c
with c the largest entry of column j. Labels are bit masks, so matching a vertex pair for
complete labelling (Theorem 3.4) is one integer OR.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations

from games.exact import solve_integer

#: A vertex: integer numerators z (length d), their positive denominator, and the label mask.
Vertex = tuple[list[int], int, int]


def small_extreme_equilibria(
    A: Sequence[Sequence[int]], B: Sequence[Sequence[int]]
) -> tuple[list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]]], bool]:
    """Every extreme equilibrium of the game (A, B) of positive integers, and its degeneracy.

    Labels: bit i for the row player's action i, bit m + j for the column player's action j.
    """
    m, n = len(A), len(A[0])
    columns_of_b = [list(column) for column in zip(*B, strict=True)]
    # P: coordinates x_i (zero label i), rows (Bᵀx)_j (label m + j); Q the other way round.
    p = polytope_vertices(columns_of_b, zero_shift=0, row_shift=m)
    q = polytope_vertices(A, zero_shift=m, row_shift=0)
    return completely_labelled(p, q, m, n)


def completely_labelled(
    p: list[Vertex], q: list[Vertex], m: int, n: int
) -> tuple[list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]]], bool]:
    """The normalised vertex pairs of P and Q that carry every label (Theorem 3.4), and whether
    some vertex has more labels than its dimension (degenerate, Theorem 3.6)."""
    full = (1 << (m + n)) - 1
    pairs = {
        (_normalise(x), _normalise(y)): None
        for x, _, x_labels in p
        for y, _, y_labels in q
        if x_labels | y_labels == full
    }
    degenerate = any(labels.bit_count() > m for *_, labels in p) or any(
        labels.bit_count() > n for *_, labels in q
    )
    return list(pairs), degenerate


def polytope_vertices(C: Sequence[Sequence[int]], zero_shift: int, row_shift: int) -> list[Vertex]:
    """Every vertex but the origin of {z >= 0 : C z <= 1}, C an (r x d) positive integer matrix.

    Coordinate i carries label ``zero_shift + i`` when z_i = 0, row t label ``row_shift + t``
    when (C z)_t = 1.
    """
    r, d = len(C), len(C[0])
    zero_labels = [1 << (zero_shift + i) for i in range(d)]
    all_zero = sum(zero_labels)
    vertices: list[Vertex] = []
    for j in range(d):  # support {j}: z_j = 1 / max_t C[t][j], tight where the maximum is
        top = max(row[j] for row in C)
        labels = all_zero & ~zero_labels[j]
        for t, row in enumerate(C):
            if row[j] == top:
                labels |= 1 << (row_shift + t)
        z = [0] * d
        z[j] = 1
        vertices.append((z, top, labels))
    seen: set[int] = set()
    for k in range(2, min(r, d) + 1):
        for support in combinations(range(d), k):
            outside = all_zero & ~sum(zero_labels[j] for j in support)
            for tight in combinations(range(r), k):
                vertex = _vertex(C, support, tight, row_shift)
                if vertex is None:
                    continue
                labels = vertex[2] | outside
                if labels not in seen:  # a vertex is the only point with its tight set
                    seen.add(labels)
                    vertices.append((vertex[0], vertex[1], labels))
    return vertices


def _vertex(
    C: Sequence[Sequence[int]], support: tuple[int, ...], tight: tuple[int, ...], row_shift: int
) -> Vertex | None:
    """The solution of C[T, K] z_K = 1 when it is unique, positive on K and inside C z <= 1,
    with its row labels; else None."""
    if len(support) == 2:
        return _vertex_of_two(C, support, tight, row_shift)
    solved = solve_integer([[C[t][j] for j in support] for t in tight], [1] * len(support))
    if solved is None:
        return None
    values, determinant = solved
    if min(values) <= 0:
        return None
    labels = 0
    for t, row in enumerate(C):
        value = sum(row[j] * v for j, v in zip(support, values, strict=True))
        if value > determinant:
            return None
        if value == determinant:
            labels |= 1 << (row_shift + t)
    z = [0] * len(C[0])
    for j, v in zip(support, values, strict=True):
        z[j] = v
    return z, determinant, labels


def _vertex_of_two(
    C: Sequence[Sequence[int]], support: tuple[int, ...], tight: tuple[int, ...], row_shift: int
) -> Vertex | None:
    """:func:`_vertex` for two columns, by Cramer's rule (the most frequent system here)."""
    j, k = support
    (a, b), (c, e) = (C[tight[0]][j], C[tight[0]][k]), (C[tight[1]][j], C[tight[1]][k])
    determinant = a * e - b * c
    u, v = e - b, a - c
    if determinant < 0:
        determinant, u, v = -determinant, -u, -v
    if determinant == 0 or u <= 0 or v <= 0:
        return None
    labels = 0
    for t, row in enumerate(C):
        value = row[j] * u + row[k] * v
        if value > determinant:
            return None
        if value == determinant:
            labels |= 1 << (row_shift + t)
    z = [0] * len(C[0])
    z[j], z[k] = u, v
    return z, determinant, labels


def _normalise(z: list[int]) -> tuple[Fraction, ...]:
    total = sum(z)
    return tuple(Fraction(v, total) for v in z)
