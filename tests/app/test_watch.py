"""Pilot tests of the Watch screen: live training off the UI thread, controls, export and save."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from textual import events
from textual.app import App
from textual.widgets import Input, Select, Static
from textual_plotext import PlotextPlot

from agents.registry import load_agent
from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.screens.confirm import ConfirmScreen
from marl_tui.screens.game import GameScreen
from marl_tui.screens.path_modal import PathModal
from marl_tui.screens.plot_screen import PlotScreen
from marl_tui.screens.watch import DEFAULT_SPEED, LEFT_NOTICE, SPEEDS, WatchScreen
from marl_tui.screens.watch_setup import WatchSetupModal
from marl_tui.widgets.heatmap import JointHeatmap
from marl_tui.widgets.policy_table import PolicyTable
from marl_tui.widgets.training_dashboard import TrainingDashboard
from tests.app.conftest import screen_text, until
from tests.app.hosting import ScreenHost

SIZE = (80, 24)




async def _ready(pilot) -> WatchScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, WatchScreen)
    assert screen.runner is not None, screen.message
    return screen


def _counters(screen: WatchScreen) -> str:
    return str(screen.query_one("#counters", Static).render())


async def test_fictitious_play_learns_to_defect_live_and_the_dashboard_follows() -> None:
    game = get_game("prisoners-dilemma")
    app = ScreenHost(WatchScreen(game, agents=("fictitious-play",), seed=1, speed=SPEEDS[-1]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        first = screen.last.policies
        await pilot.press("space")
        assert screen.running and "running" in _counters(screen)
        await until(pilot, lambda: screen.last.episode >= 300, timeout=20.0)
        await pilot.press("space")
        assert not screen.running
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        # Defect (index 1) strictly dominates: both best-respond with it, whatever they believe.
        assert all(p[1] > 0.9 for p in screen.last.policies)
        assert screen.last.exploitability < 0.1
        assert not np.allclose(first[0], screen.last.policies[0])
        dashboard = screen.query_one(TrainingDashboard)
        rewards = dashboard.data_of("reward-0")
        assert len(rewards) > 3
        assert dashboard.data_of("prob-0-1")[-1] == pytest.approx(screen.last.policies[0][1])
        assert len(dashboard.data_of("exploitability")) == len(rewards)
        counts = screen.query_one(JointHeatmap).counts
        assert counts.shape == (2, 2) and counts.sum() > 0
        assert f"episode {screen.last.episode}" in _counters(screen)
        stopped_at = screen.runner.episode
        await pilot.pause(0.2)
        assert screen.runner.episode == stopped_at  # paused means paused


def _send_key(app: App, key: str) -> None:
    """Deliver a key as the terminal driver does; ``pilot.press`` also waits for the process to
    go idle, which it never does while training runs."""
    event = events.Key(key, None)
    event.set_sender(app)
    app._driver.send_message(event)


async def test_keys_answer_promptly_while_qmix_trains() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), env="two-step", agents=("qmix",),
                            speed=SPEEDS[-2]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("space")
        await until(pilot, lambda: screen.last.episode >= 40, timeout=20.0)
        _send_key(app, "plus")  # as fast as it goes
        await until(pilot, lambda: f"speed   {SPEEDS[-1]}" in _counters(screen), timeout=1.0)
        assert screen.running  # still training
        start = time.perf_counter()
        _send_key(app, "space")
        await until(pilot, lambda: "paused" in _counters(screen), timeout=1.0)
        assert time.perf_counter() - start < 1.0
        await until(pilot, lambda: not any(w.is_running for w in app.workers), timeout=5.0)
        assert len(screen.query_one(TrainingDashboard).data_of("reward-0")) > 1
        assert screen.query_one(JointHeatmap).counts.sum() > 0


async def test_single_step_advances_one_round() -> None:
    app = ScreenHost(WatchScreen(get_game("matching-pennies"), agents=("fictitious-play",), seed=0))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        for _ in range(3):
            await pilot.press("full_stop")
        await pilot.pause()
        assert screen.runner.rounds == 3 and screen.last.rounds == 3
        assert "rounds  3" in _counters(screen)
        assert screen.query_one(JointHeatmap).counts.sum() == 3
        assert len(screen.query_one(TrainingDashboard).data_of("reward-0")) == 3


async def test_reset_starts_over_with_fresh_agents() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql",)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        old_runner = screen.runner
        for _ in range(12):
            await pilot.press("full_stop")
        assert screen.runner.episode == 1
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # trained agents: it asks first
        await pilot.press("y")
        screen = await _ready(pilot)
        assert screen.runner is not old_runner
        assert screen.runner.rounds == 0 and screen.last.rounds == 0
        assert screen.query_one(TrainingDashboard).data_of("reward-0") == []


async def test_speed_keys_step_through_the_levels() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma")))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        start = SPEEDS.index(DEFAULT_SPEED)
        await pilot.press("plus", "plus", "minus")
        assert screen.speed == SPEEDS[start + 1]
        assert f"speed   {SPEEDS[start + 1]} " in _counters(screen)
        await pilot.press(*["minus"] * (start + 2))
        assert screen.speed == SPEEDS[0]  # clamped at the slowest


async def test_csv_export_round_trip(tmp_path) -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql", "wolf-phc")))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        for _ in range(30):  # three whole episodes of ten rounds
            screen.action_single_step()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, PathModal)
        target = tmp_path / "log.csv"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        written = pd.read_csv(target)
        pd.testing.assert_frame_equal(written, screen.runner.log, check_dtype=False)
        assert len(written) == 3 and "Exported 3 rows" in str(
            screen.query_one("#watch-status", Static).render())


async def test_export_to_a_bad_path_reports_the_error(tmp_path) -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma")))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        screen.export_csv(str(tmp_path / "missing-folder" / "log.csv"))
        await pilot.pause()
        assert "Export failed" in str(screen.query_one("#watch-status", Static).render())


async def test_saved_agents_load_back_with_the_same_policy(tmp_path) -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql",), seed=4))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        for _ in range(20):
            screen.action_single_step()
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one(Input).value = str(tmp_path / "team")
        await pilot.press("enter")
        await pilot.pause()
        folders = sorted(p.name for p in (tmp_path / "team").iterdir())
        assert folders == ["1-iql", "2-iql"]
        spec = screen.env.spec
        obs = tuple(np.zeros(d, np.float32) for d in spec.obs_dims)
        state = np.zeros(spec.state_dim, np.float32)
        for agent, folder in zip(screen.agents, folders, strict=True):
            loaded = load_agent(tmp_path / "team" / folder, spec)
            assert np.allclose(loaded.policy(obs, state), agent.policy(obs, state))


async def test_setup_switches_to_the_two_step_game_with_vdn() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma")))
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("a")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, WatchSetupModal)
        modal.query_one("#setup-env", Select).value = "two-step"
        modal.query_one("#setup-agent-0", Select).value = "vdn"
        await pilot.pause()
        await pilot.press("ctrl+s")
        screen = await _ready(pilot)
        assert screen.env.spec.name == "two-step"
        assert [a.name for a in screen.agents] == ["vdn"]
        assert "exploitability" not in screen.query_one(TrainingDashboard).rows
        await pilot.press("full_stop")
        assert screen.runner.rounds == 1


async def test_a_diverging_run_stops_with_the_runners_message() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql",)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        screen.runner.max_loss = 1e-9  # any non-zero TD error now counts as divergence
        await pilot.press("space")
        await until(pilot, lambda: not screen.running, timeout=20.0)
        status = str(screen.query_one("#watch-status", Static).render())
        assert screen.runner.stopped and status == screen.runner.stopped
        assert "stopped" in _counters(screen)
        await pilot.press("full_stop")  # stepping a stopped run is refused, not raised
        await pilot.press("r")
        screen = await _ready(pilot)
        assert screen.runner.stopped is None and screen.message is None


async def test_plot_opens_full_size_and_escape_closes_it() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma")))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        for _ in range(5):
            await pilot.press("full_stop")
        await pilot.press("g")
        await pilot.pause()
        assert isinstance(app.screen, PlotScreen)
        assert app.screen.query_one(PlotextPlot).size.height > 10
        assert len(app.screen.series["reward P1"]) == 5
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


def test_heatmap_shares_and_shades() -> None:
    from marl_tui.widgets.heatmap import shade, shares

    assert np.allclose(shares(np.array([[1, 3], [0, 0]])), [[0.25, 0.75], [0, 0]])
    assert not shares(np.zeros((2, 2))).any()
    assert [shade(v) for v in (0.0, 0.3, 0.5, 1.0)] == [" ", "░", "▒", "█"]


async def test_a_big_joint_action_space_is_listed_most_frequent_first() -> None:
    game = get_game("public-goods:n_players=3")
    app = ScreenHost(WatchScreen(game, agents=("iql",)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        for _ in range(6):
            screen.action_single_step()
        await pilot.pause()
        heatmap = screen.query_one(JointHeatmap)
        assert heatmap.counts.shape == (2,) * 3 and heatmap.counts.sum() == 6
        lines = str(heatmap.render()).splitlines()[1:]
        percents = [int(line.split("%")[0].split()[-1]) for line in lines]
        assert percents == sorted(percents, reverse=True) and percents[0] > 0
        assert all(len(line) <= heatmap.size.width for line in lines)


async def test_saving_onto_a_file_reports_the_error(tmp_path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma")))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        screen.save_agents(str(blocker))
        await pilot.pause()
        assert "Saving failed" in str(screen.query_one("#watch-status", Static).render())
        assert blocker.read_text() == "not a folder"


async def test_reset_keeps_the_trained_agents_when_the_answer_is_no() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql",)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        session = screen.session
        for _ in range(5):
            await pilot.press("full_stop")
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Discard the trained agents (iql, iql, 5 rounds)" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and screen.session is session and screen.runner.rounds == 5


async def test_reset_before_any_training_asks_nothing() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql",)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        session = screen.session
        await pilot.press("r")
        screen = await _ready(pilot)
        assert screen.session is not session


async def test_leaving_the_screen_pauses_training() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql",),
                                 speed=SPEEDS[-1]))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("space")
        await until(pilot, lambda: screen.last.episode >= 20, timeout=20.0)
        await pilot.press("g")  # the full-size plot covers the screen
        await pilot.pause()
        assert isinstance(app.screen, PlotScreen)
        await until(pilot, lambda: not any(w.is_running for w in app.workers), timeout=5.0)
        assert not screen.running
        episode = screen.runner.episode
        await pilot.pause(0.3)
        assert screen.runner.episode == episode  # nobody trains behind the plot
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and not screen.running
        assert str(screen.query_one("#watch-status", Static).render()) == LEFT_NOTICE
        await pilot.press("space")  # going on clears the notice
        assert screen.running and screen.message is None
        await pilot.press("space")


async def test_a_run_nobody_touches_pauses_itself_with_a_notice() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql",),
                                 idle_limit_s=0.5))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("space")
        await until(pilot, lambda: not screen.running, timeout=10.0)
        assert screen.runner.episode > 0  # it trained, then stopped by itself
        await until(pilot, lambda: "no key pressed" in screen_text(app), timeout=5.0)
        status = str(screen.query_one("#watch-status", Static).render())
        assert status == "paused: no key pressed for 0.5 s; press space to go on"
        assert "paused" in _counters(screen)
        assert any("no key pressed" in str(n.message) for n in app._notifications)


async def test_key_presses_count_as_somebody_watching() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), agents=("iql",),
                                 idle_limit_s=60.0))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("space")
        await pilot.pause(0.5)
        session = screen.session
        assert session.idle_for() >= 0.4
        mark = session.clock()
        _send_key(app, "minus")
        # the last activity moved to the key press (measured on the session's own clock)
        await until(pilot, lambda: session.last_activity >= mark, timeout=5.0)
        assert screen.running
        await pilot.press("space")


async def test_exploitability_is_labelled_and_fictitious_play_shows_its_empirical_mix() -> None:
    game = get_game("matching-pennies")
    app = ScreenHost(WatchScreen(game, agents=("fictitious-play",), seed=0))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        for _ in range(40):
            screen.action_single_step()
        await pilot.pause()
        last = screen.last
        counters = _counters(screen)
        assert f"avg policy {last.exploitability:.3f}" in counters
        assert f"current    {last.current_exploitability:.3f}" in counters
        assert last.current_exploitability > last.exploitability
        table = screen.query_one(PolicyTable)
        assert np.allclose(table.average[0], last.average_policies[0])
        lines = str(table.render()).splitlines()
        assert lines[0].split() == ["policy", "now", "avg"]
        heads = ["P1 Heads", "P1 Tails", "P2 Heads", "P2 Tails"]
        for line, head, (p, a) in zip(lines[1:], heads, [(0, 0), (0, 1), (1, 0), (1, 1)],
                                      strict=True):
            now, avg = line.removeprefix(head).split()
            assert now == f"{last.policies[p][a]:.0%}" and avg == f"{last.average_policies[p][a]:.0%}"
        assert {lines[1].split()[2], lines[2].split()[2]} == {"0%", "100%"}  # best response: pure
        assert "P2 Tails" in screen_text(app)  # the table is on screen at 80x24
        await pilot.press("g")
        await pilot.pause()
        series = app.screen.series
        assert series["exploitability (avg policy)"][-1] == pytest.approx(last.exploitability)
        assert series["exploitability (current)"][-1] == pytest.approx(
            last.current_exploitability)


async def test_levers_show_a_readable_summary_at_80x24() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma"), env="levers", agents=("iql",)))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        for _ in range(6):
            screen.action_single_step()
        await pilot.pause()
        dashboard = screen.query_one(TrainingDashboard)
        assert list(dashboard.rows) == ["reward-mean"]  # no wall of 25 sparklines
        assert dashboard.data_of("reward-mean")[-1] == pytest.approx(
            np.mean(screen.last.mean_rewards))
        text = screen_text(app)
        heatmap_lines = str(screen.query_one(JointHeatmap).render()).splitlines()
        assert heatmap_lines[0] == "Actions played % (recent)"
        assert [line.split()[0] for line in heatmap_lines[2:]] == ["P1", "P2", "P3", "P4", "P5"]
        assert "," not in "".join(heatmap_lines)  # no list of 5-tuples
        table_lines = str(screen.query_one(PolicyTable).render()).splitlines()
        assert [line.split()[0] for line in table_lines[2:]] == ["P1", "P2", "P3", "P4", "P5"]
        for line in table_lines[2:] + heatmap_lines[2:]:
            assert line.strip() in text  # every row is on screen, uncut
        assert text.count("•") == 5 + 1  # each player's current choice, and the title's key


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (160, 45)], ids=str)
@pytest.mark.parametrize("env", ["game", "levers"])
async def test_watch_fits_every_size(size, env) -> None:
    app = ScreenHost(WatchScreen(get_game("rock-paper-scissors"), env=env, agents=("iql",)))
    async with app.run_test(size=size) as pilot:
        screen = await _ready(pilot)
        for _ in range(3):
            screen.action_single_step()
        await pilot.pause()
        text = screen_text(app)
        assert "episode" in text and "Run" in text and "palette" in text  # counters and footer
        rows = ["P2 Scissors"] if env == "game" else ["P5"]
        for row in rows:
            assert row in text
        for widget in (screen.query_one(PolicyTable), screen.query_one(JointHeatmap)):
            width = widget.content_region.width
            assert all(len(line) <= width for line in str(widget.render()).splitlines())
            assert widget.region.right <= size[0] and widget.region.bottom <= size[1]


async def test_the_setup_dialog_starts_on_the_environment() -> None:
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma")))
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("a")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, WatchSetupModal)
        assert modal.focused is modal.query_one("#setup-env", Select)
        await pilot.press("tab")
        assert modal.focused is modal.query_one("#setup-agent-0", Select)


def test_the_idle_limit_comes_from_the_environment_in_minutes() -> None:
    from marl_tui.screens.watch import idle_limit_from

    assert idle_limit_from(None) == (600.0, None)
    assert idle_limit_from("2.5") == (150.0, None)
    assert idle_limit_from("0") == (None, None)  # never pause
    for bad in ("ten", "-1", "nan", "inf"):
        limit, problem = idle_limit_from(bad)
        assert limit == 600.0 and f"MARL_TUI_WATCH_IDLE_MINUTES={bad!r} is not a number" in problem


async def test_a_bad_idle_setting_is_reported_and_the_default_kept(monkeypatch) -> None:
    monkeypatch.setenv("MARL_TUI_WATCH_IDLE_MINUTES", "soon")
    app = ScreenHost(WatchScreen(get_game("prisoners-dilemma")))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        assert screen.session.idle_limit_s == 600.0
        assert "'soon' is not a number of minutes" in str(
            screen.query_one("#watch-status", Static).render())


async def test_leaving_with_trained_agents_asks_first() -> None:
    """Escape discards the Watch screen and its agents: once they trained, it asks (as reset
    does); "Stay" keeps the screen and its agents, "Leave" goes back to the game."""
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        screen = await _ready(pilot)
        for _ in range(3):
            await pilot.press("full_stop")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "discard the trained agents (iql, iql, 3 rounds)?" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and screen.runner.rounds == 3
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)


async def test_leaving_before_any_training_asks_nothing() -> None:
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        await _ready(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)
