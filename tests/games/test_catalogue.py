"""The catalogue of classic games: every entry builds, the seed games are exact, lookup works."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from games.catalogue import CatalogueEntry, catalogue, find_entry, get_game
from games.model import MAX_CELLS, MAX_PLAYERS, Game, GameError

REQUIRED_SLUGS = {
    "prisoners-dilemma", "coordination", "battle-of-the-sexes", "stag-hunt", "chicken",
    "hawk-dove", "matching-pennies", "rock-paper-scissors", "rpsls", "shapley", "deadlock",
    "harmony", "climbing", "penalty", "non-monotonic", "pure-coordination-3x3",
    "travelers-dilemma", "public-goods", "volunteers-dilemma", "minority",
}  # fmt: skip

ENTRIES = catalogue()


def fractions(rows):
    return np.array([[Fraction(v) for v in row] for row in rows], dtype=object)


def assert_exact(game: Game, player: int, expected) -> None:
    assert np.array_equal(game.exact_payoffs[player], fractions(expected))


# ----- the catalogue as a whole ---------------------------------------------------------------
def test_catalogue_has_the_required_games_and_at_least_twenty():
    slugs = [e.slug for e in ENTRIES]
    assert len(slugs) >= 20
    assert len(set(slugs)) == len(slugs)
    assert REQUIRED_SLUGS <= set(slugs)


def test_catalogue_returns_a_fresh_list():
    first = catalogue()
    first.clear()
    assert len(catalogue()) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.slug)
def test_every_entry_builds_a_valid_documented_game(entry: CatalogueEntry):
    game = entry.build()
    assert isinstance(game, Game)
    assert game.name == entry.name
    assert game.description == entry.description and len(entry.description) > 80
    assert game.source == entry.source and entry.source.strip()
    if entry.n_players is None:
        assert "n_players" in entry.parameters
        assert game.n_players == entry.parameters["n_players"] == 3
    else:
        assert game.n_players == entry.n_players
    assert np.all(np.isfinite(game.payoffs))
    # The float payoffs agree with the exact ones.
    exact = np.vectorize(float)(game.exact_payoffs)
    assert np.array_equal(exact, game.payoffs)
    # Labels are meaningful words, not the model's A1/A2 defaults.
    for labels in game.actions:
        assert not all(label == f"A{k + 1}" for k, label in enumerate(labels))
    assert entry.slug == entry.slug.lower() and " " not in entry.slug


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.slug)
def test_every_entry_is_found_by_slug_name_and_aliases(entry: CatalogueEntry):
    for key in (entry.slug, entry.name, entry.name.upper(), *entry.aliases):
        assert find_entry(key) is entry
        assert get_game(key) == entry.build()


def test_n_player_games_default_to_three_players_with_two_actions():
    n_player = [e for e in ENTRIES if e.n_players is None]
    assert len(n_player) >= 3
    for entry in n_player:
        assert entry.build().num_actions == (2, 2, 2)


# ----- the seed's three games, exactly -----------------------------------------------------------
def test_prisoners_dilemma_is_exactly_the_seed_game():
    game = get_game("prisoners-dilemma")
    assert_exact(game, 0, [[3, 0], [5, 1]])
    assert_exact(game, 1, [[3, 5], [0, 1]])
    assert game.actions == (("Cooperate", "Defect"), ("Cooperate", "Defect"))


def test_coordination_is_exactly_the_seed_game():
    game = get_game("coordination")
    assert_exact(game, 0, [[2, 0], [0, 1]])
    assert_exact(game, 1, [[2, 0], [0, 1]])


def test_battle_of_the_sexes_is_exactly_the_seed_game():
    game = get_game("battle-of-the-sexes")
    # (2,1) (0,0) / (0,0) (1,2)
    assert_exact(game, 0, [[2, 0], [0, 1]])
    assert_exact(game, 1, [[1, 0], [0, 2]])


# ----- other payoffs the brief fixes -----------------------------------------------------------
def test_non_monotonic_game_is_the_qtran_matrix_for_both_agents():
    game = get_game("non-monotonic")
    matrix = [[8, -12, -12], [-12, 0, 0], [-12, 0, 0]]
    assert_exact(game, 0, matrix)
    assert_exact(game, 1, matrix)


def test_climbing_and_penalty_games_follow_claus_and_boutilier():
    climbing = get_game("climbing")
    assert_exact(climbing, 0, [[11, -30, 0], [-30, 7, 6], [0, 0, 5]])
    assert np.array_equal(climbing.payoffs[0], climbing.payoffs[1])
    penalty = get_game("penalty")
    assert_exact(penalty, 1, [[-10, 0, 10], [0, 2, 0], [10, 0, -10]])
    assert_exact(get_game("penalty", k=-100), 0, [[-100, 0, 10], [0, 2, 0], [10, 0, -100]])


def test_zero_sum_and_symmetric_structure_of_classics():
    for slug in ("matching-pennies", "rock-paper-scissors", "rpsls"):
        assert get_game(slug).is_zero_sum
    for slug in ("rock-paper-scissors", "rpsls", "shapley", "stag-hunt", "chicken", "deadlock"):
        assert get_game(slug).is_symmetric
    assert not get_game("shapley").is_zero_sum


def test_rpsls_every_gesture_beats_exactly_two_others():
    A = get_game("rpsls").A
    assert np.all((A == 1).sum(axis=1) == 2)
    assert np.all((A == -1).sum(axis=1) == 2)
    assert np.all(np.diag(A) == 0)


def test_shapley_game_has_no_pure_equilibrium():
    game = get_game("shapley")
    A, B = game.A, game.B
    pure = [
        (i, j) for i in range(3) for j in range(3)
        if A[i, j] == A[:, j].max() and B[i, j] == B[i, :].max()
    ]  # fmt: skip
    assert pure == []


def test_chicken_and_hawk_dove_are_separate_and_findable():
    assert get_game("Chicken").actions[0] == ("Swerve", "Straight")
    assert get_game("Hawk-Dove").actions[0] == ("Hawk", "Dove")
    assert get_game("snowdrift") == get_game("chicken")


def test_hawk_dove_parameters_give_exact_half_payoffs():
    game = get_game("hawk-dove", value=3, cost=4)
    # H vs H: (V - C)/2; H vs D: V; D vs H: 0; D vs D: V/2.
    assert_exact(game, 0, [[Fraction(-1, 2), 3], [0, Fraction(3, 2)]])
    assert game.name == "Hawk-Dove (value=3, cost=4)"


# ----- parameterised games ---------------------------------------------------------------------
def test_travelers_dilemma_size_parameter_and_payoff_rule():
    game = get_game("travelers-dilemma", size=5)
    assert game.num_actions == (5, 5)
    claims = [int(label.split()[-1]) for label in game.actions[0]]
    assert claims == [2, 3, 4, 5, 6]
    for i, mine in enumerate(claims):
        for j, theirs in enumerate(claims):
            expected = mine if mine == theirs else min(mine, theirs) + (2 if mine < theirs else -2)
            assert game.A[i, j] == expected and game.B[j, i] == expected
    assert get_game("travelers-dilemma").num_actions == (4, 4)
    assert get_game("Traveler's Dilemma:size=5") == game


def test_inline_parameters_are_exact_and_combine_with_keywords():
    game = get_game("public-goods:n_players=4,multiplier=1.6")
    assert game.n_players == 4
    # Everyone contributes: each gets multiplier * 4 / 4 = 8/5 exactly.
    assert game.exact_payoffs[(0, 0, 0, 0, 0)] == Fraction(8, 5)
    # Player 1 keeps, the other three contribute: 1 + (8/5) * 3 / 4.
    assert game.exact_payoffs[(0, 1, 0, 0, 0)] == 1 + Fraction(8, 5) * 3 / 4
    assert get_game("public-goods:n_players=4", multiplier="8/5") == game
    assert get_game("public goods", n_players=4, multiplier=Fraction(8, 5)) == game
    assert get_game("PUBLIC-GOODS: n_players = 4 , multiplier = 1.6") == game


def test_public_goods_default_is_a_social_dilemma():
    game = get_game("public-goods")
    everyone_keeps = game.payoffs[(slice(None), 1, 1, 1)]
    everyone_gives = game.payoffs[(slice(None), 0, 0, 0)]
    assert np.all(everyone_gives > everyone_keeps)
    # Keeping is better for player 1 whatever the others do.
    assert np.all(game.payoffs[0, 1] > game.payoffs[0, 0])


def test_volunteers_dilemma_payoffs():
    game = get_game("volunteers-dilemma", n_players=4)
    assert game.num_actions == (2, 2, 2, 2)
    assert game.payoffs[(0, 1, 1, 1, 1)] == 0  # nobody volunteers
    assert game.payoffs[(0, 1, 0, 1, 1)] == 2  # someone else does
    assert game.payoffs[(0, 0, 0, 1, 1)] == 1  # I volunteer: benefit - cost


def test_minority_game_rewards_the_minority_only():
    game = get_game("minority", n_players=5)
    cell = (0, 0, 1, 1, 1)
    assert [game.payoffs[(p, *cell)] for p in range(5)] == [1, 1, 0, 0, 0]
    assert np.all(game.payoffs[(slice(None), 0, 0, 0, 0, 0)] == 0)


def test_n_player_games_scale_to_the_model_limit():
    game = get_game("volunteers-dilemma", n_players=MAX_PLAYERS)
    assert game.n_players == MAX_PLAYERS


# ----- errors ---------------------------------------------------------------------------------
def test_unknown_game_names_close_matches():
    with pytest.raises(GameError, match=r"unknown game 'prisoner dilema'.*Prisoner's Dilemma"):
        get_game("prisoner dilema")
    with pytest.raises(GameError, match="Rock-Paper-Scissors"):
        get_game("rock paper sissors")
    with pytest.raises(GameError, match="unknown game 'zzzz'"):
        get_game("zzzz")


@pytest.mark.parametrize(
    ("key", "params", "message"),
    [
        ("travelers-dilemma", {"sise": 5}, r"no parameter 'sise'.*Did you mean 'size'"),
        ("prisoners-dilemma", {"size": 5}, "has no parameters"),
        ("travelers-dilemma:size=2.5", {}, "must be a whole number, got 2.5"),
        ("travelers-dilemma:size=abc", {}, "expected a number"),
        ("travelers-dilemma:size=1", {}, "at least 2"),
        ("travelers-dilemma:size", {}, "name=value"),
        ("travelers-dilemma:size=3,size=4", {}, "given twice"),
        ("travelers-dilemma:size=3", {"size": 4}, "both in"),
        ("travelers-dilemma:size=100000", {}, f"limit is {MAX_CELLS:,}"),
        ("penalty", {"k": 5}, "0 or negative"),
        ("public-goods", {"n_players": 1}, "between 2 and"),
        ("public-goods", {"n_players": 13}, "between 2 and"),
        ("public-goods", {"n_players": 10**9}, "between 2 and"),
        ("public-goods", {"multiplier": -1}, "must be positive"),
        ("minority", {"n_players": 4}, "odd"),
        ("volunteers-dilemma", {"cost": 3}, "cost < benefit"),
        ("el-farol", {"capacity": 3}, "capacity"),
        ("hawk-dove", {"cost": 0}, "positive"),
        ("hawk-dove", {"value": True}, "expected a number"),
    ],
)
def test_bad_parameters_raise_clear_game_errors(key, params, message):
    with pytest.raises(GameError, match=message):
        get_game(key, **params)


def test_empty_key_is_an_error():
    with pytest.raises(GameError):
        get_game("   ")
