"""`marl-tui dynamics GAME_OR_FILE`: the rest points of a learning dynamic and their stability."""

from __future__ import annotations

import argparse
import json
import math

from marl_tui.cli.commands.solve import number_json

DYNAMIC_CHOICES = ("replicator", "best-response", "logit")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "game",
        metavar="GAME_OR_FILE",
        help="a two-player catalogue game (e.g. rock-paper-scissors) or a game file",
    )
    parser.add_argument(
        "--dynamic",
        choices=DYNAMIC_CHOICES,
        default="replicator",
        help="replicator (default), best-response (continuous fictitious play) or logit "
        "(Boltzmann-Q learning)",
    )
    parser.add_argument(
        "--temperature",
        default="0.1",
        metavar="T",
        help="the logit dynamic's temperature, in payoff units (default 0.1); lower is greedier",
    )
    parser.add_argument(
        "--population",
        choices=("auto", "single", "two"),
        default="auto",
        help="single: one population of a symmetric game plays itself (the simplex); two: one "
        "per player; auto (default): single for symmetric games of 3+ actions",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="a catalogue game's parameter; repeat for several",
    )


def _temperature(text: str) -> float:
    """The --temperature value; a clear one-line error when it is not a positive number."""
    from marl_tui.cli import CommandError

    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"--temperature expects a positive number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise CommandError(f"--temperature expects a positive number, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    from games import GameError
    from games.dynamics import rest_points, system
    from marl_tui.cli import CommandError
    from marl_tui.cli.commands.solve import _load

    try:
        game = _load(args.game, args.param)
        sys = system(game, args.dynamic, _temperature(args.temperature), args.population)
        points = rest_points(sys)
    except GameError as error:
        raise CommandError(str(error)) from None
    if args.json:
        print(json.dumps(dynamics_json(game, sys, points)))
    else:
        from rich.console import Console

        Console().print(dynamics_report(game, sys, points))
    return 0


def dynamics_json(game, sys, points) -> dict:
    """Rest points with exact positions as fraction strings, stability words and eigenvalues."""
    return {
        "game": game.name,
        "dynamic": sys.dynamic,
        "temperature": sys.temperature if sys.dynamic == "logit" else None,
        "population": "single" if sys.single else "two",
        "populations": list(sys.names),
        "rest_points": [
            {
                "strategies": [
                    [number_json(v) for v in mix]
                    for mix in (p.exact if p.exact is not None else p.strategies)
                ],
                "nash": p.nash,
                "stability": p.stability,
                "constant_of_motion": p.conserved,
                "eigenvalues": [[z.real, z.imag] for z in p.eigenvalues],
            }
            for p in points
        ],
    }


def dynamics_report(game, sys, points):
    """A table: one row per rest point, the stability in words, what it means for play."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from marl_tui.rest_points import eigenvalue_text, meaning, position_texts, stability_text

    title = Text(f"{sys.dynamic} dynamic", style="bold")
    if sys.dynamic == "logit":
        title.append(f" at temperature {sys.temperature:g}")
    title.append(" of ")
    title.append(game.name)
    title.append(" (one population playing itself)" if sys.single else " (one population per player)")
    table = Table(box=box.SIMPLE_HEAD, expand=True)
    for name in sys.names:
        table.add_column(Text(name), overflow="fold")
    table.add_column("Nash", no_wrap=True)
    table.add_column("stability", overflow="fold")
    table.add_column("eigenvalues", overflow="fold")
    for point in points:
        table.add_row(
            *(Text(t) for t in position_texts(sys, point)),
            "yes" if point.nash else "no",
            stability_text(point).append(f"\n{meaning(point)}", style="dim"),
            eigenvalue_text(point.eigenvalues) or "-",
        )
    notes = []
    if sys.dynamic == "best-response":
        notes.append(Text(
            "Best response is not differentiable: its rest points are the Nash equilibria, "
            "classified by the zero-temperature limit of the logit linearisation.", style="dim"
        ))
    if not points:
        notes.append(Text("No isolated rest point found.", style="dim"))
    return Group(title, table, *notes)
