"""Watch's flow view: the agents' current and time-averaged policies over the phase portrait."""

from __future__ import annotations

import numpy as np
import pytest

from games.catalogue import get_game
from marl_tui.screens.watch import WatchScreen
from marl_tui.widgets.phase_portrait import HEAD_AVERAGE, HEAD_CURRENT, PhasePortrait
from marl_tui.widgets.policy_portrait import PolicyPortrait
from marl_tui.widgets.training_dashboard import TrainingDashboard
from tests.app.conftest import screen_text
from tests.app.hosting import ScreenHost

SIZE = (80, 24)


async def _ready(pilot) -> WatchScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert screen.runner is not None, screen.message
    return screen


async def test_f_draws_fictitious_play_on_each_players_simplex_in_rps():
    app = ScreenHost(WatchScreen(get_game("rock-paper-scissors"), agents=("fictitious-play",),
                                 seed=0))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        portrait = screen.query_one(PolicyPortrait)
        assert not portrait.display
        await pilot.press("f")
        await pilot.pause()
        assert portrait.display and not screen.query_one(TrainingDashboard).display
        for _ in range(40):
            await pilot.press("full_stop")
        await pilot.pause()
        assert len(portrait.trail.current) == 41  # where the agents started, then 40 rounds
        tracks = screen.query_one(PhasePortrait).tracks
        assert sorted((t.panel, t.role) for t in tracks) == [
            (0, "average"), (0, "current"), (1, "average"), (1, "current")]
        # the time average is fictitious play's empirical frequency: closer to the centre than
        # the current (pure) best response
        average = portrait.trail.average[-1][0]
        current = portrait.trail.current[-1][0]
        assert np.abs(average - 1 / 3).max() < np.abs(current - 1 / 3).max()
        text = screen_text(app)
        assert HEAD_CURRENT in text and HEAD_AVERAGE in text and "Rock" in text
        await pilot.press("f")
        await pilot.pause()
        assert not portrait.display and screen.query_one(TrainingDashboard).display


async def test_a_2x2_game_draws_one_track_per_role_on_the_unit_square():
    app = ScreenHost(WatchScreen(get_game("matching-pennies"), agents=("wolf-phc",), seed=0))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("f")
        for _ in range(5):
            await pilot.press("full_stop")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        tracks = screen.query_one(PhasePortrait).tracks
        assert sorted(t.role for t in tracks) == ["average", "current"]
        assert all(t.panel == 0 and t.points.shape == (6, 4) for t in tracks)
        assert "across: Matcher plays Heads" in str(
            screen.query_one("#policy-caption").render())


async def test_environments_that_are_not_matrix_games_are_explained():
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), env="two-step", agents=("iql",)))
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert "needs a matrix game" in screen_text(app)


@pytest.mark.parametrize(
    "agent", ["iql", "fictitious-play", "wolf-phc", "phc", "regret-matching", "replicator", "hedge"])
async def test_every_matrix_learner_leaves_a_trail_of_mixed_strategies(agent):
    app = ScreenHost(WatchScreen(get_game("hawk-dove"), agents=(agent,), seed=0))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("f")
        for _ in range(3):
            await pilot.press("full_stop")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        tracks = screen.query_one(PhasePortrait).tracks
        assert sorted(t.role for t in tracks) == ["average", "current"]
        for track in tracks:
            assert track.points.shape == (4, 4)
            assert np.allclose(track.points[:, :2].sum(axis=1), 1)
            assert np.allclose(track.points[:, 2:].sum(axis=1), 1)
