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
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from games import Game
from marl_tui.widgets.formatting import format_number

Cell = tuple[int, ...]

EQUILIBRIUM_MARK = "*"
PARETO_MARK = "p"
WELFARE_MARK = "w"
GAP = 2  # spaces between columns


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


class PayoffGrid(Widget, can_focus=True):
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
        self.refresh(layout=True)

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
        if self.game is None or not 1 <= y <= self.game.num_actions[0]:
            return None
        left = 0
        for k, width in enumerate(self._widths()):
            if left <= x < left + width + GAP and k > 0:
                return (y - 1, k - 1)
            left += width + GAP
        return None

    def watch_cursor(self) -> None:
        self.refresh()
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        if self.game is None or self.parent is None or not self.is_mounted:
            return
        widths = self._widths()
        row, column = self.cursor
        x = sum(w + GAP for w in widths[: column + 1])
        origin = self.virtual_region.offset
        region = Region(origin.x + x, origin.y + row + 1, widths[column + 1], 1)
        self.parent.scroll_to_region(region, animate=False, immediate=True)

    # ----- rendering -----------------------------------------------------------------------
    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component, partial=True)

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

    def get_content_width(self, container: Size, viewport: Size) -> int:
        if self.game is None:
            return 1
        widths = self._widths()
        return sum(widths) + GAP * (len(widths) - 1)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 if self.game is None else self.game.num_actions[0] + 1

    def render(self) -> Text:
        if self.game is None:
            return Text("")
        table = self._table()
        widths = [max(row[k].cell_len for row in table) for k in range(len(table[0]))]
        cursor_style = self._style("payoff-grid--cursor")
        lines = []
        for r, row in enumerate(table):
            line = Text()
            for k, (text, width) in enumerate(zip(row, widths, strict=True)):
                if k:
                    line.append(" " * GAP)
                cell = text.copy()
                if k == 0:
                    cell.pad_right(width - cell.cell_len)
                else:
                    cell.pad_left(width - cell.cell_len)
                if r and k and (r - 1, k - 1) == self.cursor:
                    cell.stylize(cursor_style)
                line.append_text(cell)
            lines.append(line)
        return Text("\n").join(lines)

    def _label(self, label: str, player: int, action: int) -> Text:
        if self.marks is not None and self.marks.is_dominated(player, action):
            return Text(label, style=self._style("payoff-grid--dominated"))
        return Text(label, style=self._style("payoff-grid--header"))

    def _cell(self, game: Game, cell: Cell, marks: GridMarks | None) -> Text:
        exact = game.exact_payoffs
        text = Text()
        for p in range(game.n_players):
            if p:
                text.append(", ")
            value = format_number(exact[(p, *cell)])
            best = marks is not None and bool(marks.best_response[(p, *cell)])
            text.append(value, style=self._style("payoff-grid--best-response") if best else "")
        if marks is None:
            return text
        tags = (
            (EQUILIBRIUM_MARK if cell in marks.equilibria else "")
            + (PARETO_MARK if cell in marks.pareto else "")
            + (WELFARE_MARK if cell in marks.welfare else "")
        )
        if tags:
            text.append(" " + tags, style=self._style("payoff-grid--marks"))
        if cell in marks.equilibria:
            text.stylize(self._style("payoff-grid--equilibrium"))
        elif any(marks.is_dominated(p, a) for p, a in enumerate(cell)):
            text.stylize(self._style("payoff-grid--dominated"))
        return text
