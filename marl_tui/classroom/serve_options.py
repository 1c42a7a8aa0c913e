"""`marl-tui serve --class GAME`: the options that turn a served classroom into one class playing
together, and the hub and server they build. Without ``--class`` serving is unchanged."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_class_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "class play (students play each other; the teacher runs `marl-tui class`)")
    group.add_argument("--class", dest="class_game", metavar="GAME",
                       help="play GAME as a class: a class game (guess-average, "
                       "linear-public-goods), a catalogue game or a game file")
    group.add_argument("--deadline", type=float, default=30.0, metavar="SECONDS",
                       help="seconds per round (default %(default)s)")
    group.add_argument("--matching", choices=("strangers", "partners"), default="strangers")
    group.add_argument("--roles", choices=("shuffled", "kept"), default="shuffled")
    group.add_argument("--default", dest="class_default", choices=("random", "repeat", "agent"),
                       default="random", help="what a student who misses the deadline plays")
    group.add_argument("--agent", default="iql", metavar="NAME",
                       help="the agent that takes empty seats (default iql)")
    group.add_argument("--no-agents", action="store_true", help="start with agents off")
    group.add_argument("--csv", dest="class_csv", type=Path, metavar="FILE",
                       help="append every decision to FILE (default class-DATE.csv in the "
                       "current folder); the JSON summary goes next to it")
    group.add_argument("--teacher-socket", type=Path, metavar="PATH",
                       help="where `marl-tui class` reaches the hub (default: a private folder)")


def class_server(args: argparse.Namespace):
    """The class server ``args`` ask for, or ``None`` without ``--class``; bad input raises
    CommandError."""
    if getattr(args, "class_game", None) is None:
        return None
    from games import GameError
    from marl_tui.classroom.hub import ClassError, Hub, Settings
    from marl_tui.classroom.records import Recorder
    from marl_tui.classroom.rehearsal import load_class_game
    from marl_tui.classroom.server import ClassServer, teacher_socket_path
    from marl_tui.classroom.stage import stage_for
    from marl_tui.cli import CommandError

    session = time.strftime("%Y%m%d-%H%M%S")
    csv_path = args.class_csv or Path(f"class-{session}.csv")
    try:
        stage = stage_for(load_class_game(args.class_game), class_size=args.max_sessions)
        settings = Settings(deadline=args.deadline, matching=args.matching, roles=args.roles,
                            default=args.class_default, agents=not args.no_agents,
                            agent=args.agent, interval=None)
        hub = Hub(stage, settings, session=session, recorder=Recorder(csv_path))
    except (GameError, ClassError, ValueError) as error:
        raise CommandError(f"--class: {error}") from None
    except OSError as error:
        raise CommandError(f"--csv {csv_path}: {error.strerror or error}") from None
    if hub.recorder.interrupted is not None:
        from marl_tui.serving.log import log

        log.warning("class: a class recorded in %s was stopped mid-round; the decisions of its "
                    "open round are kept in %s", csv_path, hub.recorder.interrupted)
    summary = csv_path.with_suffix(".summary.json")
    return ClassServer(hub, teacher_socket=args.teacher_socket or teacher_socket_path(),
                       summary=summary)
