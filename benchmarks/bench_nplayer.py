"""Speed of n-player mixed equilibria (2x2x2 and 2x2x2x2 games): closed forms against the root finder.

``games.equilibria.solve`` on seeded random games with uniform(-1, 1) payoffs, against the same
solve with every support profile sent to scipy's root finder (``closed_form=False``, the method
used before the closed forms, measured in the same run). For each shape: total seconds over the
games, ms per game, the ratio, and the equilibria each found (the closed forms must find every
one the root finder finds).

Reference, not measurable here (pygambit 16.7 has no wheel for this machine, and building it
is not part of this project): the issue's measurement of Gambit 16.7's ``enumpoly`` (C++) on 150
random 2x2x2 games took 0.11 s in all, about 0.7 ms per game, finding 11 fewer isolated fully
mixed equilibria than this solver.

    python benchmarks/bench_nplayer.py [--games N]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from rich.console import Console
from rich.table import Table

import games.equilibria as equilibria
import games.support_enumeration as support_enumeration
from games.model import Game

GAMBIT_2X2X2_MS_PER_GAME = 0.11 / 150 * 1e3


def random_games(players: int, count: int, seed: int = 2024) -> list[Game]:
    rng = np.random.default_rng([seed, players])
    return [Game(rng.uniform(-1, 1, (players, *[2] * players))) for _ in range(count)]


def solve_all(games: list[Game], closed_form: bool) -> tuple[float, int]:
    """Seconds to solve every game (fresh Game objects: no cache helps), equilibria found."""
    search = support_enumeration.search_supports

    def chosen(*args, **kwargs):
        return search(*args, **kwargs, closed_form=closed_form)

    equilibria.search_supports = chosen
    try:
        start = time.perf_counter()
        found = sum(len(equilibria.solve(game).equilibria) for game in games)
        return time.perf_counter() - start, found
    finally:
        equilibria.search_supports = search


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=150, help="games per shape (default 150)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    table = Table(title=f"n-player equilibria of {args.games} random games per shape")
    for column in (
        "shape",
        "closed forms (s)",
        "ms/game",
        "found",
        "root finder (s)",
        "ms/game",
        "found",
        "speed-up",
        "Gambit enumpoly ms/game (issue)",
    ):
        table.add_column(column, justify="right")
    for players in (3, 4):
        games = random_games(players, args.games)
        solve_all(games[:2], closed_form=True)  # warm-up: imports and first-call costs
        ours, ours_found = solve_all(games, closed_form=True)
        theirs, theirs_found = solve_all(games, closed_form=False)
        table.add_row(
            "x".join(["2"] * players),
            f"{ours:.2f}",
            f"{ours / args.games * 1e3:.2f}",
            str(ours_found),
            f"{theirs:.2f}",
            f"{theirs / args.games * 1e3:.2f}",
            str(theirs_found),
            f"{theirs / ours:.1f}x",
            f"{GAMBIT_2X2X2_MS_PER_GAME:.2f}" if players == 3 else "not measured",
        )
    Console().print(table)


if __name__ == "__main__":
    main()
