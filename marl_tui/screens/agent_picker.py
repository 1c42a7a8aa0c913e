"""A modal list of registry agents to pick from (arrows + enter, or a click); escape cancels."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class AgentPicker(ModalScreen[str | None]):
    """Choose one registry name from ``names``; dismisses with the name or None."""

    DEFAULT_CSS = """
    AgentPicker { align: center middle; }
    AgentPicker > Vertical {
        width: 50; max-width: 100%; height: auto; max-height: 90%; border: round $accent;
        background: $surface;
    }
    AgentPicker OptionList { height: auto; max-height: 18; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, names: Sequence[str], current: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.names = list(names)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield OptionList(*(Option(name, id=name) for name in self.names))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.names:
            options.highlighted = self.names.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
