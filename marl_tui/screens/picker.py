"""The game picker: the catalogue with type-to-filter and a preview; open a file; start a blank game."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from games import Game, GameError
from games.catalogue import CatalogueEntry, catalogue, get_game
from marl_tui.files import sandbox_of
from marl_tui.messages import GameChosen
from marl_tui.screens.prompt import PromptScreen
from marl_tui.text import format_entry
from marl_tui.widgets.app_footer import AppFooter

STYLES = Path(__file__).resolve().parent.parent / "styles"

MAX_NEW_ACTIONS = 20
MAX_NEW_PLAYERS = 3
PREVIEW_ROWS = 8  # larger games are previewed by their top-left corner


def matches(entry: CatalogueEntry, query: str) -> bool:
    """True when every word of ``query`` occurs in the entry's slug, name, aliases or description."""
    haystack = " ".join((entry.slug, entry.name, *entry.aliases, entry.description)).lower()
    return all(word in haystack for word in query.lower().split())


@cache
def preview_game(slug: str) -> Game:
    """The catalogue game with default parameters (built once per entry)."""
    entry = next(e for e in catalogue() if e.slug == slug)
    return entry.build()


def matrix_table(game: Game) -> Table:
    """The payoff matrix (the first slice for n players) as a Rich table, cells "a, b"."""
    rows, columns = game.num_actions[0], game.num_actions[1]
    fixed = (0,) * (game.n_players - 2)
    table = Table(show_lines=False, box=None, pad_edge=False, padding=(0, 1))
    table.add_column(f"{game.players[0]} \\ {game.players[1]}", style="bold")
    for label in game.actions[1][:PREVIEW_ROWS]:
        table.add_column(label, justify="center")
    exact = game.exact_payoffs
    for i in range(min(rows, PREVIEW_ROWS)):
        cells = [format_entry(exact[(slice(None), i, j, *fixed)])
                 for j in range(min(columns, PREVIEW_ROWS))]
        table.add_row(game.actions[0][i], *cells)
    return table


def preview(entry: CatalogueEntry) -> Group:
    """Name, size, matrix, description and source of a catalogue entry."""
    game = preview_game(entry.slug)
    shape = "×".join(str(k) for k in game.num_actions)
    parts: list = [Text(f"{entry.name}  ({game.n_players} players, {shape})\n", style="bold")]
    parts.append(matrix_table(game))
    if game.n_players > 2:
        others = ", ".join(f"{game.players[p]} = {game.actions[p][0]}"
                           for p in range(2, game.n_players))
        parts.append(Text(f"(slice: {others})", style="dim"))
    parts.append(Text("\n" + entry.description))
    if entry.parameters:
        params = ", ".join(f"{k}={v}" for k, v in entry.parameters.items())
        parts.append(Text(f"\nParameters: {params} (f2 sets them)", style="dim"))
    if entry.source:
        parts.append(Text(f"\nSource: {entry.source}", style="dim italic"))
    return Group(*parts)


def looks_like_path(text: str) -> bool:
    """Whether filter text is a file path rather than words: a folder separator, a leading ~,
    or a game file's extension."""
    return "/" in text or text.startswith("~") or text.lower().endswith((".json", ".nfg"))


def parse_shape(text: str) -> tuple[int, ...]:
    """Actions per player from "2x3" or "2 2 2" (2 or 3 players, 1..20 actions each)."""
    parts = [p for p in re.split(r"[x×*,\s]+", text.strip().lower()) if p]
    if not 2 <= len(parts) <= MAX_NEW_PLAYERS:
        raise GameError(f"give 2 or 3 sizes, one per player (e.g. 2x2 or 2x2x2); got {text!r}")
    sizes = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= MAX_NEW_ACTIONS:
            raise GameError(f"{part!r} is not a number of actions from 1 to {MAX_NEW_ACTIONS}")
        sizes.append(int(part))
    return tuple(sizes)


def blank_game(shape: tuple[int, ...]) -> Game:
    """A game of the given shape with every payoff 0, for the user to fill in."""
    return Game(np.zeros((len(shape), *shape)), name="Untitled game")


class FilterInput(Input):
    """The filter box: it types "?" only into a filter already started, so that "?" on an empty
    filter reaches the key bindings (help) as it does on every other screen."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if character == "?" and not self.value:
            return False
        return super().check_consume_key(key, character)


class PickerScreen(Screen):
    """Choose a classic game (type to filter, arrows to move, Enter to open), a file, or a blank game."""

    CSS_PATH = STYLES / "picker.tcss"
    BINDING_GROUP_TITLE = "Picker"
    BINDINGS = [
        Binding("ctrl+o", "open_file", "Open file", id="open-file"),
        Binding("ctrl+n", "new_game", "New game", id="new-game"),
        Binding("f2", "parameters", "Parameters", id="parameters"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        # While the filter is empty "?" opens help, as on other screens (FilterInput lets it).
        Binding("question_mark", "app.help", "Help (filter empty)", show=False, priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries = catalogue()
        self.shown: list[CatalogueEntry] = list(self.entries)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="picker-body"):
            with Vertical(id="picker-left"):
                # Not selected on focus: typing after a click elsewhere extends the filter.
                yield FilterInput(placeholder="type to filter, e.g. dilemma", id="filter",
                                  select_on_focus=False)
                yield OptionList(id="games")
            with VerticalScroll(id="preview-pane"):
                yield Static(id="preview")
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = "marl-tui"
        self.sub_title = "pick a game"
        self._fill()
        self.query_one("#filter", Input).focus()

    def on_key(self, event: events.Key) -> None:
        """Typing always reaches the filter: a click on the list or the preview takes the focus,
        and the printable keys and backspace it leaves unused are the filter's, appended to what
        was typed before."""
        box = self.query_one("#filter", FilterInput)
        if box.has_focus or not (event.is_printable or event.key == "backspace"):
            return
        event.stop()
        event.prevent_default()
        box.focus()
        box.cursor_position = len(box.value)
        if event.key == "backspace":
            box.action_delete_left()
        else:
            box.insert_text_at_cursor(event.character or "")

    def on_screen_resume(self) -> None:
        # Back from a game: the old filter text is selected, so typing starts a new search.
        box = self.query_one("#filter", Input)
        box.focus()
        box.select_all()

    def _fill(self) -> None:
        options = self.query_one("#games", OptionList)
        options.clear_options()
        options.add_options([Option(e.name, id=e.slug) for e in self.shown])
        if self.shown:
            options.highlighted = 0
        else:
            text = self.query_one("#filter", Input).value.strip()
            hint = (f"No game matches; Enter opens the file {text}" if looks_like_path(text)
                    else "No game matches the filter.")
            self.query_one("#preview", Static).update(Text(hint))

    @property
    def selected(self) -> CatalogueEntry | None:
        index = self.query_one("#games", OptionList).highlighted
        return None if index is None or not self.shown else self.shown[index]

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.shown = [e for e in self.entries if matches(e, event.value)]
            self._fill()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        entry = self.selected
        if entry is not None:
            self.query_one("#preview", Static).update(preview(entry))

    def action_move(self, step: int) -> None:
        options = self.query_one("#games", OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            event.stop()
            self.open_selected()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open_selected()

    def open_selected(self) -> None:
        """Open the highlighted game (default parameters; f2 sets them); a typed path that
        matches no game opens that file."""
        entry = self.selected
        text = self.query_one("#filter", Input).value.strip()
        if looks_like_path(text) and not any(e.slug == text for e in self.shown):
            self._open_typed_path(text)
        elif entry is not None:
            self.post_message(GameChosen(entry.build()))

    def _open_typed_path(self, text: str) -> None:
        from marl_tui.screens.open_file import load_game_file

        try:
            self.post_message(GameChosen(*load_game_file(text, sandbox_of(self.app))))
        except (GameError, OSError) as error:
            self.action_open_file(text, str(error))  # the dialog says what is wrong

    def action_parameters(self) -> None:
        """Set the highlighted game's parameters (Hawk-Dove's V and C, ...) and open it."""
        entry = self.selected
        if entry is None or not entry.parameters:
            return
        defaults = ", ".join(f"{name}={value}" for name, value in entry.parameters.items())
        self.app.push_screen(
            PromptScreen(f"Parameters of {entry.name}",
                         lambda text: get_game(f"{entry.slug}:{text.strip()}" if text.strip()
                                               else entry.slug),
                         value=defaults, hint="name=value, separated by commas; Enter opens."),
            callback=lambda game: game is not None and self.post_message(GameChosen(game)),
        )

    def action_open_file(self, value: str = "", error: str = "") -> None:
        """Browse for a game file, or type its path (``value``, with why it failed to open)."""
        from marl_tui.screens.open_file import OpenFileScreen

        self.app.push_screen(
            OpenFileScreen(sandbox_of(self.app), value, error),
            callback=lambda result: result is not None and self.post_message(GameChosen(*result)),
        )

    def action_new_game(self) -> None:
        self.app.push_screen(
            PromptScreen(
                "New game: actions per player",
                lambda text: blank_game(parse_shape(text)),
                value="2x2",
                hint="e.g. 2x2, 3x4, or 2x2x2 for three players; payoffs start at 0.",
            ),
            callback=lambda game: game is not None and self.post_message(GameChosen(game)),
        )
