"""Open a game file: browse with a directory tree, or type a path (inside the sandbox, if any)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import on
from textual.widgets import DirectoryTree, Input, Static

from games import Game, GameError
from marl_tui.files import resolve_user_path
from marl_tui.screens.prompt import PromptScreen

GAME_SUFFIXES = (".json", ".nfg")


class GameFileTree(DirectoryTree):
    """Folders and game files (.json, Gambit .nfg) only; hidden entries left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        return [path for path in paths if not path.name.startswith(".")
                and (path.is_dir() or path.suffix.lower() in GAME_SUFFIXES)]


def load_game_file(text: str, sandbox: Path | None) -> tuple[Game, Path]:
    """The game in the file a user typed or picked; GameError/OSError say what is wrong."""
    from games import io

    if not text.strip():
        raise GameError("type the path of a .json or .nfg game file")
    path = resolve_user_path(text.strip(), sandbox)
    return io.load(path), path


class OpenFileScreen(PromptScreen):
    """The open dialog: a typed path as in every prompt, plus a tree to pick a file from. It
    dismisses with (game, path) once a file loads, or None on Escape. The tree starts in the
    sandbox folder (so it shows nothing outside it), or else in the working folder."""

    def __init__(self, sandbox: Path | None, value: str = "", error: str = "") -> None:
        super().__init__("Open a game file (.json or Gambit .nfg)",
                         lambda text: load_game_file(text, sandbox), value=value,
                         placeholder="type a path, or pick a file below",
                         hint="Tab moves to the folders; Enter opens.")
        self.root = sandbox or Path.cwd()
        self.error = error  # why ``value`` did not open, when it was typed before (the picker)

    def on_mount(self) -> None:
        super().on_mount()
        if self.error:
            self.query_one("#prompt-error", Static).update(f"✗ {self.error}")
        self.query_one(".dialog").mount(GameFileTree(self.root, id="open-tree"),
                                        after="#prompt-input")

    @on(DirectoryTree.FileSelected)
    def _picked(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.query_one("#prompt-input", Input).value = str(event.path)
        self.attempt(str(event.path))
