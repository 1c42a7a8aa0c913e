"""The `marl-tui` command: the app, plus headless sub-commands.

Sub-commands live one per module in `marl_tui.cli.commands`, each with ``add_arguments(parser)`` and
``run(args) -> int``, and are imported only when used so that the app starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from marl_tui import __version__

COMMANDS = {
    "games": ("games_list", "list the catalogue of classic games"),
    "solve": ("solve", "print a game's equilibria and analysis"),
    "dynamics": ("dynamics", "print the rest points of a learning dynamic and their stability"),
    "train": ("train", "train learning agents on a game or environment"),
    "tournament": ("tournament", "run an Axelrod-style round-robin tournament"),
    "serve": ("serve", "serve the app to a class over SSH or in a browser"),
    "class": ("class_play", "play as a class: the teacher's dashboard, or a rehearsal"),
}

# The solvers batch many tiny linear systems, which multi-threaded BLAS only slows down
# (measured: 6x6 games 4.8 ms single-threaded vs 7.1 ms threaded). Users may still override it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

EXIT_OK = 0
EXIT_BAD_INPUT = 2


SANDBOX_HELP = (
    "the app only: open and save files only inside DIR (created if missing); typed paths are "
    "relative to DIR, ~ means DIR, paths leading outside it are refused, screenshots go there. "
    "For serving one app per student (GAME_OR_FILE itself may lie outside; it is never "
    "overwritten)"
)
HELP_FLAGS = ("-h", "--help")


class CommandError(Exception):
    """Bad input to a command: printed as one line on stderr, exit code 2."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only ``command``'s module is imported, so each command starts fast."""
    parser = argparse.ArgumentParser(
        prog="marl-tui",
        description="A terminal game-theory and multi-agent RL playground. "
        "With no command, opens the app (on GAME_OR_FILE if given).",
        usage="marl-tui [--sandbox DIR] [GAME_OR_FILE] | marl-tui COMMAND [options]",
    )
    parser.add_argument("--version", action="version", version=f"marl-tui {__version__}")
    parser.add_argument("--sandbox", metavar="DIR", help=SANDBOX_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(
            name, prog=f"marl-tui {name}", help=help_text, description=help_text
        )
        if name == command:
            _command_module(module).add_arguments(command_parser)
    return parser


def _command_module(module: str):
    return importlib.import_module(f"marl_tui.cli.commands.{module}")


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marl-tui", add_help=False, allow_abbrev=False)
    parser.add_argument("--sandbox", metavar="DIR", default=None)
    parser.add_argument("game", nargs="?", default=None)
    return parser


def _wants_app(argv: Sequence[str]) -> bool:
    """True when ``argv`` opens the app (no arguments, a game, or ``--sandbox``), rather than
    running a command or printing the top-level help or version."""
    return not argv or (argv[0] not in COMMANDS
                        and (not argv[0].startswith("-") or argv[0].startswith("--sandbox")))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not _wants_app(argv):
        parser = build_parser(argv[0] if argv[0] in COMMANDS else None)
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_OK
        module = _command_module(COMMANDS[args.command][0])
        try:
            return int(module.run(args) or EXIT_OK)
        except CommandError as error:
            print(f"marl-tui {args.command}: error: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    args, rest = _app_parser().parse_known_args(argv)
    if any(flag in rest for flag in HELP_FLAGS):
        build_parser().print_help()
        return EXIT_OK
    if rest:
        print(f"marl-tui: error: unexpected arguments {' '.join(rest)} (see marl-tui --help)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    from marl_tui.cli.launch import run_app

    return run_app(args.game, sandbox=args.sandbox)
