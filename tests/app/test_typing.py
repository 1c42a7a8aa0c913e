"""Typing into the game screen as fast as a terminal delivers keys: nothing lost, nothing misplaced.

``burst`` posts every key to the app at once, as a terminal does when keys come faster than the
app reads them (tmux ``send-keys``, a paste without bracketed-paste mode, a fast typist): the
app then reads each key before the previous one has been handled.
"""

from __future__ import annotations

from fractions import Fraction

from textual import events

from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.screens.names import NamesScreen
from tests.app.conftest import settle, widget_text

SIZE = (80, 24)
CHARACTERS = {"comma": ",", "space": " ", "minus": "-", "full_stop": ".", "slash": "/"}


async def burst(pilot, *keys: str) -> None:
    """Post every key to the app without waiting in between, then let the app catch up."""
    for key in keys:
        character = CHARACTERS.get(key, key if len(key) == 1 else None)
        pilot.app.post_message(events.Key(key, character))
    await settle(pilot)


def payoff(app: MarlTuiApp, cell: tuple[int, ...]) -> tuple[Fraction, ...]:
    return tuple(app.game.exact_payoffs[(slice(None), *cell)])


async def test_enter_then_a_payoff_typed_at_full_speed_replaces_the_cell():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, "enter", "4", "comma", "4", "enter")
        assert payoff(app, (0, 0)) == (4, 4)
        assert app.screen.editing is None and app.screen.query_one("#grid").has_focus


async def test_a_digit_then_the_rest_at_full_speed_keeps_every_key():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, "right", "2", "comma", "space", "7", "enter", "down", "9", "space",
                    "9", "enter")
        assert payoff(app, (0, 1)) == (2, 7)
        assert payoff(app, (1, 1)) == (9, 9)


async def test_a_paste_on_the_grid_opens_the_editor_with_the_text():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")
        app.post_message(events.Paste("6\t2\n"))  # a row copied from a spreadsheet
        await settle(pilot)
        box = app.screen.query_one("#cell-input")
        assert app.screen.editing == (1, 0) and box.has_focus and box.value == "6 2"
        await pilot.press("enter")
        await settle(pilot)
        assert payoff(app, (1, 0)) == (6, 2)


async def test_a_paste_into_the_open_editor_is_inserted():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("1")
        app.post_message(events.Paste(", 8"))
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert payoff(app, (0, 0)) == (1, 8)


async def test_tab_commits_and_moves_on_shift_tab_moves_back():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, "7", "space", "7", "tab", "8", "space", "8", "tab")
        assert payoff(app, (0, 0)) == (7, 7) and payoff(app, (0, 1)) == (8, 8)
        grid = app.screen.query_one("#grid")
        assert grid.cursor == (1, 0) and grid.has_focus and app.screen.editing is None
        await pilot.press("shift+tab")
        assert grid.cursor == (0, 1)
        await pilot.press("tab", "tab", "tab")  # wraps from the last cell to the first
        assert grid.cursor == (0, 0)


async def test_tab_on_a_bad_entry_stays_on_the_cell_with_the_text():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, "4", "comma", "x", "tab")
        box = app.screen.query_one("#cell-input")
        assert app.screen.editing == (0, 0) and box.has_focus and box.value == "4,x"
        assert "not a number" in widget_text(app, "#cell-error")
        assert app.screen.query_one("#grid").cursor == (0, 0)


async def test_after_an_error_a_click_elsewhere_closes_the_editor_and_later_entries_go_where_shown():
    """Regression: "42, 2" typed after an error once landed in (Cooperate, Defect)."""
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.game
        await burst(pilot, "4", "2", "comma", "x", "enter")
        assert app.screen.editing == (0, 0)
        grid = app.screen.query_one("#grid")
        await pilot.click("#grid", offset=(grid.size.width - 2, 1))  # (Cooperate, Defect)
        await settle(pilot)
        assert app.screen.editing is None and app.game == before
        assert grid.cursor == (0, 1)
        await burst(pilot, "enter", "4", "2", "comma", "space", "2", "enter")
        assert payoff(app, (0, 1)) == (42, 2) and payoff(app, (0, 0)) == (3, 3)


async def test_a_new_edit_clears_the_last_message():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, "u")
        assert "Nothing to undo" in widget_text(app, "#status")
        await burst(pilot, "5")
        assert widget_text(app, "#status") == ""


async def test_the_rename_dialog_focuses_the_game_name():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, NamesScreen)
        assert app.screen.focused.id == "name-game"
