"""Indifference systems of two-action players, solved in closed form on one support profile.

When every player in a support profile either plays one action or mixes over exactly two, a
mixing player p is indifferent exactly when D_p(q) = u_p(action 1, q_-p) - u_p(action 0, q_-p)
vanishes, where q_r is the probability mixer r puts on their second action. D_p is multilinear:
affine in each other mixer's q_r (Porter, Nudelman, Shoham 2008, Feasibility Program 1, for
two-action supports). With up to three mixers the system reduces to one polynomial of degree at
most two (McKelvey & McLennan 1997: a generic 2x2x2 game has at most two totally mixed
equilibria), so every isolated solution is found, without starting points:

- one mixer: D_p is a constant; nonzero means no equilibrium on this profile;
- two mixers p, r: D_p = a + b q_r and D_r = c + d q_p are linear;
- three mixers x, y, z: D_x(y, z) = 0 and D_y(x, z) = 0 give y and x as ratios of affine
  functions of z; substituted into D_z(x, y) = 0 they leave a quadratic in z.

Where the system is degenerate (a vanishing coefficient, a continuum of solutions) or has more
mixers, :func:`solve_profile` returns None and the caller uses the general numeric search.

When every player of the game has two actions, :func:`feasible_profiles` first rules out, for all
3^n profiles at once, those where some player gains more than the tolerance at every point (D_p
is multilinear, so its corner values bound it): about 2 of the 19 mixed profiles of a random
2x2x2 game remain, and 12 of the 65 of a 2x2x2x2 one. :func:`two_action_gains` then checks each
candidate in closed form.
"""

from __future__ import annotations

from functools import cache

import numpy as np

#: Coefficients below this (payoffs scaled to [0, 1]) count as zero: the profile is degenerate
#: there and goes to the general numeric search instead.
DEGENERATE = 1e-12
#: Most mixers solved here (four by a resultant, fewer in closed form).
MAX_MIXERS = 4


def indifference_tensors(payoffs: np.ndarray) -> list[np.ndarray] | None:
    """Each player's D_p = u_p(action 1, ·) - u_p(action 0, ·) over the others' actions, for
    the players with two actions (None for the others): computed once per game."""
    return [
        payoffs[(p, *[slice(None)] * p, 1)] - payoffs[(p, *[slice(None)] * p, 0)]
        if count == 2
        else None
        for p, count in enumerate(payoffs.shape[1:])
    ]


def feasible_profiles(tensors: list[np.ndarray], tol: float) -> np.ndarray:
    """Which support profiles of a game where every player has two actions can hold an
    equilibrium: ``feasible[s]`` for s in {0, 1, 2}^n (s_p = 2: player p mixes, else p plays s_p).

    D_p is multilinear in the mixers' probabilities, so over the box of their mixtures (the
    others fixed) it lies between its least and greatest corner value. A profile is dropped when
    some player gains more than ``tol`` everywhere on it: a player fixed at action 0 whose D_p
    exceeds ``tol`` at every corner (action 1 is better by more than ``tol`` at every point), one
    fixed at 1 whose D_p is below ``-tol`` at every corner, or a mixer whose D_p keeps one sign
    by more than ``tol`` (no indifference point: conditional strict dominance, Porter, Nudelman,
    Shoham 2008, §3). Every candidate such a profile could give fails the deviation check, so
    dropping it loses no equilibrium.
    """
    n = len(tensors)
    corners, own, rest = _profile_indices(n)
    values = np.array([np.asarray(t, dtype=float).reshape(-1) for t in tensors])[:, corners]
    low, high = values.min(axis=2) <= tol, values.max(axis=2) >= -tol  # (n, 3^(n-1))
    table = np.stack([low, high, low & high], axis=1)  # by what the player does: 0, 1, mixes
    players = np.arange(n)[:, None]
    return table[players, own, rest].all(axis=0).reshape((3,) * n)


@cache
def _profile_indices(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For n two-action players: ``corners[s]``, the corners (flat indices over (2,)*(n-1)) of
    the box where the others play s in {0, 1, 2}^(n-1) (2: both actions, so its corners are
    repeated to a common count of 2^(n-1)); and for each player p and profile, p's own entry
    (``own[p]``) and the flat index of the others' entries (``rest[p]``)."""
    others = list(np.ndindex(*(3,) * (n - 1)))
    corners = np.array(
        [
            [
                np.ravel_multi_index(
                    tuple(c if c < 2 else bits[i] for i, c in enumerate(s)), (2,) * (n - 1)
                )
                for bits in np.ndindex(*(2,) * (n - 1))
            ]
            for s in others
        ],
        dtype=np.intp,
    ).reshape(len(others), -1)
    profiles = np.array(list(np.ndindex(*(3,) * n))).reshape(-1, n)
    own = profiles.T
    rest = np.array(
        [np.ravel_multi_index(np.delete(profiles, p, axis=1).T, (3,) * (n - 1)) for p in range(n)]
    )
    return corners, own, rest


def profile_index(supports: tuple[tuple[int, ...], ...]) -> tuple[int, ...]:
    """A support profile of two-action players as an index of :func:`feasible_profiles`."""
    return tuple(2 if len(s) > 1 else s[0] for s in supports)


def two_action_gains(tensors: list[np.ndarray], strategies: list[np.ndarray]) -> list[float]:
    """Each player's gain from their best pure deviation, every player having two actions:
    with D_p = u_p(1) - u_p(0) against the others' mixtures, max(u_p) - σ_p·u_p is
    max(D_p, 0) σ_p(0) + max(-D_p, 0) σ_p(1)."""
    gains = []
    for p, tensor in enumerate(tensors):
        value = tensor
        for r in range(len(strategies) - 1, -1, -1):
            if r != p:
                value = value @ strategies[r]  # D_p's axes are the others, in order
        d = float(value)
        gains.append(max(d, 0.0) * strategies[p][0] + max(-d, 0.0) * strategies[p][1])
    return gains


def solve_profile(
    payoffs: np.ndarray,
    supports: tuple[tuple[int, ...], ...],
    tensors: list[np.ndarray | None] | None = None,
) -> list[list[np.ndarray]] | None:
    """Every isolated solution of the indifference system of one support profile, as full
    strategy profiles (not yet checked against deviations outside the supports); None when the
    profile needs the general search (a player with more than two actions in support, more than
    :data:`MAX_MIXERS` mixers, or a degenerate system). ``tensors``: the game's
    :func:`indifference_tensors`, when already computed."""
    num_actions = payoffs.shape[1:]
    mixers = [p for p, s in enumerate(supports) if len(s) > 1]
    if len(mixers) > MAX_MIXERS or any(num_actions[p] != 2 for p in mixers):
        return None
    tensors = indifference_tensors(payoffs) if tensors is None else tensors
    k = len(mixers)
    # Each mixer's D over the other mixers' actions, everyone else fixed at their one action.
    differences = [
        tensors[p][
            tuple(
                slice(None) if q in mixers else supports[q][0]
                for q in range(len(supports))
                if q != p
            )
        ]
        for p in mixers
    ]
    solutions = _SOLVERS[k](differences)
    if solutions is None:
        return None
    profiles = []
    for q in solutions:
        if min(q) < -DEGENERATE or max(q) > 1 + DEGENERATE:
            continue
        strategies = []
        for p, (support, count) in enumerate(zip(supports, num_actions, strict=True)):
            sigma = np.zeros(count)
            if p in mixers:
                value = min(max(q[mixers.index(p)], 0.0), 1.0)
                sigma[0], sigma[1] = 1.0 - value, value
            else:
                sigma[support[0]] = 1.0
            strategies.append(sigma)
        profiles.append(strategies)
    return profiles


def _one(differences: list[np.ndarray]) -> list[tuple[float, ...]] | None:
    (d,) = differences
    return None if abs(float(d)) <= DEGENERATE else []


def _two(differences: list[np.ndarray]) -> list[tuple[float, ...]] | None:
    # D_0(q_1) = a + b q_1, D_1(q_0) = c + d q_0 (a tensor over the other mixer's two actions).
    first, second = differences
    a, b = first[0], first[1] - first[0]
    c, d = second[0], second[1] - second[0]
    if abs(b) <= DEGENERATE or abs(d) <= DEGENERATE:
        return None
    return [(-c / d, -a / b)]


def _affine(tensor: np.ndarray) -> tuple[float, float, float, float]:
    """(a, b, c, e) with D(u, v) = a + b u + c v + e u v for a 2x2 tensor over (u, v)."""
    a = tensor[0, 0]
    b = tensor[1, 0] - a
    c = tensor[0, 1] - a
    e = tensor[1, 1] - tensor[1, 0] - tensor[0, 1] + a
    return float(a), float(b), float(c), float(e)


def _three(differences: list[np.ndarray]) -> list[tuple[float, ...]] | None:
    # D_x(y, z), D_y(x, z), D_z(x, y), each affine in each argument.
    a1, b1, c1, d1 = _affine(differences[0])  # D_x = a1 + b1 y + c1 z + d1 y z
    a2, b2, c2, d2 = _affine(differences[1])  # D_y = a2 + b2 x + c2 z + d2 x z
    a3, b3, c3, d3 = _affine(differences[2])  # D_z = a3 + b3 x + c3 y + d3 x y
    # y = -(a1 + c1 z) / (b1 + d1 z), x = -(a2 + c2 z) / (b2 + d2 z); D_z times both
    # denominators is a quadratic in z.
    quadratic = _eliminated(a1, b1, c1, d1, a2, b2, c2, d2, a3, b3, c3, d3)
    if max(map(abs, quadratic)) <= DEGENERATE:
        return None  # identically zero: a curve of solutions
    solutions = []
    for z in _real_roots(quadratic):
        if not -DEGENERATE <= z <= 1 + DEGENERATE:
            continue
        xn, xd, yn, yd = -(a2 + c2 * z), b2 + d2 * z, -(a1 + c1 * z), b1 + d1 * z
        if min(abs(xn) + abs(xd), abs(yn) + abs(yd)) <= DEGENERATE:
            return None  # 0 = 0 there: x or y is not determined by z
        if abs(xd) <= DEGENERATE or abs(yd) <= DEGENERATE:
            continue  # a pole, not a solution: x or y would be infinite
        solutions.append((xn / xd, yn / yd, z))
    return solutions


def _eliminated(a1, b1, c1, d1, a2, b2, c2, d2, a3, b3, c3, d3) -> tuple[float, float, float]:
    """Coefficients (lowest first) of a3 X_d Y_d + b3 X_n Y_d + c3 Y_n X_d + d3 X_n Y_n in z,
    with X = X_n / X_d = -(a2 + c2 z) / (b2 + d2 z) and Y = -(a1 + c1 z) / (b1 + d1 z)."""
    xn0, xn1, xd0, xd1 = -a2, -c2, b2, d2
    yn0, yn1, yd0, yd1 = -a1, -c1, b1, d1

    def product(p0, p1, q0, q1):
        return p0 * q0, p0 * q1 + p1 * q0, p1 * q1

    terms = (
        (a3, product(xd0, xd1, yd0, yd1)),
        (b3, product(xn0, xn1, yd0, yd1)),
        (c3, product(yn0, yn1, xd0, xd1)),
        (d3, product(xn0, xn1, yn0, yn1)),
    )
    return tuple(sum(w * p[k] for w, p in terms) for k in range(3))


def _four(differences: list[np.ndarray]) -> list[tuple[float, ...]] | None:
    # Mixers w, x, y, z. At z = t, D_w, D_x, D_y are a three-mixer system in (w, x, y) whose
    # coefficients are affine in t: _three's elimination leaves Q(y; t) = 0 (degree 2 in y) with
    # w and x rational in y; D_z(w, x, y) = 0 times their denominators is R(y; t) (degree 3).
    # A common root y exists where the resultant Res_y(Q, R)(t), of degree at most 13 in t,
    # vanishes (Cox, Little, O'Shea, "Ideals, Varieties, and Algorithms", §3.6): it is sampled
    # at Chebyshev points, interpolated, and its roots in [0, 1] solved back and polished.
    values = _resultants(differences, _NODES)
    scale = np.abs(values).max(initial=0.0)
    if not np.isfinite(scale) or scale <= DEGENERATE:
        return None
    coefficients = _CHEBYSHEV_FIT @ (values / scale)
    if np.abs(coefficients).max() <= 1e-9:
        return None  # identically zero: a curve of solutions
    points = []
    for root in np.polynomial.chebyshev.chebroots(coefficients):
        t = complex(_MIDDLE + _HALF_WIDTH * root)
        if abs(t.imag) > 1e-6 or not -1e-6 <= t.real <= 1 + 1e-6:
            continue
        inner = _three_at(differences, t.real)
        if inner is None:
            return None
        points.extend((w, x, y, t.real) for w, x, y in inner)
    return _polish(differences, np.array(points)) if points else []


def _three_at(differences: list[np.ndarray], t: float) -> list[tuple[float, ...]] | None:
    """The (w, x, y) that :func:`_three` would give at z = t, except that where one of w, x is
    left free by its own equation (0 = 0: numerator and denominator vanish together, which the
    resultant meets at isolated t), it is taken from D_y instead. None: both free (degenerate)."""
    a1, b1, c1, d1 = _affine(_at(differences[0], t))  # D_w(x, y)
    a2, b2, c2, d2 = _affine(_at(differences[1], t))  # D_x(w, y)
    a3, b3, c3, d3 = _affine(_at(differences[2], t))  # D_y(w, x)
    # x = -(a1 + c1 y) / (b1 + d1 y), w = -(a2 + c2 y) / (b2 + d2 y): _three's elimination.
    quadratic = _eliminated(a1, b1, c1, d1, a2, b2, c2, d2, a3, b3, c3, d3)
    if max(map(abs, quadratic)) <= DEGENERATE:
        return None
    found = []
    for y in _real_roots(quadratic):
        if not -DEGENERATE <= y <= 1 + DEGENERATE:
            continue
        wn, wd, xn, xd = -(a2 + c2 * y), b2 + d2 * y, -(a1 + c1 * y), b1 + d1 * y
        w_free, x_free = abs(wn) + abs(wd) <= DEGENERATE, abs(xn) + abs(xd) <= DEGENERATE
        if w_free and x_free:
            return None
        if (not w_free and abs(wd) <= DEGENERATE) or (not x_free and abs(xd) <= DEGENERATE):
            continue  # a pole, not a solution
        if x_free:  # D_y(w, x) = a3 + b3 w + (c3 + d3 w) x
            w = wn / wd
            slope = c3 + d3 * w
            if abs(slope) <= DEGENERATE:
                return None
            found.append((w, -(a3 + b3 * w) / slope, y))
        elif w_free:  # D_y(w, x) = a3 + c3 x + (b3 + d3 x) w
            x = xn / xd
            slope = b3 + d3 * x
            if abs(slope) <= DEGENERATE:
                return None
            found.append((-(a3 + c3 * x) / slope, x, y))
        else:
            found.append((wn / wd, xn / xd, y))
    return found


#: Chebyshev samples of the four-mixer resultant, and its degree (3 rows of degree 3 in t and
#: 2 rows of degree 2 in the 5x5 Sylvester matrix).
_SAMPLES = 40
_RESULTANT_DEGREE = 13
#: The samples lie at the Chebyshev points of [-0.05, 1.05] (t = middle + half-width * cos).
_MIDDLE, _HALF_WIDTH = 0.5, 0.55
_NODES = _MIDDLE + _HALF_WIDTH * np.cos(np.pi * (np.arange(_SAMPLES) + 0.5) / _SAMPLES)
#: Least-squares Chebyshev coefficients of degree 13 from the 40 samples: the same fit for every
#: game, so its pseudo-inverse is computed once (what numpy's Chebyshev.fit solves per call).
_CHEBYSHEV_FIT = np.linalg.pinv(
    np.polynomial.chebyshev.chebvander((_NODES - _MIDDLE) / _HALF_WIDTH, _RESULTANT_DEGREE)
)


def _at(tensor: np.ndarray, t: float) -> np.ndarray:
    """A mixer's indifference tensor with the last mixer's probability fixed at t."""
    return tensor[..., 0] * (1.0 - t) + tensor[..., 1] * t


def _times(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Product of polynomials in y whose coefficients (axis 0, lowest first) are sample rows."""
    result = np.zeros((len(p) + len(q) - 1, *p.shape[1:]))
    for i, row in enumerate(p):
        result[i : i + len(q)] += row * q
    return result


def _resultants(differences: list[np.ndarray], t: np.ndarray) -> np.ndarray:
    """Res_y(Q, R) at every t (see :func:`_four`), all samples at once."""
    at = [
        tensor[None, ..., 0] * (1.0 - t[:, None, None]) + tensor[None, ..., 1] * t[:, None, None]
        for tensor in differences[:3]
    ]
    (a1, b1, c1, d1), (a2, b2, c2, d2), (a3, b3, c3, d3) = (_affine_rows(T) for T in at)
    x_num, x_den = -np.array([a1, c1]), np.array([b1, d1])  # x = x_num(y) / x_den(y)
    w_num, w_den = -np.array([a2, c2]), np.array([b2, d2])  # w = w_num(y) / w_den(y)
    quadratic = (
        a3 * _times(w_den, x_den)
        + b3 * _times(w_num, x_den)
        + c3 * _times(x_num, w_den)
        + d3 * _times(w_num, x_num)
    )
    ones = np.ones_like(t)
    y_factors = (np.array([ones, -ones]), np.array([0 * ones, ones]))  # 1 - y and y
    e = differences[3]  # D_z over (w, x, y)
    cubic = np.zeros((4, len(t)))
    for i, j, k in np.ndindex(2, 2, 2):
        wf = w_num if i else w_den - w_num
        xf = x_num if j else x_den - x_num
        cubic += e[i, j, k] * _times(_times(wf, xf), y_factors[k])
    # Sylvester's matrix of a quadratic f and a cubic g (highest coefficients first).
    matrix = np.zeros((len(t), 5, 5))
    for r in range(3):
        matrix[:, r, r : r + 3] = quadratic[::-1].T
    for r in range(2):
        matrix[:, 3 + r, r : r + 4] = cubic[::-1].T
    return np.linalg.det(matrix)


def _affine_rows(tensor: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`_affine` of a batch of 2x2 tensors (axis 0 the batch)."""
    a = tensor[:, 0, 0]
    return (
        a,
        tensor[:, 1, 0] - a,
        tensor[:, 0, 1] - a,
        tensor[:, 1, 1] - tensor[:, 1, 0] - tensor[:, 0, 1] + a,
    )


def _polish(differences: list[np.ndarray], points: np.ndarray, steps: int = 4) -> list:
    """A few Newton steps on D_p(q_-p) = 0 for every mixer p, from each row of ``points`` at
    once; the points whose Jacobian is singular, or that leave the finite numbers, are dropped."""
    coefficients = monomial_coefficients(differences)
    q = points
    for _ in range(steps):
        residual = monomials(q) @ coefficients.T
        jacobian = np.stack([monomials(q, r) @ coefficients.T for r in range(q.shape[1])], axis=2)
        q = q - _newton_step(jacobian, residual)
    return [tuple(row) for row in q[np.isfinite(q).all(axis=1)]]


def _newton_step(jacobian: np.ndarray, residual: np.ndarray) -> np.ndarray:
    """J⁻¹ F for each point; NaN (the point is dropped) where J is exactly singular."""
    try:
        return np.linalg.solve(jacobian, residual[..., None])[..., 0]
    except np.linalg.LinAlgError:
        steps = np.full_like(residual, np.nan)
        for i, (matrix, vector) in enumerate(zip(jacobian, residual, strict=True)):
            try:
                steps[i] = np.linalg.solve(matrix, vector)
            except np.linalg.LinAlgError:
                continue
        return steps


def monomial_coefficients(differences: list[np.ndarray]) -> np.ndarray:
    """C with D_p(q) = Σ_S C[p, S] Π_{r in S} q_r over subsets S of the k mixers (S a k-bit
    index, mixer 0 the highest bit): the Möbius transform of D_p's corner values (along each
    axis f0 (1 - q) + f1 q = f0 + (f1 - f0) q), zero on the subsets that contain p (D_p does not
    depend on q_p)."""
    k = len(differences)
    transform, columns = _mobius(k)
    coefficients = np.zeros((k, 2**k))
    for p, tensor in enumerate(differences):
        coefficients[p, columns[p]] = transform @ np.asarray(tensor, dtype=float).reshape(-1)
    return coefficients


@cache
def _mobius(k: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The Möbius transform of k - 1 two-action axes, and for each mixer p the subsets (of all
    k mixers) without p, in the order of D_p's axes."""
    transform = np.ones((1, 1))
    for _ in range(k - 1):
        transform = np.kron(transform, np.array([[1.0, 0.0], [-1.0, 1.0]]))
    members = _subset_members(k)
    return transform, [np.flatnonzero(~members[p]) for p in range(k)]


def monomials(q: np.ndarray, derivative: int | None = None) -> np.ndarray:
    """Π_{r in S} q_r for every subset S of the columns of q (rows are points), in the order of
    :func:`monomial_coefficients`; with ``derivative`` = r, their partial derivatives in q_r."""
    k = q.shape[1]
    members = _subset_members(k)
    factors = np.where(members, q[:, :, None], 1.0)
    if derivative is not None:
        factors[:, derivative] = members[derivative]
    return factors.prod(axis=1)


@cache
def _subset_members(k: int) -> np.ndarray:
    """members[r, S]: whether mixer r is in subset S (S a k-bit index, mixer 0 the highest bit)."""
    subsets = np.arange(2**k)
    return np.array([(subsets >> (k - 1 - r)) & 1 for r in range(k)], dtype=bool)


def _real_roots(coefficients: np.ndarray) -> list[float]:
    """Real roots of c0 + c1 z + c2 z² (the degree may drop), without numpy's eigen-solver."""
    c0, c1, c2 = (list(coefficients) + [0.0, 0.0, 0.0])[:3]
    scale = max(abs(c0), abs(c1), abs(c2))
    if abs(c2) <= DEGENERATE * scale:
        return [] if abs(c1) <= DEGENERATE * scale else [-c0 / c1]
    discriminant = c1 * c1 - 4 * c2 * c0
    if discriminant < 0:
        return []
    root = np.sqrt(discriminant)
    # The numerically stable pair (no cancellation between -c1 and the root).
    q = -0.5 * (c1 + np.copysign(root, c1))
    roots = [q / c2]
    if q != 0:
        roots.append(c0 / q)
    return roots


_SOLVERS = {1: _one, 2: _two, 3: _three, 4: _four}
