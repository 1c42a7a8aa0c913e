"""`marl-tui tournament`: an Axelrod (1980) round robin of agents on an iterated game."""

from __future__ import annotations

import argparse
import json
import sys

CLASSIC_FIELD = ("tit-for-tat,always-defect,always-cooperate,grim-trigger,win-stay-lose-shift,"
                 "random")
BAR_WIDTH = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--game", default="prisoners-dilemma", metavar="GAME_OR_FILE",
                        help="a two-player catalogue game or game file (default prisoners-dilemma)")
    parser.add_argument("--players", default=CLASSIC_FIELD,
                        help=f"comma-separated registry agents (default {CLASSIC_FIELD})")
    parser.add_argument("--rounds", type=int, default=200, help="rounds per match (default 200)")
    parser.add_argument("--no-twins", action="store_true",
                        help="do not match each agent with a copy of itself")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--torch-threads", type=int, default=1, metavar="N",
                        help="torch threads for deep agents (default 1: their small networks "
                        "run fastest on one, and more thrash a loaded machine)")


def run(args: argparse.Namespace) -> int:
    """Play the round robin and print the ranking; Ctrl-C exits with 130 and no traceback."""
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("marl-tui tournament: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from agents.tournament import tournament
    from games.io import resolve
    from marl_tui.cli import CommandError

    names = list(dict.fromkeys(name.strip() for name in args.players.split(",") if name.strip()))
    if len(names) < 2:  # a repeated name is one entrant (every entrant meets its twin anyway)
        raise CommandError("--players needs at least two different comma-separated agent names")
    if "human" in names:
        raise CommandError("the human agent plays in the app, not in a headless tournament")
    if args.rounds < 1:
        raise CommandError(f"--rounds must be >= 1, got {args.rounds}")
    if args.seed < 0:
        raise CommandError(f"--seed must be >= 0, got {args.seed}")
    if args.torch_threads < 1:
        raise CommandError(f"--torch-threads must be >= 1, got {args.torch_threads}")
    from agents.registry import limit_torch_threads

    limit_torch_threads(names, args.torch_threads)
    try:
        game = resolve(args.game)
        result = tournament(names, game, rounds=args.rounds, twins=not args.no_twins,
                            seed=args.seed)
    except ValueError as error:  # GameError is a ValueError; so are unknown agents
        raise CommandError(str(error)) from None
    if args.json:
        print(json.dumps({
            "game": game.name,
            "rounds": args.rounds,
            "twins": not args.no_twins,
            "seed": args.seed,
            "ranking": result.ranking.to_dict(orient="records"),
            "matches": result.matches.to_dict(orient="records"),
        }))
        return 0
    from marl_tui.plain import plain_console

    plain_console().print(ranking_table(result.ranking, game, args.rounds))
    return 0


def ranking_table(ranking, game, rounds: int):
    """Rank, agent, mean score per round and a bar scaled between the game's worst and best payoff."""
    from rich.table import Table
    from rich.text import Text

    low, high = float(game.payoffs.min()), float(game.payoffs.max())
    table = Table(title=f"Round robin on {game.name} — {rounds} rounds per match")
    table.add_column("rank", justify="right")
    table.add_column("agent")
    table.add_column("score / round", justify="right")
    table.add_column("", min_width=BAR_WIDTH)
    table.add_column("wins", justify="right")
    for row in ranking.itertuples(index=False):
        share = (row.mean_score - low) / (high - low) if high > low else 1.0
        bar = "█" * max(int(round(share * BAR_WIDTH)), 0)
        table.add_row(str(row.rank), row.agent, f"{row.mean_score:.3f}", Text(bar, style="green"),
                      str(row.wins))
    return table
