"""All extreme Nash equilibria of a bimatrix game, exactly, by vertex enumeration.

Follows von Stengel, "Equilibrium computation for two-player games in strategic and extensive
form" (Algorithmic Game Theory, 2007, ch. 3), §3.2-3.4. With positive payoff matrices A, B
(m x n), the best-response polytopes are

    P = {x in R^m : x >= 0, Bᵀx <= 1}    labels: i for x_i = 0,        m + j for (Bᵀx)_j = 1
    Q = {y in R^n : Ay <= 1, y >= 0}     labels: i for (Ay)_i = 1,      m + j for y_j = 0

and (x/Σx, y/Σy) is a Nash equilibrium exactly when (x, y) ≠ (0, 0) is completely labelled
(Theorem 3.4). The extreme equilibria, which span every equilibrium component even in
degenerate games, are the completely labelled pairs of *vertices* (Avis, Rosenberg, Savani,
von Stengel 2010, §2), as Gambit's ``enummixed`` reports them.

A vertex of P with support K has tight rows T, |T| = |K| = k, and solves Bᵀ[T, K] x_K = 1;
so the vertices are found by solving all Σ_k C(m,k)·C(n,k) = C(m+n, m) such square systems
in vectorised float batches. Floats only *select* candidates, with a tolerance that keeps every
true vertex and label; each candidate equilibrium is then recomputed and checked in exact
integer arithmetic, which alone decides what is reported. Systems that look singular in floats
are decided by an exact modular rank test, never by a threshold.

Floats are only trusted to select when every integer entry is at most ``FLOAT_MAX_ENTRY``:
beyond it (payoffs 1e-20 next to 1, or full-precision floats of very different magnitudes over
their common denominator) determinants over- or underflow and relative tolerances lose labels,
so :func:`extreme_equilibria` then finds the vertices by exact lexicographic pivoting
(:mod:`games.pivoting_vertex_enumeration`), which visits only feasible bases (under a second
for 9x9). ``exact=True`` instead solves every square system exactly: the same fraction-free
elimination over Python integers, batched through numpy object arrays (seconds from 8x8 on;
kept as an independent reference). Small games (at most ``SMALL_BASES`` systems) are
enumerated in plain Python integers (:mod:`games.small_vertex_enumeration`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from itertools import combinations
from math import comb

import numpy as np

from games.exact import singular, solve_integer, solve_integer_batch
from games.pivoting_vertex_enumeration import pivoting_extreme_equilibria
from games.small_vertex_enumeration import small_extreme_equilibria

#: Float tolerance (relative) for candidate selection; exact arithmetic makes every decision.
TOLERANCE = 1e-9
#: |det| below this fraction of Hadamard's bound sends a system to the exact rank test.
SINGULAR_RATIO = 1e-10
#: Largest number of square systems solved in one numpy batch (bounds memory).
BATCH = 40_000
#: Largest integer payoff (after :func:`games.exact.integer_matrix`) floats may select with: a
#: dynamic range of 1.8e19, where the Hadamard bound of an 11x11 system stays below 1e220.
FLOAT_MAX_ENTRY = 2**64
#: Games with at most this many square systems (up to 3x3, 2x5 and 1x20) are enumerated in plain
#: Python integers (:mod:`games.small_vertex_enumeration`), faster there than numpy batches.
SMALL_BASES = 21
#: Up to this many square systems are solved in one batch, each padded to the largest size.
PAD_BASES = 500
#: Unit round-off of doubles, and their smallest normal magnitude.
_EPS = float(np.finfo(float).eps)
_TINY = float(np.finfo(float).tiny)
#: Largest number of square systems solved exactly in one batch (bounds memory).
EXACT_BATCH = 5_000


@lru_cache(maxsize=256)
def _subsets(size: int, k: int) -> np.ndarray:
    """All k-subsets of range(size) as rows of an index array (lexicographic)."""
    subsets = np.array(list(combinations(range(size), k)), dtype=np.intp).reshape(-1, k)
    subsets.setflags(write=False)
    return subsets


@lru_cache(maxsize=64)
def _small_bases(d: int, r: int) -> tuple[np.ndarray, np.ndarray]:
    """Every basis (support K, tight rows T), |K| = |T| = 1..min(r, d), padded: one batch."""
    top = min(r, d)
    sups, rows = [], []
    for k in range(1, top + 1):
        sup, tight = _widen(_subsets(d, k), d, top), _widen(_subsets(r, k), r, top)
        sups.append(np.repeat(sup, len(tight), axis=0))
        rows.append(np.tile(tight, (len(sup), 1)))
    both = np.concatenate(sups), np.concatenate(rows)
    for array in both:
        array.setflags(write=False)
    return both


def _basis_chunks(d: int, r: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Bases in batches of at most ``BATCH`` systems: one cached batch, padded to a common size,
    when there are at most ``PAD_BASES``; else one size k at a time, unpadded (padding would
    multiply the O(k³) work of the many mid-sized systems)."""
    if comb(r + d, r) - 1 <= PAD_BASES:
        yield _small_bases(d, r)
        return
    for k in range(1, min(r, d) + 1):
        supports, rows = _subsets(d, k), _subsets(r, k)
        step = max(1, BATCH // len(rows))
        for start in range(0, len(supports), step):
            sup = supports[start : start + step]
            yield np.repeat(sup, len(rows), axis=0), np.tile(rows, (len(sup), 1))


def _widen(indices: np.ndarray, size: int, top: int) -> np.ndarray:
    """Index rows padded on the right with size + k, ..., size + top - 1 (as in a padded batch)."""
    k = indices.shape[1]
    if k == top:
        return indices
    pad = np.broadcast_to(size + np.arange(k, top), (len(indices), top - k))
    return np.concatenate([indices, pad], axis=1)


def _first_of_each(labels: np.ndarray) -> np.ndarray:
    """Index of the first row of each distinct row of a boolean matrix (any order)."""
    if labels.shape[1] <= 62:
        keys = labels.astype(np.int64) @ (np.int64(1) << np.arange(labels.shape[1], dtype=np.int64))
        _, first = np.unique(keys, return_index=True)
        return first
    _, first = np.unique(np.packbits(labels, axis=1), axis=0, return_index=True)
    return first


def basis_count(m: int, n: int) -> int:
    """Number of square systems vertex enumeration solves for an m x n game: C(m+n, m)."""
    return comb(m + n, m)


@dataclass
class _Polytope:
    """The polytope {z >= 0, C z <= 1}: C is (r x d), given as floats and as positive integers.

    ``zero_labels`` / ``row_labels`` name the game labels of the constraints z_i >= 0 and
    (Cz)_j <= 1, so P and Q share one implementation.
    """

    floats: np.ndarray
    integers: list[list[int]]
    zero_labels: np.ndarray
    row_labels: np.ndarray
    bases: list[tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    labels: np.ndarray | None = None
    _exact: dict[int, tuple[list[int], int] | None] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.floats.shape

    def enumerate(self, n_labels: int) -> None:
        """Find every vertex but the origin; store its basis and its (tolerant) label set."""
        r, d = self.shape
        top = min(r, d)
        # Systems of every size k in one batch: C[T, K] sits in a (top x top) block diagonal
        # with an identity block (dummy rows r.., columns d..) and right-hand side 0 there, so
        # the determinant, Hadamard's bound and the solution are those of the k x k system.
        padded = np.zeros((r + top, d + top))
        padded[:r, :d] = self.floats
        padded[r + np.arange(top), d + np.arange(top)] = 1.0
        coords, bases = [], []
        for sup, rows in _basis_chunks(d, r):
            z, keep = self._solve_batch(padded, sup, rows)
            coords.append(z)
            bases.append((sup[keep], rows[keep]))
        z = np.concatenate(coords) if len(coords) > 1 else coords[0]
        sup_kept = np.concatenate([_widen(sup, d, top) for sup, _ in bases])
        rows_kept = np.concatenate([_widen(rows, r, top) for _, rows in bases])
        scale = np.maximum(z.max(axis=1, initial=0.0), _TINY)
        zero_tight = z <= TOLERANCE * scale[:, None]
        row_tight = np.abs(1.0 - z @ self.floats.T) <= TOLERANCE
        labels = np.zeros((len(z), n_labels), dtype=bool)
        labels[:, self.zero_labels] = zero_tight
        labels[:, self.row_labels] = row_tight
        # A vertex is the only point of P with its tight set: deduplicate by label set.
        first = np.sort(_first_of_each(labels))
        self.labels = labels[first]
        sizes = (sup_kept[first] < d).sum(axis=1).tolist()
        self.bases = [
            (tuple(s[:k]), tuple(t[:k]))
            for s, t, k in zip(
                sup_kept[first].tolist(), rows_kept[first].tolist(), sizes, strict=True
            )
        ]

    def enumerate_exactly(self, n_labels: int) -> None:
        """Like :meth:`enumerate`, but every square system is solved and labelled exactly
        (Bareiss elimination over the integers, one numpy batch per size and chunk), so no
        float ever decides or overflows."""
        r, d = self.shape
        integers = np.empty((r, d), dtype=object)
        integers[:] = self.integers
        transposed = integers.T.copy()
        seen: set[bytes] = set()
        for k in range(1, min(r, d) + 1):
            supports, tight = _subsets(d, k), _subsets(r, k)
            step = max(1, EXACT_BATCH // len(tight))
            for start in range(0, len(supports), step):
                sup = np.repeat(supports[start : start + step], len(tight), axis=0)
                rows = np.tile(tight, (len(sup) // len(tight), 1))
                numerators, determinant = solve_integer_batch(
                    integers[rows[:, :, None], sup[:, None, :]]
                )
                keep = (determinant != 0).astype(bool)
                keep &= (numerators >= 0).astype(bool).all(axis=1)
                sup, rows = sup[keep], rows[keep]
                z = np.zeros((len(sup), d), dtype=object)
                z[np.arange(len(z))[:, None], sup] = numerators[keep]
                determinant = determinant[keep]
                values = z.dot(transposed)
                inside = (values <= determinant[:, None]).astype(bool).all(axis=1)
                labels = np.zeros((len(z), n_labels), dtype=bool)
                labels[:, self.zero_labels] = (z == 0).astype(bool)
                labels[:, self.row_labels] = (values == determinant[:, None]).astype(bool)
                # A vertex is the only point of P with its tight set: deduplicate by label set.
                for i in np.flatnonzero(inside):
                    key = np.packbits(labels[i]).tobytes()
                    if key in seen:
                        continue
                    seen.add(key)
                    self._exact[len(self.bases)] = (
                        z[i].tolist(),
                        int(determinant[i]),
                        set(np.flatnonzero(labels[i]).tolist()),
                    )
                    self.bases.append((tuple(sup[i].tolist()), tuple(rows[i].tolist())))
        self._label_exact_vertices(n_labels)

    def _label_exact_vertices(self, n_labels: int) -> None:
        self.labels = np.zeros((len(self.bases), n_labels), dtype=bool)
        for index, vertex in self._exact.items():
            if vertex is not None:
                self.labels[index, sorted(vertex[2])] = True

    def _solve_batch(
        self, padded: np.ndarray, sup: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Solve C[T, K] z_K = 1 for a batch of padded bases (see :meth:`enumerate`); return
        the feasible vertices and their mask."""
        r, d = self.shape
        top = sup.shape[1]
        real = sup < d
        systems = padded[rows[:, :, None], sup[:, None, :]]
        determinant = np.linalg.det(systems)
        hadamard = np.sqrt(np.einsum("nij,nij->ni", systems, systems)).prod(axis=1)
        suspect = np.abs(determinant) <= SINGULAR_RATIO * hadamard
        any_suspect = bool(suspect.any())
        regular = np.flatnonzero(~suspect) if any_suspect else slice(None)
        regular_sup = sup[regular]
        z = np.zeros((len(regular_sup), d + top))
        if len(regular_sup):
            rhs = real[regular].astype(float)[:, :, None]
            z_k = np.linalg.solve(systems[regular], rhs)[:, :, 0]
            z[np.arange(len(regular_sup))[:, None], regular_sup] = z_k
        if any_suspect:
            z_regular, z = z, np.full((len(sup), d + top), -1.0)
            z[regular] = z_regular
        for i in self._exactly_regular(
            padded, sup, rows, np.flatnonzero(suspect), determinant, hadamard
        ):
            k = int(real[i].sum())
            solved = self._solve_exact(tuple(sup[i, :k]), tuple(rows[i, :k]))
            z[i] = 0.0
            if solved is not None:
                numerators, denominator = solved
                z[i, sup[i, :k]] = [v / denominator for v in numerators]
        z = z[:, :d]
        scale = np.maximum(z.max(axis=1), _TINY)
        feasible = (z >= -TOLERANCE * scale[:, None]).all(axis=1)
        feasible &= (z @ self.floats.T <= 1.0 + TOLERANCE).all(axis=1)
        return z[feasible], feasible

    def _exactly_regular(
        self,
        padded: np.ndarray,
        sup: np.ndarray,
        rows: np.ndarray,
        index: np.ndarray,
        determinant: np.ndarray,
        hadamard: np.ndarray,
    ) -> np.ndarray:
        """Of the float-suspect systems ``index``, those that are exactly nonsingular.

        The determinant of an integer matrix is an integer. Where Hadamard's bound is so small
        that LU's rounding error (at most k² 2^k ε times the bound, with partial pivoting's
        growth) stays below 1/4, the float determinant rounds to it: nonzero iff |det| >= 1/2.
        The others take the exact modular rank test.
        """
        if index.size == 0:
            return index
        small = hadamard[index] * (sup.shape[1] ** 2 * 2.0 ** sup.shape[1] * _EPS) <= 0.25
        decided = index[small & (np.abs(determinant[index]) >= 0.5)]
        rest = index[~small]
        if rest.size == 0:
            return decided
        r, d = self.shape
        ints = np.zeros(padded.shape, dtype=object)
        ints[:r, :d] = np.array(self.integers, dtype=object)
        ints[r + np.arange(sup.shape[1]), d + np.arange(sup.shape[1])] = 1
        systems = ints[rows[rest][:, :, None], sup[rest][:, None, :]]
        return np.sort(np.concatenate([decided, rest[~singular(systems)]]))

    def _solve_exact(
        self, sup: tuple[int, ...], rows: tuple[int, ...]
    ) -> tuple[list[int], int] | None:
        if len(sup) == 1:  # c z = 1: z = 1 / c
            c = self.integers[rows[0]][sup[0]]
            return ([1], c) if c > 0 else ([-1], -c) if c < 0 else None
        if len(sup) == 2:  # Cramer's rule, as solve_integer would give it (denominator > 0)
            (p, q), (r, s) = ([self.integers[t][k] for k in sup] for t in rows)
            determinant = p * s - q * r
            if determinant == 0:
                return None
            sign = 1 if determinant > 0 else -1
            return [sign * (s - q), sign * (p - r)], sign * determinant
        matrix = [[self.integers[t][s] for s in sup] for t in rows]
        return solve_integer(matrix, [1] * len(sup))

    def exact_vertex(self, index: int) -> tuple[list[int], int, set[int]] | None:
        """Vertex ``index`` exactly as (numerators, denominator, label set), or None when the
        float candidate is not a vertex of the polytope (infeasible in exact arithmetic)."""
        if index not in self._exact:
            self._exact[index] = self._exact_vertex(index)
        return self._exact[index]

    def _exact_vertex(self, index: int) -> tuple[list[int], int, set[int]] | None:
        return self._vertex_of_basis(*self.bases[index])

    def _vertex_of_basis(
        self, sup: tuple[int, ...], rows: tuple[int, ...]
    ) -> tuple[list[int], int, set[int]] | None:
        """The basic solution C[T, K] z_K = 1 exactly, with its labels; None when the system is
        singular or the point lies outside the polytope."""
        solved = self._solve_exact(sup, rows)
        if solved is None:
            return None
        values, denominator = solved
        r, d = self.shape
        z = [0] * d
        for s, v in zip(sup, values, strict=True):
            z[s] = v
        if min(z) < 0:
            return None
        labels = {int(self.zero_labels[i]) for i in range(d) if z[i] == 0}
        for t in range(r):
            row_value = sum(c * v for c, v in zip(self.integers[t], z, strict=True))
            if row_value > denominator:
                return None
            if row_value == denominator:
                labels.add(int(self.row_labels[t]))
        return z, denominator, labels


@dataclass(frozen=True)
class ExtremeEquilibria:
    """Exact extreme equilibria (normalised strategy pairs) and whether the game is degenerate."""

    equilibria: list[tuple[tuple[Fraction, ...], tuple[Fraction, ...]]]
    degenerate: bool


def floats_suffice(A: list[list[int]], B: list[list[int]]) -> bool:
    """Whether float candidate selection is safe for positive integer matrices A, B."""
    return max(max(map(max, A)), max(map(max, B))) <= FLOAT_MAX_ENTRY


def extreme_equilibria(
    A: list[list[int]], B: list[list[int]], exact: bool | None = None
) -> ExtremeEquilibria:
    """All extreme equilibria of the bimatrix game (A, B) of *positive integers* (von Stengel §3.4).

    Every returned pair is exactly completely labelled, hence an equilibrium; every completely
    labelled vertex pair is returned, so the list is complete, degenerate games included.
    ``exact``: True solves every system exactly in numpy batches, False selects with floats;
    None (the default) enumerates in plain Python integers when there are at most
    ``SMALL_BASES`` systems, selects with floats when :func:`floats_suffice`, and else visits
    only the feasible bases by exact pivoting (:mod:`games.pivoting_vertex_enumeration`).
    """
    m, n = len(A), len(A[0])
    if exact is None:
        if basis_count(m, n) <= SMALL_BASES:
            return ExtremeEquilibria(*small_extreme_equilibria(A, B))
        if not floats_suffice(A, B):
            return ExtremeEquilibria(*pivoting_extreme_equilibria(A, B))
        exact = False
    a = np.array(A, dtype=float) if not exact else np.zeros((m, n))
    b = np.array(B, dtype=float) if not exact else np.zeros((m, n))
    p = _Polytope(
        b.T.copy(), [list(col) for col in zip(*B, strict=True)], np.arange(m), m + np.arange(n)
    )
    q = _Polytope(a, [list(row) for row in A], m + np.arange(n), np.arange(m))
    for polytope in (p, q):
        if exact:
            polytope.enumerate_exactly(m + n)
        else:
            polytope.enumerate(m + n)
    # (x, y) completely labelled <=> no label is missing from both (Theorem 3.4).
    missing = (~p.labels).astype(np.float32) @ (~q.labels).T.astype(np.float32)
    candidates = np.argwhere(missing == 0)
    everything = set(range(m + n))
    found: dict[tuple[tuple[Fraction, ...], tuple[Fraction, ...]], None] = {}
    for i, j in candidates:
        x = p.exact_vertex(int(i))
        y = q.exact_vertex(int(j))
        if x is None or y is None or (x[2] | y[2]) != everything:
            continue
        found[(_normalise(x[0]), _normalise(y[0]))] = None
    return ExtremeEquilibria(list(found), _degenerate(p, m) or _degenerate(q, n))


def _normalise(z: list[int]) -> tuple[Fraction, ...]:
    total = sum(z)
    return tuple(Fraction(v, total) for v in z)


def _degenerate(polytope: _Polytope, dimension: int) -> bool:
    """Nondegenerate iff no vertex has more labels than the dimension (von Stengel, Thm 3.6)."""
    for index in np.flatnonzero(polytope.labels.sum(axis=1) > dimension):
        vertex = polytope.exact_vertex(int(index))
        if vertex is not None and len(vertex[2]) > dimension:
            return True
    return False
