"""Start the app from the command line: ``marl-tui [--sandbox DIR] [GAME_OR_FILE]``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from games import Game, GameError

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def resolve_game(spec: str) -> tuple[Game, Path | None]:
    """The game a command-line argument names: a catalogue key or a .json/.nfg file."""
    from games import io

    game = io.resolve(spec)
    path = Path(spec).expanduser()
    return game, (path if path.is_file() else None)


def run_app(game_spec: str | None, sandbox: str | None = None) -> int:
    """Run the app (on ``game_spec`` when given); a bad spec prints one line and returns 2.

    With ``sandbox``, the folder is created if missing and the user may open and save files only
    inside it (:mod:`marl_tui.files`). ``game_spec`` is the teacher's choice, so it is opened even
    from outside the folder, but such a file is never written back: saving it asks for a new path.
    """
    game, path, root = None, None, None
    if game_spec is not None:
        try:
            game, path = resolve_game(game_spec)
        except GameError as error:
            print(f"marl-tui: error: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    if sandbox is not None:
        from marl_tui.files import sandbox_folder

        try:
            root = sandbox_folder(sandbox)
        except OSError as error:
            print(f"marl-tui: error: cannot use {sandbox!r} as the sandbox folder: {error}",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
    from marl_tui.app import MarlTuiApp
    from marl_tui.crash_report import EXIT_CRASHED, install_excepthook, open_crash_report

    crash_report = open_crash_report()  # set when a classroom server started this app
    if crash_report is not None:
        install_excepthook(crash_report)
    app = MarlTuiApp(game, path, sandbox=root, crash_report=crash_report)
    result = app.run()
    if app.return_code == EXIT_CRASHED:
        os._exit(EXIT_CRASHED)  # the report is written; a teardown would only hold the seat
    return EXIT_OK if result is None else int(result)
