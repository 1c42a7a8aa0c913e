"""Class games defined by a payoff rule: payoffs, equilibria checked by every deviation, levels."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from games import GameError
from games.aggregate import guess_average, linear_public_goods
from games.catalogue import class_games, find_entry, get_class_game, get_game


def test_guess_two_thirds_winner_and_ties():
    game = guess_average()
    assert game.target([0, 50, 100]) == Fraction(100, 3)
    assert game.winners([0, 50, 100]) == [1]
    assert game.exact_payoffs([0, 50, 100]) == (0, 1, 0)
    # 20 and 40: mean 30, target 20; 20 is nearest. Two equal guesses share the prize.
    assert game.exact_payoffs([20, 40, 20]) == (Fraction(1, 2), 0, Fraction(1, 2))


def test_public_goods_payoffs_follow_the_rule():
    game = linear_public_goods(group_size=4, multiplier=Fraction(8, 5))
    # pot 20 * 1.6 = 32, 8 each; the free rider keeps 10.
    assert game.exact_payoffs([0, 10, 5, 5]) == (18, 8, 13, 13)


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_equilibria_are_exactly_the_profiles_no_one_leaves(n):
    """Brute force over the full payoff rule agrees with the deviation shortcut."""
    for game in (guess_average(high=12), linear_public_goods(group_size=n, endowment=6)):
        expected = []
        for x in range(game.n_actions):
            stay = game.exact_payoffs([x] * n)[0]
            if all(game.exact_payoffs([y] + [x] * (n - 1))[0] <= stay
                   for y in range(game.n_actions)):
                expected.append(x)
        assert game.symmetric_equilibria(n) == expected


def test_zero_is_the_equilibrium_of_both_class_games():
    assert guess_average().symmetric_equilibria(3) == [0]
    # On whole numbers a large class may also rest at 1: 2/3 of 1 is nearer 1 than 0 is.
    assert guess_average().symmetric_equilibria(30) == [0, 1]
    pg = linear_public_goods()
    assert pg.symmetric_equilibria(4) == [0]
    assert pg.equilibrium_payoff(4) == 10
    assert pg.social_optimum(4) == (10, 16)


def test_levels_of_reasoning():
    assert guess_average().levels(4) == [50, Fraction(100, 3), Fraction(200, 9), Fraction(400, 27)]
    assert linear_public_goods().levels(3) == [5, 0, 0]


@given(st.lists(st.integers(0, 10), min_size=2, max_size=12))
def test_public_goods_total_is_endowments_plus_surplus(profile):
    game = linear_public_goods(group_size=len(profile))
    total = sum(game.exact_payoffs(profile))
    assert total == 10 * len(profile) + Fraction(3, 5) * sum(profile)


@given(st.lists(st.integers(0, 100), min_size=2, max_size=40))
def test_guess_prize_is_always_shared_in_full(profile):
    payoffs = guess_average().exact_payoffs(profile)
    assert sum(payoffs) == 1
    assert all(p > 0 for i, p in enumerate(payoffs) if i in guess_average().winners(profile))


def test_bad_parameters_and_profiles_are_refused():
    with pytest.raises(GameError, match="p must be between 0 and 1"):
        get_class_game("guess-average:p=3/2")
    with pytest.raises(GameError, match="group_size must be"):
        get_class_game("linear-public-goods:group_size=1")
    with pytest.raises(GameError, match="outside 0..10"):
        linear_public_goods().payoffs([0, 11])
    with pytest.raises(GameError, match="unknown class game"):
        get_class_game("nope")


def test_catalogue_lookup_and_separation():
    assert {e.slug for e in class_games()} == {"guess-average", "linear-public-goods"}
    assert get_class_game("Beauty contest").p == Fraction(2, 3)
    assert get_class_game("guess-average:p=1/2").p == Fraction(1, 2)
    assert find_entry("guess-average") is None
    with pytest.raises(GameError, match="class game"):
        get_game("guess-average")
