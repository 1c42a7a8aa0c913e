"""Iterated elimination of strictly dominated actions, as a cheap step before solving.

An action strictly dominated by a (mixed) strategy is never played in a Nash equilibrium, and
removing strictly dominated actions leaves the set of Nash equilibria unchanged (Osborne &
Rubinstein 1994, Prop. 61.2; Fudenberg & Tirole 1991, §2.1). The same holds when several
actions dominated in the current game are removed at once: against any profile of the others,
the removed action with the highest payoff is beaten by its dominator, hence by some action in
the dominator's support, which is not removed. So equilibria of the reduced game, padded with
zeros, are exactly the equilibria of the original one.

:mod:`games.dominance` reports every domination with a proven dominator and is the reference;
this module only needs *some* certified eliminations, fast: pure dominators first, then a float
linear program (HiGHS) per action no belief certifies as a best response, whose dominator is
accepted only after an exact integer check. An action whose float dominator fails the check is
kept, which costs completeness of the reduction, never correctness.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

# Denominator bounds tried when rounding a float dominator to an exact one.
_DENOMINATOR_BOUNDS = (10**6, 10**3)


def strictly_undominated(values: np.ndarray) -> tuple[tuple[int, ...], ...]:
    """Per player, the indices of the actions that survive iterated strict dominance.

    ``values`` holds exact integer payoffs, shape (n_players, a_1, ..., a_n) (int64 or Python
    ints in an object array). Every removed action was proven strictly dominated exactly.
    """
    n = values.shape[0]
    surviving = [list(range(k)) for k in values.shape[1:]]
    changed = True
    while changed:
        changed = False
        for p in range(n):
            current = values[p][np.ix_(*surviving)]
            matrix = np.moveaxis(current, p, 0).reshape(len(surviving[p]), -1)
            dominated = _strictly_dominated_rows(matrix)
            if dominated:
                surviving[p] = [a for i, a in enumerate(surviving[p]) if i not in dominated]
                changed = True
    return tuple(tuple(s) for s in surviving)


def _strictly_dominated_rows(matrix: np.ndarray) -> set[int]:
    """Rows of ``matrix`` (own actions x others' joint actions) proven strictly dominated."""
    rows = matrix.shape[0]
    if rows < 2:
        return set()
    # Pure dominance: some row k beats row a in every column.
    beats = (matrix[:, None, :] > matrix[None, :, :]).all(axis=2)  # beats[k, a]
    dominated = {int(a) for a in np.flatnonzero(beats.any(axis=0))}
    # A best response to some belief is not strictly dominated (Pearce 1984, Lemma 3): try every
    # pure belief and the uniform one before any linear program.
    candidates = ~(matrix == matrix.max(axis=0)).any(axis=1)
    totals = matrix.sum(axis=1)
    candidates &= totals != totals.max()
    for a in np.flatnonzero(candidates):
        if int(a) not in dominated and _mixed_dominated(matrix, int(a), dominated):
            dominated.add(int(a))
    return dominated


def _mixed_dominated(matrix: np.ndarray, action: int, removed: set[int]) -> bool:
    """Whether a mixture of the other rows (not yet removed) is proven to beat row ``action``.

    LP: max ε s.t. Σ_k σ_k (M[k, c] - M[a, c]) >= ε for every column c, σ in the simplex; the
    float optimum's σ is rounded to Fractions and the strict inequalities checked exactly.
    """
    others = [k for k in range(matrix.shape[0]) if k != action and k not in removed]
    if not others:
        return False
    differences = matrix[others] - matrix[action]  # (others, columns), exact integers
    largest = max(int(np.max(np.abs(differences))), 1)
    # Dividing Python ints by Python ints rounds correctly: no overflow for huge payoffs.
    scaled = np.array([[int(v) / largest for v in row] for row in differences]).T
    count = len(others)
    from scipy.optimize import linprog  # imported on first use: it takes a second to load

    result = linprog(
        c=np.r_[np.zeros(count), -1.0],
        A_ub=np.c_[-scaled, np.ones(scaled.shape[0])],
        b_ub=np.zeros(scaled.shape[0]),
        A_eq=np.r_[np.ones(count), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * count + [(None, 1.0)],
        method="highs",
    )
    if result.status != 0 or -result.fun <= 0:
        return False
    weights = np.clip(result.x[:count], 0.0, None)
    for bound in _DENOMINATOR_BOUNDS:
        sigma = [Fraction(w).limit_denominator(bound) for w in weights]
        total = sum(sigma)
        if total <= 0:
            continue
        # Strict dominance, checked exactly: Σ_k σ_k D[k, c] > 0 in every column c.
        gains = [
            sum(s * int(d) for s, d in zip(sigma, column, strict=True) if s)
            for column in differences.T
        ]
        if min(gains) > 0:
            return True
    return False
