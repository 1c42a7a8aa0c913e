"""MarlTuiApp: the Textual application that holds the current game and switches screens.

The app is the one owner of the document state: ``game`` (reactive, so a screen or widget can
``watch`` it), the last saved ``saved_game``, its ``path`` and ``dirty``, computed here only.
The game screen reads and edits them there; the picker reports its choice with a message. Heavy screens (Play, Watch, Tournament) are imported only when opened, so
startup never imports torch or pandas. ``sandbox``, when set, is the one folder whose files the
user may open and save (:mod:`marl_tui.files`); screens read it from the app.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import AwaitMount
from textual.widgets import Input

from games import Game
from marl_tui.commands_palette import binding_commands
from marl_tui.crash_report import EXIT_CRASHED, report_crash
from marl_tui.files import PathRefused, check_room, resolve_user_path
from marl_tui.messages import GameChosen
from marl_tui.screens.confirm import ConfirmScreen
from marl_tui.screens.game import GameScreen

EXIT_AFTER_FIRST_FRAME = "MARL_TUI_EXIT_AFTER_FIRST_FRAME"
"""Environment variable: when set to 1 the app exits as soon as its first frame is drawn; set to
"equilibria", as soon as a frame shows the equilibria of the game it opened (used by
benchmarks/bench_startup.py to time startup)."""

LIGHT_THEME = "textual-light"
DARK_THEME = "textual-dark"


class MarlTuiApp(App[int]):
    """A game-theory playground: pick a game, edit it, see its equilibria; then play or watch."""

    TITLE = "marl-tui"
    CSS_PATH = "styles/app.tcss"
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="help"),
        Binding("ctrl+t", "toggle_dark", "Light/dark", show=False, id="toggle-dark"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
    ]

    game: reactive[Game | None] = reactive(None, init=False)
    """The current game (None on the picker), as last edited."""

    def __init__(
        self, game: Game | None = None, path: Path | None = None, sandbox: Path | None = None,
        crash_report: BinaryIO | None = None,
    ) -> None:
        super().__init__()
        self.crash_report = crash_report
        self.set_reactive(MarlTuiApp.game, game)
        self.saved_game = game  # as last opened or saved: unsaved edits differ from it
        self.path = path
        self.sandbox = None if sandbox is None else Path(sandbox).resolve()
        self.exit_after_first_frame = os.environ.get(EXIT_AFTER_FIRST_FRAME) == "1"
        self.exit_after_equilibria = os.environ.get(EXIT_AFTER_FIRST_FRAME) == "equilibria"

    @property
    def dirty(self) -> bool:
        """True when the current game has edits that are not saved."""
        return self.game is not None and self.game != self.saved_game

    def on_mount(self) -> None:
        # Opened on a game, the picker is built (and imported) only when the user leaves the game;
        # the help screen only when asked for: startup imports neither.
        if self.game is None:
            from marl_tui.screens.picker import PickerScreen

            self.push_screen(PickerScreen())
        else:
            self.push_screen(GameScreen())
        if self.exit_after_first_frame:
            self.call_after_refresh(self.exit, 0)

    def _handle_exception(self, error: Exception) -> None:
        """Textual's handling of an uncaught error (a traceback on the terminal at exit), except
        in a served session (``crash_report`` set): the traceback goes to the server's log
        (:mod:`marl_tui.crash_report`), the terminal shows nothing, the app exits at once."""
        if self.crash_report is None:
            super()._handle_exception(error)
            return
        report_crash(self.crash_report, error)
        self._return_code = EXIT_CRASHED
        self._close_messages_no_wait()

    # ----- messages up from the screens -------------------------------------------------------
    def on_game_chosen(self, message: GameChosen) -> None:
        self.open_game(message.game, message.path)

    # ----- the current game ---------------------------------------------------------------------
    def open_game(self, game: Game, path: Path | None = None) -> AwaitMount:
        """Make ``game`` (read from ``path``, if any) the current, unmodified game and edit it
        (await the result to wait until its screen is shown)."""
        self.game = self.saved_game = game
        self.path = path
        return self.push_screen(GameScreen())

    def mark_saved(self, path: Path) -> None:
        """The current game was written to ``path``: it is the new clean state."""
        self.saved_game = self.game
        self.path = path

    def close_game(self) -> None:
        """Leave the game screen for the picker, forgetting the current game."""
        from marl_tui.screens.picker import PickerScreen

        if isinstance(self.screen, GameScreen):
            if any(isinstance(screen, PickerScreen) for screen in self.screen_stack):
                self.pop_screen()
            else:
                self.switch_screen(PickerScreen())
        self.game = self.saved_game = None
        self.path = None

    # ----- app-wide actions -------------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quit, asking first when the current game has unsaved edits."""
        if not self.dirty:
            self.exit(0)
            return
        if isinstance(self.screen, ConfirmScreen):
            return
        name = self.game.name if self.game else "the game"
        self.push_screen(
            ConfirmScreen(f"{name!r} has unsaved edits. Quit anyway?", "Quit", "Stay"),
            callback=lambda ok: ok and self.exit(0),
        )

    def action_help(self) -> None:
        from marl_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_dark(self) -> None:
        """Switch between the light and the dark built-in theme."""
        dark = self.current_theme.dark
        self.theme = LIGHT_THEME if dark else DARK_THEME

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """As Textual does it (into the downloads folder), except that in a sandbox the screenshot
        is saved into the sandbox folder, and a ``filename`` must lead to a file inside it."""
        if self.sandbox is not None:
            try:
                check_room(self)
                target = resolve_user_path(filename or "", self.sandbox)
            except PathRefused as error:
                self.notify(str(error), title="Screenshot", severity="error", markup=False)
                return None
            path, filename = (str(target.parent), target.name) if filename else (str(target), None)
        return super().deliver_screenshot(filename, path, time_format)

    def get_key_display(self, binding: Binding) -> str:
        """As Textual writes keys, except help: "?" types into a focused text box, so the footer
        then advertises f1 (both keys always open help where "?" is not typed)."""
        if binding.id == "help" and not binding.key_display:
            return "f1" if isinstance(self.focused, Input) else "?"
        return super().get_key_display(binding)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands (theme, quit, keys...) plus every described key binding."""
        builtin = list(super().get_system_commands(screen))
        yield from builtin
        titles = {command.title for command in builtin}
        yield from (c for c in binding_commands(screen) if c.title not in titles)
