"""The game screen at every size a lecture needs (60x20, 80x24, a 160x45 projector), for a 2x2, a
3x3 and a 5x5 game, on a dark and a light theme: nothing overflows, every label shows, the help
key stays visible; big games scroll under frozen headers; marks are visible on every theme."""

from __future__ import annotations

import pytest
from textual.color import Color

from games import Game
from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.widgets.payoff_grid import abbreviate
from tests.app.conftest import screen_text, settle, widget_text

SIZES = [(60, 20), (80, 24), (160, 45)]
GAMES = ["prisoners-dilemma", "rock-paper-scissors", "rpsls"]
THEMES = ["textual-dark", "textual-light"]


def overflowing(app: MarlTuiApp) -> list[str]:
    """Every shown widget of the screen that reaches past the terminal's edges (what scrolls
    inside a container, such as the footer's keys, is judged by its container)."""
    width, height = app.size
    return [
        f"{widget!r} at {widget.region}"
        for widget in app.screen.query("*")
        if widget.display and widget.region.area and not scrolled(app, widget)
        and (widget.region.right > width or widget.region.bottom > height)
    ]


def scrolled(app: MarlTuiApp, widget) -> bool:
    return any(a.is_scrollable for a in widget.ancestors[:-2])  # the screen, the app


def grid_lines(app: MarlTuiApp) -> list[str]:
    """The grid's non-blank lines as shown: the header row, then one line per row."""
    region = app.screen.query_one("#grid").region
    lines = screen_text(app).splitlines()[region.y: region.bottom]
    return [line[region.x: region.right] for line in lines if line[region.x: region.right].strip()]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("key", GAMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_game_screen_fits(size, key, theme):
    game = get_game(key)
    app = MarlTuiApp(game)
    async with app.run_test(size=size) as pilot:
        app.theme = theme
        await settle(pilot)
        assert overflowing(app) == []
        text = screen_text(app)
        header, *rows = grid_lines(app)
        for label in game.actions[1]:
            assert abbreviate(label) in header, f"column {label!r} is not shown:\n{text}"
        for label, row in zip(game.actions[0], rows, strict=True):
            assert row.lstrip().startswith(abbreviate(label)), f"row {label!r}:\n{text}"
        assert "? Help" in text or "? help" in text, text
        assert "Nash equilibria" in text
        assert "palettet" not in text


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_three_player_game_names_its_slice(size):
    app = MarlTuiApp(get_game("public-goods"))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert overflowing(app) == []
        assert "Player 3 = Contribute" in screen_text(app)
        await pilot.press("right_square_bracket")
        assert "Player 3 = Keep" in screen_text(app)


async def test_a_big_game_scrolls_under_frozen_headers():
    game = get_game("travelers-dilemma", size=12)
    app = MarlTuiApp(game)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*["down"] * 11, *["right"] * 11)
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if game.actions[1][11] in line)
        assert lines.index(header) == 2  # the header row is still the grid's first line
        last = next(line for line in lines if line.lstrip().startswith(game.actions[0][11]))
        cursor_values = app.game.exact_payoffs[(slice(None), 11, 11)]
        assert ", ".join(str(v) for v in cursor_values) in last
        assert overflowing(app) == []


async def test_the_analysis_sits_beside_a_small_grid_and_under_a_wide_one():
    async with MarlTuiApp(get_game("prisoners-dilemma")).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not pilot.app.screen.has_class("stacked")
    async with MarlTuiApp(get_game("rpsls")).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert screen.has_class("stacked")
        grid, panel = screen.query_one("#grid"), screen.query_one("#analysis")
        assert panel.region.y >= grid.region.bottom


async def test_a_projector_gets_the_presentation_grid_and_plus_toggles_it():
    app = MarlTuiApp(get_game("rock-paper-scissors"))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        grid = app.screen.query_one("#grid")
        assert grid.presentation and grid.region.width > 50
        assert app.screen.query_one("#analysis").region.width > 56
        await pilot.press("plus")
        assert not grid.presentation
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#grid").presentation
        await pilot.press("plus")
        await settle(pilot)
        assert app.screen.query_one("#grid").presentation and overflowing(app) == []


async def test_long_labels_are_abbreviated_and_the_cursor_cell_named_in_full():
    long = "A very long action name indeed"
    game = Game([[[1, 0], [0, 1]], [[1, 0], [0, 1]]], actions=[[long, "B"], ["C", long]])
    app = MarlTuiApp(game)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await pilot.press("right")
        assert f"at (A very long action name indeed, {long})" in widget_text(app, "#grid-caption")
        assert overflowing(app) == []


def contrast(foreground: Color, background: Color) -> float:
    """WCAG contrast ratio of two colours."""
    luminances = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (luminances[0] + 0.05) / (luminances[1] + 0.05)


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


async def test_dominated_actions_are_muted_and_readable_on_every_theme():
    """Regression: the dominated style was pure white, invisible on light themes."""
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        grid = app.screen.query_one("#grid")
        for theme in sorted(app.available_themes):
            if theme.startswith("ansi"):
                continue  # the terminal's own colours: nothing to compute
            app.theme = theme
            await pilot.pause()
            style = grid.mark_style("payoff-grid--dominated")
            background = Color.from_rich_color(grid.rich_style.bgcolor)
            foreground = Color.from_rich_color(grid.rich_style.color)
            muted = Color.from_rich_color(style.color)
            assert style.strike, theme
            assert contrast(muted, background) >= 3, f"{theme}: {muted.hex} on {background.hex}"
            assert muted != foreground, theme


async def test_the_legend_draws_each_mark_in_the_grids_style():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for theme in THEMES:
            app.theme = theme
            await pilot.pause()
            grid, legend = app.screen.query_one("#grid"), app.screen.query_one("#legend")
            text = legend.legend_text()
            samples = {text.plain[span.start:span.end]: span.style for span in text.spans}
            assert samples["3"] == grid.mark_style("payoff-grid--best-response")
            assert samples["3"].underline
            assert samples["A"] == grid.mark_style("payoff-grid--dominated")
            assert samples["A"].strike
            assert samples["*"] == grid.mark_style("payoff-grid--equilibrium")


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("keys", [[], ["p"], ["w"]], ids=["picker", "play", "watch"])
async def test_every_screen_keeps_its_help_key_in_the_footer(size, keys):
    """The picker, Play and Watch have more keys than a narrow footer holds: the help key stays
    whole at the right edge, with nothing of a cut-off key showing after it."""
    app = MarlTuiApp(get_game("rock-paper-scissors") if keys else None)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        await pilot.pause(0.2)
        footer = screen_text(app).splitlines()[-1]
        assert footer.rstrip().endswith(("? Help", "f1 Help", "^p palette")), footer
        assert "Help" in footer, footer


@pytest.mark.parametrize("actions", [12, 20])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_big_grid_leaves_the_analysis_on_screen(size, actions):
    """A game too big for the screen scrolls in its grid; the analysis under it stays whole
    above the legend, with the cell editor open too (a 20x20 grid pushed it off the screen)."""
    app = MarlTuiApp(get_game("travelers-dilemma", size=actions))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for keys in ([], ["enter"]):
            await pilot.press(*keys)
            await settle(pilot)
            screen = app.screen
            analysis, legend = screen.query_one("#analysis"), screen.query_one("#legend")
            assert analysis.region.height >= 5, analysis.region
            assert analysis.region.bottom <= legend.region.y, (analysis.region, legend.region)
            assert "Nash equilibria" in screen_text(app)
            assert overflowing(app) == []
        editor = screen.query_one("#cell-input")
        assert editor.has_focus and editor.region.bottom <= analysis.region.y


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_cell_being_edited_stays_in_view_when_the_grid_shrinks_for_the_editor(size):
    """shift+Tab from the first cell wraps to the last one; opening the editor there shrinks
    the big grid, which still shows that cell (its row and its payoffs)."""
    game = get_game("travelers-dilemma", size=12)
    app = MarlTuiApp(game)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("shift+tab", "enter")
        await settle(pilot)
        assert app.screen.editing == (11, 11)
        rows = grid_lines(app)[1:]
        last = next((row for row in rows if row.lstrip().startswith(game.actions[0][11])), None)
        assert last is not None, "\n".join(rows)
        assert "13, 13" in last
