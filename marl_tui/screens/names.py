"""Rename the game and its players in one dialog (one input per player)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from games import Game, GameError
from marl_tui.plain import plain


class NamesScreen(ModalScreen[Game | None]):
    """Dismisses with the renamed game (Enter in any input) or None (Escape)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Rename the game and its players (Enter applies, Tab moves)",
                         classes="dialog-title")
            yield Label("Game")
            yield Input(self.game.name, id="name-game")
            for p, player in enumerate(self.game.players):
                yield Label(f"Player {p + 1}")
                yield Input(player, id=f"name-player-{p}")
            yield Static("", id="names-error", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#name-game", Input).focus()

    def renamed(self) -> Game:
        """The game with every input's name applied; GameError if a name is empty or repeated."""
        name = self.query_one("#name-game", Input).value.strip()
        if not name:
            raise GameError("the game needs a name")
        game = self.game.renamed(name=name)
        for p in range(game.n_players):
            game = game.with_player_renamed(p, self.query_one(f"#name-player-{p}", Input).value)
        return game

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            game = self.renamed()
        except GameError as error:
            self.query_one("#names-error", Static).update(plain(f"✗ {error}"))
            return
        self.dismiss(game)

    def action_cancel(self) -> None:
        self.dismiss(None)
