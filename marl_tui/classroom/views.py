"""What the class's numbers look like as text: the round table, sparklines, the histogram of
guesses. Rich renderables and plain strings, shared by `marl-tui class rehearse` and the teacher's
dashboard; every user string is put in as plain text (``Text``), never as markup."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich import box
from rich.table import Table
from rich.text import Text

from marl_tui.classroom.hub import RoundSummary
from marl_tui.classroom.stage import Prediction, Stage

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], low: float = 0.0, high: float = 1.0) -> str:
    """One character per value between ``low`` and ``high`` (a space for a missing value)."""
    span = (high - low) or 1.0
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            k = int(round((min(max(v, low), high) - low) / span * (len(BARS) - 1)))
            out.append(BARS[k])
    return "".join(out)


def percent(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def number(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def action_columns(stage: Stage) -> list[tuple[int, int, str]]:
    """(share role, action, header) for every column of shares (matrix games only)."""
    columns = []
    for r, labels in enumerate(stage.share_labels):
        prefix = "" if len(stage.share_labels) == 1 else f"P{r + 1} "
        columns.extend((r, a, prefix + label) for a, label in enumerate(labels))
    return columns


def rehearsal_table(stage: Stage, history: Sequence[RoundSummary]) -> Table:
    """The round table: each round's shares (students, agents apart) against the predictions."""
    table = Table(title=Text(stage.name), title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("round", justify="right")
    table.add_column("students", justify="right")
    table.add_column("agents", justify="right")
    if stage.aggregate:
        for header in ("mean guess", "agents' mean", "target", "at equilibrium", "mean payoff"):
            table.add_column(header, justify="right")
        eq_actions = {int(np.argmax(p.shares[0])) for p in stage.equilibria}
        for h in history:
            human = [v for v, agent in h.values if not agent]
            robot = [v for v, agent in h.values if agent]
            at_eq = sum(h.human_shares[0][a] for a in eq_actions) if human else None
            table.add_row(
                str(h.number), str(h.humans), str(h.agents),
                number(float(np.mean(human)) if human else None),
                number(float(np.mean(robot)) if robot else None),
                number(h.targets[0] if h.targets else None), percent(at_eq),
                number(h.human_mean_payoff),
            )
        for name, p in predictions(stage):
            table.add_row(name, "", "", "", "", "", "", number(p.payoff))
        table.caption = legend(stage)
        return table
    columns = action_columns(stage)
    for _, _, header in columns:
        table.add_column(Text(header), justify="right")
    table.add_column("agents' shares")
    table.add_column("mean payoff", justify="right")
    for h in history:
        agent_part = " ".join(percent(h.agent_shares[r][a]) for r, a, _ in columns) if h.agents else "-"
        table.add_row(
            str(h.number), str(h.humans), str(h.agents),
            *(percent(h.human_shares[r][a]) if h.humans else "-" for r, a, _ in columns),
            agent_part, number(h.human_mean_payoff),
        )
    for name, p in predictions(stage):
        table.add_row(name, "", "", *(percent(p.shares[r][a]) for r, a, _ in columns),
                      "", number(p.payoff))
    table.caption = legend(stage)
    return table


def predictions(stage: Stage) -> list[tuple[str, Prediction]]:
    """Short names ("Nash 1", ..., "optimum") for the table, with the predictions they stand for."""
    named = [(f"Nash {k + 1}", p) for k, p in enumerate(stage.equilibria)]
    return [*named, ("optimum", stage.optimum)]


def legend(stage: Stage) -> Text:
    """What each short name stands for, one per line, as plain text."""
    lines = [f"{name}: {p.label.split(': ', 1)[-1]}" for name, p in predictions(stage)]
    return Text("\n".join(lines), justify="left")


def histogram(values: Sequence[int], low: int, high: int, bins: int = 10,
              width: int = 30) -> list[str]:
    """Rows ``"  0- 9 ████ 4"``: how many values fall in each of ``bins`` equal ranges."""
    edges = np.linspace(low, high + 1, bins + 1)
    counts, _ = np.histogram(values, bins=edges)
    top = max(int(counts.max()), 1) if len(values) else 1
    lines = []
    for k, c in enumerate(counts):
        lo, hi = int(np.ceil(edges[k])), int(np.ceil(edges[k + 1])) - 1
        bar = "█" * int(round(c / top * width))
        lines.append(f"{lo:>3}-{hi:<3} {bar} {c}")
    return lines
