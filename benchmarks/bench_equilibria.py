"""Speed of games.equilibria.solve against nashpy's support and vertex enumeration.

Seeded random integer games (payoffs -20..20), square sizes 2x2 to 10x10. For each size and
method: median wall time per game, the ratio to our solver measured in the same run, and the
number of equilibria found (summed over the games). nashpy is skipped for a size once one of
its games takes longer than the budget; the table says so.

    python benchmarks/bench_equilibria.py [--games N] [--budget SECONDS] [--max-size N]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable

import nashpy
import numpy as np
from rich.console import Console
from rich.table import Table

from games.equilibria import solve
from games.model import Game


def random_games(size: int, count: int, seed: int = 2024) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng([seed, size])
    return [
        (rng.integers(-20, 21, (size, size)), rng.integers(-20, 21, (size, size)))
        for _ in range(count)
    ]


def ours(A: np.ndarray, B: np.ndarray) -> int:
    # A fresh Game each time, so no cache is hit: this is the cost of one keystroke.
    return len(solve(Game.from_bimatrix(A, B)).equilibria)


def nashpy_support(A: np.ndarray, B: np.ndarray) -> int:
    return len(list(nashpy.Game(A, B).support_enumeration()))


def nashpy_vertex(A: np.ndarray, B: np.ndarray) -> int:
    return len(list(nashpy.Game(A, B).vertex_enumeration()))


def measure(
    solver: Callable[[np.ndarray, np.ndarray], int],
    games: list[tuple[np.ndarray, np.ndarray]],
    budget: float,
) -> tuple[float, int] | None:
    """Median seconds per game and total equilibria found; None once a game exceeds the budget."""
    times, found = [], 0
    for A, B in games:
        start = time.perf_counter()
        found += solver(A, B)
        times.append(time.perf_counter() - start)
        if times[-1] > budget:
            return None
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=7, help="games per size (default 7)")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds per nashpy game")
    parser.add_argument("--max-size", type=int, default=10)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    table = Table(title=f"Nash equilibria of random integer games, median of {args.games} games")
    for column in (
        "size",
        "ours (ms)",
        "found",
        "nashpy support (ms)",
        "ratio",
        "found",
        "nashpy vertex (ms)",
        "ratio",
        "found",
    ):
        table.add_column(column, justify="right")
    skipped = {"support": False, "vertex": False}
    for size in range(2, args.max_size + 1):
        games = random_games(size, args.games)
        ours(*games[0])  # warm-up: imports and first-call costs
        our_time, our_found = measure(ours, games, float("inf"))
        row = [f"{size}x{size}", f"{our_time * 1e3:.2f}", str(our_found)]
        for name, solver in (("support", nashpy_support), ("vertex", nashpy_vertex)):
            result = None if skipped[name] else measure(solver, games, args.budget)
            if result is None:
                skipped[name] = True
                row += [f"skipped (> {args.budget:g} s/game)", "-", "-"]
            else:
                their_time, their_found = result
                row += [
                    f"{their_time * 1e3:.1f}",
                    f"{their_time / our_time:.0f}x",
                    str(their_found),
                ]
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main()
