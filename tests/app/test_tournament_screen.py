"""Pilot tests of the Tournament screen: pick entrants, run the round robin in a worker, rank."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from agents.tournament import tournament
from games.catalogue import get_game
from marl_tui.screens.tournament import TournamentScreen
from marl_tui.widgets.checklist import CheckList
from tests.app.hosting import ScreenHost

SIZE = (80, 24)




def _eighths(bar: str) -> int:
    """Length of a block-glyph bar in eighths of a cell."""
    return sum(8 if c == "█" else " ▏▎▍▌▋▊▉".index(c) for c in bar.rstrip())


def _status(screen) -> str:
    return str(screen.query_one("#tournament-status", Static).render())


async def test_ranking_of_picked_entrants_matches_the_round_robin() -> None:
    game = get_game("prisoners-dilemma")
    entrants = ("always-cooperate", "always-defect", "tit-for-tat")
    app = ScreenHost(TournamentScreen(game, entrants=entrants, rounds=20))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        checklist = screen.query_one(CheckList)
        assert checklist.has_focus and checklist.selected == list(entrants)
        checklist.highlighted = checklist.names.index("grim-trigger")  # tick one more by keyboard
        await pilot.press("space")
        assert "grim-trigger" in checklist.selected
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()

        expected = tournament([*entrants, "grim-trigger"], game, rounds=20, seed=0).ranking
        table = screen.query_one("#ranking", DataTable)
        assert table.row_count == 4
        shown = [table.get_row_at(k) for k in range(4)]
        assert [row[1] for row in shown] == list(expected["agent"])
        assert [float(row[2]) for row in shown] == [round(s, 3) for s in expected["mean_score"]]
        bars = [_eighths(str(row[3])) for row in shown]
        assert bars == sorted(bars, reverse=True) and bars[0] > bars[-1]
        assert "10 matches of 20 rounds" in _status(screen)


async def test_bad_rounds_and_no_entrants_are_reported_not_run() -> None:
    app = ScreenHost(TournamentScreen(get_game("prisoners-dilemma"), entrants=("tit-for-tat",)))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.query_one("#rounds", Input).value = "0"
        await pilot.press("r")
        assert "Rounds must be a whole number" in _status(screen)
        screen.query_one("#rounds", Input).value = "5"
        checklist = screen.query_one(CheckList)
        checklist.highlighted = checklist.names.index("tit-for-tat")
        await pilot.press("enter")  # untick the only entrant
        assert checklist.selected == []
        await pilot.press("r")
        assert "Tick at least one entrant" in _status(screen)
        assert screen.query_one("#ranking", DataTable).row_count == 0
        assert not app.workers


async def test_a_three_player_game_explains_why_it_cannot_run() -> None:
    app = ScreenHost(TournamentScreen(get_game("public-goods:n_players=3")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert "needs a two-player game" in _status(app.screen)


async def test_rounds_field_enter_runs_and_escape_goes_back() -> None:
    app = ScreenHost(TournamentScreen(get_game("stag-hunt"), entrants=("always-cooperate", "random")))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.query_one("#rounds", Input).focus()
        await pilot.press("backspace", "backspace", "backspace", "1", "0", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.rounds == 10
        assert screen.query_one("#ranking", DataTable).row_count == 2
        await pilot.press("escape")
        assert app.screen is not screen
