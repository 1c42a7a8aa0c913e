"""Messages that screens post up to the app (messages up, attributes down).

Edits and saves need none: the app owns the current game (``MarlTuiApp.game``).
"""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from games import Game


class GameChosen(Message):
    """The picker chose a game to open (from the catalogue, a file, or a new blank one)."""

    def __init__(self, game: Game, path: Path | None = None) -> None:
        super().__init__()
        self.game = game
        self.path = path
