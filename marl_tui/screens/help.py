"""Help: every key of the app and its screens, what the grid's marks mean, and the analysis terms.

The picker and game tables are generated from their ``BINDINGS``; Play, Watch and Tournament
describe their keys in a ``HELP`` Markdown attribute (keys that need prose: 1-9, arrows + enter),
which is rendered as it is. The section of the screen help was opened from comes first.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from marl_tui.widgets.app_footer import AppFooter
from marl_tui.widgets.legend import ANALYSIS_TERMS, MARKS

STYLES = Path(__file__).resolve().parent.parent / "styles"

CELL_EDITING = (
    ("0-9 - .", "start editing the cell with that character"),
    ("enter", "edit the cell (its payoffs prefilled): 3,3  3 3  -1.5, 2  2/3, 1"),
    ("escape", "cancel the edit; an invalid entry is explained and the cell kept"),
)
EVERYWHERE_EXTRA = (
    ("f1", "help (also ? where it does not type into a text box)"),
    ("^p", "command palette: search every action of the current screen by name"),
)
# Screens that describe their keys in a HELP attribute: (module, class), imported when shown.
HELP_SCREENS = (
    ("marl_tui.screens.play", "PlayScreen"),
    ("marl_tui.screens.watch", "WatchScreen"),
    ("marl_tui.screens.tournament", "TournamentScreen"),
)


def key_names(binding: Binding, app) -> str:
    """How the keys of a binding are written: "^z / u"."""
    if binding.key_display:
        return binding.key_display
    return " / ".join(app.get_key_display(Binding(key, binding.action))
                      for key in binding.key.split(","))


def two_columns(title: str, rows) -> Table:
    """A borderless table of (keys or mark, meaning) under a bold title."""
    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for left, right in rows:
        table.add_row(left, right)
    return table


def bindings_table(title: str, bindings, app) -> Table:
    return two_columns(title, [(key_names(b, app), b.description) for b in bindings
                               if isinstance(b, Binding) and b.description])


def help_sections(app, current: type[Screen] | None = None) -> list[tuple[type | None, list]]:
    """(screen class or None, renderables) per section, the ``current`` screen's first."""
    from marl_tui.screens.game import GameScreen
    from marl_tui.screens.picker import PickerScreen
    from marl_tui.widgets.dynamics_panel import DynamicsPanel

    everywhere = [b for b in app.BINDINGS if b.id != "help"]
    sections: list[tuple[type | None, list]] = [
        (None, [two_columns("Everywhere", EVERYWHERE_EXTRA), bindings_table("", everywhere, app)]),
        (PickerScreen, [bindings_table("Game picker", PickerScreen.BINDINGS, app),
                        Text("  type to filter the catalogue; ↑ ↓ choose; enter opens")]),
        (GameScreen, [bindings_table("Game screen", GameScreen.BINDINGS, app), Text(""),
                      two_columns("Editing a cell", CELL_EDITING), Text(""),
                      two_columns("Marks in the grid", [(m, meaning) for m, _, meaning in MARKS]),
                      Text(""),
                      two_columns("Analysis panel", ANALYSIS_TERMS), Text(""),
                      bindings_table("Dynamics view (d; keys while it has focus, tab to the grid "
                                     "to edit: it redraws at once)", DynamicsPanel.BINDINGS, app)]),
    ]
    for module, name in HELP_SCREENS:
        screen_class = getattr(importlib.import_module(module), name)
        sections.append((screen_class, [Markdown(screen_class.HELP)]))
    first = [s for s in sections if current is not None and s[0] is current]
    return first + [s for s in sections if s not in first]


def help_text(app, current: type[Screen] | None = None) -> Group:
    """All sections, a blank line between them, the ``current`` screen's first."""
    parts: list[RenderableType] = []
    for _, renderables in help_sections(app, current):
        parts += [*renderables, Text("")]
    return Group(*parts[:-1])


class HelpScreen(ModalScreen[None]):
    """Scrollable list of keys and marks (↑ ↓ pgup pgdn scroll); Escape, q, ? or f1 closes it."""

    CSS_PATH = STYLES / "help.tcss"
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close help")]

    def compose(self) -> ComposeResult:
        below = [s for s in self.app.screen_stack if s is not self]
        current = type(below[-1]) if below else None
        with VerticalScroll(id="help-body"):
            yield Static(help_text(self.app, current), id="help-text")
        yield AppFooter()

    def on_mount(self) -> None:
        body = self.query_one("#help-body")
        body.border_title = "Help — keys and marks"
        body.focus()

    def action_close(self) -> None:
        self.dismiss(None)
