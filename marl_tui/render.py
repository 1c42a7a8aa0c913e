"""Rich renderables for games, equilibria and analysis: what `marl-tui solve` and `games` print.

Pure functions from data to rich tables, so the CLI and the app's help text show the same thing.
Numbers, strategies and joint actions are written by :mod:`marl_tui.text`, as in the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import product

import numpy as np
from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from games.analysis import Analysis
from games.catalogue import CatalogueEntry
from games.dominance import Domination, Elimination
from games.model import Game
from marl_tui.text import format_cell, format_dominator, format_number, format_strategy

Cell = tuple[int, ...]


# ----- games ---------------------------------------------------------------------------------
def game_tables(game: Game, highlight: Iterable[Cell] = ()) -> list[RenderableType]:
    """The payoff matrix: rows player 1, columns player 2, cells "a, b, ...".

    Games with more players get one table per joint action of players 3..n (the title names
    it). Cells in ``highlight`` (e.g. pure equilibria) are bold. Payoffs never wrap: when the
    combined table is wider than the terminal, each player's payoffs get a table of their own,
    which needs about a third of the width.
    """
    marked = {tuple(c) for c in highlight}
    slices = list(product(*(range(k) for k in game.num_actions[2:])))
    parts: list[RenderableType] = []
    for rest in slices:
        title = game.name
        if rest:
            title += " — " + ", ".join(
                f"{game.players[p + 2]}: {game.actions[p + 2][i]}" for p, i in enumerate(rest)
            )
        combined = [
            (Text(title, style="italic"), _payoff_table(game, rest, range(game.n_players), marked))
        ]
        split = [
            (
                Text(f"{title} — payoffs to {game.players[p]}", style="italic"),
                _payoff_table(game, rest, (p,), marked),
            )
            for p in range(game.n_players)
        ]
        for _, table in split:  # narrower still: no vertical rules, padding shared by neighbours
            table.box, table.show_lines = box.SIMPLE_HEAD, False
            table.collapse_padding, table.pad_edge = True, False
        parts.append(_FirstThatFits([combined, split]))
    return parts


def _payoff_table(game: Game, rest: Cell, players: Iterable[int], marked: set[Cell]) -> Table:
    """One slice of the payoff matrix showing ``players``' payoffs in each cell."""
    exact = game.exact_payoffs
    players = list(players)
    table = Table(
        caption=f"rows: {game.players[0]}, columns: {game.players[1]}",
        show_lines=game.num_actions[0] <= 6,
    )
    rows, columns = game.num_actions[0], game.num_actions[1]
    texts = [
        [", ".join(format_number(exact[(p, i, j, *rest)]) for p in players) for j in range(columns)]
        for i in range(rows)
    ]
    longest = max(len(label) for label in game.actions[0])
    table.add_column("", style="bold", overflow="fold", min_width=min(longest, 12))
    for j, label in enumerate(game.actions[1]):
        # A payoff cell keeps its width (never wraps); long action labels wrap in the header.
        width = max(len(texts[i][j]) for i in range(rows))
        table.add_column(label, justify="center", min_width=width, overflow="fold")
    for i in range(rows):
        cells = [
            Text(text, style="bold reverse" if (i, j, *rest) in marked else "")
            for j, text in enumerate(texts[i])
        ]
        table.add_row(game.actions[0][i], *cells)
    return table


_UNBOUNDED = 1_000_000


class _FirstThatFits:
    """Renders the first of several layouts whose tables all fit the width; else the last one.

    A layout is a list of (title, table) pairs; titles are printed above their tables at the
    full width (a table's own title would wrap to the table's width) and are not measured.
    """

    def __init__(self, layouts: Sequence[Sequence[tuple[Text, Table]]]) -> None:
        self.layouts = layouts

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        natural = options.update_width(_UNBOUNDED)  # Measurement clamps to max_width
        chosen = self.layouts[-1]
        for layout in self.layouts[:-1]:
            widths = (Measurement.get(console, natural, table).maximum for _, table in layout)
            if all(width <= options.max_width for width in widths):
                chosen = layout
                break
        for title, table in chosen:
            yield title
            yield table


def catalogue_table(entries: Sequence[CatalogueEntry]) -> Table:
    """The catalogue: slug (with its parameters), players, actions, name and summary.

    Laid out for an 80-column terminal: the slug, which users type, never wraps; parameters sit
    under it, one per line; the name opens the description, which takes the remaining width.
    """
    table = Table(title=f"Game catalogue ({len(entries)} games)", box=box.SIMPLE_HEAD, expand=True)
    table.add_column("game (parameters)", no_wrap=True)
    table.add_column("players", justify="right", no_wrap=True)
    table.add_column("actions", no_wrap=True)
    table.add_column("description", ratio=1, min_width=24, overflow="fold")
    for entry in entries:
        game = entry.build()
        key = Text(entry.slug, style="bold cyan")
        for name, default in entry.parameters.items():
            key.append(f"\n  {name}={default}", style="dim")
        summary = Text(entry.name, style="bold")
        summary.append(": " + _first_sentence(entry.description))
        actions = "×".join(str(k) for k in game.num_actions)
        table.add_row(key, str(game.n_players), actions, summary)
    table.caption = "Open one with `marl-tui GAME`; set parameters as GAME:name=value,name=value."
    return table


def _first_sentence(text: str, limit: int = 90) -> str:
    """The text's first sentence, cut after a whole word (with "…") when longer than ``limit``."""
    sentence = text.strip().split(". ")[0].rstrip(".")
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:(") + "…"


# ----- equilibria ----------------------------------------------------------------------------
def equilibria_table(game: Game, solution) -> Table:
    """Every equilibrium the solver reports: each player's strategy and expected payoff."""
    count = len(solution.equilibria)
    title = f"Nash equilibria ({count}{'' if solution.complete else ', possibly incomplete'})"
    table = Table(title=title, caption=f"method: {solution.method}")
    table.add_column("#", justify="right")
    table.add_column("kind")
    for player in game.players:
        table.add_column(player)
    table.add_column("payoffs", justify="center")
    for k, eq in enumerate(solution.equilibria, start=1):
        pure = all(sum(1 for p in s if p != 0) == 1 for s in eq.strategies)
        kind = "pure" if pure else "mixed"
        if not eq.exact:
            kind += " (approx.)"
        strategies = [format_strategy(game.actions[p], s) for p, s in enumerate(eq.strategies)]
        payoffs = ", ".join(format_number(v) for v in eq.payoffs)
        table.add_row(str(k), kind, *strategies, payoffs)
    return table


def degeneracy_note(solution) -> Text:
    """What the solver's degenerate flag means for the equilibria listed."""
    if solution.degenerate is None:
        return Text(f"Degeneracy: not determined ({solution.method}).")
    if solution.degenerate:
        return Text(
            "Degenerate game: some mixed strategy has more pure best responses than its support "
            "size, so equilibria can come in connected sets (segments, polytopes); the list shows "
            "their extreme points, and mixtures of them may be equilibria too.",
            style="yellow",
        )
    return Text("Nondegenerate game: finitely many equilibria, an odd number (Shapley 1974).")


# ----- analysis ------------------------------------------------------------------------------
def dominance_table(game: Game, dominated: Sequence[Domination]) -> Table:
    table = Table(title="Dominated actions")
    table.add_column("player")
    table.add_column("action")
    table.add_column("dominated by")
    table.add_column("how")
    for d in dominated:
        how = ("strictly" if d.strict else "weakly") + (" (pure)" if d.pure else " (mixed)")
        table.add_row(game.players[d.player], d.label, format_dominator(d.dominator), how)
    if not dominated:
        table.add_row("—", "no action is dominated", "", "")
    return table


def elimination_table(game: Game, elimination: Elimination) -> Table:
    kind = "weakly" if elimination.weak else "strictly"
    title = f"Iterated elimination of {kind} dominated actions"
    caption = "survivors: " + "; ".join(
        f"{game.players[p]}: {', '.join(game.actions[p][i] for i in kept)}"
        for p, kept in enumerate(elimination.surviving)
    )
    if elimination.solved:
        caption += " — dominance solvable"
    if elimination.weak:
        caption += " (weak elimination depends on the order; this removes the first found)"
    table = Table(title=title, caption=caption)
    table.add_column("step", justify="right")
    table.add_column("player")
    table.add_column("removes")
    table.add_column("dominated by")
    for k, step in enumerate(elimination.steps, start=1):
        how = "" if step.strict else " (weakly)"
        table.add_row(
            str(k), game.players[step.player], step.label, format_dominator(step.dominator) + how
        )
    if not elimination.steps:
        table.add_row("—", "", "nothing to eliminate", "")
    return table


def outcomes_table(analysis: Analysis) -> Table:
    """Pareto optimal and welfare-maximising cells, prices of anarchy and stability; a row
    whose analysis failed says so in its place."""
    game = analysis.game
    table = Table(title="Outcomes")
    table.add_column("property")
    table.add_column("cells")

    def add(name: str, parts: tuple[str, ...], value) -> None:
        reason = analysis.failure(*parts)
        table.add_row(name, Text(f"failed: {reason}") if reason is not None else value())

    add(
        "Pareto optimal",
        ("pareto_optimal",),
        lambda: ", ".join(format_cell(game, c) for c in analysis.pareto_optimal),
    )
    welfare = analysis.failure("optimal_welfare")
    add(
        "welfare maximising"
        + ("" if welfare else f" (sum {format_number(analysis.optimal_welfare)})"),
        ("welfare_maximising", "optimal_welfare"),
        lambda: ", ".join(format_cell(game, c) for c in analysis.welfare_maximising),
    )
    for name, part in (
        ("price of anarchy", "price_of_anarchy"),
        ("price of stability", "price_of_stability"),
    ):
        ratio = None if analysis.failure(part) else getattr(analysis, part)
        add(
            name,
            (part,),
            lambda ratio=ratio: (
                format_number(ratio.value) if ratio.value is not None else ratio.reason
            ),
        )
    return table


def failed_section(title: str, reason: str) -> Text:
    """A section whose analysis failed: its title and why, in place of its table."""
    text = Text(f"{title}: ", style="bold")
    text.append(f"could not be computed: {reason}", style="red")
    return text


def _section(analysis: Analysis, parts: tuple[str, ...], title: str, build) -> RenderableType:
    reason = analysis.failure(*parts)
    return failed_section(title, reason) if reason is not None else build()


def security_table(analysis: Analysis) -> Table:
    game = analysis.game
    table = Table(title="Security (maxmin) strategies")
    table.add_column("player")
    table.add_column("maxmin strategy")
    table.add_column("guaranteed payoff", justify="center")
    for p, (strategy, value) in enumerate(analysis.maxmin):
        table.add_row(
            game.players[p], format_strategy(game.actions[p], strategy), format_number(value)
        )
    zero_sum = analysis.zero_sum
    if zero_sum is not None:
        kind = "zero-sum" if zero_sum.constant == 0 else f"constant-sum ({zero_sum.constant})"
        table.caption = (
            f"{kind} game: value to {game.players[0]} = {format_number(zero_sum.value)}; "
            "the maxmin strategies are the optimal (minimax) strategies"
        )
    return table


def correlated_table(analysis: Analysis) -> Table:
    game = analysis.game
    ce = analysis.correlated
    table = Table(
        title="Welfare-maximising correlated equilibrium",
        caption=f"welfare {format_number(ce.welfare)}; expected payoffs "
        + ", ".join(format_number(v) for v in ce.payoffs),
    )
    table.add_column("joint action")
    table.add_column("probability", justify="center")
    for cell in np.ndindex(*game.num_actions):
        p = ce.distribution[cell]
        if p != 0 if ce.exact else p > 1e-9:
            table.add_row(format_cell(game, cell), format_number(p))
    return table


def ess_text(analysis: Analysis) -> Text | None:
    if analysis.ess is None:
        return None
    game = analysis.game
    if not analysis.ess:
        return Text("Evolutionarily stable strategies: none")
    found = "; ".join(format_strategy(game.actions[0], x) for x in analysis.ess)
    return Text(f"Evolutionarily stable strategies: {found}")


def analysis_renderables(analysis: Analysis) -> list[RenderableType]:
    """Every analysis table, in the order a lesson would go through them."""
    game = analysis.game
    parts: list[RenderableType] = [
        _section(
            analysis,
            ("dominated",),
            "Dominated actions",
            lambda: dominance_table(game, analysis.dominated),
        ),
        _section(
            analysis,
            ("elimination",),
            "Iterated elimination of strictly dominated actions",
            lambda: elimination_table(game, analysis.elimination),
        ),
    ]
    weak = analysis.failure("weak_elimination")
    if weak is not None:
        parts.append(failed_section("Iterated elimination of weakly dominated actions", weak))
    elif analysis.failure("elimination") or (
        analysis.weak_elimination.steps != analysis.elimination.steps
    ):
        parts.append(elimination_table(game, analysis.weak_elimination))
    parts += [
        outcomes_table(analysis),
        _section(
            analysis,
            ("maxmin", "zero_sum"),
            "Security (maxmin) strategies",
            lambda: security_table(analysis),
        ),
        _section(
            analysis,
            ("correlated",),
            "Welfare-maximising correlated equilibrium",
            lambda: correlated_table(analysis),
        ),
    ]
    ess = _section(
        analysis, ("ess",), "Evolutionarily stable strategies", lambda: ess_text(analysis)
    )
    if ess is not None:
        parts.append(ess)
    return parts


def solve_report(analysis: Analysis) -> Group:
    """The whole `marl-tui solve` report: game, equilibria, degeneracy, analysis."""
    game = analysis.game
    failed = analysis.failure("solution")
    header = Text(str(game), style="bold")
    parts: list[RenderableType] = [header]
    if game.description:
        parts.append(Text(game.description, style="dim"))
    parts += game_tables(game, highlight=() if failed else analysis.solution.pure)
    if failed:
        parts.append(failed_section("Nash equilibria", failed))
    else:
        parts += [equilibria_table(game, analysis.solution), degeneracy_note(analysis.solution)]
    parts += analysis_renderables(analysis)
    return Group(*parts)
