"""``marl-tui --sandbox DIR``: typed paths stay inside DIR (open, save, export, screenshots).

The policy itself (:mod:`marl_tui.files`) is tested directly; then each place where the user
types a path is driven through the real app, checking both that escapes are refused with a
message (and nothing is written outside) and that ordinary paths still work and land in DIR.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from textual.widgets import Input, Static

from games import io
from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.cli import main
from marl_tui.files import (
    QUOTA_VARIABLE,
    PathRefused,
    may_write,
    resolve_user_path,
    sandbox_folder,
    sandbox_of,
)
from marl_tui.screens.game import GameScreen
from marl_tui.screens.path_modal import PathModal
from marl_tui.screens.picker import PickerScreen
from marl_tui.screens.prompt import PromptScreen
from marl_tui.screens.watch import WatchScreen
from tests.app.conftest import settle, type_text, until, widget_text

SIZE = (80, 24)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The sandbox folder, with a sibling ``outside`` folder holding a game it must not reach."""
    outside = tmp_path / "outside"
    outside.mkdir()
    io.save(get_game("stag-hunt"), outside / "secret.json")
    return sandbox_folder(tmp_path / "sandbox")


# ----- the policy ---------------------------------------------------------------------------------
def test_relative_absolute_and_tilde_paths_inside_the_folder_resolve_into_it(root):
    assert resolve_user_path("pd.json", root) == root / "pd.json"
    assert resolve_user_path("a/b/../pd.json", root) == root / "a" / "pd.json"
    assert resolve_user_path(str(root / "pd.json"), root) == root / "pd.json"
    assert resolve_user_path("~", root) == root
    assert resolve_user_path("~/games/pd.json", root) == root / "games" / "pd.json"


@pytest.mark.parametrize("text", [
    "../x.json", "/etc/passwd", "missing/../../x.json", "~/../x.json", "~root/.bashrc", "..",
    "../outside/secret.json",
])
def test_paths_leading_outside_are_refused_with_the_typed_text_in_the_message(root, text):
    with pytest.raises(PathRefused) as refused:
        resolve_user_path(text, root)
    assert repr(text) in str(refused.value)
    assert isinstance(refused.value, OSError)  # reported wherever failed file access already is


def test_symbolic_links_are_followed_before_the_check(root):
    (root / "escape.json").symlink_to(root.parent / "outside" / "secret.json")
    (root / "out").symlink_to(root.parent / "outside", target_is_directory=True)
    (root / "alias.json").symlink_to(root / "real.json")
    with pytest.raises(PathRefused):
        resolve_user_path("escape.json", root)
    with pytest.raises(PathRefused):
        resolve_user_path("out/new.json", root)
    assert resolve_user_path("alias.json", root) == root / "real.json"


def test_without_a_sandbox_paths_mean_what_they_mean_in_a_shell():
    assert resolve_user_path("../x.json", None) == Path("../x.json")
    assert resolve_user_path("~/x.json", None) == Path.home() / "x.json"
    assert may_write(Path("/anywhere/x.json"), None)


def test_only_files_inside_the_folder_may_be_written_back(root):
    assert may_write(root / "sub" / "x.json", root)
    assert not may_write(root.parent / "outside" / "secret.json", root)
    (root / "link.json").symlink_to(root.parent / "outside" / "secret.json")
    assert not may_write(root / "link.json", root)


def test_the_folder_is_created_with_its_parents_and_resolved(tmp_path):
    root = sandbox_folder(tmp_path / "a" / "b" / ".." / "c")
    assert root == (tmp_path / "a" / "c").resolve() and root.is_dir()
    assert sandbox_of(MarlTuiApp(sandbox=root)) == root and sandbox_of(object()) is None


# ----- the command line ---------------------------------------------------------------------------
def test_sandbox_option_is_parsed_documented_and_handed_to_the_app(tmp_path, monkeypatch, capsys):
    assert main(["--sandbox", str(tmp_path / "s"), "--help"]) == 0
    assert "--sandbox DIR" in capsys.readouterr().out
    started = []
    monkeypatch.setattr(MarlTuiApp, "run", lambda app: started.append(app))
    assert main(["--sandbox", str(tmp_path / "new" / "dir"), "prisoners-dilemma"]) == 0
    assert (tmp_path / "new" / "dir").is_dir()
    assert started[0].sandbox == (tmp_path / "new" / "dir").resolve()
    assert started[0].game == get_game("prisoners-dilemma")
    assert main([f"--sandbox={tmp_path / 'eq'}"]) == 0 and started[1].sandbox.name == "eq"
    assert main(["prisoners-dilemma"]) == 0 and started[2].sandbox is None


def test_a_sandbox_that_cannot_be_a_folder_is_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["--sandbox", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "sandbox folder" in err


# ----- the app ------------------------------------------------------------------------------------
async def _prompt_for(pilot, key: str) -> PromptScreen:
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, PromptScreen)
    return pilot.app.screen


async def _answer(pilot, text: str, typed: bool = False) -> None:
    box = pilot.app.screen.query_one("#prompt-input", Input)
    box.value = ""
    if typed:
        await type_text(pilot, text)
    else:
        box.value = text
    await pilot.press("enter")
    await settle(pilot)


def _refused(app: MarlTuiApp, text: str) -> bool:
    """The prompt is still open, keeps the text and says why it was refused."""
    return (isinstance(app.screen, PromptScreen)
            and app.screen.query_one("#prompt-input", Input).value == text
            and "outside" in widget_text(app, "#prompt-error"))


async def test_opening_files_outside_the_folder_is_refused_and_inside_works(root):
    (root / "link.json").symlink_to(root.parent / "outside" / "secret.json")
    io.save(get_game("prisoners-dilemma"), root / "pd.json")
    app = MarlTuiApp(sandbox=root)
    async with app.run_test(size=SIZE) as pilot:
        await _prompt_for(pilot, "ctrl+o")
        for text in ("../outside/secret.json", "/etc/passwd", "link.json"):
            await _answer(pilot, text, typed=True)
            assert _refused(app, text), text
        await _answer(pilot, str(root.parent / "outside" / "secret.json"))
        assert isinstance(app.screen, PromptScreen) and app.game is None
        await _answer(pilot, "pd.json", typed=True)
        assert isinstance(app.screen, GameScreen)
        assert app.game == get_game("prisoners-dilemma") and app.path == root / "pd.json"


async def test_save_as_refuses_escapes_and_a_plain_name_lands_in_the_folder(root):
    secret = root.parent / "outside" / "secret.json"
    before = secret.read_text()
    (root / "link.json").symlink_to(secret)
    app = MarlTuiApp(get_game("prisoners-dilemma"), sandbox=root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        prompt = await _prompt_for(pilot, "ctrl+s")  # a new game: save asks where
        assert prompt.query_one("#prompt-input", Input).value == "prisoner-s-dilemma.json"
        for text in ("../x.json", "link.json", str(secret), "~root/x.json"):
            await _answer(pilot, text)
            assert _refused(app, text), text
        await _answer(pilot, "pd.json", typed=True)
        assert isinstance(app.screen, GameScreen) and app.path == root / "pd.json"
        assert "Saved to" in widget_text(app, "#status")
    assert io.load(root / "pd.json") == get_game("prisoners-dilemma")
    assert secret.read_text() == before and not (root.parent / "x.json").exists()
    assert sorted(p.name for p in root.iterdir()) == ["link.json", "pd.json"]


async def test_the_file_the_app_was_started_on_outside_the_folder_is_never_written(root):
    secret = root.parent / "outside" / "secret.json"
    before = secret.read_text()
    app = MarlTuiApp(io.load(secret), secret, sandbox=root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "secret.json" in app.screen.sub_title  # opened normally
        await type_text(pilot, "9, 9")
        await pilot.press("enter")
        await settle(pilot)
        prompt = await _prompt_for(pilot, "ctrl+s")  # plain save behaves as save as
        assert prompt.query_one("#prompt-input", Input).value == "secret.json"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen) and not app.dirty
        assert app.path == root / "secret.json"
        await pilot.press("ctrl+s")  # now inside the folder: saved in place, no question
        await settle(pilot)
        assert isinstance(app.screen, GameScreen)
    assert secret.read_text() == before
    assert io.load(root / "secret.json").payoffs[:, 0, 0].tolist() == [9, 9]


async def test_without_a_sandbox_the_start_file_is_saved_in_place(tmp_path):
    path = io.save(get_game("stag-hunt"), tmp_path / "sh.json")
    app = MarlTuiApp(io.load(path), path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "7, 7")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen) and not app.dirty
    assert io.load(path).payoffs[:, 0, 0].tolist() == [7, 7]


async def _watch(pilot) -> WatchScreen:
    await settle(pilot)
    await pilot.press("w")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WatchScreen) and screen.runner is not None, screen.message
    for _ in range(20):  # two whole episodes
        screen.action_single_step()
    return screen


async def _path_modal(pilot, key: str, text: str) -> None:
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, PathModal)
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


async def test_watch_exports_only_inside_the_folder(root):
    app = MarlTuiApp(get_game("prisoners-dilemma"), sandbox=root)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _watch(pilot)
        status = screen.query_one("#watch-status", Static)
        for text in ("../log.csv", str(root.parent / "outside" / "log.csv")):
            await _path_modal(pilot, "x", text)
            assert app.screen is screen
            assert "Export failed" in str(status.render()) and "outside" in str(status.render())
        await _path_modal(pilot, "s", "../agents")
        assert "Saving failed" in str(status.render())
        await _path_modal(pilot, "x", "log.csv")
        assert "Exported 2 rows" in str(status.render())
        log = screen.runner.log
    pd.testing.assert_frame_equal(pd.read_csv(root / "log.csv"), log, check_dtype=False)
    assert sorted(p.name for p in root.parent.iterdir()) == ["outside", "sandbox"]
    assert [p.name for p in (root.parent / "outside").iterdir()] == ["secret.json"]


async def test_screenshots_are_saved_into_the_folder(root):
    app = MarlTuiApp(sandbox=root)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, PickerScreen)
        assert app.deliver_screenshot() is not None  # what the "Screenshot" command calls
        await until(pilot, lambda: any(root.glob("*.svg")), timeout=10.0)
        assert app.deliver_screenshot("../shot.svg") is None
        elsewhere = root.parent / "elsewhere"
        elsewhere.mkdir()
        assert app.deliver_screenshot("shot.svg", path=str(elsewhere)) is not None
        await until(pilot, lambda: (root / "shot.svg").is_file(), timeout=10.0)
        assert list(elsewhere.iterdir()) == []  # a path from the caller does not lead out either
        await pilot.pause()
        messages = [n.message for n in app._notifications]
    assert "<svg" in next(root.glob("marl-tui*.svg")).read_text()
    assert not (root.parent / "shot.svg").exists()
    assert any("outside" in m for m in messages)


# ----- the folder's quota -------------------------------------------------------------------------
async def test_a_full_sandbox_folder_refuses_saves_and_screenshots_with_a_message(root, monkeypatch):
    """Served sessions get a quota for their folder: once the folder holds it, saving a game and
    taking a screenshot say so and write nothing; below it, they work."""
    monkeypatch.setenv(QUOTA_VARIABLE, "1")
    (root / "old-screenshots.bin").write_bytes(b"x" * (1024 * 1024))
    app = MarlTuiApp(get_game("prisoners-dilemma"), sandbox=root)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await pilot.pause()
        app.screen.query_one("#prompt-input", Input).value = "pd.json"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        assert "your folder holds 1.0 MB, the limit of this session is 1 MB" in str(
            app.screen.query_one("#prompt-error", Static).content)
        assert app.deliver_screenshot() is None
        await pilot.pause()
        assert "the limit of this session is 1 MB" in "".join(str(n.message) for n in app._notifications)
        assert sorted(p.name for p in root.iterdir()) == ["old-screenshots.bin"]
        (root / "old-screenshots.bin").unlink()  # room again
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen) and (root / "pd.json").is_file()
