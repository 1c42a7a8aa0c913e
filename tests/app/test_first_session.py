"""The issue's whole first session, keyboard only, at 80x24, through the real app from the picker.

A new user opens the Battle of the Sexes, sees its three equilibria, edits a payoff and sees the
mixed equilibrium move, plays ten rounds against IQL, then watches QMIX and MADDPG learn the
coordination game with the sparklines filling. Every step is asserted on what the screen shows
(and, where the screen cannot say it exactly, on the state behind it). Seeds are fixed; training
is paused after a fixed number of episodes, so the assertions do not depend on the machine's speed.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Select

from marl_tui.app import MarlTuiApp
from marl_tui.screens.game import GameScreen
from marl_tui.screens.picker import PickerScreen
from marl_tui.screens.play import PlayScreen
from marl_tui.screens.watch import WatchScreen
from marl_tui.screens.watch_setup import WatchSetupModal
from marl_tui.widgets.training_dashboard import TrainingDashboard
from tests.app.conftest import screen_text, settle, type_text, until, widget_text

SIZE = (80, 24)
#: Episodes per learner, a few seconds of training each on one core. MADDPG follows the paper's
#: schedule (1,024 transitions before its first update, then one per 100 steps): 60 ten-round
#: episodes would end before it learns, and its steps cost about a tenth of QMIX's.
EPISODES = {"qmix": 60, "maddpg": 600}


async def watch_learn(pilot, agent_keys: str, name: str) -> WatchScreen:
    """On the Watch screen: choose ``name`` for Player 1 by keyboard, train, pause; the screen."""
    app = pilot.app
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, WatchSetupModal))
    modal = app.screen
    assert modal.focused is modal.query_one("#setup-env", Select)  # the dialog's first field
    await pilot.press("tab")
    assert modal.focused is modal.query_one("#setup-agent-0", Select)
    await pilot.press("enter", *agent_keys, "enter")  # open the list, type to search, pick
    assert modal.query_one("#setup-agent-0", Select).value == name
    await pilot.press("ctrl+s")
    screen = app.screen
    assert isinstance(screen, WatchScreen)
    await until(pilot, lambda: screen.runner is not None and screen.agents[0].name == name)
    assert f"Watch · {name} on Coordination Game" in screen_text(app)
    await pilot.press("space")
    # a loaded CI machine trains several times slower than a quiet one
    await until(pilot, lambda: screen.last.episode >= EPISODES[name], timeout=240)
    await pilot.press("space")
    await until(pilot, lambda: not any(w.is_running for w in app.workers))
    await pilot.pause()
    assert "paused" in screen_text(app)
    return screen


@pytest.mark.slow
async def test_first_session_from_the_picker_keyboard_only_at_80x24() -> None:
    app = MarlTuiApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        assert "Help" in screen_text(app).splitlines()[-1]  # discoverable in the footer

        # 1. Open the Battle of the Sexes: type to filter, enter.
        await type_text(pilot, "battle")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen)
        text = screen_text(app)
        assert "Nash equilibria (3)" in text
        assert "pure (Opera, Opera)" in text and "pure (Football, Football)" in text
        assert "Player 2: Opera 1/3, Football 2/3" in text  # the mixed one
        assert text.count("*") >= 2  # both pure equilibria starred in the grid
        footer = text.splitlines()[-1]
        for key in ("p Play", "w Watch", "? Help"):
            assert key in footer

        # 2. Make (Opera, Opera) pay 3 to player 1: player 2's mix must make them indifferent.
        await pilot.press("3", "comma", "space", "1", "enter")
        await settle(pilot)
        text = screen_text(app)
        assert "3, 1" in text and "Nash equilibria (3)" in text
        assert "Player 2: Opera 1/4, Football 3/4" in text
        assert "Player 1: Opera 2/3, Football 1/3" in text  # set by player 2's payoffs: unchanged

        # 3. Ten rounds against IQL (the default opponent) by number keys.
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, PlayScreen)
                    and app.screen.session is not None)
        play = app.screen
        assert "vs iql" in screen_text(app)
        for k in range(10):
            await pilot.press("1" if k % 2 == 0 else "2")
        await pilot.pause()
        assert len(play.session.history) == 10
        assert play.query_one("#history", DataTable).row_count == 10
        assert "Scores after 10 rounds" in widget_text(app, "#scores")
        mine = sum(r.rewards[0] for r in play.session.history)
        assert widget_text(app, "#scores").split("\n")[1].split()[-1] == f"{mine:g}"

        # 4. Back to the picker (discarding the edit), open the coordination game, Watch.
        await pilot.press("escape")
        assert isinstance(app.screen, GameScreen)
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await type_text(pilot, "coordination")  # replaces the old filter, which is selected
        await pilot.press("enter")
        await settle(pilot)
        assert app.game.name == "Coordination Game"
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WatchScreen)
                    and app.screen.runner is not None)

        # 5. QMIX, then MADDPG: training runs, the sparklines fill, both players settle on A.
        for keys, name in (("q", "qmix"), ("ma", "maddpg")):
            screen = await watch_learn(pilot, keys, name)
            dashboard = screen.query_one(TrainingDashboard)
            rewards = dashboard.data_of("reward-0")
            assert len(rewards) >= 3  # one point per frame: the curve moved while it trained
            assert rewards[-1] > rewards[0]  # the team earns more as it learns to coordinate
            for p in range(2):
                probability_a = dashboard.data_of(f"prob-{p}-0")
                assert len(probability_a) == len(rewards)
                # The series shows each frame's latest decision, whose state (the last joint action)
                # varies, so judge the later half of the run rather than one point.
                later = probability_a[len(probability_a) // 2 :]
                assert sum(later) / len(later) > 0.5  # (Option A, Option A): the better convention
                # toward A, not away (the first frame may already be near 1: 0.9982 after 0.9986
                # is noise, not a retreat)
                assert sum(later) / len(later) >= probability_a[0] - 0.01
                assert screen.last.policies[p][0] == pytest.approx(probability_a[-1])
            counts = screen.last.joint_counts
            assert counts[0, 0] == counts.max()  # (A, A) is the most played joint action
