"""QA regressions: extreme numbers, hostile files and slow paths found by using the package.

Each test names the failure it guards against (a hang, a traceback, a wrong or missing answer).
"""

from __future__ import annotations

import json
import os
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from games.analysis import analyse
from games.catalogue import get_game
from games.ess import evolutionarily_stable_strategies, is_ess, symmetric_equilibria
from games.io import load, read_json, read_nfg, resolve, save, write_json, write_nfg
from games.lp import _exact_simplex, certified_linprog
from games.model import Game, GameError
from games.scaled import scaled_payoffs
from games.security import maxmin

HEADER = '{"format": "marl-tui-game", "version": 1, '


def scaled_copy(game: Game, factor: F) -> Game:
    exact = game.exact_payoffs * factor
    return Game(game.payoffs, actions=game.actions, name=game.name, _exact=exact)


# ----- payoffs of any size ---------------------------------------------------------------------
@pytest.mark.parametrize("factor", [F(10) ** 20, F(10) ** -20, F(7, 3)])
@pytest.mark.parametrize("slug", ["prisoners-dilemma", "travelers-dilemma", "inspection"])
def test_analysis_is_invariant_under_scaling_the_payoffs(slug, factor):
    # Was: payoffs times 1e20 made every LP fail ("payoffs span too many orders of magnitude").
    game = get_game(slug)
    base, scaled = analyse(game).compute(), analyse(scaled_copy(game, factor)).compute()
    assert [(s, v * factor) for s, v in base.maxmin] == list(scaled.maxmin)
    assert scaled.correlated.exact and scaled.correlated.welfare == base.correlated.welfare * factor
    assert [(d.player, d.action, d.strict) for d in scaled.dominated] == [
        (d.player, d.action, d.strict) for d in base.dominated
    ]
    assert scaled.pareto_optimal == base.pareto_optimal
    assert scaled.elimination.surviving == base.elimination.surviving


def test_scaled_payoffs_are_coprime_integers():
    game = Game.from_bimatrix([[F(3, 10**20), 0], [F(6, 10**20), 9]], [[0, 0], [0, 0]])
    scaled = scaled_payoffs(game)
    assert scaled.values[0].tolist() == [[1, 0], [2, 3 * 10**20]]
    assert scaled.unscale(scaled.values[0, 1, 1]) == 9


def test_payoffs_spanning_thirty_orders_of_magnitude_are_analysed_exactly():
    # Was: "cannot compute Player 1's maxmin strategy" -- HiGHS cannot resolve 1e29 next to 1.
    game = Game.from_bimatrix([[1, 10**29], [3, 2]], [[1, 2], [2, 1]])
    strategy, value = maxmin(game, 0)
    # Mixing p on the top row: 3 - 2p against the left column equals 2 + (1e29 - 2)p at p = 1e-29.
    assert strategy == (F(1, 10**29), 1 - F(1, 10**29)) and value == 3 - F(2, 10**29)
    assert analyse(game).compute().correlated.exact


@given(
    st.integers(1, 4).flatmap(
        lambda m: st.integers(1, 4).flatmap(
            lambda n: st.lists(
                st.lists(st.integers(-20, 20), min_size=n, max_size=n), min_size=m, max_size=m
            )
        )
    )
)
def test_exact_simplex_agrees_with_certified_highs_on_maxmin_programs(matrix):
    # The fallback simplex must find the same optimum HiGHS certifies (maxmin LP, security.py).
    M = np.array(matrix, dtype=np.int64)
    k, m = M.shape
    problem = dict(
        c=np.r_[np.zeros(k, dtype=np.int64), 1],
        A_ub=np.c_[-M.T, np.ones(m, dtype=np.int64)],
        b_ub=np.zeros(m, dtype=np.int64),
        A_eq=np.r_[np.ones(k, dtype=np.int64), 0][None, :],
        b_eq=np.ones(1, dtype=np.int64),
        free=[False] * k + [True],
    )
    certified = certified_linprog(**problem, maximize=True)
    minimise = {**problem, "c": -problem["c"]}
    x, value = _exact_simplex(**{k_: v for k_, v in minimise.items()})
    assert certified.exact and -value == certified.objective
    assert sum(x[:k]) == 1 and all(p >= 0 for p in x[:k])
    assert all(sum(x[i] * int(M[i, j]) for i in range(k)) >= x[k] for j in range(m))


def test_exact_simplex_reports_infeasibility():
    # x >= 0, x <= -1 has no solution.
    no_rows, no_rhs = np.zeros((0, 1), dtype=np.int64), np.zeros(0, dtype=np.int64)
    one = np.array([1])
    assert _exact_simplex(one, np.array([[1]]), -one, no_rows, no_rhs, [False]) is None


# ----- hostile JSON ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("payoff", "message"),
    [
        ("1e999999999", "too large"),  # was: a hang building a billion-digit integer
        ('"1e999999999"', "too large"),
        ('"-2.5E-99999999"', "too small"),
        ("1e400", "1e400 is too large"),  # was: the message quoted a 400-digit Fraction
        ("1e-400", "too small"),
        ("9" * 400, "(400 characters)"),
        ('"1/0"', "expected a number"),
        ('"nan"', "expected a number"),
    ],
)
def test_out_of_range_json_numbers_are_refused_with_a_short_message(payoff, message):
    text = HEADER + f'"payoffs": [[[1, {payoff}]], [[1, 2]]]}}'
    with pytest.raises(GameError) as error:
        read_json(text, "g.json")
    assert message in str(error.value) and "payoffs[0][0][1]" in str(error.value)
    assert len(str(error.value)) < 200


def test_deeply_nested_json_is_an_error_not_a_recursion_traceback():
    with pytest.raises(GameError, match="nested too deeply"):
        read_json("[" * 100_000 + "]" * 100_000, "deep.json")
    with pytest.raises(GameError, match="nested too deeply"):
        read_json(HEADER + '"payoffs": ' + "[" * 5000 + "]" * 5000 + "}", "deep.json")


def test_huge_version_number_gives_a_short_message():
    with pytest.raises(GameError, match=r"version: expected a whole number such as 1, got 1e400$"):
        read_json('{"format": "marl-tui-game", "version": 1e400, "payoffs": [[[1]], [[1]]]}', "v")
    assert read_json(HEADER.replace("1,", "1.0,") + '"payoffs": [[[1]], [[2]]]}').payoffs.shape


def test_decimal_json_payoffs_stay_exact():
    game = read_json(HEADER + '"payoffs": [[[0.1, -2.5e-1]], [["1/3", 1e2]]]}')
    assert game.exact_payoffs.reshape(-1).tolist() == [F(1, 10), F(-1, 4), F(1, 3), 100]


@pytest.mark.parametrize("field", ['"name": "a\\ud800b"', '"players": ["x", "\\udfff"]'])
def test_lone_surrogates_are_refused_at_reading(field):
    # Valid JSON, but not a character: the game could be read yet never saved as UTF-8.
    with pytest.raises(GameError, match="surrogate"):
        read_json(HEADER + f'"payoffs": [[[1]], [[2]]], {field}}}', "s.json")


def test_saving_a_game_whose_text_cannot_be_utf8_fails_cleanly(tmp_path: Path):
    path = tmp_path / "g.json"
    path.write_text("keep me")
    with pytest.raises(GameError, match="cannot save"):
        save(Game.symmetric([[1, 2], [3, 4]], name="bad \ud800"), path)
    assert path.read_text() == "keep me" and os.listdir(tmp_path) == ["g.json"]


def test_every_prefix_of_a_game_file_loads_or_raises_game_error():
    game = get_game("battle-of-the-sexes")
    for text, reader in ((write_json(game), read_json), (write_nfg(game), read_nfg)):
        for end in range(len(text)):
            try:
                reader(text[:end], "cut")
            except GameError:
                pass


# ----- hostile .nfg ----------------------------------------------------------------------------
NFG = 'NFG 1 R "x" { "a" "b" } { 2 2 }\n1 2 3 4 5 6 7 '


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1e999999999999", "line 2, column 15: 1e999999999999 is too large"),  # was: a hang
        ("1e-999999999", "too small"),
        ("1e400", "line 2, column 15: 1e400 is too large"),  # was: OverflowError traceback
        ("1/0", "1/0 divides by zero"),
    ],
)
def test_out_of_range_nfg_numbers_are_refused(number, message):
    with pytest.raises(GameError, match=message):
        read_nfg(NFG + number, "g.nfg")


def test_nfg_outcome_count_is_grammatical():
    text = 'NFG 1 R "x" { "a" "b" } { 2 2 }\n{ { "" 1 2 } }\n1 1 1 5'
    with pytest.raises(GameError, match="there is 1 outcome "):
        read_nfg(text, "g.nfg")


def test_big_exact_nfg_payoffs_within_double_range_load():
    game = read_nfg(NFG + "123456789012345678901234567890")
    assert game.exact_payoffs[1, 1, 1] == 123456789012345678901234567890


# ----- catalogue and resolve -------------------------------------------------------------------
def test_catalogue_parameter_with_a_huge_exponent_is_refused_fast():
    with pytest.raises(GameError, match="parameter size: 1e999999999 is too large"):
        get_game("travelers-dilemma:size=1e999999999")
    assert get_game("travelers-dilemma:size=1e1").num_actions == (10, 10)
    assert get_game("public-goods", n_players=np.int64(4)).n_players == 4


def test_unknown_game_message_is_punctuated():
    with pytest.raises(GameError) as error:
        resolve("prisoner")
    assert "'prisoner' is neither a file nor a known game. Did you mean:" in str(error.value)


def test_a_directory_and_an_unreadable_file_are_clear_errors(tmp_path: Path, monkeypatch):
    with pytest.raises(GameError, match="is a folder"):
        load(tmp_path)

    def denied(self):
        raise PermissionError(13, "Permission denied")

    path = tmp_path / "g.json"
    path.write_text("{}")
    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(GameError, match=r"g.json: cannot read the file \(Permission denied\)"):
        load(path)


# ----- evolutionarily stable strategies ------------------------------------------------------
def test_ess_search_skips_unstable_supports():
    # Was: 2^20 support systems, 34 s; the Traveler's Dilemma has only singleton stable supports.
    game = get_game("travelers-dilemma:size=20")
    (ess,) = evolutionarily_stable_strategies(game)
    assert ess[0] == 1 and sum(ess) == 1


@given(
    st.integers(2, 4).flatmap(
        lambda n: st.lists(
            st.lists(st.integers(-3, 3), min_size=n, max_size=n), min_size=n, max_size=n
        )
    )
)
def test_ess_matches_testing_every_symmetric_equilibrium(matrix):
    game = Game.symmetric(matrix)
    A = scaled_payoffs(game).values[0]
    reference = [x for x in symmetric_equilibria(game) if is_ess(A, x)]
    assert sorted(evolutionarily_stable_strategies(game)) == sorted(reference)


def test_json_round_trip_of_a_solved_game_is_parseable():
    from marl_tui.cli.commands.solve import solution_json

    data = json.loads(json.dumps(solution_json(analyse(get_game("hawk-dove")).compute())))
    assert data["analysis"]["ess"] == [["2/3", "1/3"]]
