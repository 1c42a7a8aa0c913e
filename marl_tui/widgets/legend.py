"""One line under the grid that explains its marks, each drawn exactly as the grid draws it."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from marl_tui.widgets.payoff_grid import EQUILIBRIUM_MARK, PARETO_MARK, WELFARE_MARK, PayoffGrid

MARKS = (
    ("underlined", "best response", "underlined payoff: that player's best response to the others"),
    (EQUILIBRIUM_MARK, "Nash eq.", "starred (and, in colour, shaded) cell: a pure Nash equilibrium"),
    (PARETO_MARK, "Pareto", "Pareto-optimal: nobody can gain without someone losing"),
    (WELFARE_MARK, "max welfare", "maximises the total payoff (utilitarian welfare)"),
    ("struck", "dominated", "muted, struck-through action: removed by iterated strict dominance"),
)
"""Each mark, its short legend text and its full meaning (for the help screen)."""

SHORT = {"best response": "best", "Nash eq.": "Nash", "max welfare": "welfare"}
"""Shorter legend words for narrow terminals."""

# The sample of each mark and the grid component whose style draws it.
SAMPLES = {
    "underlined": ("3", "payoff-grid--best-response"),
    EQUILIBRIUM_MARK: (EQUILIBRIUM_MARK, "payoff-grid--equilibrium"),
    PARETO_MARK: (PARETO_MARK, "payoff-grid--marks"),
    WELFARE_MARK: (WELFARE_MARK, "payoff-grid--marks"),
    "struck": ("A", "payoff-grid--dominated"),
}

ANALYSIS_TERMS = (
    ("pure / mixed", "an equilibrium in actions / in probabilities (exact fractions; ≈ numeric)"),
    ("dominance", "strict: worse against everything the others do; weak: never better, "
                  "sometimes worse"),
    ("price of anarchy", "maximum total payoff / total at the worst equilibrium (of stability: "
                         "at the best)"),
    ("correlated eq.", "a joint recommendation nobody gains by disobeying; the one shown "
                       "maximises the total payoff"),
    ("ESS", "evolutionarily stable: a population playing it resists rare mutants"),
    ("maxmin", "the payoff a player can guarantee, whatever the others do"),
    ("v, pgup/pgdn", "switch the analysis page (equilibria / more), scroll it"),
    ("+", "presentation grid: wider columns and rows, for the back of a lecture hall"),
)
"""The analysis panel's terms and keys, explained on the help screen."""


class Legend(Widget):
    """Explains the grid's marks with samples in the grid's own styles, resolved when drawn (so
    a theme change redraws them right). ``compact``: short words, for narrow terminals (the
    footer keeps the help key: widgets/app_footer.py)."""

    DEFAULT_CSS = "Legend { height: auto; }"

    compact: reactive[bool] = reactive(False, layout=True)

    def render(self) -> Text:
        return self.legend_text()

    def legend_text(self) -> Text:
        grid = self.screen.query(PayoffGrid).first() if self.screen.query(PayoffGrid) else None
        text = Text()
        for k, (mark, meaning, _) in enumerate(MARKS):
            sample, component = SAMPLES[mark]
            text.append("  " if k else "")
            text.append(sample, style=grid.mark_style(component) if grid else "")
            text.append(" " + (SHORT.get(meaning, meaning) if self.compact else meaning))
        return text

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda: self.refresh(), init=False)
