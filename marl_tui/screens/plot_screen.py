"""A full-size plot of training curves (textual-plotext), for when a one-line sparkline is not enough."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Label
from textual_plotext import PlotextPlot

from marl_tui.widgets.app_footer import AppFooter


class PlotScreen(ModalScreen[None]):
    """Line plots of named series against the episode axis; escape or q closes it."""

    DEFAULT_CSS = """
    PlotScreen { align: center middle; }
    PlotScreen > PlotextPlot { width: 100%; height: 1fr; }
    PlotScreen > Label { width: 100%; text-style: bold; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self, title: str, x: Sequence[float], series: Mapping[str, Sequence[float]],
                 y_label: str = "") -> None:
        super().__init__()
        self.plot_title = title
        self.x = list(x)
        self.series = {name: list(values) for name, values in series.items()}
        self.y_label = y_label

    def compose(self) -> ComposeResult:
        yield Label(self.plot_title)
        yield PlotextPlot()
        yield AppFooter()

    def on_mount(self) -> None:
        plt = self.query_one(PlotextPlot).plt
        plt.title(self.plot_title)
        plt.xlabel("episode")
        if self.y_label:
            plt.ylabel(self.y_label)
        plotted = False
        for name, values in self.series.items():
            n = min(len(values), len(self.x))
            if n:
                plt.plot(self.x[-n:], values[-n:], label=name, marker="braille")
                plotted = True
        if not plotted:
            plt.title(f"{self.plot_title} (no data yet: start training first)")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
