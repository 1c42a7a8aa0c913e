"""Snapshot tests of the Play, Watch and Tournament screens at 80x24 and 120x36.

Deterministic: seeded agents, screenshots taken after a fixed number of rounds or single steps,
never while training runs (so no rounds/s figure appears). Update with --snapshot-update.
"""

from __future__ import annotations

import pytest

from games.catalogue import get_game
from marl_tui.screens.play import PlayScreen
from marl_tui.screens.tournament import TournamentScreen
from marl_tui.screens.watch import WatchScreen
from tests.app.hosting import ScreenHost

SIZES = [(80, 24), (120, 36)]




def _after(*keys: str):
    """A run_before that waits for the screen's workers, presses ``keys``, then waits again."""

    async def run_before(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x36"])
def test_play_after_three_rounds_against_iql(snap_compare, size) -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="iql", seed=0))
    assert snap_compare(app, terminal_size=size, run_before=_after("1", "2", "1"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x36"])
def test_play_hot_seat_with_a_hidden_choice(snap_compare, size) -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="iql", seed=0))
    assert snap_compare(app, terminal_size=size, run_before=_after("h", "2"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x36"])
def test_watch_after_single_steps(snap_compare, size) -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql", "wolf-phc"), seed=0))
    steps = ["full_stop"] * 25
    assert snap_compare(app, terminal_size=size, run_before=_after(*steps))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x36"])
def test_tournament_ranking(snap_compare, size) -> None:
    entrants = ("always-cooperate", "always-defect", "tit-for-tat", "grim-trigger", "random")
    app = ScreenHost(TournamentScreen(get_game("prisoners-dilemma"), entrants=entrants, rounds=30))
    assert snap_compare(app, terminal_size=size, run_before=_after("r"))


def test_play_with_the_policy_hidden(snap_compare) -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="iql", seed=0,
                                hide_policy=True))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_after("1", "2"))


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=["60x20", "80x24"])
def test_watch_levers_summary(snap_compare, size) -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), env="levers", agents=("iql",),
                                 seed=0))
    assert snap_compare(app, terminal_size=size, run_before=_after(*["full_stop"] * 8))
