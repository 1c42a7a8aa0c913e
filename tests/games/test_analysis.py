"""Game analysis against hand-checked textbook results."""

from fractions import Fraction as F

import numpy as np
import pytest

from games.analysis import (
    analyse,
    best_responses,
    correlated_equilibrium,
    dominated_actions,
    evolutionarily_stable_strategies,
    iterated_elimination,
    maxmin,
    pareto_optimal,
    price_of_anarchy,
    price_of_stability,
    welfare_maximising,
    zero_sum_value,
)
from games.catalogue import get_game
from games.correlated import obedience_constraints
from games.equilibria import solve
from games.model import Game, GameError
from games.scaled import scaled_payoffs

CD = ("Cooperate", "Defect")


def prisoners_dilemma() -> Game:
    return Game.symmetric([[3, 0], [5, 1]], actions=(CD, CD), name="PD")


# ----- best responses ------------------------------------------------------------------------
def test_best_responses_of_prisoners_dilemma():
    br = best_responses(prisoners_dilemma())
    assert br[0].tolist() == [[False, False], [True, True]]  # row: Defect against both
    assert br[1].tolist() == [[False, True], [False, True]]


def test_best_responses_detect_fraction_ties_exactly():
    # 1/3 and 2/6 are the same number; 0.1 + 0.2 == 0.3 exactly as decimals, not as floats.
    game = Game.from_bimatrix([["1/3", 0], ["2/6", 1]], [[0, 0], [0, 0]])
    assert best_responses(game)[0][:, 0].tolist() == [True, True]
    tie = Game.from_bimatrix([[0.1, 0.3]], [[0.2, 0.0]])
    assert welfare_maximising(tie) == [(0, 0), (0, 1)]


# ----- dominance -----------------------------------------------------------------------------
def test_defect_strictly_dominates_cooperate():
    found = dominated_actions(prisoners_dilemma())
    assert [(d.player, d.label, d.dominator, d.strict) for d in found] == [
        (0, "Cooperate", (("Defect", F(1)),), True),
        (1, "Cooperate", (("Defect", F(1)),), True),
    ]


def test_iterated_elimination_solves_tadelis_3x3():
    # Tadelis (2013), Game Theory: An Introduction, §4.1: IESDS leaves (U, L).
    A = [[4, 5, 6], [2, 8, 3], [3, 9, 2]]
    B = [[3, 1, 2], [1, 4, 6], [0, 6, 8]]
    game = Game.from_bimatrix(A, B, actions=(("U", "M", "D"), ("L", "C", "R")))
    result = iterated_elimination(game)
    assert [(s.player, s.label, s.dominator[0][0]) for s in result.steps] == [
        (1, "C", "R"),
        (0, "M", "U"),
        (0, "D", "U"),
        (1, "R", "L"),
    ]
    assert result.solved and result.surviving == ((0,), (0,))
    assert result.reduced.actions == (("U",), ("L",))
    assert all(s.strict and s.pure for s in result.steps)


def test_action_dominated_only_by_a_mixed_strategy():
    # Bottom earns 1 against both columns; no pure row beats it everywhere, but ½T + ½M earns 3/2.
    game = Game.from_bimatrix(
        [[3, 0], [0, 3], [1, 1]], [[1, 0], [0, 1], [0, 0]], actions=(("T", "M", "B"), ("L", "R"))
    )
    assert dominated_actions(game, mixed=False) == ()
    (found,) = dominated_actions(game)
    assert (found.player, found.label, found.strict, found.exact) == (0, "B", True, True)
    assert dict(found.dominator) == {"T": F(1, 2), "M": F(1, 2)}
    assert not found.pure
    # Once B is gone nothing else is dominated.
    assert [s.label for s in iterated_elimination(game).steps] == ["B"]


def test_weak_dominance_is_reported_and_marked():
    # Row B ties T against L and loses against R: weakly, not strictly, dominated; likewise R
    # ties L against B and loses against T.
    game = Game.from_bimatrix([[1, 1], [1, 0]], [[1, 0], [1, 1]], actions=(("T", "B"), ("L", "R")))
    assert dominated_actions(game) == ()
    weak = dominated_actions(game, weak=True)
    assert [(d.player, d.label, d.strict) for d in weak] == [(0, "B", False), (1, "R", False)]
    result = iterated_elimination(game, weak=True)
    assert [(s.label, s.strict) for s in result.steps] == [("B", False), ("R", True)]
    assert result.weak
    assert result.surviving == ((0,), (0,))
    assert iterated_elimination(game).steps == ()


def test_weak_dominance_by_a_mixed_strategy():
    # C ties ½A + ½B against L and M and loses against R; no pure action weakly dominates C and
    # no mixture strictly does (it would need p > 1/2 and 1 - p > 1/2).
    game = Game.from_bimatrix(
        [[2, 0, 1], [0, 2, 1], [1, 1, 0]],
        np.zeros((3, 3)),
        actions=(("A", "B", "C"), ("L", "M", "R")),
    )
    assert dominated_actions(game) == ()
    assert dominated_actions(game, weak=True, mixed=False) == ()
    (weak,) = dominated_actions(game, weak=True)
    assert (weak.player, weak.label, weak.strict) == (0, "C", False)
    assert dict(weak.dominator) == {"A": F(1, 2), "B": F(1, 2)}


def test_strict_dominance_by_a_mixture_outranks_weak_dominance_by_a_pure_action():
    # A weakly dominates C (ties against R), but mixtures of A and B beat C = (1, 0) strictly;
    # the LP maximises the smallest margin min(3σ_A - 1, 3σ_B), so σ_A = 2/3.
    game = Game.from_bimatrix(
        [[3, 0], [0, 3], [1, 0]], np.zeros((3, 2)), actions=(("A", "B", "C"), ("L", "R"))
    )
    (found,) = [d for d in dominated_actions(game, weak=True) if d.player == 0]
    assert found.label == "C" and found.strict
    assert dict(found.dominator) == {"A": F(2, 3), "B": F(1, 3)}


def test_huge_and_fractional_payoffs_stay_exact():
    big = 10**30
    game = Game.from_bimatrix(
        [[big, F(1, 3)], [big + 1, F(1, 7)], [big - 1, F(2, 5)]], [[0, 1], [0, 1], [0, 1]]
    )
    assert best_responses(game)[0][:, 0].tolist() == [False, True, False]
    assert [d.label for d in dominated_actions(game, weak=True) if d.player == 0] == []
    assert [d.label for d in dominated_actions(game, weak=True) if d.player == 1] == ["A1"]
    assert pareto_optimal(game) == [(1, 0), (2, 1)]  # (2, 1) = (2/5, 1) beats (0, 1) = (1/3, 1)


# ----- outcomes ------------------------------------------------------------------------------
def test_prisoners_dilemma_outcomes_and_price_of_anarchy():
    pd = prisoners_dilemma()
    solution = solve(pd)
    assert [eq.strategies for eq in solution.equilibria] == [((0, 1), (0, 1))]
    pareto = pareto_optimal(pd)
    assert (1, 1) not in pareto  # the unique equilibrium is Pareto-dominated by (C, C)
    assert pareto == [(0, 0), (0, 1), (1, 0)]
    assert welfare_maximising(pd) == [(0, 0)]
    poa = price_of_anarchy(pd, solution)
    assert poa.value == F(3) and poa.optimum == 6 and poa.equilibrium_welfare == 2
    assert price_of_stability(pd).value == F(3)


def test_pareto_set_keeps_ties_and_drops_dominated_cells():
    game = Game.from_bimatrix([[2, 2, 0], [1, 3, 2]], [[2, 2, 0], [1, 0, 1]])
    # (0,0) and (0,1) tie at (2,2), which dominates (1,0), (0,2) and (1,2); (1,1) = (3,0) trades off.
    assert pareto_optimal(game) == [(0, 0), (0, 1), (1, 1)]


def test_price_of_stability_differs_from_anarchy_in_coordination():
    game = Game.symmetric([[2, 0], [0, 1]])
    solution = solve(game)
    # Equilibria: (A1,A1) welfare 4, (A2,A2) welfare 2, mixed (1/3,2/3) welfare 4/3.
    assert price_of_stability(game, solution).value == 1
    assert price_of_anarchy(game, solution).value == F(4) / F(4, 3)


def test_price_of_anarchy_undefined_without_positive_welfare():
    pennies = Game.zero_sum([[1, -1], [-1, 1]])
    ratio = price_of_anarchy(pennies)
    assert ratio.value is None and "positive" in ratio.reason


# ----- security ------------------------------------------------------------------------------
def test_maxmin_of_matching_pennies():
    pennies = Game.zero_sum([[1, -1], [-1, 1]])
    for player in (0, 1):
        assert maxmin(pennies, player) == ((F(1, 2), F(1, 2)), F(0))


def test_zero_sum_value_of_rock_paper_scissors():
    rps = get_game("rock-paper-scissors")
    result = zero_sum_value(rps)
    third = (F(1, 3),) * 3
    assert (result.value, result.row_strategy, result.column_strategy) == (0, third, third)


def test_zero_sum_value_of_an_asymmetric_game():
    # Von Neumann's classic: rows (2,-1), (-1,1) -> value 1/5 with x = (2/5, 3/5).
    result = zero_sum_value(Game.zero_sum([[2, -1], [-1, 1]]))
    assert result.value == F(1, 5)
    assert result.row_strategy == (F(2, 5), F(3, 5)) and result.column_strategy == (
        F(2, 5),
        F(3, 5),
    )


def test_zero_sum_value_refuses_other_games():
    with pytest.raises(GameError, match="not zero-sum"):
        zero_sum_value(prisoners_dilemma())
    with pytest.raises(GameError, match="two-player"):
        zero_sum_value(get_game("public-goods"))


def test_maxmin_in_three_player_game_guards_against_joint_deviation():
    # Player 1 wins 1 unless both others pick the same action as theirs... a 2x2x2 game.
    payoffs = np.zeros((3, 2, 2, 2))
    for cell in np.ndindex(2, 2, 2):
        payoffs[(0, *cell)] = 1 if cell[1] != cell[2] or cell[0] != cell[1] else 0
    strategy, value = maxmin(Game(payoffs), 0)
    assert value == F(1, 2) and strategy == (F(1, 2), F(1, 2))


# ----- correlated equilibria -----------------------------------------------------------------
def test_chicken_welfare_maximising_correlated_equilibrium_beats_every_nash():
    # Aumann (1974)'s Chicken: (6,6) (2,7) / (7,2) (0,0).
    chicken = Game.symmetric([[6, 2], [7, 0]], actions=(("Chicken", "Dare"),) * 2)
    ce = correlated_equilibrium(chicken)
    assert ce.exact and ce.welfare == F(21, 2)
    assert ce.distribution.tolist() == [[F(1, 2), F(1, 4)], [F(1, 4), 0]]
    nash_welfare = [sum(eq.payoffs) for eq in solve(chicken).equilibria]
    assert sorted(nash_welfare) == [9, 9, F(28, 3)]
    assert all(ce.welfare > w for w in nash_welfare)
    worst = correlated_equilibrium(chicken, objective="min-welfare")
    assert worst.welfare <= min(nash_welfare)


def test_correlated_equilibrium_of_a_three_player_game_is_obedient():
    game = get_game("volunteers-dilemma")
    ce = correlated_equilibrium(game)
    values = scaled_payoffs(game).values
    mu = ce.distribution.reshape(-1)
    assert all(v <= 0 for v in obedience_constraints(values).dot(mu))
    assert sum(mu) == 1 and ce.welfare == sum(ce.payoffs)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("side", [7, 8])
def test_correlated_equilibrium_of_full_precision_float_games(seed, side):
    # Over a common denominator these payoffs are integers near 1e19: the LP must be solved on
    # rows scaled to [-1, 1], or HiGHS reports it infeasible.
    rng = np.random.default_rng(seed)
    game = Game.from_bimatrix(*rng.uniform(-1, 1, (2, side, side)))
    best = correlated_equilibrium(game)
    worst = correlated_equilibrium(game, objective="min-welfare")
    nash_welfare = [float(sum(eq.payoffs)) for eq in solve(game).equilibria]
    for ce in (best, worst):
        mu = np.asarray(ce.distribution, dtype=float).reshape(-1)
        assert mu.min() >= 0 and abs(mu.sum() - 1) < 1e-12
        assert obedience_constraints(game.payoffs).dot(mu).max() <= 1e-7
    # Every Nash equilibrium is a correlated one (its product distribution is obedient).
    assert float(best.welfare) >= max(nash_welfare) - 1e-7
    assert float(worst.welfare) <= min(nash_welfare) + 1e-7


def test_unknown_objective_is_rejected():
    with pytest.raises(GameError, match="objective"):
        correlated_equilibrium(prisoners_dilemma(), objective="fairness")


# ----- evolutionary stability ----------------------------------------------------------------
def test_hawk_dove_has_the_mixed_ess():
    V, C = 2, 4
    hawk_dove = Game.symmetric([[F(V - C, 2), V], [0, F(V, 2)]])
    assert evolutionarily_stable_strategies(hawk_dove) == ((F(1, 2), F(1, 2)),)
    # The catalogue's version: a share V/C of hawks.
    catalogue = get_game("hawk-dove", value=4, cost=6)
    assert evolutionarily_stable_strategies(catalogue) == ((F(2, 3), F(1, 3)),)


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        ([[3, 0], [5, 1]], [(0, 1)]),  # Prisoner's Dilemma: Defect
        ([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], []),  # RPS: the uniform NE is neutral, no ESS
        ([[2, 0], [0, 1]], [(1, 0), (0, 1)]),  # coordination: both conventions
        ([[1, 1], [1, 0]], [(1, 0)]),  # second-order condition: tie against A1, wins against A2
        ([[1, 1], [1, 1]], []),  # everything neutral
        # Zeeman (1980): the interior equilibrium (1/3, 1/3, 1/3) attracts the replicator
        # dynamics yet is no ESS (z = (1, 0, -1) gives zᵀAz = 5 > 0); the pure A1 is an ESS.
        ([[0, 6, -4], [-3, 0, 5], [-1, 3, 0]], [(1, 0, 0)]),
    ],
)
def test_ess_of_classic_symmetric_games(matrix, expected):
    found = evolutionarily_stable_strategies(Game.symmetric(matrix))
    assert sorted(found) == sorted(tuple(F(v) for v in x) for x in expected)


def test_ess_refuses_asymmetric_games():
    with pytest.raises(GameError, match="symmetric"):
        evolutionarily_stable_strategies(get_game("battle-of-the-sexes"))


# ----- the bundle ----------------------------------------------------------------------------
def test_analyse_bundles_everything_for_prisoners_dilemma():
    analysis = analyse(prisoners_dilemma()).compute()
    assert analysis.solution.pure == ((1, 1),)
    assert analysis.elimination.solved
    assert analysis.ess == ((F(0), F(1)),)
    assert analysis.zero_sum is None
    assert analysis.price_of_anarchy.value == 3
    assert [v for _, v in analysis.maxmin] == [1, 1]


def test_analyse_handles_n_player_games():
    analysis = analyse(get_game("public-goods", n_players=4)).compute()
    assert analysis.ess is None and analysis.zero_sum is None
    assert analysis.best_responses.shape == (4, 2, 2, 2, 2)
    assert analysis.elimination.solved  # contributing is strictly dominated when multiplier < n
    assert analysis.correlated.distribution.shape == (2, 2, 2, 2)


def test_analyse_reuses_a_given_solution():
    pd = prisoners_dilemma()
    solution = solve(pd)
    assert analyse(pd, solution).solution is solution


# ----- one failing part never hides the others ------------------------------------------------
def test_a_failing_part_is_recorded_and_the_rest_computed(monkeypatch):
    import games.analysis as analysis_module

    def fail(*args, **kwargs):
        raise GameError("the LP gave up")

    monkeypatch.setattr(analysis_module, "correlated_equilibrium", fail)
    monkeypatch.setattr(analysis_module, "solve", fail)
    analysis = analyse(prisoners_dilemma()).compute()
    assert analysis.failures == {
        "solution": "the LP gave up",
        "correlated": "the LP gave up",
        "price_of_anarchy": "needs the solution, which failed: the LP gave up",
        "price_of_stability": "needs the solution, which failed: the LP gave up",
    }
    assert analysis.failure("maxmin", "correlated") == "the LP gave up"
    assert analysis.failure("maxmin") is None
    assert analysis.pareto_optimal and analysis.elimination.solved and len(analysis.maxmin) == 2
