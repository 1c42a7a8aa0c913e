"""One line under the grid that explains its marks (the same styles the grid draws with)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from marl_tui.widgets.payoff_grid import EQUILIBRIUM_MARK, PARETO_MARK, WELFARE_MARK, PayoffGrid

MARKS = (
    ("underlined", "best response", "underlined payoff: that player's best response to the others"),
    (EQUILIBRIUM_MARK, "Nash eq.", "starred (and, in colour, shaded) cell: a pure Nash equilibrium"),
    (PARETO_MARK, "Pareto", "Pareto-optimal: nobody can gain without someone losing"),
    (WELFARE_MARK, "max welfare", "maximises the total payoff (utilitarian welfare)"),
    ("dim", "dominated", "struck-through action: removed by iterated strict dominance"),
)
"""Each mark, its short legend text and its full meaning (for the help screen)."""


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
)
"""The analysis panel's terms and keys, explained on the help screen."""


class Legend(Static):
    """Explains the grid's marks; the samples borrow the grid's component styles."""

    def on_mount(self) -> None:
        self.update(self.legend_text())

    def legend_text(self) -> Text:
        grid = self.screen.query(PayoffGrid).first() if self.screen.query(PayoffGrid) else None

        def style(component: str) -> str:
            return grid.get_component_rich_style(component, partial=True) if grid else ""

        samples = {
            "underlined": ("3", style("payoff-grid--best-response")),
            EQUILIBRIUM_MARK: (EQUILIBRIUM_MARK, style("payoff-grid--marks")),
            PARETO_MARK: (PARETO_MARK, style("payoff-grid--marks")),
            WELFARE_MARK: (WELFARE_MARK, style("payoff-grid--marks")),
            "dim": ("A", style("payoff-grid--dominated")),
        }
        text = Text()
        for k, (mark, meaning, _) in enumerate(MARKS):
            sample, sample_style = samples[mark]
            text.append("  " if k else "")
            text.append(sample, style=sample_style)
            text.append(f" {meaning}")
        return text
