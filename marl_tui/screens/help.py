"""Help: every key binding of the app and its screens, and what the grid's marks mean.

The tables are generated from the ``BINDINGS`` themselves, so help can never fall out of date.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from marl_tui.widgets.legend import MARKS

STYLES = Path(__file__).resolve().parent.parent / "styles"

CELL_EDITING = (
    ("0-9 - .", "start editing the cell with that character"),
    ("enter", "edit the cell (its payoffs prefilled): 3,3  3 3  -1.5, 2  2/3, 1"),
    ("escape", "cancel the edit; an invalid entry is explained and the cell kept"),
)


def key_names(binding: Binding, app) -> str:
    """How the keys of a binding are written: "ctrl+z / u"."""
    if binding.key_display:
        return binding.key_display
    return " / ".join(app.get_key_display(Binding(key, binding.action))
                      for key in binding.key.split(","))


def bindings_table(title: str, bindings, app) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            table.add_row(key_names(binding, app), binding.description)
    return table


def help_text(app) -> Group:
    """All sections: app-wide keys, each screen's keys, cell editing, and the marks."""
    from marl_tui.screens.game import GameScreen
    from marl_tui.screens.picker import PickerScreen

    sections: list = [
        bindings_table("Everywhere", app.BINDINGS, app),
        Text(""),
        bindings_table("Game picker", PickerScreen.BINDINGS, app),
        Text("  type to filter the catalogue; ↑ ↓ choose; enter opens\n"),
        bindings_table("Game screen", GameScreen.BINDINGS, app),
        Text(""),
    ]
    editing = Table(title="Editing a cell", title_justify="left", title_style="bold", box=None,
                    show_header=False, padding=(0, 2, 0, 0))
    editing.add_column(style="bold", no_wrap=True)
    editing.add_column()
    for keys, meaning in CELL_EDITING:
        editing.add_row(keys, meaning)
    marks = Table(title="Marks in the grid", title_justify="left", title_style="bold", box=None,
                  show_header=False, padding=(0, 2, 0, 0))
    marks.add_column(style="bold", no_wrap=True)
    marks.add_column()
    for mark, _, meaning in MARKS:
        marks.add_row(mark, meaning)
    sections += [editing, Text(""), marks]
    return Group(*sections)


class HelpScreen(ModalScreen[None]):
    """Scrollable list of keys and marks; Escape, q or ? closes it."""

    CSS_PATH = STYLES / "help.tcss"
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close help")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_text(self.app), id="help-text")
        yield Footer()

    def on_mount(self) -> None:
        body = self.query_one("#help-body")
        body.border_title = "Help — keys and marks"
        body.focus()

    def action_close(self) -> None:
        self.dismiss(None)
