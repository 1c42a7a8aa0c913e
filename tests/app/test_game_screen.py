"""Pilot tests of the game screen at 80x24: editing, undo, structure, files, quitting, analysis."""

from __future__ import annotations

from fractions import Fraction

from games import io
from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.screens.confirm import ConfirmScreen
from marl_tui.screens.game import GameScreen
from marl_tui.screens.names import NamesScreen
from marl_tui.screens.picker import PickerScreen
from marl_tui.screens.prompt import PromptScreen
from marl_tui.text import format_number
from tests.app.conftest import screen_text, settle, type_text, widget_text

SIZE = (80, 24)


def payoff(app: MarlTuiApp, cell: tuple[int, ...]) -> tuple[Fraction, ...]:
    return tuple(app.game.exact_payoffs[(slice(None), *cell)])


async def edit(pilot, text: str) -> None:
    """Open the editor on the cursor cell with Enter, replace its text, submit."""
    await pilot.press("enter")
    box = pilot.app.screen.query_one("#cell-input")
    box.value = ""
    await type_text(pilot, text)
    await pilot.press("enter")
    await settle(pilot)


async def test_typing_a_digit_edits_the_cell_and_reanalyses():
    app = MarlTuiApp(get_game("battle-of-the-sexes"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Nash equilibria (3)" in widget_text(app, "#analysis-text")
        assert "Opera 2/3, Football 1/3" in widget_text(app, "#analysis-text")
        await type_text(pilot, "4, 1")
        await pilot.press("enter")
        await settle(pilot)
        assert payoff(app, (0, 0)) == (4, 1)
        # Player 2 now mixes so that player 1 is indifferent: 4q = 1 - q  =>  q = 1/5.
        assert "Opera 1/5, Football 4/5" in widget_text(app, "#analysis-text")
        assert app.dirty


async def test_fractions_and_spaces_are_accepted():
    app = MarlTuiApp(get_game("battle-of-the-sexes"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right", "down")
        await edit(pilot, "2/3 -1.5")
        assert payoff(app, (1, 1)) == (Fraction(2, 3), Fraction(-3, 2))
        assert "2/3, -1.5" in screen_text(app)


async def test_invalid_entry_is_explained_inline_and_the_cell_kept():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.game
        await pilot.press("enter")
        box = app.screen.query_one("#cell-input")
        box.value = ""
        await type_text(pilot, "3, x")
        await pilot.press("enter")
        await settle(pilot)
        text = widget_text(app, "#cell-error")
        assert "'x' is not a number" in text and "the cell is unchanged" in text
        assert app.game == before and box.value == "3, x" and box.has_focus
        await type_text(pilot, ", 1")  # still too many values: three for two players
        await pilot.press("enter")
        assert "expected 2 payoffs" in widget_text(app, "#cell-error")
        await pilot.press("escape")
        await settle(pilot)
        assert app.game == before and not app.screen.query_one("#editor").display


async def test_undo_and_redo_walk_the_history():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        original = app.game
        await edit(pilot, "6 6")
        edited = app.game
        await pilot.press("r")
        await settle(pilot)
        assert app.game.num_actions == (3, 2)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.game == edited
        await pilot.press("u")
        await settle(pilot)
        assert app.game == original and not app.dirty
        await pilot.press("u")
        await settle(pilot)
        assert "Nothing to undo" in screen_text(app)
        await pilot.press("ctrl+y", "ctrl+y")
        await settle(pilot)
        assert app.game.num_actions == (3, 2)
        assert payoff(app, (0, 0)) == (6, 6)


async def test_add_remove_and_rename_actions():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert app.game.actions[1] == ("Cooperate", "Defect", "A3")
        await pilot.press("right", "right", "m")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#prompt-input").value = ""
        await type_text(pilot, "Defect")
        await pilot.press("enter")
        await pilot.pause()
        assert "must be unique" in widget_text(app, "#prompt-error")  # the dialog stays open
        app.screen.query_one("#prompt-input").value = ""
        await type_text(pilot, "Tit")
        await pilot.press("enter")
        await settle(pilot)
        assert app.game.actions[1] == ("Cooperate", "Defect", "Tit")
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "Nice"
        await pilot.press("enter")
        await settle(pilot)
        assert app.game.actions[0] == ("Nice", "Defect")
        await pilot.press("C")
        await settle(pilot)
        assert app.game.actions[1] == ("Cooperate", "Defect")
        await pilot.press("R", "R")
        await settle(pilot)
        assert app.game.num_actions == (1, 2)
        assert "must keep at least one action" in widget_text(app, "#status")


async def test_rename_players_and_game():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, NamesScreen)
        app.screen.query_one("#name-player-0").value = "Alice"
        app.screen.query_one("#name-player-1").value = "Alice"
        await pilot.press("enter")
        await pilot.pause()
        assert "must be unique" in widget_text(app, "#names-error")
        app.screen.query_one("#name-player-1").value = "Bob"
        await pilot.press("enter")
        await settle(pilot)
        assert app.game.players == ("Alice", "Bob")
        assert "Rows: Alice   Columns: Bob" in screen_text(app)


async def test_players_are_added_sliced_and_removed():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("X")
        assert "at least two players" in widget_text(app, "#status")
        await pilot.press("A")
        await settle(pilot)
        assert app.game.n_players == 3
        assert "Slice: ▸Player 3 = A1" in screen_text(app)
        screen = app.screen
        await pilot.press("c")  # player 2 gets a third action; then player 3 a second one
        await settle(pilot)
        assert app.game.num_actions == (2, 3, 1)
        await pilot.press("a", "right_square_bracket")
        await settle(pilot)
        assert screen.fixed == [1]
        assert "Player 3 = A2" in screen_text(app)
        await edit(pilot, "1 2 3")
        assert payoff(app, (0, 0, 1)) == (1, 2, 3)
        await pilot.press("X")
        await settle(pilot)
        assert app.game.n_players == 2 and payoff(app, (0, 0)) == (1, 2)


async def test_save_as_then_save_round_trips(tmp_path):
    target = tmp_path / "pd.nfg"
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await edit(pilot, "6, 6")
        await pilot.press("ctrl+s")  # no file yet: save asks where
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#prompt-input").value = str(tmp_path / "missing" / "x.json")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen) and "✗" in widget_text(app, "#prompt-error")
        app.screen.query_one("#prompt-input").value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen) and not app.dirty
        assert io.load(target).exact_payoffs.tolist() == app.game.exact_payoffs.tolist()
        await pilot.press("down")
        await edit(pilot, "1/3 2")
        assert app.dirty
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.dirty and app.path == target
        loaded = io.load(target)
    reopened = MarlTuiApp(loaded, target)
    async with reopened.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert tuple(reopened.game.exact_payoffs[:, 1, 0]) == (Fraction(1, 3), 2)
        assert "pd.nfg" in screen_text(reopened)


async def test_quit_with_unsaved_edits_asks_first():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await edit(pilot, "6 6")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen) and app.is_running
        await pilot.press("escape")  # leaving for the picker asks too
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running and app.return_value == 0


async def test_quit_without_edits_does_not_ask():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_back_returns_to_the_picker():
    app = MarlTuiApp(get_game("stag-hunt"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen) and app.game is None


async def test_prisoners_dilemma_cooperation_becomes_an_equilibrium():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = widget_text(app, "#analysis-text")
        assert "Nash equilibria (1)" in panel and "pure (Defect, Defect)" in panel
        assert "Player 1: Cooperate (by Defect)" in panel
        assert app.screen.marks.dominated == (frozenset({0}), frozenset({0}))
        await edit(pilot, "6, 6")  # mutual cooperation now beats defecting against it
        text = widget_text(app, "#analysis-text")
        assert "pure (Cooperate, Cooperate)" in text and "pure (Defect, Defect)" in text
        assert (0, 0) in app.screen.marks.equilibria
        assert app.screen.marks.dominated == (frozenset(), frozenset())


async def test_analysis_marks_best_responses_in_the_grid():
    app = MarlTuiApp(get_game("matching-pennies"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        marks = app.screen.marks
        assert not marks.equilibria
        # Each player has exactly one best response to each of the other's actions.
        assert marks.best_response[0].sum(axis=0).tolist() == [1, 1]
        assert marks.best_response[1].sum(axis=1).tolist() == [1, 1]
        assert "Nash equilibria (1)" in widget_text(app, "#analysis-text")


async def test_mouse_click_moves_the_cursor_and_a_second_click_edits():
    app = MarlTuiApp(get_game("battle-of-the-sexes"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = app.screen.query_one("#grid")
        # Row 2 of the widget is player 1's second action; the last columns hold "Football".
        offset = (grid.size.width - 2, 2)
        await pilot.click("#grid", offset=offset)
        assert grid.cell_at_cursor() == (1, 1)
        await pilot.click("#grid", offset=offset)
        await pilot.pause()
        assert app.screen.editing == (1, 1) and app.screen.query_one("#cell-input").has_focus


async def test_a_slow_analysis_shows_solving_and_never_blocks_editing(monkeypatch):
    import threading

    import marl_tui.screens.game as game_module

    release = threading.Event()
    real = game_module.compute_analysis

    def slow(game):
        release.wait(timeout=30)
        return real(game)

    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(game_module, "compute_analysis", slow)
        await type_text(pilot, "6 6")
        await pilot.press("enter")
        await pilot.pause(game_module.SOLVING_NOTICE_DELAY + 0.3)
        panel = app.screen.query_one("#analysis")
        assert panel.border_subtitle == "solving…" and panel.has_class("solving")
        await pilot.press("down", "right")  # the UI keeps answering while the solver runs
        await type_text(pilot, "2 2")
        await pilot.press("enter")
        await pilot.pause()
        assert payoff(app, (1, 1)) == (2, 2)
        release.set()
        await settle(pilot)
        assert not panel.has_class("solving")
        assert app.screen.analysis.game is app.game  # the stale first result was dropped
        assert "Nash equilibria (3)" in widget_text(app, "#analysis-text")


async def test_v_shows_the_more_analysis_page_and_back():
    app = MarlTuiApp(get_game("hawk-dove"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Weak dominance" in widget_text(app, "#analysis-text")
        await pilot.press("v")
        text = widget_text(app, "#analysis-text")
        analysis = app.screen.analysis
        assert f"Price of anarchy {format_number(analysis.price_of_anarchy.value)}" in text
        assert "Correlated equilibrium (max welfare)" in text
        ess = analysis.ess[0]
        assert f"Hawk {format_number(ess[0], decimals=False)}" in text  # symmetric: an ESS
        assert "Maxmin" in text
        await pilot.press("pagedown", "pageup", "v")
        assert "Nash equilibria" in widget_text(app, "#analysis-text")
