"""Each player's current and time-averaged policy, as a table of percentages.

The current policy is what an agent would play now (fictitious play: a pure best response); the
time-averaged one is what converges (fictitious play: its empirical mix of play). Few players: one
row per action with both columns. Many players (levers): one row per player, one column per
action, the average policy in each cell (percent) and the current most likely action marked with a
dot, so five players with five actions each still fit a 60x20 terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.text import Text
from textual.widgets import Static

from marl_tui.widgets.heatmap import shade

MAX_LONG_ROWS = 12  # player-action rows drawn one per line; more switch to the matrix


def long_layout(sizes: Sequence[int]) -> bool:
    """Whether one row per (player, action) fits; otherwise the players x actions matrix is drawn."""
    return len(sizes) <= 2 and sum(sizes) <= MAX_LONG_ROWS


def policy_text(labels: Sequence[Sequence[str]], current: Sequence[np.ndarray],
                average: Sequence[np.ndarray], width: int) -> Text:
    """The table for ``labels[p][a]`` with ``current[p][a]`` and ``average[p][a]`` (plain text:
    action names are the user's, never markup)."""
    sizes = [len(row) for row in labels]
    if long_layout(sizes):
        return _long(labels, current, average, width)
    return _matrix(labels, current, average, width)


def _long(labels, current, average, width: int) -> Text:
    text = Text()
    name_width = max(6, min(width - 16, max(len(f"P{p + 1} {a}") for p, row in enumerate(labels)
                                            for a in row)))
    text.append(f"{'policy':<{name_width}}   now    avg", style="bold")
    for p, row in enumerate(labels):
        for a, label in enumerate(row):
            name = f"P{p + 1} {label}"
            now, avg = float(current[p][a]), float(average[p][a])
            text.append(f"\n{name[:name_width]:<{name_width}} ")
            text.append(f"{now:6.0%}", style="bold" if now >= 0.5 else "")
            text.append(f" {avg:6.0%}")
    return text


def _matrix(labels, current, average, width: int) -> Text:
    columns = max(len(row) for row in labels)
    cell = max(5, min(8, (width - 3) // max(columns, 1)))
    text = Text()
    text.append("avg policy % (• now)", style="bold")
    text.append("\n   ")
    for a in range(columns):
        head = labels[0][a] if a < len(labels[0]) else ""
        text.append(f"{head[: cell - 1]:>{cell - 1}} ")
    for p, row in enumerate(labels):
        text.append("\n" + f"P{p + 1}".ljust(3))
        now = int(np.argmax(current[p])) if len(current[p]) else -1
        for a in range(len(row)):
            avg = float(average[p][a])
            mark = "•" if a == now else " "
            body = f"{mark}{shade(avg) if cell >= 7 else ''}{avg * 100:.0f}"
            text.append(f"{body:>{cell - 1}} ", style="bold" if a == now else "")
    return text


class PolicyTable(Static):
    """The current and time-averaged policies of every player (see :func:`policy_text`)."""

    DEFAULT_CSS = """
    PolicyTable { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.labels: tuple[tuple[str, ...], ...] = ()
        self.current: tuple[np.ndarray, ...] = ()
        self.average: tuple[np.ndarray, ...] = ()

    def show(self, labels: Sequence[Sequence[str]], current: Sequence[np.ndarray],
             average: Sequence[np.ndarray]) -> None:
        """Display these policies (one array of probabilities per player)."""
        self.labels = tuple(tuple(row) for row in labels)
        self.current = tuple(np.asarray(c, dtype=float) for c in current)
        self.average = tuple(np.asarray(a, dtype=float) for a in average)
        self.update(self._render_text())

    def _render_text(self) -> Text:
        if not self.labels:
            return Text("")
        return policy_text(self.labels, self.current, self.average, self.size.width or 40)

    def on_resize(self) -> None:
        self.update(self._render_text())
