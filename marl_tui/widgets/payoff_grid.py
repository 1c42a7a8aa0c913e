"""The payoff matrix as a grid: rows are player 1's actions, columns player 2's, cells "a, b".

For games with more players the grid shows one 2-D slice, with the actions of players 3..n
fixed (``fixed``). The analysis is drawn into the cells the way it is taught on a blackboard:
each player's best-response payoff underlined, equilibrium cells highlighted and starred,
Pareto-optimal and welfare-maximising cells tagged, dominated actions dimmed.

The grid renders itself line by line (a payoff matrix is at most a few dozen cells), so what
is drawn is always exactly the current game, and clicks map to cells by the same column widths.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from games import Game
from marl_tui.text import format_number

Cell = tuple[int, ...]

EQUILIBRIUM_MARK = "*"
PARETO_MARK = "p"
WELFARE_MARK = "w"
GAP = 2  # spaces between columns
PRESENTATION_GAP = 5
BACKGROUND_COMPONENTS = frozenset({"payoff-grid--cursor", "payoff-grid--equilibrium"})
MAX_LABEL = 14  # longer action labels are abbreviated (the cursor's cell is named in full)


@dataclass(frozen=True)
class GridMarks:
    """What the analysis contributes to the grid, indexed over the whole game (not one slice)."""

    best_response: np.ndarray  # bool (n_players, a_1, ..., a_n): payoff is a best response
    equilibria: frozenset[Cell] = frozenset()  # pure Nash equilibria
    pareto: frozenset[Cell] = frozenset()
    welfare: frozenset[Cell] = frozenset()
    dominated: tuple[frozenset[int], ...] = field(default=())  # per player: eliminated actions

    def is_dominated(self, player: int, action: int) -> bool:
        return player < len(self.dominated) and action in self.dominated[player]


class PayoffGrid(ScrollView, can_focus=True):
    """A cursor over one 2-D slice of a game, with the analysis marks drawn in."""

    COMPONENT_CLASSES = {
        "payoff-grid--cursor",
        "payoff-grid--header",
        "payoff-grid--equilibrium",
        "payoff-grid--best-response",
        "payoff-grid--dominated",
        "payoff-grid--marks",
    }
    # Priority: the cursor moves when the key is read, in order with the screen's priority keys
    # that open the editor, so "right, Enter" typed fast edits the cell to the right.
    BINDINGS = [
        Binding("up", "move(-1, 0)", "Up", show=False, priority=True),
        Binding("down", "move(1, 0)", "Down", show=False, priority=True),
        Binding("left", "move(0, -1)", "Left", show=False, priority=True),
        Binding("right", "move(0, 1)", "Right", show=False, priority=True),
        Binding("home", "jump(0)", "First column", show=False, priority=True),
        Binding("end", "jump(-1)", "Last column", show=False, priority=True),
    ]

    cursor: reactive[tuple[int, int]] = reactive((0, 0))
    presentation: reactive[bool] = reactive(False)
    """Presentation mode: a blank line between rows and ``presentation_gap`` between columns."""
    presentation_gap: reactive[int] = reactive(PRESENTATION_GAP)

    class CellSelected(Message):
        """A click on the cursor cell: the user wants to edit ``cell``."""

        def __init__(self, grid: PayoffGrid, cell: Cell) -> None:
            super().__init__()
            self.grid = grid
            self.cell = cell

        @property
        def control(self) -> PayoffGrid:
            return self.grid

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.game: Game | None = None
        self.marks: GridMarks | None = None
        self.fixed: Cell = ()

    # ----- what the screen reads -----------------------------------------------------------
    def cell_at_cursor(self) -> Cell:
        """The joint action under the cursor (row, column, then the fixed slice)."""
        row, column = self.cursor
        return (row, column, *self.fixed)

    # ----- what the screen sets --------------------------------------------------------------
    def show(self, game: Game, fixed: Sequence[int], marks: GridMarks | None) -> None:
        """Draw ``game``'s slice at ``fixed`` with ``marks`` (None while being analysed)."""
        self.game = game
        self.fixed = tuple(int(i) for i in fixed)
        self.marks = marks
        row, column = self.cursor
        self.cursor = (min(row, game.num_actions[0] - 1), min(column, game.num_actions[1] - 1))
        self._resize()

    # ----- keys and mouse --------------------------------------------------------------------
    def action_move(self, rows: int, columns: int) -> None:
        if self.game is None:
            return
        row, column = self.cursor
        self.cursor = (
            min(max(row + rows, 0), self.game.num_actions[0] - 1),
            min(max(column + columns, 0), self.game.num_actions[1] - 1),
        )

    def action_jump(self, column: int) -> None:
        if self.game is not None:
            self.cursor = (self.cursor[0], column % self.game.num_actions[1])

    def step_cursor(self, step: int) -> None:
        """Move ``step`` cells along the rows (Tab order), wrapping at the ends of the slice."""
        if self.game is None:
            return
        rows, columns = self.game.num_actions[:2]
        index = (self.cursor[0] * columns + self.cursor[1] + step) % (rows * columns)
        self.cursor = divmod(index, columns)

    def on_click(self, event: events.Click) -> None:
        cell = self._cell_at_offset(event.x, event.y)
        if cell is None:
            return
        if cell == self.cursor:
            self.post_message(self.CellSelected(self, self.cell_at_cursor()))
        self.cursor = cell

    def _cell_at_offset(self, x: int, y: int) -> tuple[int, int] | None:
        """The body cell at a point of the widget (headers and labels are not cells)."""
        if self.game is None or y < self.spacing or (y - 1) % self.spacing:
            return None
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + (y - 1) // self.spacing
        widths = self._widths()
        body_x = x - widths[0] - self.gap + scroll_x
        if not 0 <= row < self.game.num_actions[0] or x < widths[0] or body_x < 0:
            return None
        left = 0
        for column, width in enumerate(widths[1:]):
            if left <= body_x < left + width + self.gap:
                return (row, column)
            left += width + self.gap
        return None

    def watch_cursor(self) -> None:
        self.refresh()
        self._scroll_cursor_into_view()

    def watch_presentation(self) -> None:
        self._resize()

    def watch_presentation_gap(self) -> None:
        self._resize()

    def natural_width(self) -> int:
        """The table's width with the normal gap between columns."""
        widths = self._widths() if self.game is not None else [0]
        return sum(widths) + GAP * (len(widths) - 1)

    def on_resize(self) -> None:
        """Keep the cursor cell in view when the grid changes size (it shrinks while the cell
        editor is open under a big grid)."""
        self.call_after_refresh(self._scroll_cursor_into_view)

    def _scroll_cursor_into_view(self) -> None:
        if self.game is None or not self.is_mounted:
            return
        widths = self._widths()
        row, column = self.cursor
        x = widths[0] + self.gap + sum(w + self.gap for w in widths[1: column + 1])
        region = Region(x, row * self.spacing + 1, widths[column + 1], 1)
        # The frozen header row and label column cover the top and the left of the view.
        frozen = Spacing(top=1, left=widths[0] + self.gap)
        self.scroll_to_region(region, spacing=frozen, animate=False, immediate=True)

    # ----- rendering -----------------------------------------------------------------------
    @property
    def gap(self) -> int:
        """Spaces between columns (wider in presentation mode)."""
        return self.presentation_gap if self.presentation else GAP

    @property
    def spacing(self) -> int:
        """Lines per row: 1, or 2 in presentation mode (a blank line between rows)."""
        return 2 if self.presentation else 1

    def mark_style(self, component: str) -> Style:
        """A component's style as the grid draws it, resolved against the current theme.

        Colours are blended over the background (a "partial" style leaves muted colours such as
        ``$text-muted`` pure white); only the cursor and equilibrium keep their own background,
        so the other marks show on top of them."""
        style = self.get_component_rich_style(component)
        if component in BACKGROUND_COMPONENTS:
            return style
        return Style(color=style.color, bold=style.bold, dim=style.dim, italic=style.italic,
                     underline=style.underline, strike=style.strike)

    def _table(self) -> list[list[Text]]:
        """Header row then one row per player-1 action; column 0 holds the action labels."""
        game, marks = self.game, self.marks
        header = [Text("")] + [self._label(label, 1, j) for j, label in enumerate(game.actions[1])]
        rows = [header]
        for i, label in enumerate(game.actions[0]):
            cells = [self._cell(game, (i, j, *self.fixed), marks)
                     for j in range(game.num_actions[1])]
            rows.append([self._label(label, 0, i), *cells])
        return rows

    def _widths(self) -> list[int]:
        table = self._table()
        return [max(row[k].cell_len for row in table) for k in range(len(table[0]))]

    def _resize(self) -> None:
        """Set the virtual size to the whole table, so the view scrolls over what does not fit."""
        if self.game is None:
            self.virtual_size = Size(1, 1)
        else:
            widths = self._widths()
            rows = self.game.num_actions[0]
            self.virtual_size = Size(sum(widths) + self.gap * (len(widths) - 1),
                                     1 + (rows - 1) * self.spacing + 1)
        self.refresh(layout=True)
        self._scroll_cursor_into_view()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self.virtual_size.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.virtual_size.height

    def render_line(self, y: int) -> Strip:
        """Line ``y`` of the view: the header row and the label column stay put (frozen) while
        the payoffs scroll beneath and beside them."""
        width = self.size.width
        if self.game is None:
            return Strip.blank(width)
        scroll_x, scroll_y = self.scroll_offset
        if y == 0:
            row = 0
        elif (y - 1) % self.spacing:
            return Strip.blank(width, self.rich_style)
        else:
            row = 1 + scroll_y + (y - 1) // self.spacing
        table = self._table()
        if row >= len(table):
            return Strip.blank(width, self.rich_style)
        widths = [max(line[k].cell_len for line in table) for k in range(len(table[0]))]
        label, body = self._line(table[row], widths, row)
        console = self.app.console
        label_strip = Strip(label.render(console)).extend_cell_length(widths[0] + self.gap)
        body_strip = Strip(body.render(console)).crop(scroll_x, scroll_x + width)
        line = Strip.join([label_strip, body_strip]).crop(0, width)
        return line.extend_cell_length(width).apply_style(self.rich_style)

    def _line(self, cells: list[Text], widths: list[int], row: int) -> tuple[Text, Text]:
        """One table row as its label and its payoffs, padded to the column widths."""
        cursor_style = self.mark_style("payoff-grid--cursor")
        label = cells[0].copy()
        label.pad_right(widths[0] - label.cell_len)
        body = Text()
        for k, (text, width) in enumerate(zip(cells[1:], widths[1:], strict=True)):
            if k:
                body.append(" " * self.gap)
            cell = text.copy()
            cell.pad_left(width - cell.cell_len)
            if row and (row - 1, k) == self.cursor:
                cell.stylize(cursor_style)
            body.append_text(cell)
        return label, body

    def _label(self, label: str, player: int, action: int) -> Text:
        text = Text(abbreviate(label))
        if self.marks is not None and self.marks.is_dominated(player, action):
            text.stylize(self.mark_style("payoff-grid--dominated"))
        else:
            text.stylize(self.mark_style("payoff-grid--header"))
        return text

    def _cell(self, game: Game, cell: Cell, marks: GridMarks | None) -> Text:
        exact = game.exact_payoffs
        text = Text()
        for p in range(game.n_players):
            if p:
                text.append(", ")
            value = format_number(exact[(p, *cell)])
            best = marks is not None and bool(marks.best_response[(p, *cell)])
            text.append(value, style=self.mark_style("payoff-grid--best-response") if best else "")
        if marks is None:
            return text
        tags = (
            (EQUILIBRIUM_MARK if cell in marks.equilibria else "")
            + (PARETO_MARK if cell in marks.pareto else "")
            + (WELFARE_MARK if cell in marks.welfare else "")
        )
        if tags:
            text.append(" " + tags, style=self.mark_style("payoff-grid--marks"))
        if cell in marks.equilibria:
            text.stylize(self.mark_style("payoff-grid--equilibrium"))
        elif any(marks.is_dominated(p, a) for p, a in enumerate(cell)):
            text.stylize(self.mark_style("payoff-grid--dominated"))
        return text


def abbreviate(label: str, limit: int = MAX_LABEL) -> str:
    """``label`` cut to ``limit`` cells with an ellipsis when longer."""
    text = Text(label)
    if text.cell_len <= limit:
        return label
    text.truncate(limit, overflow="ellipsis")
    return text.plain
