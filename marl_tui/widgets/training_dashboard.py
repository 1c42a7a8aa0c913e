"""A dashboard of labelled one-line Sparklines: one row per series (rewards, exploitability, ...).

Each row keeps its latest value beside the curve. Sparkline's ``data`` is a reactive compared by
equality, so every update assigns a *new* list (mutating the old one in place would not redraw).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import fmean

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Label, Sparkline

from marl_tui.plain import plain


class SeriesRow(Horizontal):
    """A label, a Sparkline and the latest value."""

    DEFAULT_CSS = """
    SeriesRow { height: 1; }
    SeriesRow > .series-name { width: 16; }
    SeriesRow > Sparkline { width: 1fr; }
    SeriesRow > .series-value { width: 9; text-align: right; }
    """

    def __init__(self, key: str, title: str) -> None:
        super().__init__(classes=f"series-{key}")
        self.key = key
        self.title = title

    def compose(self) -> ComposeResult:
        yield Label(plain(self.title[:15]), classes="series-name")
        yield Sparkline([], summary_function=fmean)
        yield Label("", classes="series-value")

    def set_data(self, values: Sequence[float]) -> None:
        self.query_one(Sparkline).data = list(values)
        latest = f"{values[-1]:+.3f}" if values else ""
        self.query_one(".series-value", Label).update(latest)


class TrainingDashboard(VerticalScroll):
    """Rows of Sparklines, created on demand by key; :meth:`set_series` updates them all."""

    DEFAULT_CSS = """
    TrainingDashboard { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: dict[str, SeriesRow] = {}

    def configure(self, titles: Mapping[str, str]) -> None:
        """Replace the rows with one per ``key -> title`` (in order)."""
        self.remove_children()
        self.rows = {key: SeriesRow(_css_key(key), title) for key, title in titles.items()}
        self.mount_all(self.rows.values())

    def set_series(self, series: Mapping[str, Sequence[float]]) -> None:
        """Give each known row its new data (a fresh list per update)."""
        for key, values in series.items():
            row = self.rows.get(key)
            if row is not None and row.is_mounted:
                row.set_data(values)

    def data_of(self, key: str) -> list[float]:
        """The data currently drawn by ``key``'s Sparkline (for tests and the plot screen)."""
        row = self.rows[key]
        return list(row.query_one(Sparkline).data or [])


def _css_key(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in key)
