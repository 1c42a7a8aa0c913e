"""Watch: agents of any kind learn the current game (or ``two-step`` / ``levers``), live.

The training itself is a :class:`~agents.training_session.TrainingSession` (no UI: a server hub
drives the same object). This screen runs its frames in a thread worker, one ``advance`` of up to
``speed`` episodes per frame of 0.1 s, and draws the :class:`Snapshot` each frame posts (plain
numbers, never widgets), so keys stay prompt even while QMIX trains. Training pauses when another
screen covers this one, and by itself after a long time without a key press.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence

import numpy as np
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from agents.training_session import (
    GAME_ENV,
    IDLE_LIMIT_S,
    SPECIAL_ENVS,
    SessionError,
    Snapshot,
    TrainingSession,
)
from games import Game
from marl_tui.files import check_room, resolve_user_path, sandbox_of
from marl_tui.plain import notify_plain, plain
from marl_tui.screens.confirm import ConfirmScreen
from marl_tui.screens.path_modal import PathModal
from marl_tui.screens.plot_screen import PlotScreen
from marl_tui.screens.watch_setup import WatchSetup, WatchSetupModal
from marl_tui.widgets.app_footer import AppFooter
from marl_tui.widgets.heatmap import JointHeatmap
from marl_tui.widgets.policy_portrait import PolicyPortrait
from marl_tui.widgets.policy_table import PolicyTable
from marl_tui.widgets.training_dashboard import TrainingDashboard

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)  # episodes per frame
DEFAULT_SPEED = 20
FRAME_S = 0.1  # one UI update per frame: about 10 a second
MAX_PLAYER_ROWS = 4  # players whose reward rows the dashboard shows (more: one mean-reward row)
MAX_PROB_ROWS = 8  # probability sparklines; more actions in all: the policy table alone shows them
LEFT_NOTICE = "paused: training stops while another screen is open; press space to go on"
IDLE_ENV = "MARL_TUI_WATCH_IDLE_MINUTES"  # minutes without a key press before a run pauses; 0: never


def idle_limit_from(value: str | None) -> tuple[float | None, str | None]:
    """The idle limit in seconds that ``$MARL_TUI_WATCH_IDLE_MINUTES`` asks for (``None``: never
    pause), and a message when the value is not a number of minutes (the default is used then)."""
    if value is None or not value.strip():
        return IDLE_LIMIT_S, None
    try:
        minutes = float(value)
    except ValueError:
        minutes = float("nan")
    if not minutes >= 0 or minutes == float("inf"):
        return IDLE_LIMIT_S, (f"{IDLE_ENV}={value!r} is not a number of minutes (0 for never); "
                              f"pausing after {IDLE_LIMIT_S / 60:g} minutes without a key press")
    return (None if minutes == 0 else minutes * 60.0), None


class TrainingProgress(Message):
    """Posted by the training thread: the session's fresh snapshot after one frame."""

    def __init__(self, session: TrainingSession, snapshot: Snapshot) -> None:
        super().__init__()
        self.session = session
        self.snapshot = snapshot


def action_labels(env) -> tuple[tuple[str, ...], ...]:
    """Action labels per player: the stage game's for a repeated game, A1.. otherwise."""
    spec = env.spec
    if spec.game is not None:
        return tuple(tuple(a) for a in spec.game.actions)
    return tuple(tuple(f"A{k + 1}" for k in range(n)) for n in spec.n_actions)


def dashboard_rows(n_actions: Sequence[int], labels: Sequence[Sequence[str]],
                   has_game: bool) -> dict[str, str]:
    """The dashboard's sparkline rows (key -> title) for players with ``n_actions`` actions.

    Few players: a reward row each, then one probability row per action. Many players (levers)
    get one mean-reward row, and many actions in all no probability rows: the policy table
    beside shows those as numbers instead of a wall of sparklines.
    """
    n = len(n_actions)
    rows: dict[str, str] = {}
    if n <= MAX_PLAYER_ROWS:
        for p in range(n):
            rows[f"reward-{p}"] = f"reward P{p + 1}"
    else:
        rows["reward-mean"] = "mean reward"
    if has_game:
        rows["exploitability"] = "exploit. (avg)"
    if n <= MAX_PLAYER_ROWS and sum(n_actions) <= MAX_PROB_ROWS:
        for p in range(n):
            for a, label in enumerate(labels[p]):
                rows[f"prob-{p}-{a}"] = f"P{p + 1} {label}"
    return rows


def dashboard_series(history: Sequence[Snapshot], keys: Iterable[str]) -> dict[str, list[float]]:
    """The data of the dashboard rows ``keys`` (see :func:`dashboard_rows`) from the snapshots."""
    series: dict[str, list[float]] = {}
    for key in keys:
        if key == "reward-mean":
            series[key] = [sum(s.mean_rewards) / len(s.mean_rewards) for s in history]
        elif key == "exploitability":
            series[key] = [s.exploitability for s in history if s.exploitability is not None]
        elif key.startswith("reward-"):
            p = int(key.removeprefix("reward-"))
            series[key] = [s.mean_rewards[p] for s in history]
        elif key.startswith("prob-"):
            p, a = (int(part) for part in key.removeprefix("prob-").split("-"))
            series[key] = [float(s.policies[p][a]) for s in history]
    return series


class WatchScreen(Screen):
    """Agents train live; a dashboard of sparklines, the policies, a joint-action heat map."""

    CSS_PATH = "../styles/watch.tcss"
    HELP = """\
## Watch

Agents learn by playing the game against each other; the dashboard updates live.

Exploitability (NashConv) is that of the **time-averaged** policies (the average of play, which
is what converges in fictitious play); the current policies' is shown beside it. The policy table
gives both policies per action.

Training pauses when another screen opens over this one, and after ten minutes without a key
press (a forgotten run must not train for hours; set `MARL_TUI_WATCH_IDLE_MINUTES` to change
that, 0 for never).

| Key | Action |
|-----|--------|
| `space` | run / pause training |
| `.` | one round (single step, while paused) |
| `r` | reset: fresh agents, counters to zero (asks first once trained) |
| `+` / `-` | faster / slower (episodes per frame; 10 frames a second) |
| `a` | agents and environment (this game, two-step, levers) |
| `f` | flow: the agents' current and time-averaged policies over the game's phase portrait (2x2, 3x3), in place of the curves |
| `g` | full-size reward / exploitability plot |
| `x` | export the training log to CSV |
| `s` | save the trained agents to a folder |
| `escape` | back (training stops; asks first once trained, as the agents are then discarded) |
"""
    BINDINGS = [
        # The footer fits 80 columns; plot, CSV and save are listed in help and the palette.
        Binding("space", "toggle_run", "Run", key_display="space"),
        Binding("full_stop", "single_step", "Step", key_display="."),
        Binding("r", "reset", "Reset"),
        Binding("plus,equals_sign", "faster", "Speed", key_display="+/-"),
        Binding("minus", "slower", "Slower", show=False),
        Binding("a", "setup", "Agents"),
        Binding("f", "toggle_flow", "Flow"),
        Binding("g", "plot", "Plot", show=False),
        Binding("x", "export_csv", "Export CSV", show=False),
        Binding("s", "save_agents", "Save agents", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, game: Game, env: str = GAME_ENV, agents: Sequence[str] = ("iql",),
                 seed: int | None = 0, speed: int = DEFAULT_SPEED,
                 idle_limit_s: float | None | str = "env") -> None:
        super().__init__()
        self.game = game
        self.setup = WatchSetup(env, tuple(agents))
        self.seed = seed
        self.speed = speed if speed in SPEEDS else DEFAULT_SPEED
        self.config_problem: str | None = None
        if idle_limit_s == "env":  # the default: as the environment variable says, else 10 min
            idle_limit_s, self.config_problem = idle_limit_from(os.environ.get(IDLE_ENV))
        self.idle_limit_s = idle_limit_s
        self.session: TrainingSession | None = None
        self.message: str | None = None
        self.labels: tuple[tuple[str, ...], ...] = ()

    # ----- what the session holds (read-only views for drawing and tests) ---------------------
    @property
    def runner(self):
        """The session's runner (None while the agents load)."""
        return None if self.session is None else self.session.runner

    @property
    def env(self):
        return None if self.session is None else self.session.env

    @property
    def agents(self) -> list:
        return [] if self.session is None else self.session.agents

    @property
    def running(self) -> bool:
        return self.session is not None and self.session.running

    @property
    def last(self) -> Snapshot | None:
        return None if self.session is None else self.session.last

    # ----- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="watch-title")
        with Horizontal(id="watch-body"):
            with Vertical(id="watch-main"):
                yield TrainingDashboard(id="dashboard")
                yield PolicyTable(id="policies")
                yield PolicyPortrait(id="policy-portrait")
            with Vertical(id="watch-side"):
                yield Static("", id="counters")
                yield JointHeatmap(id="heatmap")
        yield Static("", id="watch-status")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(PolicyPortrait).display = False
        self._rebuild()
        if self.config_problem:
            self._report(self.config_problem, error=True)

    # ----- building (thread worker: deep agents import torch) ---------------------------------
    def _rebuild(self) -> None:
        self._stop()
        self.session = None
        self.message = None
        self.query_one(TrainingDashboard).configure({})
        self.query_one(PolicyTable).show((), (), ())
        self.query_one(PolicyPortrait).reset(self.game if self.setup.env == GAME_ENV else None)
        self._draw()
        self._build(self.setup)

    @work(thread=True, exclusive=True, group="watch-build", exit_on_error=False)
    def _build(self, setup: WatchSetup):
        session = TrainingSession.build(self.game, setup.env, setup.agents, self.seed,
                                        idle_limit_s=self.idle_limit_s)
        return setup, session

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "watch-build":
            if event.state == WorkerState.SUCCESS:
                setup, session = worker.result
                if setup != self.setup or self.session is not None:
                    return  # a build the user has since replaced
                self.session = session
                self._configure_dashboard()
                self._show()
            elif event.state == WorkerState.ERROR:
                self.message = f"Cannot start {', '.join(self.setup.agents)}: {worker.error}"
                self._draw()
        elif worker.group == "watch-train" and event.state == WorkerState.ERROR:
            if self.session is not None:
                self.session.pause()
            self.message = f"Training failed: {worker.error}"
            self._draw()

    def _configure_dashboard(self) -> None:
        spec = self.env.spec
        self.labels = action_labels(self.env)
        self.query_one(TrainingDashboard).configure(
            dashboard_rows(spec.n_actions, self.labels, spec.game is not None))

    # ----- training (thread worker) -----------------------------------------------------------
    @work(thread=True, exclusive=True, group="watch-train", exit_on_error=False)
    def _train(self, session: TrainingSession) -> None:
        """Each frame: up to ``speed`` episodes, then one snapshot for the UI.

        A frame lasts at least FRAME_S (slow speeds let you watch each episode) and at most about
        FRAME_S plus one episode (fast ones stay responsive).
        """
        worker = get_current_worker()
        while not worker.is_cancelled and session.running:
            frame_start = time.perf_counter()
            snapshot = session.advance(self.speed, FRAME_S, lambda: worker.is_cancelled)
            # Posted even after a pause: the last frame's snapshot is the one to show then.
            if snapshot is not None or session.pause_reason:
                self.post_message(TrainingProgress(session, snapshot or session.last))
            if worker.is_cancelled or not session.running:
                return
            time.sleep(max(FRAME_S - (time.perf_counter() - frame_start), 0.001))

    def on_training_progress(self, message: TrainingProgress) -> None:
        if message.session is not self.session:
            return  # from a session that was reset meanwhile
        reason = self.session.pause_reason
        if reason and self.message != reason:
            self.message = reason
            notify_plain(self, reason, severity="warning", timeout=8)
        self._show()

    def _stop(self, reason: str | None = None) -> None:
        if self.session is not None:
            self.session.pause(reason)
        self.workers.cancel_group(self, "watch-train")

    # ----- presence: pause when nobody is looking ---------------------------------------------
    def on_key(self, event: events.Key) -> None:
        if self.session is not None:
            self.session.touch()

    def on_screen_suspend(self) -> None:
        if self.running:
            self._stop(LEFT_NOTICE)
            self.message = LEFT_NOTICE
            self._draw()

    # ----- actions ----------------------------------------------------------------------------
    def action_toggle_run(self) -> None:
        session = self.session
        if session is None:
            self.notify("Agents are still loading…", severity="warning", timeout=2)
            return
        if session.running:
            self._stop()
        elif session.stopped:
            self.notify("This run stopped; press r to reset.", severity="warning")
            return
        else:
            session.resume()
            if self.message and self.message.startswith("paused"):
                self.message = None
            self._train(session)
        self._draw()

    def action_single_step(self) -> None:
        session = self.session
        if session is None or session.running:
            self.notify("Pause first (space), then step." if session is not None
                        else "Agents are still loading…", severity="warning", timeout=2)
            return
        try:
            session.step()
        except SessionError:
            self.notify("This run stopped; press r to reset.", severity="warning")
            return
        self._show()

    def action_reset(self) -> None:
        if self.session is None or not self.session.trained:
            self._rebuild()
            return
        self._stop()
        self._draw()

        def answered(discard: bool | None) -> None:
            if discard:
                self._rebuild()

        what = ", ".join(agent.name for agent in self.agents)
        self.app.push_screen(
            ConfirmScreen(f"Discard the trained agents ({what}, {self.runner.rounds:,} rounds) "
                          "and start over?", confirm="Discard", cancel="Keep"),
            answered)

    def action_faster(self) -> None:
        index = SPEEDS.index(self.speed)
        self.speed = SPEEDS[min(index + 1, len(SPEEDS) - 1)]
        self._draw()

    def action_slower(self) -> None:
        index = SPEEDS.index(self.speed)
        self.speed = SPEEDS[max(index - 1, 0)]
        self._draw()

    def action_setup(self) -> None:
        from agents.registry import agent_names

        envs = {GAME_ENV: self.game.n_players, **SPECIAL_ENVS}
        names = [n for n in agent_names() if n != "human"]

        def chosen(setup: WatchSetup | None) -> None:
            if setup is not None:
                self.setup = setup
                self._rebuild()

        self.app.push_screen(WatchSetupModal(self.setup, envs, names), chosen)

    def action_toggle_flow(self) -> None:
        """Swap the curves for the policies drawn over the game's phase portrait, and back."""
        portrait = self.query_one(PolicyPortrait)
        portrait.display = not portrait.display
        self.query_one(TrainingDashboard).display = not portrait.display

    def action_plot(self) -> None:
        history = self.session.snapshots() if self.session is not None else []
        episodes = [s.episode for s in history]
        players = min(len(history[0].mean_rewards), MAX_PLAYER_ROWS) if history else 0
        series = {f"reward P{p + 1}": [s.mean_rewards[p] for s in history] for p in range(players)}
        if any(s.exploitability is not None for s in history):
            series["exploitability (avg policy)"] = [
                np.nan if s.exploitability is None else s.exploitability for s in history]
            series["exploitability (current)"] = [
                np.nan if s.current_exploitability is None else s.current_exploitability
                for s in history]
        self.app.push_screen(PlotScreen("Training curves", episodes, series))

    def action_export_csv(self) -> None:
        if self.session is None:
            return
        self.app.push_screen(PathModal("Export the training log to CSV file:", "training.csv"),
                             self.export_csv)

    def export_csv(self, path: str | None) -> None:
        """Write the runner's log to ``path``; failures are reported, never raised."""
        if not path or self.session is None:
            return
        try:
            log = self.session.log()
            target = resolve_user_path(path, sandbox_of(self.app))
            check_room(self.app)
            log.to_csv(target, index=False)
        except (OSError, ValueError) as error:
            self._report(f"Export failed: {error}", error=True)
        else:
            self._report(f"Exported {len(log)} rows to {target}")

    def action_save_agents(self) -> None:
        if self.session is None:
            return
        self.app.push_screen(PathModal("Save the agents into folder:", "trained-agents"),
                             self.save_agents)

    def save_agents(self, path: str | None) -> None:
        """Save each agent into ``path/<k>-<name>``; failures are reported, never raised."""
        if not path or self.session is None:
            return
        try:
            folder = resolve_user_path(path, sandbox_of(self.app))
            check_room(self.app)
            saved = self.session.save_agents(folder)
        except Exception as error:  # agents' own save code: report anything, never crash the UI
            self._report(f"Saving failed: {error}", error=True)
        else:
            self._report(f"Saved {saved} agent(s) to {folder}")

    def action_back(self) -> None:
        """Leave Watch; trained agents are lost with the screen, so ask first (s saves them)."""
        self._stop()
        if self.session is None or not self.session.trained:
            self.app.pop_screen()
            return
        self._draw()

        def answered(leave: bool | None) -> None:
            if leave:
                self.app.pop_screen()

        what = ", ".join(agent.name for agent in self.agents)
        self.app.push_screen(
            ConfirmScreen(f"Leave Watch and discard the trained agents ({what}, "
                          f"{self.runner.rounds:,} rounds)? To keep them, stay and press s.",
                          confirm="Leave", cancel="Stay"),
            answered)

    def on_unmount(self) -> None:
        self._stop()

    # ----- drawing ----------------------------------------------------------------------------
    def _show(self) -> None:
        session = self.session
        snapshot = session.last
        if snapshot.stopped:
            self.message = snapshot.stopped
        dashboard = self.query_one(TrainingDashboard)
        dashboard.set_series(dashboard_series(session.snapshots(), dashboard.rows))
        self.query_one(PolicyTable).show(self.labels, snapshot.policies, snapshot.average_policies)
        self.query_one(PolicyPortrait).record(snapshot.policies, snapshot.average_policies)
        self.query_one(JointHeatmap).show(snapshot.joint_counts, self.labels)
        self._draw()

    def _draw(self) -> None:
        # Once built, the agents that really play: a team agent in slot 1 plays for everyone.
        built = [agent.name for agent in self.agents]
        names = ", ".join(built or self.setup.agents)
        env = self.game.name if self.setup.env == GAME_ENV else self.setup.env
        self.query_one("#watch-title", Static).update(
            Text.assemble(("Watch · ", "bold"), (names, "bold"), f" on {env}"))
        self.query_one("#counters", Static).update(self._counters())
        status = self.query_one("#watch-status", Static)
        status.update(plain(self.message or "", style="bold"))
        status.set_class(bool(self.message), "has-message")

    def _counters(self) -> Text:
        counters = Text()
        session = self.session
        if session is None:
            counters.append("loading agents…" if self.message is None else "not running")
            return counters
        snapshot = session.last
        state = "running" if session.running else ("stopped" if snapshot.stopped else "paused")
        counters.append(f"{state}\n", style="bold")
        counters.append(f"episode {snapshot.episode}\n")
        counters.append(f"rounds  {snapshot.rounds}\n")
        rate = session.rounds_per_s
        shown = "—" if rate is None or not session.running else f"{rate:,.0f}"
        counters.append(f"rounds/s {shown}\n")
        counters.append(f"speed   {self.speed} ep/frame")
        if snapshot.exploitability is not None:
            counters.append("\nexploitability (NashConv)", style="bold")
            counters.append(f"\n avg policy {snapshot.exploitability:.3f}")
            if snapshot.current_exploitability is not None:
                counters.append(f"\n current    {snapshot.current_exploitability:.3f}")
        return counters

    def _report(self, text: str, error: bool = False) -> None:
        self.message = text
        notify_plain(self, text, severity="error" if error else "information", timeout=4)
        self._draw()
