"""A small modal that asks for a file or folder path (export, save); escape cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PathModal(ModalScreen[str | None]):
    """Ask for a path; dismisses with the stripped text, or None when cancelled or empty."""

    DEFAULT_CSS = """
    PathModal { align: center middle; }
    PathModal > Vertical {
        width: 70; max-width: 100%; height: auto; border: round $accent; padding: 0 1;
        background: $surface;
    }
    PathModal .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, default: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt)
            yield Input(self.default, id="path-input")
            yield Label("enter: confirm · escape: cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
