"""Messages that screens post up to the app (messages up, attributes down)."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from games import Game


class GameEdited(Message):
    """The game screen accepted an edit (or an undo/redo): ``game`` is now the current game."""

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game


class GameSaved(Message):
    """The current game was written to ``path``; it is the new clean state."""

    def __init__(self, game: Game, path: Path) -> None:
        super().__init__()
        self.game = game
        self.path = path


class GameChosen(Message):
    """The picker chose a game to open (from the catalogue, a file, or a new blank one)."""

    def __init__(self, game: Game, path: Path | None = None) -> None:
        super().__init__()
        self.game = game
        self.path = path
