"""`marl-tui games`: the catalogue of classic games as a table."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Open one with `marl-tui GAME`, or solve it with `marl-tui solve GAME`."


def run(args: argparse.Namespace) -> int:
    from games.catalogue import catalogue
    from marl_tui.plain import plain_console
    from marl_tui.render import catalogue_table

    plain_console().print(catalogue_table(catalogue()))
    return 0
