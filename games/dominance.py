"""Dominated actions, by pure and by mixed strategies, and their iterated elimination.

Action a of player p is strictly dominated by a (mixed) strategy σ when σ earns p strictly more
than a against every joint action of the others; weakly dominated when σ earns at least as much
everywhere and strictly more somewhere (Osborne & Rubinstein 1994, Def. 60.1; Fudenberg & Tirole
1991, §2.1). Dominance by mixed strategies is decided by a linear program per action.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from games.lp import certified_linprog
from games.model import Game, GameError
from games.scaled import player_matrix, scaled_payoffs

Number = Fraction | float


@dataclass(frozen=True)
class Domination:
    """Player ``player``'s action ``action`` (index, and ``label``) is dominated by ``dominator``.

    ``dominator`` lists (action label, probability) over its support; one entry for a pure
    dominator. In an elimination, ``action`` indexes the ORIGINAL game's actions.
    """

    player: int
    action: int
    label: str
    dominator: tuple[tuple[str, Number], ...]
    strict: bool
    exact: bool

    @property
    def pure(self) -> bool:
        return len(self.dominator) == 1


@dataclass(frozen=True)
class Elimination:
    """Iterated elimination: the steps in order, the reduced game, and the surviving action indices."""

    steps: tuple[Domination, ...]
    reduced: Game
    surviving: tuple[tuple[int, ...], ...]
    weak: bool

    @property
    def solved(self) -> bool:
        """True when a single joint action survives (the game is dominance solvable)."""
        return all(len(kept) == 1 for kept in self.surviving)


def _pure_dominator(matrix: np.ndarray, action: int, weak: bool) -> int | None:
    """Lowest-index pure action dominating ``action`` for payoff matrix rows=actions (exact ints)."""
    diff = matrix - matrix[action]
    if weak:
        dominating = np.all(diff >= 0, axis=1) & np.any(diff > 0, axis=1)
    else:
        dominating = np.all(diff > 0, axis=1)
    hits = np.flatnonzero(dominating)
    return int(hits[0]) if hits.size else None


def _mixed_dominator(matrix: np.ndarray, action: int, weak: bool) -> tuple[tuple, bool] | None:
    """A mixed strategy over the other rows dominating row ``action``, via an LP; None if none.

    Strict: max ε s.t. Σ_k σ_k M[k, c] >= M[a, c] + ε for all columns c, σ in the simplex;
    dominated iff ε* > 0. Weak: max Σ_c (σ·M[:, c] - M[a, c]) s.t. σ·M[:, c] >= M[a, c];
    dominated iff feasible with a positive optimum (some inequality strict).
    """
    others = [k for k in range(matrix.shape[0]) if k != action]
    if not others:
        return None
    # Payoffs relative to the dominated row (D = M - M[a], subtracting per column keeps every
    # inequality): small numbers even when payoffs are huge, so floats stay well conditioned.
    rows = (matrix[others] - matrix[action]).T  # (columns c, candidate actions k)
    zeros = np.zeros(rows.shape[0], dtype=np.int64)
    m, k = rows.shape
    if weak:
        solution = certified_linprog(
            c=rows.sum(axis=0),
            A_ub=-rows,
            b_ub=zeros,
            A_eq=np.ones((1, k), dtype=np.int64),
            b_eq=np.ones(1, dtype=np.int64),
            maximize=True,
        )
        if solution is None:
            return None
    else:
        solution = certified_linprog(
            c=np.r_[np.zeros(k, dtype=np.int64), 1],
            A_ub=np.c_[-rows, np.ones(m, dtype=np.int64)],
            b_ub=zeros,
            A_eq=np.r_[np.ones(k, dtype=np.int64), 0][None, :],
            b_eq=np.ones(1, dtype=np.int64),
            free=[False] * k + [True],
            maximize=True,
        )
        if solution is None:
            raise GameError("numerical trouble: a dominance linear program reported infeasible")
    gain = solution.objective
    tolerance = 1e-9 * max(1.0, float(np.max(np.abs(rows.astype(float)))))
    if (solution.exact and gain <= 0) or (not solution.exact and gain <= tolerance):
        return None
    sigma = np.zeros(matrix.shape[0], dtype=object)
    for index, p in zip(others, solution.x[:k], strict=True):
        sigma[index] = p
    return tuple(sigma), solution.exact


def _dominations(
    game: Game,
    player: int,
    weak: bool,
    mixed: bool,
    values: np.ndarray,
    known_undominated: frozenset[int] = frozenset(),
    first_only: bool = False,
) -> list[Domination]:
    """Dominated actions of one player; ``known_undominated`` actions skip the linear programs."""
    matrix = player_matrix(values, player)
    labels = game.actions[player]
    found: list[Domination] = []
    if matrix.shape[0] < 2:
        return found  # a lone action has nothing to be dominated by
    not_strictly, not_weakly = _undominated_certificates(matrix)
    certified = {True: not_strictly, False: not_weakly}  # by strictness: shown undominated, no LP needed
    for a in range(matrix.shape[0]):
        if first_only and found:
            break
        # Strongest first: strict by a pure action, strict by a mixture, then the weak ones.
        # Only actions no tried belief certifies as undominated need a linear program.
        for strict in (True, False) if weak else (True,):
            run_lp = mixed and a not in known_undominated and not certified[strict][a]
            hit = _dominator(matrix, a, strict, run_lp)
            if hit is not None:
                found.append(_domination(player, a, labels, hit[0], strict, hit[1]))
                break
    return found


def _dominator(matrix: np.ndarray, action: int, strict: bool, run_lp: bool) -> tuple[tuple, bool] | None:
    """A pure action dominating ``action`` (as a unit mixture), else a mixture from the LP when
    ``run_lp``; with whether it is exact. None when neither is found."""
    pure = _pure_dominator(matrix, action, weak=not strict)
    if pure is not None:
        return _unit(matrix.shape[0], pure), True
    return _mixed_dominator(matrix, action, weak=not strict) if run_lp else None


def _unit(size: int, index: int) -> tuple[Fraction, ...]:
    return tuple(Fraction(int(k == index)) for k in range(size))


def _domination(
    player: int, action: int, labels: tuple[str, ...], sigma: tuple, strict: bool, exact: bool
) -> Domination:
    support = tuple((labels[k], p) for k, p in enumerate(sigma) if p != 0)
    return Domination(player, action, labels[action], support, strict, exact)


_MAX_PAIR_COLUMNS = 64  # beyond this many opponent profiles, skip the pairwise beliefs


def _best_response_to_some(matrix: np.ndarray, beliefs: np.ndarray) -> np.ndarray:
    """For each row: is it a best response to at least one belief (column of ``beliefs``)?"""
    if (
        matrix.dtype != object
        and int(np.abs(matrix).max()) * int(beliefs.sum(axis=0).max()) >= 2**62
    ):
        matrix = matrix.astype(object)  # Python ints: no overflow
    values = matrix.dot(beliefs)  # exact: integer payoffs times integer weights
    return np.any(values == values.max(axis=0), axis=1)


def _undominated_certificates(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Actions proven not strictly / not weakly dominated by a best-response certificate.

    By LP duality an action is strictly dominated iff it is a best response to no belief over
    the opponents' joint actions, and weakly dominated iff to no full-support belief (Pearce
    1984, Lemmas 3 and 4). Trying a few beliefs (pure profiles, pairs, the uniform one, and
    full-support tilts towards each pair) is cheap and spares most linear programs.
    """
    m = matrix.shape[1]
    eye = np.eye(m, dtype=np.int64)
    pairs = (
        [eye[i] + eye[j] for i in range(m) for j in range(i + 1, m)]
        if m <= _MAX_PAIR_COLUMNS
        else []
    )
    strict_beliefs = np.column_stack([*eye, *pairs, np.ones(m, dtype=np.int64)])
    tilt = 4 * m  # full support: every profile keeps weight 1, the tilted ones get 1 + tilt
    full_beliefs = np.column_stack(
        [np.ones(m, dtype=np.int64)] + [1 + tilt * e for e in (*eye, *pairs)]
    )
    return (
        _best_response_to_some(matrix, strict_beliefs),
        _best_response_to_some(matrix, full_beliefs),
    )


def dominated_actions(game: Game, weak: bool = False, mixed: bool = True) -> tuple[Domination, ...]:
    """Every dominated action of every player (one dominator each), players in order.

    With ``weak=False`` only strictly dominated actions; with ``weak=True`` weakly dominated ones
    too (each marked ``strict`` or not). Pure dominators are preferred; with ``mixed=True`` an
    LP finds a mixed dominator for actions no pure strategy dominates.
    """
    values = scaled_payoffs(game).values
    found = []
    for p in range(game.n_players):
        found.extend(_dominations(game, p, weak, mixed, values))
    return tuple(found)


def iterated_elimination(game: Game, weak: bool = False, mixed: bool = True) -> Elimination:
    """Iterated elimination of dominated actions, one action per step.

    Each step removes one dominated action of the current game: the first found by a pure
    dominator (lowest player, then lowest action), else the first found by a mixed one. For
    strict dominance the surviving game does not depend on the order (Gilboa, Kalai & Zemel
    1990); for weak dominance it does, and this order is one choice among several.
    """
    current = game
    surviving = [list(range(k)) for k in game.num_actions]
    # Original indices of actions an LP found undominated in the current game. Removing one of
    # player q's actions keeps q's undominated actions undominated (fewer dominators, same
    # opponents), so only the other players' entries are forgotten.
    undominated: list[set[int]] = [set() for _ in game.num_actions]
    steps = []
    while True:
        step = _first_domination(current, weak, mixed, surviving, undominated)
        if step is None:
            break
        original = surviving[step.player][step.action]
        steps.append(
            Domination(step.player, original, step.label, step.dominator, step.strict, step.exact)
        )
        current = current.with_action_removed(step.player, step.action)
        del surviving[step.player][step.action]
        for p in range(game.n_players):
            if p != step.player:
                undominated[p].clear()
    return Elimination(tuple(steps), current, tuple(tuple(s) for s in surviving), weak)


def _first_domination(
    game: Game,
    weak: bool,
    mixed: bool,
    surviving: list[list[int]],
    undominated: list[set[int]],
) -> Domination | None:
    values = scaled_payoffs(game).values
    # Cheap pure-strategy checks across all players first, then the LPs.
    for p in range(game.n_players):
        if game.num_actions[p] < 2:
            continue
        matrix = player_matrix(values, p)
        for a in range(matrix.shape[0]):
            for strict_only in (True, False) if weak else (True,):
                k = _pure_dominator(matrix, a, weak=not strict_only)
                if k is not None:
                    labels = game.actions[p]
                    return Domination(
                        p, a, labels[a], ((labels[k], Fraction(1)),), strict_only, True
                    )
    if not mixed:
        return None
    for p in range(game.n_players):
        known = frozenset(
            i for i, original in enumerate(surviving[p]) if original in undominated[p]
        )
        found = _dominations(game, p, weak, True, values, known, first_only=True)
        if found:
            return found[0]
        undominated[p].update(surviving[p])
    return None
