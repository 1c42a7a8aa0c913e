"""The game model: construction, validation with clear errors, exact payoffs, and edits."""

from fractions import Fraction

import numpy as np
import pytest

from games import Game, GameError, parse_payoff_entry
from games.model import MAX_CELLS, MAX_PLAYERS, to_fraction

PD_A = [[3, 0], [5, 1]]
PD_B = [[3, 5], [0, 1]]


def test_bimatrix_layout_and_defaults():
    game = Game.from_bimatrix(PD_A, PD_B, name="PD")
    assert game.payoffs.shape == (2, 2, 2)
    assert game.payoff((1, 0)) == (5.0, 0.0)
    assert game.players == ("Player 1", "Player 2")
    assert game.actions == (("A1", "A2"), ("A1", "A2"))
    assert not game.payoffs.flags.writeable


def test_constructors_zero_sum_symmetric_common():
    rps = [[0, -1, 1], [1, 0, -1], [-1, 1, 0]]
    assert Game.zero_sum(rps).is_zero_sum
    sym = Game.symmetric(PD_A)
    assert sym.is_symmetric and np.array_equal(sym.B, np.array(PD_B))
    team = Game.common_payoff(np.arange(8).reshape(2, 2, 2))
    assert team.n_players == 3 and np.array_equal(team.payoffs[0], team.payoffs[2])


def test_exact_payoffs_keep_fractions_and_read_floats_as_decimals():
    game = Game.from_bimatrix([["2/3", 0.1]], [[1, Fraction(1, 3)]])
    assert game.exact_payoffs[0, 0, 0] == Fraction(2, 3)
    assert game.exact_payoffs[0, 0, 1] == Fraction(1, 10)
    assert game.payoffs[0, 0, 0] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Game.from_bimatrix([[1, 2], [3]], [[1, 2], [3, 4]]), "inconsistent shapes"),
        (lambda: Game.from_bimatrix([[1, float("nan")]], [[1, 2]]), "finite"),
        (lambda: Game.from_bimatrix([[1, 2]], [[1, 2], [3, 4]]), "same shape"),
        (lambda: Game(np.zeros((3, 2, 2))), "3 players"),
        (lambda: Game(np.zeros((2, 0, 2))), "at least one action"),
        (lambda: Game(np.zeros((MAX_PLAYERS + 1,) + (1,) * (MAX_PLAYERS + 1))), "at most"),
        (lambda: Game(np.zeros((2, MAX_CELLS, 2))), "too large"),
        (lambda: Game.from_bimatrix(PD_A, PD_B, players=("a", "a")), "unique"),
        (lambda: Game.from_bimatrix(PD_A, PD_B, actions=(("C", "D"), ("C",))), "labels"),
        (lambda: Game.from_bimatrix([["x"]], [[1]]), "not a number"),
        (lambda: Game.from_bimatrix([[10**400]], [[1]]), "too large"),
    ],
)
def test_invalid_games_raise_game_error_saying_what(build, message):
    with pytest.raises(GameError, match=message):
        build()


def test_parse_payoff_entry_accepts_what_users_type():
    assert parse_payoff_entry("3,3", 2) == (3, 3)
    assert parse_payoff_entry("3 3", 2) == (3, 3)
    assert parse_payoff_entry(" -1.5, 2 ", 2) == (Fraction(-3, 2), 2)
    assert parse_payoff_entry("2/3, 1, 0", 3) == (Fraction(2, 3), 1, 0)
    assert parse_payoff_entry("(1; 2)", 2) == (1, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [("3", "expected 2 payoffs"), ("3,x", "not a number"), ("1/0, 1", "not a number"),
     ("1e999999999, 1", "exponent out of range"), ("", "expected 2 payoffs")],
)
def test_parse_payoff_entry_errors(text, message):
    with pytest.raises(GameError, match=message):
        parse_payoff_entry(text, 2)


def test_huge_exponents_are_refused_quickly():
    for text in ["1e999999999", "0e99999999", "-5E-99999999"]:
        with pytest.raises(GameError):
            to_fraction(text)


def test_edits_return_new_games_and_keep_exactness():
    game = Game.from_bimatrix(PD_A, PD_B)
    edited = game.with_payoffs((0, 1), ["2/3", -1])
    assert game.payoff((0, 1)) == (0.0, 5.0)
    assert edited.exact_payoffs[0, 0, 1] == Fraction(2, 3)
    grown = edited.with_action_added(1, "Maybe")
    assert grown.num_actions == (2, 3) and grown.actions[1][-1] == "Maybe"
    assert grown.with_action_removed(1, 2) == edited
    renamed = edited.with_action_renamed(0, 0, "Cooperate").with_player_renamed(1, "Bob")
    assert renamed.actions[0][0] == "Cooperate" and renamed.players[1] == "Bob"
    three = edited.with_player_added()
    assert three.payoffs.shape == (3, 2, 2, 1)
    assert three.with_player_removed(2) == edited


def test_invalid_edits_raise_and_leave_the_game_alone():
    game = Game.from_bimatrix([[1]], [[2]])
    with pytest.raises(GameError, match="at least one action"):
        game.with_action_removed(0, 0)
    with pytest.raises(GameError, match="at least two players"):
        game.with_player_removed(0)
    with pytest.raises(GameError, match="no cell"):
        game.with_payoffs((1, 0), [1, 1])
    with pytest.raises(GameError, match="unique"):
        Game.from_bimatrix([[1, 2]], [[1, 2]]).with_action_renamed(1, 0, "A2")
    assert game.payoff((0, 0)) == (1.0, 2.0)


def test_expected_payoffs_of_mixed_profile():
    game = Game.from_bimatrix(PD_A, PD_B)
    assert np.allclose(game.expected_payoffs([[0.5, 0.5], [0.5, 0.5]]), [2.25, 2.25])


BIG = 2**53  # the first integer gap of doubles: 2**53 + 1 is not a double


@pytest.mark.parametrize(
    "build",
    [
        lambda A: Game.from_bimatrix(A, A),
        lambda A: Game.from_bimatrix(np.array(A), np.array(A, dtype=np.uint64)),
        lambda A: Game([A, A]),
        lambda A: Game(np.array([A, A], dtype=np.int64)),
        lambda A: Game.symmetric(np.array(A)),
        lambda A: Game.common_payoff(A),
        lambda A: Game.zero_sum(np.array(A)),
    ],
)
def test_integers_beyond_doubles_are_read_exactly(build):
    game = build([[BIG + 1, BIG], [BIG, BIG + 1]])
    assert game.exact_payoffs[0].tolist() == [[BIG + 1, BIG], [BIG, BIG + 1]]
    assert all(isinstance(v, Fraction) for v in game.exact_payoffs.reshape(-1))


def test_integers_doubles_hold_stay_on_the_fast_path():
    game = Game(np.array([[[BIG, -BIG]], [[1, 2]]], dtype=np.int64))
    assert game._exact is None and game.exact_payoffs[0, 0].tolist() == [BIG, -BIG]
