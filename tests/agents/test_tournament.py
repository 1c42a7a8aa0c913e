"""Axelrod round robins: the classics rank as in Axelrod's first tournament."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from agents.tournament import play_match, tournament
from games import Game, GameError
from games.catalogue import get_game

FIELD = ["tit-for-tat", "always-defect", "grim-trigger", "win-stay-lose-shift", "random",
         "always-cooperate"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nice_retaliating_strategies_beat_always_defect_in_a_mixed_field(seed):
    result = tournament(FIELD, rounds=200, seed=seed)
    ranking = result.ranking.set_index("agent")
    assert ranking.loc["tit-for-tat", "rank"] < ranking.loc["always-defect", "rank"]
    assert ranking.loc["grim-trigger", "rank"] < ranking.loc["always-defect", "rank"]
    assert ranking.loc["tit-for-tat", "rank"] < ranking.loc["random", "rank"]
    # ... although always-defect never loses a match (Axelrod's paradox of "winning" matches).
    lost = result.matches.query("player_a != player_b").apply(
        lambda r: (r.player_a == "always-defect" and r.score_a < r.score_b)
        or (r.player_b == "always-defect" and r.score_b < r.score_a), axis=1)
    assert not lost.any()


def test_known_match_scores_on_the_standard_ipd():
    game = get_game("prisoners-dilemma")
    assert play_match(game, "tit-for-tat", "always-defect", 100) == (0.99, pytest.approx(1.04))
    assert play_match(game, "tit-for-tat", "tit-for-tat", 100) == (3.0, 3.0)
    assert play_match(game, "always-defect", "always-cooperate", 10) == (5.0, 0.0)


def test_every_pair_plays_once_plus_twins_and_ranking_is_sorted():
    result = tournament(["tit-for-tat", "always-defect", "random"], rounds=20)
    assert len(result.matches) == 3 + 3
    assert list(result.ranking["rank"]) == [1, 2, 3]
    assert result.ranking["mean_score"].is_monotonic_decreasing
    assert set(result.ranking["matches"]) == {3}
    without = tournament(["tit-for-tat", "always-defect"], rounds=20, twins=False)
    assert len(without.matches) == 1


def test_same_seed_same_tournament_and_learners_can_enter():
    a = tournament(["iql", "random", "tit-for-tat"], rounds=50, seed=3)
    b = tournament(["iql", "random", "tit-for-tat"], rounds=50, seed=3)
    pd.testing.assert_frame_equal(a.matches, b.matches)


def test_asymmetric_games_play_both_seatings_and_n_player_games_are_refused():
    game = get_game("battle-of-the-sexes")
    assert not game.is_symmetric
    result = tournament(["always-cooperate", "always-defect"], game=game, rounds=10, twins=False)
    assert len(result.matches) == 2
    with pytest.raises(GameError, match="two-player"):
        tournament(FIELD, game=Game(np.zeros((3, 2, 2, 2))))
    with pytest.raises(ValueError, match="unknown agent"):
        tournament(["tit-for-tat", "nobody"], rounds=5)
