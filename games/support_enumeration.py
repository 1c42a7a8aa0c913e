"""Mixed equilibria of n-player games by support enumeration, numerically.

For each support profile (S_1, ..., S_n) a totally mixed equilibrium of the restricted game makes
every player indifferent among their support (Porter, Nudelman, Shoham 2008, "Simple search
methods for finding a Nash equilibrium", Feasibility Program 1):

    u_p(a, σ_-p) = u_p(b, σ_-p)  for all a, b in S_p,    Σ_a σ_p(a) = 1,    σ_p(a) = 0 off S_p.

For n >= 3 these are polynomial equations; they are solved with scipy's MINPACK root finder from
several starting points. Profiles with an action conditionally strictly dominated given the
others' supports are skipped (PNS §3: such an action cannot be played). Every root is then
verified on the whole game (no player gains more than the tolerance by deviating), so results
are numeric equilibria: floats, exact=False, and possibly not all of them. Games where every
player has two actions skip the profiles :func:`games.two_action_supports.feasible_profiles`
rules out (none of them could pass that check) and solve up to four mixers in closed form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from itertools import combinations, islice, product

import numpy as np

from games.deviation import action_values
from games.model import Game, GameError
from games.two_action_supports import (
    feasible_profiles,
    indifference_tensors,
    profile_index,
    solve_profile,
    two_action_gains,
)


def support_profiles(num_actions: tuple[int, ...]) -> Iterator[tuple[tuple[int, ...], ...]]:
    """Every profile of nonempty supports with at least one mixing player, small supports first.

    PNS order: smaller total support first, then more balanced (smaller spread of sizes).
    Generated lazily, size profile by size profile: 12 two-action players have 3^12 profiles,
    and a bounded search reads only the first few thousand.
    """
    sizes = sorted(
        product(*(range(1, a + 1) for a in num_actions)),
        key=lambda k: (sum(k), max(k) - min(k)),
    )
    for size_profile in sizes:
        if max(size_profile) < 2:
            continue
        per_player = [
            combinations(range(a), k) for a, k in zip(num_actions, size_profile, strict=True)
        ]
        yield from product(*per_player)


def conditionally_dominated(payoffs: np.ndarray, supports: tuple[tuple[int, ...], ...]) -> bool:
    """True when some support action is strictly dominated by a pure action of the same player,
    given that the others play only within their supports (PNS §3, conditional dominance)."""
    n = len(supports)
    for p in range(n):
        axes = [range(payoffs.shape[q + 1]) if q == p else supports[q] for q in range(n)]
        restricted = np.moveaxis(payoffs[p][np.ix_(*axes)], p, 0)
        flat = restricted.reshape(restricted.shape[0], -1)
        mine = flat[list(supports[p])]
        if (flat[None, :, :] > mine[:, None, :]).all(axis=2).any():
            return True
    return False


def _strategies(theta: np.ndarray, supports, num_actions) -> list[np.ndarray]:
    """Full strategies from free parameters: the last support action takes the remainder."""
    result, offset = [], 0
    for support, count in zip(supports, num_actions, strict=True):
        sigma = np.zeros(count)
        free = len(support) - 1
        sigma[list(support[:-1])] = theta[offset : offset + free]
        sigma[support[-1]] = 1.0 - theta[offset : offset + free].sum()
        offset += free
        result.append(sigma)
    return result


def _indifference(theta, payoffs, supports, num_actions) -> np.ndarray:
    """Residuals u_p(a) - u_p(last) for a in S_p minus its last action (Feasibility Program 1)."""
    strategies = _strategies(theta, supports, num_actions)
    residuals = []
    for p, support in enumerate(supports):
        if len(support) > 1:
            values = action_values(payoffs[p], strategies, p)
            residuals.extend(values[list(support[:-1])] - values[support[-1]])
    return np.asarray(residuals)


@dataclass(frozen=True)
class SupportSearch:
    """Equilibria found, and how many of the support profiles were searched before stopping."""

    equilibria: list[list[np.ndarray]]
    searched: int
    profiles: int


def numeric_equilibria(
    game: Game,
    tol: float = 1e-9,
    starts: int = 4,
    max_profiles: int = 20_000,
    seed: int = 0,
) -> list[list[np.ndarray]]:
    """Verified mixed equilibria (floats) found on support profiles with a mixing player.

    ``tol`` is relative to the payoff range: a result is kept when no player gains more than
    ``tol * range`` by deviating. Results are deduplicated.
    """
    return search_supports(game, tol, starts, max_profiles, seed).equilibria


def search_supports(
    game: Game,
    tol: float = 1e-9,
    starts: int = 4,
    max_profiles: int = 20_000,
    seed: int = 0,
    closed_form: bool = True,
) -> SupportSearch:
    """:func:`numeric_equilibria`, searching at most ``max_profiles`` support profiles: their
    number grows as 3^n for n two-action players, so the search is bounded by a count (the
    same answer on every machine) and ``searched`` < ``profiles`` says it stopped early.

    Profiles where up to four players each mix two actions are solved in closed form
    (:mod:`games.two_action_supports`); ``closed_form=False`` sends every profile to the root
    finder instead (the general method, kept for comparison)."""
    payoffs = game.payoffs
    num_actions = game.num_actions
    spread = float(payoffs.max()) - float(payoffs.min())  # inf, not a warning, on overflow
    if not np.isfinite(spread):
        raise GameError(
            "payoffs span more than floating point can represent; support enumeration is numeric"
        )
    spread = spread or 1.0
    from scipy.optimize import root  # imported on first use: it takes a second to load

    scaled = (payoffs - payoffs.min()) / spread
    found: list[list[np.ndarray]] = []
    total = _profile_count(num_actions)
    searched = min(max_profiles, total)
    tensors = indifference_tensors(scaled)
    gain = None
    profiles = enumerate(islice(support_profiles(num_actions), searched))
    if all(count == 2 for count in num_actions):
        gain = lambda candidate: max(two_action_gains(tensors, candidate))  # noqa: E731
        profiles = _feasible(feasible_profiles(tensors, tol), searched)
    for index, supports in profiles:
        solved = solve_profile(scaled, supports, tensors) if closed_form else None
        if solved is not None:
            for candidate in solved:
                _keep(found, _clean(candidate, tol), scaled, tol, gain)
            continue
        if conditionally_dominated(scaled, supports):
            continue
        # Each profile draws its starting points from its own seeded stream, so what the root
        # finder finds on one profile never depends on which profiles came before.
        rng = np.random.default_rng((seed, index))
        for theta0 in _starting_points(supports, starts, rng):
            solution = root(
                _indifference, theta0, args=(scaled, supports, num_actions), method="hybr"
            )
            if not solution.success and np.max(np.abs(solution.fun), initial=0.0) > tol:
                continue
            candidate = _clean(_strategies(solution.x, supports, num_actions), tol)
            if not _keep(found, candidate, scaled, tol, gain):
                continue
            if _singular_jacobian(solution.x, (scaled, supports, num_actions)):
                # The root lies on a continuum of equilibria (degenerate game): one point of it
                # is reported, rather than wherever other starting points happen to land.
                break
    return SupportSearch(found, searched, total)


def _feasible(feasible: np.ndarray, searched: int) -> list[tuple[int, tuple]]:
    """The first ``searched`` support profiles of a game of two-action players (with their
    indices in :func:`support_profiles`' order, which seed the root finder), less those that
    :func:`games.two_action_supports.feasible_profiles` rules out."""
    profiles, keys = _two_action_profiles(feasible.ndim)
    chosen = np.flatnonzero(feasible.reshape(-1)[keys[:searched]])
    return [(int(i), profiles[i]) for i in chosen]


@cache
def _two_action_profiles(n: int) -> tuple[list[tuple], np.ndarray]:
    """Every support profile of n two-action players in search order, with its flat index into
    the (3,)*n array of :func:`games.two_action_supports.feasible_profiles`."""
    profiles = list(support_profiles((2,) * n))
    keys = np.array([np.ravel_multi_index(profile_index(s), (3,) * n) for s in profiles])
    return profiles, keys


def _keep(
    found: list,
    candidate: list[np.ndarray] | None,
    payoffs: np.ndarray,
    tol: float,
    gain: Callable[[list[np.ndarray]], float] | None = None,
) -> bool:
    """Add a candidate profile to ``found`` when it is an equilibrium (no deviation gains more
    than ``tol``) not found yet; whether it is an equilibrium. ``gain``: the largest deviation
    gain, when a faster formula than :func:`_gain` applies (every player with two actions)."""
    if candidate is None or (gain(candidate) if gain else _gain(payoffs, candidate)) > tol:
        return False
    if not any(_same(candidate, other, tol) for other in found):
        found.append(candidate)
    return True


def _profile_count(num_actions: tuple[int, ...]) -> int:
    """Number of support profiles with a mixing player: Π(2^a - 1) minus the pure ones."""
    return math.prod(2**a - 1 for a in num_actions) - math.prod(num_actions)


def _singular_jacobian(theta: np.ndarray, args: tuple) -> bool:
    """Whether the indifference system's Jacobian (forward differences) is rank-deficient at a
    root, i.e. the root is not isolated."""
    if theta.size == 0:
        return False
    step = 1e-7
    base = _indifference(theta, *args)
    columns = [(_indifference(theta + step * e, *args) - base) / step for e in np.eye(theta.size)]
    singular_values = np.linalg.svd(np.array(columns).T, compute_uv=False)
    return bool(singular_values.min() <= 1e-6 * max(singular_values.max(), 1.0))


def _starting_points(supports, starts: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Uniform on the supports, then Dirichlet draws (seeded, so results are reproducible)."""
    points = []
    for k in range(starts):
        parts = []
        for support in supports:
            weights = (
                np.full(len(support), 1.0 / len(support))
                if k == 0
                else rng.dirichlet(np.ones(len(support)))
            )
            parts.append(weights[:-1])
        points.append(np.concatenate(parts) if parts else np.zeros(0))
    return points


def _clean(strategies: list[np.ndarray], tol: float) -> list[np.ndarray] | None:
    """Clip round-off negatives to zero and renormalise; None if not a probability profile."""
    if len({len(sigma) for sigma in strategies}) == 1:  # one array for all: fewer numpy calls
        stacked = np.array(strategies)
        if not np.isfinite(stacked).all() or stacked.min() < -tol:
            return None
        stacked[stacked < tol] = 0.0
        return list(stacked / stacked.sum(axis=1, keepdims=True))
    cleaned = []
    for sigma in strategies:
        if not np.all(np.isfinite(sigma)) or sigma.min() < -tol:
            return None
        sigma = np.where(sigma < tol, 0.0, sigma)
        cleaned.append(sigma / sigma.sum())
    return cleaned


def largest_gain(payoffs: np.ndarray, strategies: list[np.ndarray]) -> float:
    """The most any player gains by a unilateral deviation from ``strategies`` (floats): the
    check every reported mixed profile passes; closed form when every player has two actions."""
    if all(count == 2 for count in payoffs.shape[1:]):
        return max(two_action_gains(indifference_tensors(payoffs), strategies))
    return _gain(payoffs, strategies)


def _gain(payoffs: np.ndarray, strategies: list[np.ndarray]) -> float:
    gains = []
    for p in range(len(strategies)):
        values = action_values(payoffs[p], strategies, p)
        gains.append(values.max() - values @ strategies[p])
    return max(gains)


def _same(a: list[np.ndarray], b: list[np.ndarray], tol: float) -> bool:
    return all(np.max(np.abs(x - y)) <= max(tol, 1e-7) for x, y in zip(a, b, strict=True))
