"""The live analysis beside the grid: equilibria, dominance, welfare and security levels.

``compute_analysis`` runs off the UI thread (it may call LP solvers); the panel only formats an
:class:`games.analysis.Analysis` whose parts are already computed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from games import Game
from marl_tui.widgets.formatting import format_entry, format_number
from marl_tui.widgets.payoff_grid import GridMarks

# The parts of the analysis the panel and the grid show; computed together in the worker.
SHOWN_PARTS = (
    "solution",
    "best_responses",
    "elimination",
    "pareto_optimal",
    "welfare_maximising",
    "optimal_welfare",
    "maxmin",
)


def compute_analysis(game: Game):
    """The analysis of ``game`` with every shown part computed (call from a worker thread)."""
    from games.analysis import analyse

    analysis = analyse(game)
    for part in SHOWN_PARTS:
        getattr(analysis, part)
    return analysis


def marks_from_analysis(game: Game, analysis) -> GridMarks:
    """What the grid draws: best responses, pure equilibria, Pareto/welfare cells, dominated actions."""
    dominated: list[set[int]] = [set() for _ in range(game.n_players)]
    for step in analysis.elimination.steps:
        dominated[step.player].add(step.action)
    return GridMarks(
        best_response=analysis.best_responses,
        equilibria=frozenset(tuple(c) for c in analysis.solution.pure),
        pareto=frozenset(tuple(c) for c in analysis.pareto_optimal),
        welfare=frozenset(tuple(c) for c in analysis.welfare_maximising),
        dominated=tuple(frozenset(d) for d in dominated),
    )


def cell_name(game: Game, cell: Sequence[int]) -> str:
    """A joint action by its labels: "(Opera, Football)"."""
    return "(" + ", ".join(game.actions[p][a] for p, a in enumerate(cell)) + ")"


def mixed_strategy(labels: Sequence[str], probabilities: Sequence) -> str:
    """A strategy over its support: "Opera 2/3, Football 1/3", or just "Opera" when pure."""
    support = [(label, p) for label, p in zip(labels, probabilities, strict=True) if p > 0]
    if len(support) == 1:
        return support[0][0]
    return ", ".join(f"{label} {format_number(p, decimals=False)}" for label, p in support)


def describe(game: Game, analysis) -> Text:
    """The panel's text for an analysed game."""
    text = Text()
    solution = analysis.solution
    count = len(solution.equilibria)
    heading = f"Nash equilibria ({count}{'' if solution.complete else ', maybe more'})"
    text.append(heading + "\n", style="bold underline")
    for k, eq in enumerate(solution.equilibria, start=1):
        payoffs = format_entry(eq.payoffs)
        if eq.is_pure:
            cell = tuple(s[0] for s in eq.supports)
            text.append(f"{k}. pure {cell_name(game, cell)}", style="bold")
            text.append(f": {payoffs}\n")
            continue
        kind = "mixed" if eq.exact else "mixed ≈"
        text.append(f"{k}. {kind}\n", style="bold")
        for p, strategy in enumerate(eq.strategies):
            text.append(f"  {game.players[p]}: {mixed_strategy(game.actions[p], strategy)}\n")
        text.append(f"  payoffs {payoffs}\n")
    if not count:
        text.append("none found\n")
    if solution.degenerate:
        text.append(
            "⚠ Degenerate game: equilibria may form continua; the extreme ones are listed.\n",
            style="bold",
        )
    text.append(f"method: {solution.method}\n", style="dim")

    text.append("\nStrict dominance\n", style="bold underline")
    steps = analysis.elimination.steps
    for k, step in enumerate(steps, start=1):
        by = mixed_strategy([d[0] for d in step.dominator], [d[1] for d in step.dominator])
        text.append(f"{k}. {game.players[step.player]}: {step.label} (by {by})\n")
    if not steps:
        text.append("no dominated actions\n")
    elif analysis.elimination.solved:
        survivor = tuple(kept[0] for kept in analysis.elimination.surviving)
        text.append(f"dominance solvable: {cell_name(game, survivor)}\n")

    text.append("\nWelfare\n", style="bold underline")
    pareto = ", ".join(cell_name(game, c) for c in analysis.pareto_optimal)
    text.append(f"Pareto-optimal: {pareto}\n")
    best = ", ".join(cell_name(game, c) for c in analysis.welfare_maximising)
    text.append(f"Max total {format_number(analysis.optimal_welfare)}: {best}\n")

    text.append("\nMaxmin (security) values\n", style="bold underline")
    for p, (strategy, value) in enumerate(analysis.maxmin):
        text.append(f"{game.players[p]}: {format_number(value)}", style="bold")
        text.append(f" by {mixed_strategy(game.actions[p], strategy)}\n")
    return text


class AnalysisPanel(VerticalScroll, can_focus=False):
    """Shows the latest analysis; the game screen calls ``show`` or ``show_solving``."""

    def compose(self) -> ComposeResult:
        yield Static(id="analysis-text")

    def show(self, game: Game, analysis, error: str | None = None) -> None:
        """Display ``analysis`` of ``game``, or the reason there is none."""
        self.remove_class("solving")
        self.border_subtitle = ""
        body = self.query_one("#analysis-text", Static)
        if error is not None:
            body.update(Text(f"✗ Analysis failed: {error}", style="bold"))
            return
        body.update(describe(game, analysis))

    def show_solving(self) -> None:
        """Mark the shown analysis as out of date while a slow solve runs."""
        self.add_class("solving")
        self.border_subtitle = "solving…"

    def on_mount(self) -> None:
        self.border_title = "Analysis"
