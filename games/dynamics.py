"""Learning dynamics of two-player games: vector fields, rest points and their stability, orbits.

A *system* is a game seen as populations of mixed strategies that move in time:

- two-population (one population per player, the unit square of a 2x2 game, or each player's
  simplex): player 1's mix x faces player 2's mix y, fitness ``A y``; y faces x, fitness ``Bᵀ x``;
- single-population (a symmetric game, B = Aᵀ): one mix x plays against itself, fitness ``A x``.

Three dynamics move a population x with fitness π (Sandholm 2010, *Population Games*, ch. 5-6):

- replicator            ẋ_i = x_i (π_i - x·π)                (Taylor & Jonker 1978)
- best response         ẋ ∈ BR(π) - x                        (Gilboa & Matsui 1991); the
  continuous-time limit of fictitious play; ties split evenly among the best replies
- logit (Boltzmann-Q)   ẋ = softmax(π / T) - x               (Fudenberg & Levine 1998, ch. 4;
  Tuyls et al. 2003): smoothed best response at temperature T

Rest points are classified from the eigenvalues of the Jacobian on the tangent space of the
state space (sink, source, saddle, centre, non-hyperbolic). A replicator centre is confirmed,
not only linearised, when a constant of motion exists (Hofbauer & Sigmund 1998, §11.2 and §7.7):
``H = Σ x*_i log x_i + γ Σ y*_j log y_j`` is conserved iff ``A + γB`` is a sum of a row- and a
column-constant matrix (a rescaled zero-sum game), and ``Σ x*_i log x_i`` in one population iff
``A + Aᵀ`` is (e.g. zero-sum Rock-Paper-Scissors). The best-response field is not differentiable,
so its rest points (exactly the Nash equilibria) are classified by the zero-temperature limit of
the logit linearisation. numpy here; scipy (``solve_ivp``, root finding) is imported only when
used, so ``import games`` stays fast.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations, product

import numpy as np

from games.exact import solve_fractions
from games.model import Game, GameError

DYNAMICS = ("replicator", "best-response", "logit")
POPULATIONS = ("auto", "single", "two")
STABILITIES = ("sink", "source", "saddle", "centre", "non-hyperbolic")
#: Largest number of actions a player may have (rest points enumerate supports: 2^k each).
MAX_ACTIONS = 6
DEFAULT_TEMPERATURE = 0.1
#: Root-finding starts for logit rest points of populations with four or more actions.
LOGIT_STARTS = 200

_MEANING = {
    "sink": "attracting: nearby play converges to it",
    "source": "repelling: nearby play moves away in every direction",
    "saddle": "unstable: attracting along some directions, repelling along others",
    "centre": "neutrally stable: nearby play circles it",
    "non-hyperbolic": "undecided by the linearisation (a zero eigenvalue)",
}


def describe_stability(stability: str) -> str:
    """One line saying in words what a classification means for play near the rest point."""
    return _MEANING[stability]


@dataclass(frozen=True, eq=False)
class System:
    """A game's dynamic: the populations, who faces whom, the rule that moves them.

    ``matrices[p]`` maps the mix of population ``opponents[p]`` to population p's fitness vector.
    ``exact`` holds the same matrices as Fractions (for exact rest points and constants of motion).
    """

    matrices: tuple[np.ndarray, ...]
    opponents: tuple[int, ...]
    dynamic: str
    temperature: float
    exact: tuple[np.ndarray, ...] = field(repr=False)
    labels: tuple[tuple[str, ...], ...] = ()
    names: tuple[str, ...] = ()

    @property
    def single(self) -> bool:
        """One population playing against itself (a symmetric game)."""
        return len(self.matrices) == 1

    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of actions of each population."""
        return tuple(m.shape[0] for m in self.matrices)

    @property
    def dimension(self) -> int:
        """Dimension of the state space (each simplex has one fewer than its actions)."""
        return sum(self.sizes) - len(self.sizes)

    def split(self, state: np.ndarray) -> list[np.ndarray]:
        """A state (or a batch of states, last axis) as one mix per population."""
        bounds = np.cumsum(self.sizes)[:-1]
        return np.split(np.asarray(state, dtype=float), bounds, axis=-1)

    def fitness(self, state: np.ndarray) -> list[np.ndarray]:
        """Each population's vector of payoffs per action against the population it faces."""
        mixes = self.split(state)
        return [mixes[o] @ m.T for m, o in zip(self.matrices, self.opponents, strict=True)]

    def velocity(self, state: np.ndarray) -> np.ndarray:
        """The vector field at a state (or a batch of states along the last axis)."""
        mixes = self.split(state)
        moves = [
            _move(self.dynamic, x, pi, self.temperature)
            for x, pi in zip(mixes, self.fitness(state), strict=True)
        ]
        return np.concatenate(moves, axis=-1)

    def jacobian(self, state: np.ndarray) -> np.ndarray:
        """The Jacobian of the (smooth) field at a state, in full coordinates."""
        if self.dynamic == "best-response":
            raise GameError("the best-response field is not differentiable; it has no Jacobian")
        mixes = self.split(state)
        pis = self.fitness(state)
        offsets = np.concatenate([[0], np.cumsum(self.sizes)])
        J = np.zeros((offsets[-1], offsets[-1]))
        for p, (x, pi, M, o) in enumerate(zip(mixes, pis, self.matrices, self.opponents, strict=True)):
            rows = slice(offsets[p], offsets[p + 1])
            if self.dynamic == "replicator":
                d_own = np.diag(pi - x @ pi) - np.outer(x, pi)
                d_fitness = np.diag(x) - np.outer(x, x)
            else:
                s = _softmax(pi / self.temperature)
                d_own = -np.eye(len(x))
                d_fitness = (np.diag(s) - np.outer(s, s)) / self.temperature
            J[rows, rows] += d_own
            J[rows, offsets[o]: offsets[o + 1]] += d_fitness @ M
        return J

    def tangent_jacobian(self, state: np.ndarray) -> np.ndarray:
        """The Jacobian restricted to the state space's tangent space (sums of each mix fixed)."""
        Q = self.tangent_basis()
        return Q.T @ self.jacobian(state) @ Q

    def tangent_basis(self) -> np.ndarray:
        """Orthonormal basis of the directions that keep every mix summing to 1 (block-diagonal)."""
        blocks = [_simplex_basis(k) for k in self.sizes]
        Q = np.zeros((sum(self.sizes), self.dimension))
        r = c = 0
        for block in blocks:
            Q[r: r + block.shape[0], c: c + block.shape[1]] = block
            r, c = r + block.shape[0], c + block.shape[1]
        return Q

    def uniform(self) -> np.ndarray:
        """Every population mixing uniformly: the centre of the state space."""
        return np.concatenate([np.full(k, 1.0 / k) for k in self.sizes])


def _simplex_basis(k: int) -> np.ndarray:
    """Orthonormal basis (k × k-1) of {v : Σv = 0}."""
    centred = np.eye(k) - 1.0 / k
    basis, _, _ = np.linalg.svd(centred)
    return basis[:, : k - 1]


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = values - values.max(axis=-1, keepdims=True)
    weights = np.exp(shifted)
    return weights / weights.sum(axis=-1, keepdims=True)


def _best_response(pi: np.ndarray) -> np.ndarray:
    """The best replies to a fitness vector, ties split evenly."""
    scale = np.maximum(1.0, np.abs(pi).max(axis=-1, keepdims=True))
    best = pi >= pi.max(axis=-1, keepdims=True) - 1e-12 * scale
    return best / best.sum(axis=-1, keepdims=True)


def _move(dynamic: str, x: np.ndarray, pi: np.ndarray, temperature: float) -> np.ndarray:
    """One population's velocity given its mix and fitness vector (the module docstring's rules)."""
    if dynamic == "replicator":
        return x * (pi - np.sum(x * pi, axis=-1, keepdims=True))
    if dynamic == "logit":
        return _softmax(pi / temperature) - x
    return _best_response(pi) - x


# ----- building a system from a game ---------------------------------------------------------
def system(
    game: Game,
    dynamic: str = "replicator",
    temperature: float = DEFAULT_TEMPERATURE,
    population: str = "auto",
) -> System:
    """The dynamic of a two-player game; ``population`` "auto" is single for symmetric games of
    three or more actions (the simplex), else two (the unit square, or each player's simplex)."""
    if dynamic not in DYNAMICS:
        raise GameError(f"unknown dynamic {dynamic!r}; choose one of {', '.join(DYNAMICS)}")
    if population not in POPULATIONS:
        raise GameError(f"unknown population {population!r}; choose one of {', '.join(POPULATIONS)}")
    if not (isinstance(temperature, int | float) and math.isfinite(temperature) and temperature > 0):
        raise GameError(f"the temperature must be a positive number, got {temperature!r}")
    if game.n_players != 2:
        raise GameError(
            f"learning dynamics are drawn for two-player games; {game.name!r} has {game.n_players}"
        )
    if max(game.num_actions) > MAX_ACTIONS or min(game.num_actions) < 2:
        shape = "x".join(str(k) for k in game.num_actions)
        raise GameError(
            f"learning dynamics need 2 to {MAX_ACTIONS} actions per player; {game.name!r} is {shape}"
        )
    from games.ess import is_symmetric

    symmetric = is_symmetric(game)
    if population == "single" and not symmetric:
        raise GameError(
            f"{game.name!r} is not symmetric (B must be Aᵀ), so it has no single-population dynamic"
        )
    single = population == "single" or (population == "auto" and symmetric and game.num_actions[0] >= 3)
    exact = game.exact_payoffs
    if single:
        return System(
            (game.payoffs[0],), (0,), dynamic, float(temperature), (exact[0],),
            (game.actions[0],), ("Population",),
        )
    return System(
        (game.payoffs[0], game.payoffs[1].T), (1, 0), dynamic, float(temperature),
        (exact[0], exact[1].T), game.actions, game.players,
    )


# ----- rest points ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RestPoint:
    """A rest point of a system: one mix per population, its stability and why.

    ``exact`` holds the position as Fractions when it is known exactly (replicator and
    best-response rest points); ``nash`` says whether it is a Nash equilibrium (a symmetric one
    in a single population); ``conserved`` that a constant of motion proves the orbits closed.
    """

    strategies: tuple[tuple[float, ...], ...]
    stability: str
    nash: bool
    eigenvalues: tuple[complex, ...] = ()
    exact: tuple[tuple[Fraction, ...], ...] | None = None
    conserved: bool = False

    @property
    def state(self) -> np.ndarray:
        return np.concatenate([np.asarray(s, dtype=float) for s in self.strategies])

    @property
    def stable(self) -> bool:
        """Attracting or neutrally stable (sink or centre)."""
        return self.stability in ("sink", "centre")


def rest_points(sys: System) -> tuple[RestPoint, ...]:
    """Every isolated rest point of the system, classified, Nash equilibria first."""
    if sys.dynamic == "replicator":
        found = [_classified(sys, position) for position in _replicator_rest_points(sys)]
    elif sys.dynamic == "best-response":
        found = [_classified_best_response(sys, position) for position in _nash_positions(sys)]
    else:
        found = [_classified(sys, None, state) for state in _logit_rest_states(sys)]
    return tuple(sorted(found, key=lambda r: (not r.nash, tuple(-v for v in r.state))))


def _replicator_rest_points(sys: System) -> list[tuple[tuple[Fraction, ...], ...]]:
    """Exact rest points: on each support profile every used action earns the same (nonsingular
    systems only, so the isolated rest points of a nondegenerate game), plus the Nash equilibria
    from :mod:`games` (which also covers degenerate games' extreme equilibria)."""
    positions = list(_nash_positions(sys))
    supports = [
        [s for size in range(1, k + 1) for s in combinations(range(k), size)] for k in sys.sizes
    ]
    for profile in product(*supports):
        if len({len(s) for s in profile}) != 1:
            continue  # unequal supports: generically no rest point (or a continuum)
        mixes = []
        for p, support in enumerate(profile):
            # population p's support must be indifferent against the opponent's mix on its support
            o = sys.opponents[p]
            mix = _indifferent_mix(sys.exact[p], support, profile[o], sys.sizes[o])
            mixes.append((o, mix))
        if any(m is None for _, m in mixes):
            continue
        position = [None] * len(sys.sizes)
        for o, mix in mixes:
            position[o] = mix
        positions.append(tuple(position))
    return _unique_exact(positions)


def _unique_exact(positions) -> list[tuple[tuple[Fraction, ...], ...]]:
    unique: list[tuple[tuple[Fraction, ...], ...]] = []
    for position in positions:
        key = tuple(tuple(Fraction(v) for v in x) for x in position)
        if key not in unique:
            unique.append(key)
    return unique


def _indifferent_mix(
    matrix: np.ndarray, rows: Sequence[int], support: Sequence[int], size: int
) -> tuple[Fraction, ...] | None:
    """The opponent mix on ``support`` (all positive) making every row in ``rows`` earn the same."""
    k = len(support)
    exact_rows = [[Fraction(matrix[i, j]) for j in support] + [Fraction(-1)] for i in rows]
    exact_rows.append([Fraction(1)] * k + [Fraction(0)])
    rhs = [Fraction(0)] * len(rows) + [Fraction(1)]
    denominator = math.lcm(*(v.denominator for row in exact_rows for v in row))
    ints = [[int(v * denominator) for v in row] for row in exact_rows]
    solution = solve_fractions(ints, [int(v * denominator) for v in rhs])
    if solution is None or any(v <= 0 for v in solution[:k]):
        return None
    mix = [Fraction(0)] * size
    for j, v in zip(support, solution[:k], strict=True):
        mix[j] = v
    return tuple(mix)


def _nash_positions(sys: System) -> list[tuple[tuple[Fraction, ...], ...]]:
    """The Nash equilibria (symmetric ones for a single population), exactly, from :mod:`games`."""
    if sys.single:
        from games.ess import symmetric_equilibria

        game = Game.symmetric(sys.exact[0])
        return [(tuple(x),) for x in symmetric_equilibria(game)]
    from games.equilibria import nash_equilibria

    game = Game.from_bimatrix(sys.exact[0], sys.exact[1].T)
    return [
        tuple(tuple(Fraction(v) for v in s) for s in eq.strategies)
        for eq in nash_equilibria(game)
        if eq.exact
    ]


def is_nash(sys: System, state: np.ndarray, tolerance: float = 1e-9) -> bool:
    """No population gains by moving weight to another action (a symmetric equilibrium if single)."""
    scale = max(1.0, max(float(np.abs(m).max()) for m in sys.matrices))
    for x, pi in zip(sys.split(state), sys.fitness(state), strict=True):
        if pi.max() > x @ pi + tolerance * scale:
            return False
    return True


def _is_nash_exact(sys: System, position: tuple[tuple[Fraction, ...], ...]) -> bool:
    for p, x in enumerate(position):
        y = position[sys.opponents[p]]
        M = sys.exact[p]
        pi = [sum((M[i, j] * y[j] for j in range(len(y))), Fraction(0)) for i in range(len(x))]
        value = sum((x[i] * pi[i] for i in range(len(x))), Fraction(0))
        if max(pi) > value:
            return False
    return True


def classify(eigenvalues: Sequence[complex], tolerance: float) -> str:
    """Stability from the eigenvalues of the linearisation (Hartman-Grobman where hyperbolic)."""
    real = np.real(np.asarray(eigenvalues))
    positive, negative = bool(np.any(real > tolerance)), bool(np.any(real < -tolerance))
    zero_real = bool(np.any(np.abs(real) <= tolerance))
    if positive and negative:
        return "saddle"
    if not zero_real:
        return "source" if positive else "sink"
    if not positive and not negative and np.all(np.abs(np.asarray(eigenvalues)) > tolerance):
        return "centre"
    return "non-hyperbolic"


def _classified(
    sys: System,
    position: tuple[tuple[Fraction, ...], ...] | None,
    state: np.ndarray | None = None,
) -> RestPoint:
    if position is not None:
        state = np.array([float(v) for x in position for v in x])
    J = sys.tangent_jacobian(state)
    eigenvalues = np.linalg.eigvals(J)
    tolerance = 1e-7 * max(1.0, float(np.abs(J).max()))
    stability = classify(eigenvalues, tolerance)
    conserved = (
        stability == "centre"
        and sys.dynamic == "replicator"
        and position is not None
        and constant_of_motion(sys, position) is not None
    )
    nash = _is_nash_exact(sys, position) if position is not None else is_nash(sys, state, 1e-6)
    return RestPoint(
        strategies=tuple(tuple(float(v) for v in x) for x in sys.split(state)),
        stability=stability,
        nash=nash,
        eigenvalues=tuple(complex(v) for v in sorted(eigenvalues, key=lambda z: (z.real, z.imag))),
        exact=position,
        conserved=conserved,
    )


# ----- constants of motion -------------------------------------------------------------------
def constant_of_motion(
    sys: System, position: tuple[tuple[Fraction, ...], ...]
) -> Callable[[np.ndarray], float] | None:
    """``H(state)`` conserved by the replicator dynamic around an interior rest point, or None.

    Two populations: ``d/dt Σ x*_i log x_i = -(x-x*)ᵀA(y-y*)`` and likewise with B, so
    ``H = Σ x*_i log x_i + γ Σ y*_j log y_j`` is constant iff ``A + γB`` vanishes on the tangent
    spaces for some γ > 0; one population: iff ``A + Aᵀ`` does (Hofbauer & Sigmund 1998).
    Decided exactly on the game's Fraction payoffs.
    """
    if sys.dynamic != "replicator" or any(v <= 0 for x in position for v in x):
        return None
    if sys.single:
        A = sys.exact[0]
        if np.any(_centred(A + A.T) != 0):
            return None
        weights = [Fraction(1)]
    else:
        a, b = _centred(sys.exact[0]), _centred(sys.exact[1].T)
        bb = sum((v * v for v in b.reshape(-1)), Fraction(0))
        if bb == 0:
            return None
        gamma = -sum((u * v for u, v in zip(a.reshape(-1), b.reshape(-1), strict=True)), Fraction(0)) / bb
        if gamma <= 0 or np.any(a + gamma * b != 0):
            return None
        weights = [Fraction(1), gamma]
    stars = [np.array([float(v) for v in x]) for x in position]
    factors = [float(w) for w in weights]

    def H(state: np.ndarray) -> float:
        mixes = sys.split(state)
        return float(sum(w * star @ np.log(x) for w, star, x in zip(factors, stars, mixes, strict=True)))

    return H


def _centred(matrix: np.ndarray) -> np.ndarray:
    """``P M P`` with P the centring projection: zero iff M = row constants + column constants."""
    M = np.asarray(matrix, dtype=object)
    m, n = M.shape
    rows = [sum(M[i, :], Fraction(0)) / n for i in range(m)]
    cols = [sum(M[:, j], Fraction(0)) / m for j in range(n)]
    total = sum(rows, Fraction(0)) / m
    out = np.empty((m, n), dtype=object)
    for i in range(m):
        for j in range(n):
            out[i, j] = Fraction(M[i, j]) - rows[i] - cols[j] + total
    return out


# ----- best response: the zero-temperature limit of the logit linearisation --------------------
def _classified_best_response(sys: System, position: tuple[tuple[Fraction, ...], ...]) -> RestPoint:
    """Stability of a Nash equilibrium under the (non-differentiable) best-response dynamic.

    Best response is logit at T -> 0. Near the equilibrium the logit field's Jacobian is
    ``-I + C/T`` with C the coupling ``(diag(x*) - x*x*ᵀ) M`` of each population to the one it
    faces, so as T -> 0 an eigenvalue μ of C with Re μ > 0 gives a repelling direction and every
    other one (Re μ <= 0, or unused actions: μ = 0) an attracting one at rate about 1.
    This gives the classical answers: strict equilibria and zero-sum interiors attract (Hofbauer
    & Sorin 2006), Stag Hunt's mixed equilibrium is a saddle, Shapley's game's is unstable.
    """
    state = np.array([float(v) for x in position for v in x])
    mixes = sys.split(state)
    offsets = np.concatenate([[0], np.cumsum(sys.sizes)])
    C = np.zeros((offsets[-1], offsets[-1]))
    for p, (x, M, o) in enumerate(zip(mixes, sys.matrices, sys.opponents, strict=True)):
        C[offsets[p]: offsets[p + 1], offsets[o]: offsets[o + 1]] += (np.diag(x) - np.outer(x, x)) @ M
    Q = sys.tangent_basis()
    coupling = np.linalg.eigvals(Q.T @ C @ Q)
    tolerance = 1e-7 * max(1.0, float(np.abs(C).max()))
    unstable = np.real(coupling) > tolerance
    if unstable.all():
        stability = "source"
    elif unstable.any():
        stability = "saddle"
    else:
        stability = "sink"
    return RestPoint(
        strategies=tuple(tuple(float(v) for v in x) for x in position),
        stability=stability,
        nash=True,
        exact=position,
    )


# ----- logit: rest points by root finding in log-odds ----------------------------------------
def _logit_rest_states(sys: System) -> list[np.ndarray]:
    """Fixed points x = softmax(π(x)/T). In log-odds u against the last action the condition is
    ``u = D π / T`` (D: differences to the last action), smooth and bounded, solved from a grid
    of starts (a sample of them beyond three actions, so rest points may be missed there;
    complete by bracketing when the first population has two actions)."""
    from scipy.optimize import brentq, root

    k = sys.sizes[0]
    spread = max(float(np.ptp(m)) for m in sys.matrices) / sys.temperature
    bound = spread + 1.0

    def residual(u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        x = _softmax(np.concatenate([u, np.zeros((*u.shape[:-1], 1))], axis=-1))
        pi = sys.fitness(_state_from_first(sys, x))[0]
        return u - (pi[..., :-1] - pi[..., -1:]) / sys.temperature

    roots: list[np.ndarray] = []
    if k == 2:
        grid = np.linspace(-bound, bound, 4001)[:, None]
        values = residual(grid)[:, 0]
        roots += [grid[i] for i in np.flatnonzero(values[:-1] == 0)]
        for i in np.flatnonzero(values[:-1] * values[1:] < 0):
            u = brentq(lambda v: residual(np.array([v]))[0], grid[i, 0], grid[i + 1, 0], xtol=1e-13)
            roots.append(np.array([u]))
    else:
        if k <= 3:
            axis = np.linspace(-bound, bound, 9)
            starts = [np.array(start) for start in product(*[axis] * (k - 1))]
        else:  # a grid would grow as 9^(k-1): a fixed sample of starts instead
            starts = list(np.random.default_rng(0).uniform(-bound, bound, (LOGIT_STARTS, k - 1)))
        for start in starts:
            solution = root(residual, np.array(start), method="hybr", tol=1e-12)
            if solution.success and np.abs(residual(solution.x)).max() < 1e-8:
                roots.append(solution.x)
    states: list[np.ndarray] = []
    for u in roots:
        state = _state_from_first(sys, _softmax(np.append(u, 0.0)))
        if all(np.abs(state - s).max() > 1e-7 for s in states):
            states.append(state)
    return states


def _state_from_first(sys: System, x: np.ndarray) -> np.ndarray:
    if sys.single:
        return x
    y = _softmax(x @ sys.matrices[1].T / sys.temperature)
    return np.concatenate([x, y], axis=-1)


# ----- trajectories --------------------------------------------------------------------------
def trajectory(
    sys: System, start: np.ndarray, duration: float = 20.0, samples: int = 200
) -> tuple[np.ndarray, np.ndarray]:
    """Times and states (one row each) of the orbit from ``start``, by ``solve_ivp``.

    Smooth fields use DOP853 at tight tolerances (so conserved quantities stay conserved); the
    best-response field jumps where the best reply changes, so its steps are kept short.
    """
    from scipy.integrate import solve_ivp

    start = np.asarray(start, dtype=float)
    if start.shape != (sum(sys.sizes),):
        raise GameError(f"a state of this system has {sum(sys.sizes)} entries, got {start.shape}")
    if np.any(start < -1e-12) or any(abs(x.sum() - 1) > 1e-9 for x in sys.split(start)):
        raise GameError("a start must be one probability vector per population")
    times = np.linspace(0.0, duration, max(2, samples))
    if sys.dynamic == "best-response":
        return times, _best_response_path(sys, start, times)
    result = solve_ivp(
        lambda _t, z: sys.velocity(z), (0.0, duration), start, t_eval=times,
        method="DOP853", rtol=1e-10, atol=1e-12,
    )
    if not result.success:
        raise GameError(f"the trajectory could not be integrated: {result.message}")
    return result.t, result.y.T


def _best_response_path(sys: System, start: np.ndarray, times: np.ndarray, step: float = 0.02):
    """The best-response orbit by exact exponential steps: while the best replies b stay fixed,
    ``x(t+h) = b + (x(t) - b) e^{-h}`` solves ẋ = b - x exactly (an adaptive integrator would stall
    on the jumps of the field where the best reply changes)."""
    states = np.empty((len(times), len(start)))
    state, now = start.copy(), 0.0
    for i, target in enumerate(times):
        while now < target - 1e-12:
            h = min(step, target - now)
            best = state + sys.velocity(state)
            state = best + (state - best) * math.exp(-h)
            now += h
        states[i] = state
    return states
