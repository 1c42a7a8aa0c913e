"""A one-line question whose answer is checked before the dialog closes.

``submit(text)`` turns the answer into a result or raises :class:`games.GameError`; the error is
shown under the input and the text stays, so nothing the user typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from games import GameError
from marl_tui.plain import plain


class PromptScreen(ModalScreen[Any]):
    """Dismisses with ``submit(text)`` once that succeeds, or with None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        submit: Callable[[str], Any],
        value: str = "",
        placeholder: str = "",
        hint: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.submit = submit
        self.value = value
        self.placeholder = placeholder
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static(self.hint, classes="dialog-hint", markup=False)
            yield Static("", id="prompt-error", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.attempt(event.value)

    def attempt(self, text: str) -> None:
        """Dismiss with ``submit(text)``, or show why it failed (the text stays)."""
        try:
            result = self.submit(text)
        except (GameError, OSError) as error:
            self.query_one("#prompt-error", Static).update(plain(f"✗ {error}"))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
