"""Files and export: a file browser and typed paths in the picker, catalogue parameters from the
picker, the game with its equilibria as LaTeX and Markdown to a file and to the clipboard."""

from __future__ import annotations

import pytest

from games import Game, GameError, io
from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.export import to_latex, to_markdown
from marl_tui.screens.game import GameScreen
from marl_tui.screens.open_file import GameFileTree, OpenFileScreen
from marl_tui.screens.prompt import PromptScreen
from tests.app.conftest import settle, type_text, until, widget_text

SIZE = (80, 24)


def tree_names(app) -> list[str] | None:
    """The names the open dialog's tree lists, once loaded (the tree's loader worker never
    finishes, so these tests poll instead of waiting for workers)."""
    trees = app.screen.query(GameFileTree)
    if not trees or not trees.first().root.children:
        return None
    return [str(node.label) for node in trees.first().root.children]


async def test_the_open_dialog_browses_and_opens_a_picked_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    io.save(get_game("stag-hunt"), tmp_path / "stag.json")
    (tmp_path / "notes.txt").write_text("not a game")
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await until(pilot, lambda: tree_names(app) is not None)  # the tree loads in a worker
        assert isinstance(app.screen, OpenFileScreen)
        tree = app.screen.query_one(GameFileTree)
        names = tree_names(app)
        assert names == ["stag.json"]  # game files only
        tree.focus()
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, GameScreen))
        assert app.path == tmp_path / "stag.json"


async def test_in_a_sandbox_the_browser_starts_in_the_sandbox(tmp_path):
    inside = tmp_path / "class"
    inside.mkdir()
    io.save(get_game("chicken"), inside / "chicken.json")
    io.save(get_game("stag-hunt"), tmp_path / "secret.json")
    app = MarlTuiApp(sandbox=inside)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await until(pilot, lambda: tree_names(app) is not None)
        assert app.screen.query_one(GameFileTree).path == inside.resolve()
        assert tree_names(app) == ["chicken.json"]


async def test_a_path_typed_into_the_filter_opens_that_file(tmp_path):
    path = io.save(get_game("chicken"), tmp_path / "my-chicken.json")
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#filter").value = str(path)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen) and app.path == path


async def test_a_typed_path_is_named_as_the_file_enter_opens():
    """Typing a path matches no game: the preview says that Enter opens that file (as plain
    text: a path may hold brackets), instead of only that no game matches."""
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#filter").value = "games/[draft].json"
        await pilot.pause()
        assert "Enter opens the file games/[draft].json" in widget_text(app, "#preview")
        app.screen.query_one("#filter").value = "zzzz"
        await pilot.pause()
        assert widget_text(app, "#preview") == "No game matches the filter."


async def test_a_bad_typed_path_opens_the_dialog_with_the_error_and_the_text(tmp_path):
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        app.screen.query_one("#filter").value = str(tmp_path / "missing.json")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
        await pilot.pause()
        assert widget_text(app, "#prompt-error").startswith("✗")
        assert app.screen.query_one("#prompt-input").value == str(tmp_path / "missing.json")


async def test_catalogue_parameters_are_set_from_the_picker():
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, "hawk")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one("#prompt-input").value == "value=4, cost=6"
        app.screen.query_one("#prompt-input").value = "value=2, cost=x"
        await pilot.press("enter")
        await pilot.pause()
        assert widget_text(app, "#prompt-error").startswith("✗")  # and the dialog stays
        app.screen.query_one("#prompt-input").value = "value=2, cost=8"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen)
        assert app.game == get_game("hawk-dove", value=2, cost=8)


async def test_export_writes_latex_and_markdown_files(tmp_path):
    app = MarlTuiApp(get_game("battle-of-the-sexes"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for name in ("bos.tex", "bos.md"):
            await pilot.press("e")
            await pilot.pause()
            app.screen.query_one("#prompt-input").value = str(tmp_path / name)
            await pilot.press("enter")
            await settle(pilot)
            assert f"Exported to {tmp_path / name}" in widget_text(app, "#status")
        solution = app.screen.analysis.solution
        assert (tmp_path / "bos.tex").read_text() == to_latex(app.game, solution)
        assert (tmp_path / "bos.md").read_text() == to_markdown(app.game, solution)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = str(tmp_path / "bos.pdf")
        await pilot.press("enter")
        await pilot.pause()
        assert ".tex (LaTeX) or .md (Markdown)" in widget_text(app, "#prompt-error")


async def test_copy_puts_latex_or_markdown_on_the_clipboard():
    app = MarlTuiApp(get_game("battle-of-the-sexes"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("y")
        assert app.clipboard == to_latex(app.game, app.screen.analysis.solution)
        assert "Copied as LaTeX" in widget_text(app, "#status")
        await pilot.press("Y")
        assert app.clipboard == to_markdown(app.game, app.screen.analysis.solution)


def test_the_latex_table_and_equilibria_escape_user_names():
    game = Game([[[2, 0], [0, 1]], [[1, 0], [0, 2]]], name="R&D \\ 50%",
                players=["Me_1", "You$"], actions=[["A#", "{B}"], ["~C", "D^[31m"]])
    from games.equilibria import solve

    latex = to_latex(game, solve(game))
    assert r"\begin{tabular}{r|cc}" in latex and r"\end{tabular}" in latex
    for escaped in (r"Me\_1", r"You\$", r"A\#", r"\{B\}", r"\textasciitilde{}C",
                    r"D\textasciicircum{}"):
        assert escaped in latex
    with pytest.raises(GameError, match="control character"):  # so none reaches an export
        game.with_action_renamed(1, 1, "D^\x1b[31m")
    assert r"$2/3$" not in latex or "mixed" in latex
    markdown = to_markdown(game, solve(game))
    assert "| **A\\#** | 2, 1 | 0, 0 |" in markdown
    assert "mixed: Me\\_1: A\\# 2/3, {B} 1/3" in markdown.replace("\\{", "{").replace("\\}", "}")
