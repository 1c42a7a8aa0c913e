"""SVG snapshots of the Dynamics view: the unit square (Stag Hunt) and the simplex (RPS).

Regenerate after an intended visual change with ``--snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import pytest

from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from tests.app.conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 45), id="160x45")]


async def open_dynamics(pilot) -> None:
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("slug", ["stag-hunt", "rock-paper-scissors"])
def test_dynamics_view(snap_compare, slug, size):
    assert snap_compare(MarlTuiApp(get_game(slug)), terminal_size=size, run_before=open_dynamics)
