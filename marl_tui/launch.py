"""Start the app from the command line: ``marl-tui [GAME_OR_FILE]``."""

from __future__ import annotations

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


def run_app(game_spec: str | None) -> int:
    """Run the app (on ``game_spec`` when given); a bad spec prints one line and returns 2."""
    game, path = None, None
    if game_spec is not None:
        try:
            game, path = resolve_game(game_spec)
        except GameError as error:
            print(f"marl-tui: error: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    from marl_tui.app import MarlTuiApp

    result = MarlTuiApp(game, path).run()
    return EXIT_OK if result is None else int(result)
