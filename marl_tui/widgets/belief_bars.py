"""Horizontal bars of what an agent believes: action probabilities or Q-values, one row per action.

The bars are drawn with block glyphs (eighth-cell resolution), so they stay readable without colour
(NO_COLOR) and at 80 columns; the numbers are printed beside them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.text import Text
from textual.widgets import Static

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(fraction: float, width: int) -> str:
    """A bar filling ``fraction`` (clipped to [0, 1]) of ``width`` cells, at 1/8-cell resolution."""
    fraction = min(max(float(fraction), 0.0), 1.0) if np.isfinite(fraction) else 0.0
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[rest] if rest else "")
    return text.ljust(width)


def bar_fractions(values: Sequence[float], kind: str) -> list[float]:
    """Bar lengths: probabilities as they are; Q-values scaled from the smallest to the largest.

    With Q-values the lowest action gets a sliver (not nothing) so every row still shows a bar, and
    equal Q-values all get full bars.
    """
    array = np.asarray(values, dtype=float)
    if kind == "probs":
        return [float(v) for v in np.clip(array, 0.0, 1.0)]
    low, high = float(np.min(array)), float(np.max(array))
    if not np.isfinite(low) or not np.isfinite(high) or high - low < 1e-12:
        return [1.0] * len(array)
    return [0.08 + 0.92 * (float(v) - low) / (high - low) for v in array]


class BeliefBars(Static):
    """One bar per action for the Q-values (or, without them, the probabilities) an agent holds.

    When an agent reports both, the bars show the Q-values and a last column the probability it
    would play each action with.
    """

    DEFAULT_CSS = """
    BeliefBars { height: auto; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.caption = ""
        self.labels: tuple[str, ...] = ()
        self.q_values: tuple[float, ...] = ()
        self.probs: tuple[float, ...] = ()

    @property
    def kind(self) -> str:
        """What the bars show: "q" (Q-values) or "probs"."""
        return "q" if self.q_values else "probs"

    @property
    def values(self) -> tuple[float, ...]:
        """The numbers the bars show."""
        return self.q_values or self.probs

    def show(self, caption: str, labels: Sequence[str], q_values: Sequence[float] | None = None,
             probs: Sequence[float] | None = None) -> None:
        """Display an agent's beliefs about ``labels`` (each argument may be missing)."""
        self.caption = caption
        self.labels = tuple(labels)
        self.q_values = () if q_values is None else tuple(float(v) for v in q_values)
        self.probs = () if probs is None else tuple(float(v) for v in probs)
        self.update(self._render_text())

    def _render_text(self) -> Text:
        text = Text(self.caption, style="bold")
        values = self.values
        if not values:
            text.append("\n(nothing to show yet)", style="dim")
            return text
        both = bool(self.q_values and self.probs)
        name_width = min(max(len(label) for label in self.labels), 12)
        width = max(2, (self.size.width or 40) - name_width - 10 - (6 if both else 0))
        if both:
            text.append(f"\n{'':<{name_width}} {'':<{width}} {'Q':>7} {'play':>5}", style="dim")
        best = int(np.argmax(values))
        for k, (label, fraction, value) in enumerate(
            zip(self.labels, bar_fractions(values, self.kind), values, strict=True)
        ):
            number = f"{value:+7.2f}" if self.q_values else f"{value:7.1%}"
            style = "bold" if k == best else ""
            text.append(f"\n{label[:name_width]:<{name_width}} ")
            text.append(bar(fraction, width), style=style)
            text.append(f" {number}", style=style)
            if both:
                text.append(f" {self.probs[k]:5.0%}")
        return text

    def on_resize(self) -> None:
        self.update(self._render_text())
