"""A heat map of how often each joint action is played.

Two players: a matrix (rows = player 1's actions, columns = player 2's) whose cells show the share
of recent rounds as a percentage, shaded by a glyph ramp and a background tint — the glyph keeps it
readable under NO_COLOR. Three players: the most frequent joint actions as a ranked list. More
(levers: five players, 3125 joint actions): each player's action frequencies, one row per player,
since a list of 5-tuples tells a watcher little.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from marl_tui.widgets.belief_bars import bar

_RAMP = " ░▒▓█"
_MAX_LISTED = 8
MAX_RANKED_PLAYERS = 3  # more players: per-player frequencies instead of ranked joint actions
_MIN_CELL = 5  # "100%" and a space
_MAX_CELL = 9


def shares(counts: np.ndarray) -> np.ndarray:
    """Counts normalised to shares of the total (all zeros when nothing was played yet)."""
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    return counts / total if total > 0 else np.zeros_like(counts)


def shade(share: float) -> str:
    """The ramp glyph for a share in [0, 1]."""
    return _RAMP[min(int(share * (len(_RAMP) - 1) + 0.5), len(_RAMP) - 1)]


def _tint(share: float) -> Style:
    level = int(40 + 160 * share)
    return Style(bgcolor=f"rgb({level // 3},{level // 2},{level})")


class JointHeatmap(Static):
    """How often each joint action was played in the recent window."""

    DEFAULT_CSS = """
    JointHeatmap { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.counts: np.ndarray | None = None
        self.action_labels: tuple[tuple[str, ...], ...] = ()

    def show(self, counts: np.ndarray | None, action_labels: Sequence[Sequence[str]]) -> None:
        """Display ``counts`` (an array over joint actions, or None when not available)."""
        self.counts = None if counts is None else np.asarray(counts, dtype=float)
        self.action_labels = tuple(tuple(labels) for labels in action_labels)
        self.update(self._render_text())

    def _render_text(self) -> Text:
        many = self.counts is not None and self.counts.ndim > MAX_RANKED_PLAYERS
        text = Text("Actions played % (recent)" if many else "Joint actions (recent)", style="bold")
        if self.counts is None or self.counts.size == 0:
            text.append("\nnot available for this environment", style="dim")
            return text
        share = shares(self.counts)
        width = self.size.width or 32
        if share.ndim == 2 and len(self.action_labels) == 2 and self._fits(share, width):
            self._matrix(text, share, width)
        elif share.ndim <= MAX_RANKED_PLAYERS:
            self._ranked(text, share, width)
        else:
            self._marginals(text, share, width)
        return text

    def _head(self, share: np.ndarray) -> int:
        return min(max(len(r) for r in self.action_labels[0][: share.shape[0]]), 10)

    def _fits(self, share: np.ndarray, width: int) -> bool:
        return self._head(share) + 1 + share.shape[1] * _MIN_CELL <= width

    def _matrix(self, text: Text, share: np.ndarray, width: int) -> None:
        rows, cols = self.action_labels
        head = self._head(share)
        cell = min(_MAX_CELL, (width - head - 1) // share.shape[1])
        text.append("\n" + " " * (head + 1))
        for label in cols[: share.shape[1]]:
            text.append(f"{label[: cell - 1]:^{cell - 1}} ")
        for i in range(share.shape[0]):
            text.append(f"\n{rows[i][:head]:<{head}} ")
            for j in range(share.shape[1]):
                value = float(share[i, j])
                percent = f"{value:.0%}"
                body = shade(value) * 2 + percent.rjust(cell - 3) if cell >= 7 else percent
                text.append(f"{body:>{cell - 1}}", style=_tint(value))
                text.append(" ")

    def _ranked(self, text: Text, share: np.ndarray, width: int) -> None:
        flat = share.reshape(-1)
        order = np.argsort(-flat, kind="stable")[:_MAX_LISTED]
        labels = [
            ",".join(
                self.action_labels[p][a] if p < len(self.action_labels) else str(a)
                for p, a in enumerate(np.unravel_index(int(index), share.shape))
            )
            for index in order
        ]
        label_width = min(max(len(label) for label in labels), max(width - 10, 6))
        bar_width = max(1, width - label_width - 7)
        for index, label in zip(order, labels, strict=True):
            value = float(flat[index])
            text.append(f"\n{label[:label_width]:<{label_width}} {value:4.0%} ")
            text.append(bar(value, bar_width).rstrip(), style="bold")

    def _marginals(self, text: Text, share: np.ndarray, width: int) -> None:
        """One row per player: how often (percent) it played each action in recent rounds."""
        columns = max(share.shape)
        cell = max(4, min(_MAX_CELL - 2, (width - 3) // columns))
        labels = self.action_labels[0] if self.action_labels else ()
        text.append("\n   ")
        for a in range(columns):
            head = labels[a] if a < len(labels) else str(a + 1)
            text.append(f"{head[: cell - 1]:>{cell - 1}} ")
        axes = tuple(range(share.ndim))
        for p in range(share.ndim):
            marginal = share.sum(axis=tuple(ax for ax in axes if ax != p))
            text.append("\n" + f"P{p + 1}".ljust(3))
            for value in marginal:
                value = float(value)
                body = f"{shade(value) if cell >= 6 else ''}{value * 100:.0f}"
                text.append(f"{body:>{cell - 1}}", style=_tint(value))
                text.append(" ")

    def on_resize(self) -> None:
        self.update(self._render_text())
