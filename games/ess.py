"""Evolutionarily stable strategies of symmetric two-player games (Maynard Smith & Price 1973).

x is an ESS iff (i) x is a best response to itself and (ii) every other best response y to x
satisfies x·Ay > y·Ay. Writing z = y - x, (ii) says zᵀAz < 0 on the cone
C = {z : Σz = 0, z_j = 0 off the best responses T, z_j >= 0 on T \\ supp(x)} minus 0
(Haigh 1975; Bomze 1992). We decide this exactly: negative definiteness on the support's
subspace, then strict copositivity of the Schur complement on the extra best responses.
Candidates come from exact support enumeration of the symmetric equilibria: an ESS's support
system is nonsingular (negative definiteness on its subspace excludes a kernel), so none is missed.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

import numpy as np

from games.exact import solve_fractions
from games.model import Game, GameError
from games.scaled import scaled_payoffs

Strategy = tuple[Fraction, ...]


def is_symmetric(game: Game) -> bool:
    """Two players with the same number of actions and B = Aᵀ exactly (labels may differ)."""
    if game.n_players != 2 or game.num_actions[0] != game.num_actions[1]:
        return False
    exact = game.exact_payoffs
    return bool(np.all(exact[1] == exact[0].T))


def _symmetric_matrix(game: Game) -> np.ndarray:
    """The row player's integer-scaled matrix A of a symmetric game (B = Aᵀ), else GameError."""
    if not is_symmetric(game):
        raise GameError(
            f"{game.name!r} is not a symmetric two-player game (the column player's payoffs "
            "must be the transpose of the row player's)"
        )
    return scaled_payoffs(game).values[0]


def symmetric_equilibria(game: Game) -> tuple[Strategy, ...]:
    """Strategies x with (x, x) a Nash equilibrium, one per support whose system is nonsingular.

    Support enumeration of the single matrix A (Nash 1951): on support S solve A_SS x = v·1,
    Σx = 1; keep x if x > 0 on S and (Ax)_j <= v everywhere. Floats screen, Fractions decide.
    """
    A = _symmetric_matrix(game)
    k = A.shape[0]
    Af = A.astype(float)
    tolerance = 1e-9 * max(1.0, float(np.abs(Af).max()))
    found = []
    for size in range(1, k + 1):
        for support in combinations(range(k), size):
            S = list(support)
            system = np.zeros((size + 1, size + 1))
            system[:size, :size] = Af[np.ix_(S, S)]
            system[:size, size] = -1.0
            system[size, :size] = 1.0
            rhs = np.zeros(size + 1)
            rhs[size] = 1.0
            try:
                guess = np.linalg.solve(system, rhs)
                x = np.zeros(k)
                x[S] = guess[:size]
                if np.any(guess[:size] < -tolerance) or np.any(Af @ x > guess[size] + tolerance):
                    continue
            except np.linalg.LinAlgError:
                pass  # exact arithmetic decides below whether it is truly singular
            candidate = _exact_support_equilibrium(A, S)
            if candidate is not None:
                found.append(candidate)
    return tuple(found)


def _exact_support_equilibrium(A: np.ndarray, S: list[int]) -> Strategy | None:
    k, size = A.shape[0], len(S)
    matrix = [[int(A[i, j]) for j in S] + [-1] for i in S] + [[1] * size + [0]]
    solution = solve_fractions(matrix, [0] * size + [1])
    if solution is None or any(p <= 0 for p in solution[:size]):
        return None
    x = [Fraction(0)] * k
    for i, p in zip(S, solution[:size], strict=True):
        x[i] = p
    v = solution[size]
    if any(sum(int(A[j, i]) * x[i] for i in S) > v for j in range(k)):
        return None
    return tuple(x)


def is_ess(A: np.ndarray, x: Strategy) -> bool:
    """Exact ESS test of a symmetric equilibrium strategy ``x`` of the integer matrix A (Haigh 1975)."""
    k = A.shape[0]
    Ax = [sum(int(A[j, i]) * x[i] for i in range(k)) for j in range(k)]
    v = max(Ax)
    support = [i for i in range(k) if x[i] > 0]
    extra = [j for j in range(k) if Ax[j] == v and x[j] == 0]
    base = support[0]
    # z = Σ_{i∈S\base} a_i (e_i - e_base) + Σ_{j∈E} b_j (e_j - e_base), a free, b >= 0.
    directions = support[1:] + extra
    M = A + A.T  # twice the symmetric part: same signs as the quadratic form zᵀAz
    H = [[_form(M, base, i, j) for j in directions] for i in directions]
    d = len(support) - 1
    H_vv = [row[:d] for row in H[:d]]
    if not _negative_definite(H_vv):
        return False
    # Maximise over the free part: the Schur complement G = H_ww - H_wv H_vv⁻¹ H_vw must be
    # strictly negative on the nonnegative orthant (strict copositivity of -G).
    G = _schur_complement(H, d)
    return _strictly_copositive([[-g for g in row] for row in G])


def _form(M: np.ndarray, base: int, i: int, j: int) -> Fraction:
    """(e_i - e_base)ᵀ M (e_j - e_base)."""
    return Fraction(int(M[i, j]) - int(M[i, base]) - int(M[base, j]) + int(M[base, base]))


def _negative_definite(H: list[list[Fraction]]) -> bool:
    """Exact test: symmetric elimination of -H without pivoting has only positive pivots."""
    m = [[-v for v in row] for row in H]
    n = len(m)
    for c in range(n):
        if m[c][c] <= 0:
            return False
        for r in range(c + 1, n):
            factor = m[r][c] / m[c][c]
            for j in range(c, n):
                m[r][j] -= factor * m[c][j]
    return True


def _schur_complement(H: list[list[Fraction]], d: int) -> list[list[Fraction]]:
    """H_ww - H_wv H_vv⁻¹ H_vw by eliminating the first d (free) coordinates."""
    m = [list(row) for row in H]
    n = len(m)
    for c in range(d):
        for r in range(c + 1, n):
            factor = m[r][c] / m[c][c]
            for j in range(c, n):
                m[r][j] -= factor * m[c][j]
    return [row[d:] for row in m[d:]]


def _strictly_copositive(G: list[list[Fraction]]) -> bool:
    """Exact: wᵀGw > 0 for all w >= 0, w != 0.

    If not, a minimiser of wᵀGw on the simplex with minimal support J solves the nonsingular
    KKT system G_J w = μ·1, Σw = 1, w > 0, with value μ <= 0 (a kernel direction of that system
    keeps the value constant and would shrink the support). So enumerating supports decides.
    """
    n = len(G)
    for size in range(1, n + 1):
        for J in combinations(range(n), size):
            scale = math.lcm(*(G[i][j].denominator for i in J for j in J))
            matrix = [[int(G[i][j] * scale) for j in J] + [-1] for i in J] + [[1] * size + [0]]
            solution = solve_fractions(matrix, [0] * size + [1])
            if solution is None or any(w <= 0 for w in solution[:size]):
                continue
            if solution[size] <= 0:
                return False
    return True


def _stable_supports(A: np.ndarray) -> list[list[int]]:
    """Supports S on whose subspace {z : Σz = 0, supp z ⊆ S} the form zᵀAz is negative definite.

    An ESS's support must be one (its condition (ii) for y near x inside the face; Haigh 1975),
    and the property passes to subsets (a subspace of a negative definite subspace), so a
    depth-first search that extends only such supports finds them all while skipping the 2^k
    others: pure coordination or Traveler's Dilemma games have only their singletons.
    """
    k = A.shape[0]
    M = A + A.T
    found: list[list[int]] = []
    stack = [[i] for i in reversed(range(k))]
    while stack:
        support = stack.pop()
        found.append(support)
        for j in reversed(range(support[-1] + 1, k)):
            extended = [*support, j]
            base, rest = extended[0], extended[1:]
            if _negative_definite([[_form(M, base, a, b) for b in rest] for a in rest]):
                stack.append(extended)
    return found


def evolutionarily_stable_strategies(game: Game) -> tuple[Strategy, ...]:
    """All ESS of a symmetric two-player game, as exact mixed strategies; GameError otherwise.

    Candidates are the symmetric equilibria on the supports :func:`_stable_supports` allows (an
    ESS's support system is nonsingular, so support enumeration misses none), each then decided
    by the exact test :func:`is_ess`.
    """
    A = _symmetric_matrix(game)
    candidates = (_exact_support_equilibrium(A, support) for support in _stable_supports(A))
    return tuple(x for x in candidates if x is not None and is_ess(A, x))
