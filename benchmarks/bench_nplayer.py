"""Speed of n-player equilibria (2x2x2 and 2x2x2x2 games) against Gambit's ``enumpoly``.

``games.equilibria.solve`` on 150 seeded random games per row, uniform(-1, 1) floats and integers
in [-3, 3] (many ties, so degenerate support profiles), against pygambit's ``enumpoly_solve`` on
the same games when pygambit is installed (not a dependency of this project:
``pip install pygambit`` beside it). Each side's time is the best of ``--repeat`` runs over all
the games, as CPU ms per game (``time.process_time``: the machine is shared, and CPU time
varies less with the load than the wall clock); "found" counts the equilibria each reports
(ours: every pure one exactly, mixed ones verified numerically; points of continua where the
game has them).

Gambit's numbers when pygambit is absent (``GAMBIT``): pygambit 17.0.0b2's ``enumpoly_solve``
(the first release with a wheel for this machine; 16.7 has none), measured by this script on the
project's machine while it was shared with other sessions (load average 7 to 9 on 2 cores),
CPU ms per game, best of 3, in four runs (the table keeps each row's fastest):

    shape    payoffs   Gambit ms/game  Gambit found
    2x2x2    floats    0.38 - 0.42     297
    2x2x2    integers  5.76 - 5.98     297
    2x2x2x2  floats    2.32 - 2.49     430
    2x2x2x2  integers  21.35 - 24.00   487

The issue's earlier figure for 16.7, by the wall clock: 0.11 s for 150 2x2x2 games (0.73 ms each).

    python benchmarks/bench_nplayer.py [--games N] [--repeat R]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from rich.console import Console
from rich.table import Table

from games.equilibria import solve
from games.model import Game, _float_fraction

#: (players, kind) -> (ms per game, equilibria found) of Gambit's enumpoly, recorded above.
GAMBIT = {
    (3, "floats"): (0.38, 297),
    (3, "integers"): (5.76, 297),
    (4, "floats"): (2.32, 430),
    (4, "integers"): (21.35, 487),
}


def random_payoffs(players: int, kind: str, count: int, seed: int = 2024) -> list[np.ndarray]:
    """Seeded payoff tensors: uniform(-1, 1) floats or integers in [-3, 3]."""
    rng = np.random.default_rng([seed, players])
    shape = (players, *[2] * players)
    if kind == "floats":
        return [rng.uniform(-1, 1, shape) for _ in range(count)]
    return [rng.integers(-3, 4, shape) for _ in range(count)]


def time_ours(payoffs: list[np.ndarray], repeat: int) -> tuple[float, int]:
    """Best seconds over ``repeat`` runs (fresh Game objects each run: no cache helps), found."""
    best, found = float("inf"), 0
    for _ in range(repeat):
        games = [Game(u) for u in payoffs]
        _float_fraction.cache_clear()  # no run reuses an earlier run's exact payoffs
        start = time.process_time()
        found = sum(len(solve(game).equilibria) for game in games)
        best = min(best, time.process_time() - start)
    return best, found


def time_gambit(payoffs: list[np.ndarray], repeat: int) -> tuple[float, int] | None:
    """Best seconds of pygambit's enumpoly_solve over the same games, or None without it."""
    try:
        import pygambit as gbt
    except ImportError:
        return None
    games = [gbt.StrategicGame.from_arrays(*u) for u in payoffs]
    best, found = float("inf"), 0
    for _ in range(repeat):
        start = time.process_time()
        found = sum(len(gbt.nash.enumpoly_solve(game).equilibria) for game in games)
        best = min(best, time.process_time() - start)
    return best, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=150, help="games per row (default 150)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per side, best kept")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    solve(Game(random_payoffs(3, "floats", 1)[0]))  # warm-up: imports and first-call costs
    table = Table(title=f"n-player equilibria, {args.games} random games per row")
    for column in ("shape", "payoffs", "ours ms/game", "found", "Gambit ms/game", "found", "ratio"):
        table.add_column(column, justify="right")
    for players in (3, 4):
        for kind in ("floats", "integers"):
            payoffs = random_payoffs(players, kind, args.games)
            ours, ours_found = time_ours(payoffs, args.repeat)
            measured = time_gambit(payoffs, args.repeat)
            if measured is None:
                gambit_ms, gambit_found = GAMBIT[players, kind]
                source = " (recorded)"
            else:
                gambit_ms, gambit_found = measured[0] / args.games * 1e3, measured[1]
                source = ""
            ours_ms = ours / args.games * 1e3
            table.add_row(
                "x".join(["2"] * players),
                kind,
                f"{ours_ms:.2f}",
                str(ours_found),
                f"{gambit_ms:.2f}{source}",
                str(gambit_found) + ("" if measured or args.games == 150 else " (of 150)"),
                f"{gambit_ms / ours_ms:.1f}x faster"
                if ours_ms < gambit_ms
                else f"{ours_ms / gambit_ms:.1f}x slower",
            )
    Console().print(table)


if __name__ == "__main__":
    main()
