"""Vertices of a best-response polytope by exact pivoting: the path for wide-range payoffs.

Where floats cannot select vertices (integers beyond 2**64 over their common denominator: payoffs
1e-20 next to 1e20), solving every one of the C(m+n, m) square systems exactly costs seconds
from 8x8 on, since most of them are infeasible and each is eliminated in big integers. Pivoting
visits only the feasible bases instead, in the integer tableau of von Stengel (2007, §3.6).

Completeness in degenerate polytopes comes from the lexicographic rule (§3.7): the bases that
are feasible for the right-hand side perturbed to 1 + (ε, ε², ...) are the vertices of a simple
polytope, whose graph is connected and whose edges are exactly the lexicographic pivots; every
vertex v of P is the limit of a vertex of the perturbed polytope (the maximiser of a functional
that exposes v), so a search over lexicographically feasible bases from the origin meets every
vertex. Each vertex and its labels are read off its tableau exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from games.lemke_howson import Tableau
from games.small_vertex_enumeration import Vertex, completely_labelled


def pivoting_vertices(
    C: Sequence[Sequence[int]], zero_shift: int, row_shift: int
) -> list[Vertex]:
    """Every vertex but the origin of {z >= 0 : C z <= 1}, C an (r x d) positive integer matrix,
    labelled as in :func:`games.small_vertex_enumeration.polytope_vertices`."""
    r, d = len(C), len(C[0])
    # Row t reads sum_j C[t][j] z_j + s_t = 1; column j is z_j, column d + t is s_t.
    rows = [list(C[t]) + [int(t == u) for u in range(r)] + [1] for t in range(r)]
    slacks = list(range(d, d + r))
    labels_of = [1 << (zero_shift + j) for j in range(d)] + [1 << (row_shift + t) for t in range(r)]
    start = Tableau(rows, list(slacks), slacks)
    seen = {frozenset(start.basis)}
    stack = [start]
    vertices: dict[int, Vertex] = {}
    while stack:
        tableau = stack.pop()
        vertex = _vertex(tableau, d, labels_of)
        if vertex is not None:
            vertices.setdefault(vertex[2], vertex)  # one vertex per tight set
        basic = set(tableau.basis)
        for entering in range(d + r):
            if entering in basic:
                continue
            row = tableau.leaving_row(entering)
            neighbour = frozenset(basic - {tableau.basis[row]} | {entering})
            if neighbour in seen:
                continue
            seen.add(neighbour)
            following = tableau.copy()
            following.pivot(entering)
            stack.append(following)
    return list(vertices.values())


def _vertex(tableau: Tableau, d: int, labels_of: list[int]) -> Vertex | None:
    """The basic solution of ``tableau`` as (numerators of z, denominator, label mask); None
    at the origin. Labels: nonbasic variables and basic ones at zero."""
    z = [0] * d
    labels = sum(labels_of)
    for row, variable in zip(tableau.rows, tableau.basis, strict=True):
        value = row[-1]
        if value != 0:
            labels &= ~labels_of[variable]
            if variable < d:
                z[variable] = value
    if not any(z):
        return None
    # Lexicographic pivots are on positive entries, so the determinant stays positive.
    return z, tableau.determinant, labels


def pivoting_extreme_equilibria(
    A: Sequence[Sequence[int]], B: Sequence[Sequence[int]]
) -> tuple[list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]]], bool]:
    """Every extreme equilibrium of the game (A, B) of positive integers, and its degeneracy,
    from the vertices of P and Q found by pivoting."""
    m, n = len(A), len(A[0])
    columns_of_b = [list(column) for column in zip(*B, strict=True)]
    p = pivoting_vertices(columns_of_b, zero_shift=0, row_shift=m)
    q = pivoting_vertices(A, zero_shift=m, row_shift=0)
    return completely_labelled(p, q, m, n)
