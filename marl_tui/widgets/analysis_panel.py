"""The live analysis beside the grid, on two pages that ``v`` switches between.

Page 1, "Equilibria": the Nash equilibria (mixed ones as exact fractions), iterated strict
dominance and weak dominance. Page 2, "More": welfare (Pareto, maximum, prices of anarchy and
stability), the welfare-maximising correlated equilibrium, evolutionarily stable strategies and
the security (maxmin) values. An 80x24 terminal fits one page, and pgup/pgdn scroll it.

``compute_analysis`` runs off the UI thread and computes every part (the extras cost a few
milliseconds next to the equilibria); the panel only formats an :class:`games.analysis.Analysis`
whose parts are already computed, so switching pages never solves anything.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from games import Game
from marl_tui.text import (
    format_cell,
    format_dominator,
    format_entry,
    format_number,
    format_strategy,
)
from marl_tui.widgets.payoff_grid import GridMarks

PAGES = ("Equilibria", "More")

# Computed first, so the equilibria show at once: none of these needs a linear program (nor
# scipy.optimize, a second to import). The dominance sections and page 2 follow (LATER_PARTS).
FIRST_PARTS = ("solution", "best_responses", "pareto_optimal", "welfare_maximising",
               "optimal_welfare")
LATER_PARTS = ("dominated", "elimination", "weak_elimination", "maxmin", "zero_sum",
               "correlated", "ess", "price_of_anarchy", "price_of_stability")
COMPUTING = "computing…\n"


def compute_analysis(game: Game):
    """The analysis of ``game`` with its FIRST_PARTS computed (call from a worker thread)."""
    from games.analysis import analyse

    return analyse(game).compute(FIRST_PARTS)


def compute_parts(analysis, parts: tuple[str, ...]):
    """Compute ``parts`` of ``analysis`` now (call from a worker thread); returns it. A part that
    fails is recorded in ``analysis.failures`` and shown in its own section."""
    return analysis.compute(parts)


def is_complete(analysis) -> bool:
    """Whether every part is computed or failed (the panel never computes one on the UI thread)."""
    return all(name in vars(analysis) or name in analysis.failures for name in LATER_PARTS)


def marks_from_analysis(game: Game, analysis) -> GridMarks:
    """What the grid draws: best responses, pure equilibria, Pareto/welfare cells, dominated actions."""
    dominated: list[set[int]] = [set() for _ in range(game.n_players)]

    def ok(part: str) -> bool:  # a part that failed marks nothing
        return analysis.failure(part) is None

    for step in analysis.elimination.steps if is_complete(analysis) and ok("elimination") else ():
        dominated[step.player].add(step.action)
    return GridMarks(
        best_response=analysis.best_responses
        if ok("best_responses")
        else np.zeros((game.n_players, *game.num_actions), dtype=bool),
        equilibria=frozenset(tuple(c) for c in analysis.solution.pure) if ok("solution") else
        frozenset(),
        pareto=frozenset(tuple(c) for c in analysis.pareto_optimal)
        if ok("pareto_optimal") else frozenset(),
        welfare=frozenset(tuple(c) for c in analysis.welfare_maximising)
        if ok("welfare_maximising") else frozenset(),
        dominated=tuple(frozenset(d) for d in dominated),
    )


def heading(text: Text, title: str) -> None:
    text.append(title + "\n", style="bold underline")


def failed(text: Text, analysis, *parts: str) -> bool:
    """Write why a section's analysis failed, if it did (the other sections still show)."""
    reason = analysis.failure(*parts)
    if reason is not None:
        text.append(f"✗ could not be computed: {reason}\n")
    return reason is not None


def describe_equilibria(game: Game, analysis) -> Text:
    """Page 1: Nash equilibria, iterated strict dominance, weak dominance."""
    text = Text()
    if analysis.failure("solution"):
        heading(text, "Nash equilibria")
        failed(text, analysis, "solution")
    else:
        _describe_solution(game, analysis.solution, text)
    if not is_complete(analysis):
        text.append("\n")
        heading(text, "Dominance")
        text.append(COMPUTING, style="dim")
        return text
    _describe_dominance(game, analysis, text)
    return text


def _describe_solution(game: Game, solution, text: Text) -> None:
    count = len(solution.equilibria)
    heading(text, f"Nash equilibria ({count}{'' if solution.complete else ', maybe more'})")
    for k, eq in enumerate(solution.equilibria, start=1):
        payoffs = format_entry(eq.payoffs)
        if eq.is_pure:
            cell = tuple(s[0] for s in eq.supports)
            text.append(f"{k}. pure {format_cell(game, cell)}", style="bold")
            text.append(f": {payoffs}\n")
            continue
        kind = "mixed" if eq.exact else "mixed ≈"
        text.append(f"{k}. {kind}\n", style="bold")
        for p, strategy in enumerate(eq.strategies):
            text.append(f"  {game.players[p]}: {format_strategy(game.actions[p], strategy)}\n")
        text.append(f"  payoffs {payoffs}\n")
    if not count:
        text.append("none found\n")
    if solution.degenerate:
        text.append(
            "⚠ Degenerate game: equilibria may form continua; the extreme ones are listed.\n",
            style="bold",
        )
    text.append(f"method: {solution.method}\n", style="dim")


def _describe_dominance(game: Game, analysis, text: Text) -> None:
    text.append("\n")
    heading(text, "Strict dominance (iterated)")
    if not failed(text, analysis, "elimination"):
        _describe_strict(game, analysis, text)
    text.append("\n")
    heading(text, "Weak dominance")
    if not failed(text, analysis, "dominated", "weak_elimination", "elimination"):
        _describe_weak(game, analysis, text)


def _describe_strict(game: Game, analysis, text: Text) -> None:
    steps = analysis.elimination.steps
    for k, step in enumerate(steps, start=1):
        text.append(f"{k}. {game.players[step.player]}: {step.label} (by {format_dominator(step.dominator)})\n")
    if not steps:
        text.append("no strictly dominated actions\n")
    elif analysis.elimination.solved:
        text.append(f"dominance solvable: {format_cell(game, survivor(analysis.elimination))}\n")


def _describe_weak(game: Game, analysis, text: Text) -> None:
    # Every weakly dominated action, the strictly dominated ones included (strict implies weak).
    for d in analysis.dominated:
        how = "strictly, " if d.strict else ""
        text.append(f"{game.players[d.player]}: {d.label} ({how}by {format_dominator(d.dominator)})\n")
    if not analysis.dominated:
        text.append("no weakly dominated actions\n")
    iterated = analysis.weak_elimination
    if iterated.solved and not analysis.elimination.solved:
        text.append(f"iterated (order matters): {format_cell(game, survivor(iterated))}\n")


def describe_more(game: Game, analysis) -> Text:
    """Page 2: welfare and its prices, the correlated equilibrium, ESS, security values."""
    if not is_complete(analysis):
        return Text(COMPUTING, style="dim")
    text = Text()
    heading(text, "Welfare")
    if not failed(text, analysis, "pareto_optimal", "welfare_maximising", "optimal_welfare"):
        pareto = ", ".join(format_cell(game, c) for c in analysis.pareto_optimal)
        text.append(f"Pareto-optimal: {pareto}\n")
        best = ", ".join(format_cell(game, c) for c in analysis.welfare_maximising)
        text.append(f"Max total {format_number(analysis.optimal_welfare)}: {best}\n")
    if not failed(text, analysis, "price_of_anarchy", "price_of_stability"):
        text.append(price("Price of anarchy", analysis.price_of_anarchy, "worst"))
        text.append(price("Price of stability", analysis.price_of_stability, "best"))

    text.append("\n")
    heading(text, "Correlated equilibrium (max welfare)")
    if not failed(text, analysis, "correlated"):
        _describe_correlated(game, analysis.correlated, text)
    _describe_ess_and_security(game, analysis, text)
    return text


def _describe_correlated(game: Game, ce, text: Text) -> None:
    cells = [(cell, q) for cell, q in _cells(ce.distribution) if q > 0]
    approx = "" if ce.exact else "≈ "
    text.append(approx + ", ".join(f"{format_cell(game, cell)} {format_number(q, decimals=False)}"
                                   for cell, q in cells) + "\n")
    text.append(f"payoffs {format_entry(ce.payoffs)}, total {format_number(ce.welfare)}\n")


def _describe_ess_and_security(game: Game, analysis, text: Text) -> None:
    text.append("\n")
    heading(text, "Evolutionarily stable strategies")
    if failed(text, analysis, "ess"):
        pass
    elif analysis.ess is None:
        text.append("only for symmetric two-player games\n", style="dim")
    elif not analysis.ess:
        text.append("none\n")
    for strategy in analysis.ess or ():
        text.append(f"{format_strategy(game.actions[0], strategy)}\n")

    text.append("\n")
    heading(text, "Maxmin (security) values")
    if failed(text, analysis, "maxmin", "zero_sum"):
        return
    for p, (strategy, value) in enumerate(analysis.maxmin):
        text.append(f"{game.players[p]}: {format_number(value)}", style="bold")
        text.append(f" by {format_strategy(game.actions[p], strategy)}\n")
    if analysis.zero_sum is not None:
        text.append(f"zero-sum value (to {game.players[0]}): "
                    f"{format_number(analysis.zero_sum.value)}\n")


def describe(game: Game, analysis, page: int = 0) -> Text:
    """The panel's text for an analysed game: page 0 (equilibria) or 1 (more)."""
    return (describe_equilibria if page == 0 else describe_more)(game, analysis)


def survivor(elimination) -> tuple[int, ...]:
    """The one joint action left by a dominance-solvable elimination."""
    return tuple(kept[0] for kept in elimination.surviving)


def price(name: str, ratio, which: str) -> str:
    """ "Price of anarchy 9/4 (3 / worst eq. 4/3)", or why it is undefined."""
    if ratio.value is None:
        return f"{name}: n/a ({ratio.reason})\n"
    return (f"{name} {format_number(ratio.value)} ({format_number(ratio.optimum)} / "
            f"{which} eq. {format_number(ratio.equilibrium_welfare)})\n")


def _cells(distribution):
    """(joint action, probability) for every cell of a distribution over joint actions."""
    for cell in np.ndindex(distribution.shape):
        yield cell, distribution[cell]


class AnalysisPanel(VerticalScroll, can_focus=False):
    """Shows the latest analysis on one of two pages; the game screen calls ``show``,
    ``show_solving`` and ``flip`` (the ``v`` key)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.page = 0
        self._shown: tuple[Game, object, str | None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="analysis-text")

    def show(self, game: Game, analysis, error: str | None = None) -> None:
        """Display ``analysis`` of ``game`` on the current page, or the reason there is none."""
        self._shown = (game, analysis, error)
        self.remove_class("solving")
        self._subtitle()
        body = self.query_one("#analysis-text", Static)
        if error is not None:
            body.update(Text(f"✗ Analysis failed: {error}", style="bold"))
            return
        body.update(describe(game, analysis, self.page))

    def flip(self) -> None:
        """Switch to the other page (redrawn from the analysis already computed)."""
        self.page = 1 - self.page
        self.border_title = f"Analysis: {PAGES[self.page]}"
        self.scroll_home(animate=False)
        if self._shown is not None:
            self.show(*self._shown)
        else:
            self._subtitle()

    def show_solving(self) -> None:
        """Mark the shown analysis as out of date while a slow solve runs."""
        self.add_class("solving")
        self.border_subtitle = "solving…"

    def _subtitle(self) -> None:
        self.border_subtitle = f"v: {PAGES[1 - self.page].lower()}"

    def on_mount(self) -> None:
        self.border_title = f"Analysis: {PAGES[self.page]}"
        self._subtitle()
