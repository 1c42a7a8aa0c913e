"""Pilot tests of the picker, dialogs, help, themes, the palette, the launcher and startup imports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from games import io
from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.cli.launch import run_app
from marl_tui.commands_palette import binding_commands
from marl_tui.screens.game import GameScreen
from marl_tui.screens.help import HelpScreen
from marl_tui.screens.picker import PickerScreen
from marl_tui.screens.prompt import PromptScreen
from tests.app.conftest import screen_text, settle, type_text, widget_text

SIZE = (80, 24)


async def test_filter_preview_and_open():
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, PickerScreen) and len(picker.shown) == len(picker.entries)
        await type_text(pilot, "dilemma")
        await pilot.pause()
        names = [e.name for e in picker.shown]
        assert "Prisoner's Dilemma" in names and "Battle of the Sexes" not in names
        assert all("dilemma" in (e.name + e.description).lower() for e in picker.shown)
        assert "Prisoner's Dilemma" in widget_text(app, "#preview")
        assert "Cooperate" in widget_text(app, "#preview")  # the matrix preview
        await pilot.press("down")
        await pilot.pause()
        second = picker.shown[1].name
        assert second in widget_text(app, "#preview")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen) and app.game.name.startswith(second)


async def test_typing_reaches_the_filter_after_a_click_on_a_panel():
    """A click on the list or the preview takes the focus; typed letters still filter, appended to
    what was typed before, and backspace still edits the filter."""
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        picker = app.screen
        box = picker.query_one("#filter")
        await type_text(pilot, "pris")
        for panel, typed, expected in (("#games", "oz", "priso"), ("#preview-pane", "nx", "prison")):
            assert await pilot.click(panel)
            await pilot.pause()
            assert not box.has_focus  # the click moved the focus
            await type_text(pilot, typed)
            await pilot.press("backspace")
            await pilot.pause()
            assert box.value == expected
        assert picker.shown[0].name == "Prisoner's Dilemma"
        assert len(picker.shown) < len(picker.entries)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen) and app.game.name.startswith("Prisoner")


async def test_filter_without_matches_says_so():
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "zzqx")
        await pilot.press("enter")
        await pilot.pause()
        assert "No game matches" in widget_text(app, "#preview")
        assert isinstance(app.screen, PickerScreen)


async def test_open_a_good_file(tmp_path):
    path = io.save(get_game("stag-hunt"), tmp_path / "stag.json")
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen)
        assert app.game == get_game("stag-hunt") and app.path == path


async def test_open_a_malformed_file_shows_the_error_and_keeps_the_path(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"players": ["a", "b"], "payoffs": [[1, 2], [3]]}))
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(bad)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        assert widget_text(app, "#prompt-error").startswith("✗")
        assert app.screen.query_one("#prompt-input").value == str(bad)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen) and app.game is None


async def test_new_blank_games_two_and_three_players():
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "0x2"
        await pilot.press("enter")
        await pilot.pause()
        assert "not a number of actions" in widget_text(app, "#prompt-error")
        app.screen.query_one("#prompt-input").value = "2x3"
        await pilot.press("enter")
        await settle(pilot)
        assert app.game.num_actions == (2, 3) and not app.game.payoffs.any()
        assert "Degenerate game" in widget_text(app, "#analysis-text")  # all ties
        await pilot.press("escape")
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "2 2 2"
        await pilot.press("enter")
        await settle(pilot)
        assert app.game.num_actions == (2, 2, 2)
        assert "Slice: ▸Player 3 = A1" in screen_text(app)


async def test_help_lists_keys_and_marks():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = widget_text(app, "#help-text")
        for expected in ("Undo", "Save as", "Add row", "Rename game/players", "Open file",
                         "Light/dark", "Pareto-optimal", "best response"):
            assert expected in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)


async def test_theme_toggle_switches_light_and_dark():
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        dark = app.current_theme.dark
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.current_theme.dark is not dark
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.current_theme.dark is dark


async def test_command_palette_offers_the_screen_bindings():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Undo", "Add row", "Save as", "Help", "Theme"} <= titles
        add_row = next(c for c in binding_commands(app.screen) if c.title == "Add row")
        await add_row.callback()
        await settle(pilot)
        assert app.game.num_actions == (3, 2)


def test_bad_game_argument_prints_one_line_and_returns_2(capsys):
    assert run_app("no-such-game-xyz") == 2
    err = capsys.readouterr().err
    assert err.startswith("marl-tui: error:") and err.count("\n") == 1


def test_startup_imports_neither_torch_nor_pandas():
    """Run in a fresh interpreter: other tests' imports must not hide a heavy import."""
    script = textwrap.dedent(
        """
        import asyncio, sys
        from games.catalogue import get_game
        from marl_tui.app import MarlTuiApp

        async def main():
            app = MarlTuiApp(get_game("battle-of-the-sexes"))
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
                await pilot.press("escape")
                await pilot.pause()
            print(sorted(m for m in ("torch", "pandas") if m in sys.modules))

        asyncio.run(main())
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


async def test_help_from_the_picker_by_question_mark_or_f1_lists_every_screen():
    app = MarlTuiApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "f1 Help" in screen_text(app).splitlines()[-1]  # "?" would type into the filter
        await pilot.press("question_mark")  # the filter is empty: help
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = widget_text(app, "#help-text")
        assert text.lstrip().startswith("Game picker")  # the screen it was opened from first
        for expected in ("hot-seat", "run / pause training", "run the tournament",
                         "correlated eq.", "price of anarchy", "struck-through"):
            assert expected in text.lower()
        await pilot.press("escape")
        await type_text(pilot, "pd")
        await pilot.press("question_mark")  # a filter started: "?" is typed
        await pilot.pause()
        assert app.screen.query_one("#filter").value == "pd?"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
