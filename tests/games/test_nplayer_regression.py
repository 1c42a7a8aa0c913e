"""The n-player solver still finds every equilibrium it found before its fast two-action path.

`data/nplayer-equilibria-6842e54.json` holds what `solve` reported at commit 6842e54 on 200
seeded random games of each kind (2x2x2 and 2x2x2x2, integer payoffs with ties and floats): the
closed forms and scipy's root finder on every support profile, with no pruning. The games are
regenerated here from the same seeds; every old equilibrium must be among the new ones, and every
new one must pass the no-profitable-deviation check (exactly for pure ones).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from games.equilibria import deviation_gains, solve
from games.model import Game

BEFORE = json.loads(
    (Path(__file__).parent / "data" / "nplayer-equilibria-6842e54.json").read_text()
)


def seeded_games(players: int, kind: str, count: int = 200):
    """The games the data file was made from (same generator, same seeds)."""
    rng = np.random.default_rng([7, players, kind == "int"])
    for _ in range(count):
        shape = (players, *[2] * players)
        yield rng.integers(-3, 4, shape) if kind == "int" else rng.uniform(-1, 1, shape)


@pytest.mark.slow
@pytest.mark.parametrize("players", [3, 4])
@pytest.mark.parametrize("kind", ["int", "float"])
def test_every_equilibrium_found_before_is_still_found(players, kind) -> None:
    before = BEFORE[f"{players}-{kind}"]
    for index, payoffs in enumerate(seeded_games(players, kind)):
        game = Game(payoffs)
        solution = solve(game)
        found = [np.concatenate(e.as_arrays()) for e in solution.equilibria]
        for old in before[index]:
            flat = np.concatenate(old)
            assert any(np.abs(flat - new).max() <= 1e-6 for new in found), (
                f"game {index}: lost the equilibrium {old}"
            )
        for e in solution.equilibria:
            gains = deviation_gains(game, e.strategies)
            if e.exact:
                assert list(gains) == [0] * players
            else:
                assert max(gains) <= e.tolerance
