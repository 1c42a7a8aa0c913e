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


def role_share(shares: Sequence[Sequence[float]], role: int, action: int) -> float | None:
    """An action's share in a role, ``None`` when no one (of that kind) played the role: a
    two-role game with one student and one agent has each role played by one kind only."""
    return shares[role][action] if sum(shares[role]) else None


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
        agent_part = " ".join(percent(role_share(h.agent_shares, r, a))
                              for r, a, _ in columns) if h.agents else "-"
        table.add_row(
            str(h.number), str(h.humans), str(h.agents),
            *(percent(role_share(h.human_shares, r, a)) for r, a, _ in columns),
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


# ----- the teacher's dashboard, from a "dashboard" message --------------------------------------
def dashboard_header(view: dict) -> Text:
    """Game, phase, round, countdown, and the class's presence."""
    c = view["counts"]
    text = Text(view["game"], style="bold")
    phase = {"lobby": "lobby: press s to start", "round": f"round {view['round']}",
             "results": f"round {view['round']} closed: n for the next", "ended": "ended"}
    text.append(f"  {phase[view['phase']]}")
    if view["remaining"] is not None:
        text.append(f"  {view['remaining']:.0f} s left" + (" (paused)" if view["paused"] else ""))
    text.append(f"\n{c['online']} online, {c['idle']} idle, {c['dropped']} dropped")
    if c["kicked"]:
        text.append(f", {c['kicked']} removed")
    settings = view["settings"]
    text.append(f"   deadline {settings['deadline']:g} s, {settings['matching']}, agents "
                + (f"on ({settings['agent']})" if settings["agents"] else "off"))
    if view["projector"]:
        text.append("   [projector view]")
    return text


def shares_table(view: dict) -> Table:
    """Per action: last round's shares (students, agents apart), each equilibrium's prediction,
    the optimum, and a sparkline of the students' share over the rounds."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("action")
    table.add_column("students", justify="right")
    table.add_column("agents", justify="right")
    for k in range(len(view["predictions"])):
        table.add_column(f"Nash {k + 1}", justify="right")
    table.add_column("optimum", justify="right")
    table.add_column("over the rounds")
    history = view["history"]
    last = history[-1] if history else None
    multi = len(view["labels"]) > 1
    for r, labels in enumerate(view["labels"]):
        for a, label in enumerate(labels):
            name = Text(f"P{r + 1} {label}" if multi else label)
            students = percent(role_share(last["human_shares"], r, a)) if last else "-"
            agents = percent(role_share(last["agent_shares"], r, a)) if last else "-"
            spark = sparkline([role_share(h["human_shares"], r, a) for h in history[-40:]])
            table.add_row(name, students, agents,
                          *(percent(p["shares"][r][a]) for p in view["predictions"]),
                          percent(view["optimum"]["shares"][r][a]), spark)
    return table


def payoff_line(view: dict) -> Text:
    """Mean payoff last round (students, agents) against equilibrium and optimum payoffs."""
    history = view["history"]
    last = history[-1] if history else None
    text = Text("mean payoff: students ")
    text.append(number(last["human_mean_payoff"]) if last else "-")
    text.append(", agents " + (number(last["agent_mean_payoff"]) if last else "-"))
    eq = sorted({round(p["payoff"], 4) for p in view["predictions"]})
    text.append("\n  at equilibrium " + " or ".join(f"{x:.3g}" for x in eq))
    text.append(f", at the optimum {view['optimum']['payoff']:.3g}")
    if history:
        means = [h["human_mean_payoff"] for h in history[-40:]]
        known = [m for m in means if m is not None]
        if known:
            text.append(f"\nstudents' mean payoff over the rounds {sparkline(means, min(known), max(known))}")
    return text


def legend_lines(view: dict) -> Text:
    return Text("\n".join(f"Nash {k + 1}: {p['label'].split(': ', 1)[-1]}"
                          for k, p in enumerate(view["predictions"])))


def guesses_panel(view: dict) -> Text:
    """Guess p of the average (and other class games): histogram, mean, target, winners, levels."""
    info = view["aggregate"]
    values = [v for v, _ in info["values"]]
    text = Text()
    if values:
        human = [v for v, agent in info["values"] if not agent]
        text.append("\n".join(histogram(values, info["low"], info["high"], bins=10, width=30)))
        text.append(f"\nmean {np.mean(values):.2f}")
        if human:
            text.append(f" (students {np.mean(human):.2f})")
        if info["targets"]:
            text.append(f", target {info['targets'][0]:.2f}")
        if info["winners"]:
            text.append(", winner " + ", ".join(info["winners"][:5]))
            if len(info["winners"]) > 5:
                text.append(f" and {len(info['winners']) - 5} more")
    else:
        text.append("no round played yet")
    text.append("\nlevels of reasoning: " + ", ".join(f"{v:.1f}".rstrip("0").rstrip(".")
                                                       for v in info["levels"]))
    return text


def roster_rows(view: dict) -> list[tuple[str, Text, str, str, str]]:
    """(id, name, status, total, submitted) for the roster table (none in the projector view)."""
    rows = []
    for s in view["roster"]:
        status = s["status"] + (" (idle)" if s["status"] == "online" and s["timed_out_last"] else "")
        submitted = "" if view["phase"] != "round" else ("chosen" if s["submitted"] else "waiting")
        rows.append((s["id"], Text(s["name"]), status, f"{s['total']:g}", submitted))
    return rows
