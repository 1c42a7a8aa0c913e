"""`marl-tui class`: the teacher's dashboard of a class being served, or `marl-tui class rehearse`,
a whole class of simulated students run through the same hub."""

from __future__ import annotations

import argparse
import json


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("With no ACTION: the teacher's dashboard of the class that "
                          "`marl-tui serve --class GAME` runs from this account. "
                          "`rehearse`: a class of simulated students.")
    parser.add_argument(
        "--socket", metavar="PATH", default=None,
        help="the class's teacher socket (default: the one `marl-tui serve --class` announces)",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    rehearse = sub.add_parser(
        "rehearse", prog="marl-tui class rehearse",
        help="run a whole class of simulated students through the hub",
        description="Run a whole class of simulated students (agents) through the class hub, "
        "round by round, and print each round's choices next to the equilibrium prediction.",
    )
    rehearse.add_argument("game", metavar="GAME",
                          help="a class game (guess-average, linear-public-goods), a catalogue "
                          "game or a game file")
    rehearse.add_argument("--students", type=int, default=20, metavar="N")
    rehearse.add_argument("--rounds", type=int, default=10, metavar="R")
    rehearse.add_argument("--matching", choices=("strangers", "partners"), default="strangers")
    rehearse.add_argument("--roles", choices=("shuffled", "kept"), default="shuffled")
    rehearse.add_argument("--student-agent", default="iql", metavar="NAME",
                          help="the agent each simulated student is (default iql)")
    rehearse.add_argument("--agent", default="iql", metavar="NAME",
                          help="the agent that fills empty seats (default iql)")
    rehearse.add_argument("--default", choices=("random", "repeat", "agent"), default="random",
                          help="what a student who misses the deadline plays")
    rehearse.add_argument("--late", type=float, default=0.0, metavar="P",
                          help="chance that a simulated student misses the deadline (default 0)")
    rehearse.add_argument("--no-agents", action="store_true",
                          help="no agents in empty seats: an odd student sits the round out")
    rehearse.add_argument("--csv", metavar="FILE", help="append every decision to FILE")
    rehearse.add_argument("--seed", type=int, default=0)
    rehearse.add_argument("--json", action="store_true",
                          help="print one JSON object: per round, action shares and predictions")


def run(args: argparse.Namespace) -> int:
    if args.action == "rehearse":
        return _rehearse(args)
    from marl_tui.classroom.teacher import run_dashboard

    return run_dashboard(args.socket)


def _rehearse(args: argparse.Namespace) -> int:
    from games import GameError
    from marl_tui.classroom.hub import ClassError, Settings
    from marl_tui.classroom.rehearsal import load_class_game, rehearse, round_json
    from marl_tui.cli import CommandError

    try:
        game = load_class_game(args.game)
        settings = Settings(matching=args.matching, roles=args.roles, default=args.default,
                            agents=not args.no_agents, agent=args.agent)
        result = rehearse(game, args.students, args.rounds, settings,
                          student_agent=args.student_agent, late=args.late, csv_path=args.csv,
                          seed=args.seed)
    except (GameError, ClassError, ValueError, OSError) as error:
        raise CommandError(str(error)) from None
    stage, hub = result.stage, result.hub
    rounds = [round_json(stage, h) for h in hub.history]
    if args.json:
        print(json.dumps({"game": stage.name, "students": args.students, "rounds": rounds}))
        return 0
    from rich.console import Console

    from marl_tui.classroom.views import rehearsal_table

    Console().print(rehearsal_table(stage, hub.history))
    return 0
