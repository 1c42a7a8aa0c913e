"""Analysis invariants on random small games (integer payoffs, so ties are frequent)."""

from fractions import Fraction as F
from itertools import product

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from games.analysis import (
    best_responses,
    correlated_equilibrium,
    dominated_actions,
    evolutionarily_stable_strategies,
    maxmin,
    pareto_optimal,
)
from games.correlated import obedience_constraints
from games.model import Game
from games.scaled import player_matrix, scaled_payoffs


@st.composite
def games(draw, max_players: int = 3, max_actions: int = 3, low: int = -3, high: int = 3):
    n = draw(st.integers(2, max_players))
    shape = tuple(draw(st.integers(1, max_actions)) for _ in range(n))
    size = n * int(np.prod(shape))
    values = draw(st.lists(st.integers(low, high), min_size=size, max_size=size))
    return Game(np.array(values, dtype=float).reshape((n, *shape)))


@st.composite
def symmetric_games(draw, max_actions: int = 3):
    k = draw(st.integers(2, max_actions))
    values = draw(st.lists(st.integers(-3, 3), min_size=k * k, max_size=k * k))
    return Game.symmetric(np.array(values, dtype=float).reshape(k, k))


@settings(max_examples=60)
@given(games())
def test_best_responses_agree_with_brute_force(game):
    found = best_responses(game)
    for p in range(game.n_players):
        for cell in game.cells():
            mine = game.payoffs[(p, *cell)]
            alternatives = [
                game.payoffs[(p, *cell[:p], a, *cell[p + 1 :])] for a in range(game.num_actions[p])
            ]
            assert found[(p, *cell)] == (mine == max(alternatives))


@settings(max_examples=40)
@given(games())
def test_correlated_equilibria_obey(game):
    ce = correlated_equilibrium(game)
    values = scaled_payoffs(game).values
    mu = ce.distribution.reshape(-1)
    gains = obedience_constraints(values).dot(mu)
    if ce.exact:
        assert all(g <= 0 for g in gains) and sum(mu) == 1 and min(mu) >= 0
    else:
        scale = max(1, int(np.abs(values).max()))
        assert np.all(gains.astype(float) <= 1e-7 * scale) and abs(sum(mu) - 1) < 1e-9
    # Welfare of the best CE is at least that of every pure Nash equilibrium (each is a CE).
    br = best_responses(game)
    for cell in game.cells():
        if all(br[(p, *cell)] for p in range(game.n_players)):
            assert ce.welfare >= sum(F(v) for v in game.exact_payoffs[(slice(None), *cell)]) - 1e-9


@settings(max_examples=40)
@given(games())
def test_maxmin_strategy_guarantees_its_value_and_no_pure_strategy_does_better(game):
    for p in range(game.n_players):
        strategy, value = maxmin(game, p)
        matrix = player_matrix(game.exact_payoffs, p)
        worst = min(
            sum(F(x) * u for x, u in zip(strategy, column, strict=True)) for column in matrix.T
        )
        assert worst >= value if isinstance(value, F) else worst >= value - 1e-9
        assert all(min(row) <= value for row in matrix)  # the mixture is at least as secure


@settings(max_examples=40)
@given(games(max_players=2))
def test_minimax_theorem_on_random_zero_sum_games(game):
    zero_sum = Game.zero_sum(game.payoffs[0])
    (_, row_value), (_, column_value) = maxmin(zero_sum, 0), maxmin(zero_sum, 1)
    assert row_value == -column_value


@settings(max_examples=40)
@given(games(max_actions=3))
def test_reported_dominations_hold_and_pure_ones_are_all_found(game):
    found = dominated_actions(game, weak=True)
    for d in found:
        labels = game.actions[d.player]
        sigma = [F(0)] * len(labels)
        for label, p in d.dominator:
            sigma[labels.index(label)] = F(p)
        matrix = player_matrix(game.exact_payoffs, d.player)
        gains = [
            sum(s * u for s, u in zip(sigma, column, strict=True)) - column[d.action]
            for column in matrix.T
        ]
        assert all(g > 0 for g in gains) if d.strict else (min(gains) >= 0 and max(gains) > 0)
    reported = {(d.player, d.action) for d in found}
    for p in range(game.n_players):
        matrix = player_matrix(game.exact_payoffs, p)
        for a, b in product(range(len(matrix)), repeat=2):
            diff = matrix[b] - matrix[a]
            if a != b and all(diff >= 0) and any(diff > 0):
                assert (p, a) in reported


@settings(max_examples=40)
@given(games())
def test_pareto_optimal_cells_agree_with_brute_force(game):
    points = {cell: game.payoffs[(slice(None), *cell)] for cell in game.cells()}
    expected = [
        c
        for c, u in points.items()
        if not any(np.all(v >= u) and np.any(v > u) for v in points.values())
    ]
    assert pareto_optimal(game) == expected


@settings(max_examples=40)
@given(symmetric_games())
def test_every_ess_resists_every_mutant(game):
    A = game.exact_payoffs[0]
    k = A.shape[0]
    mutants = [tuple(F(int(i == j)) for i in range(k)) for j in range(k)]
    mutants += [tuple(F(w, sum(ws)) for w in ws) for ws in product(range(3), repeat=k) if sum(ws)]
    for x in evolutionarily_stable_strategies(game):

        def payoff(s, t):
            return sum(s[i] * A[i, j] * t[j] for i in range(k) for j in range(k))

        for y in mutants:
            if y == x:
                continue
            # Maynard Smith: x does strictly better against x, or ties and does better against y.
            assert payoff(x, x) > payoff(y, x) or (
                payoff(x, x) == payoff(y, x) and payoff(x, y) > payoff(y, y)
            )


def _dominated_by_lp(matrix: np.ndarray, action: int) -> bool:
    """Reference: max ε with σ·M[:, c] >= M[a, c] + ε for all c, σ a mixture of the other rows."""
    others = np.delete(matrix, action, axis=0).astype(float).T
    k = others.shape[1]
    result = linprog(
        np.r_[np.zeros(k), -1.0],
        A_ub=np.c_[-others, np.ones(len(others))],
        b_ub=-matrix[action].astype(float),
        A_eq=np.r_[np.ones(k), 0.0][None, :],
        b_eq=[1.0],
        bounds=[(0, None)] * k + [(None, None)],
    )
    return -result.fun > 1e-9


@settings(max_examples=40)
@given(games(max_players=3, max_actions=4))
def test_strictly_dominated_actions_match_a_reference_lp(game):
    reported = {(d.player, d.action) for d in dominated_actions(game)}
    expected = set()
    for p in range(game.n_players):
        matrix = player_matrix(game.payoffs, p)
        if len(matrix) > 1:
            expected |= {(p, a) for a in range(len(matrix)) if _dominated_by_lp(matrix, a)}
    assert reported == expected
