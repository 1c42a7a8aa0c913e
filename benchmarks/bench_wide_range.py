"""Speed of games.equilibria.solve on wide-range payoffs, against solving every square system.

Payoffs ±10^uniform(-20, 20) with random signs (seeded): over their common denominator the
integers have about 190 bits, beyond what floats may select vertices with, so the solver finds
vertices by exact lexicographic pivoting. The reference is the enumeration that solves all
C(m+n, m) square systems exactly in numpy object batches (``extreme_equilibria(exact=True)``,
the solver's method before pivoting), on the same integer matrices in the same run; it is
skipped for a size once one of its games takes longer than the budget.

    python benchmarks/bench_wide_range.py [--games N] [--budget SECONDS] [--max-size N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from games.equilibria import solve
from games.exact import integer_matrix
from games.model import Game
from games.vertex_enumeration import extreme_equilibria


def wide_range_games(size: int, count: int, seed: int = 2024) -> list[Game]:
    rng = np.random.default_rng([seed, size])
    return [
        Game.from_bimatrix(
            *(rng.choice([-1, 1], (2, size, size)) * 10 ** rng.uniform(-20, 20, (2, size, size)))
        )
        for _ in range(count)
    ]


def ours(game: Game) -> int:
    return len(solve(game).equilibria)


def every_system_exactly(game: Game) -> int:
    A, B = (integer_matrix(game.exact_payoffs[p]).tolist() for p in range(2))
    return len(extreme_equilibria(A, B, exact=True).equilibria)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=3, help="games per size (default 3)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per reference game")
    parser.add_argument("--max-size", type=int, default=9)
    args = parser.parse_args()
    solve(wide_range_games(2, 1)[0])  # warm-up: imports and first-call costs
    table = Table(title=f"Wide-range payoffs ±10^U(-20, 20), median of {args.games} games")
    for column in ("size", "ours (ms)", "found", "every system exactly (ms)", "ratio", "found"):
        table.add_column(column, justify="right")
    skipped = False
    for size in range(4, args.max_size + 1):
        games = wide_range_games(size, args.games)
        row = [f"{size}x{size}"]
        for solver in (ours, every_system_exactly):
            if solver is every_system_exactly and skipped:
                row += [f"skipped (> {args.budget:g} s/game)", "-", "-"]
                continue
            times, found = [], 0
            for game in games:
                start = time.perf_counter()
                found += solver(game)
                times.append(time.perf_counter() - start)
                if solver is every_system_exactly and times[-1] > args.budget:
                    skipped = True
            median = statistics.median(times)
            if solver is ours:
                our_time = median
                row += [f"{median * 1e3:,.1f}", str(found)]
            else:
                row += [f"{median * 1e3:,.1f}", f"{median / our_time:.0f}x", str(found)]
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main()
