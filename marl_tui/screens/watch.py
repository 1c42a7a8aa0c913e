"""Watch: agents of any kind learn the current game (or ``two-step`` / ``levers``), live.

Training runs in a thread worker that calls ``Runner.run`` one episode at a time, under a lock, and
posts a :class:`TrainingProgress` snapshot (plain numbers, never widgets) once per frame of 0.1 s.
The speed is the number of episodes per frame. The UI thread only draws those snapshots, so keys
stay prompt even while QMIX trains: the steps are small, torch uses one thread, and the worker
sleeps briefly every few milliseconds to hand over the GIL.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from agents.base import Agent
from games import Game
from marl_tui.files import resolve_user_path, sandbox_of
from marl_tui.screens.path_modal import PathModal
from marl_tui.screens.plot_screen import PlotScreen
from marl_tui.screens.watch_setup import WatchSetup, WatchSetupModal
from marl_tui.widgets.heatmap import JointHeatmap
from marl_tui.widgets.training_dashboard import TrainingDashboard

GAME_ENV = "game"
SPECIAL_ENVS = {"two-step": 2, "levers": 5}  # environment -> number of players
LEVERS_SPEC = "levers:m=5,pool=50"
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)  # episodes per frame
DEFAULT_SPEED = 20
FRAME_S = 0.1  # one UI update per frame: about 10 a second
YIELD_S = 0.005  # the training thread sleeps briefly this often, handing the GIL to the UI
HISTORY = 600  # points kept per curve
MAX_PLAYER_ROWS = 4  # players whose reward/probability rows the dashboard shows
TRAIN_ROUNDS = 10  # rounds per episode of a repeated game


@dataclass(frozen=True)
class Snapshot:
    """Everything the screen draws, copied out of the runner (safe to hand across threads)."""

    episode: int
    rounds: int
    mean_rewards: tuple[float, ...]
    exploitability: float | None
    policies: tuple[np.ndarray, ...]
    joint_counts: np.ndarray | None
    stopped: str | None


class TrainingProgress(Message):
    """Posted by the training thread: a fresh snapshot and the measured rounds per second."""

    def __init__(self, runner, snapshot: Snapshot, rounds_per_s: float | None,
                 final: bool) -> None:
        super().__init__()
        self.runner = runner
        self.snapshot = snapshot
        self.rounds_per_s = rounds_per_s
        self.final = final


def snapshot_of(runner) -> Snapshot:
    """Copy the runner's metrics into plain arrays (call with the runner's lock held)."""
    m = runner.metrics()
    counts = None if m.joint_counts is None else np.array(m.joint_counts, dtype=float)
    return Snapshot(
        episode=int(m.episode),
        rounds=int(m.rounds),
        mean_rewards=tuple(float(r) for r in m.mean_rewards),
        exploitability=None if m.exploitability is None else float(m.exploitability),
        policies=tuple(np.array(p, dtype=float) for p in m.policies),
        joint_counts=counts,
        stopped=runner.stopped,
    )


def build_watch(game: Game, setup: WatchSetup, seed: int | None):
    """The environment, the agents and the runner for ``setup`` (imports torch for deep agents).

    A team agent in slot 1 controls every player; otherwise each player gets its own agent.
    """
    from agents.envs import make_env
    from agents.envs.repeated import RepeatedGameEnv
    from agents.registry import DEEP_AGENTS, agent_class, make_agent
    from agents.runner import Runner, derive_seed

    if any(name in DEEP_AGENTS for name in setup.agents):
        import torch

        torch.set_num_threads(1)  # leave the other core to the UI thread
    if setup.env == GAME_ENV:
        env = RepeatedGameEnv(game, rounds=TRAIN_ROUNDS)
    else:
        env = make_env(LEVERS_SPEC if setup.env == "levers" else setup.env)
    spec = env.spec
    n = spec.n_players
    names = [setup.agents[min(p, len(setup.agents) - 1)] for p in range(n)]
    agents: list[Agent] = []
    if agent_class(names[0]).team:
        agents.append(make_agent(names[0], spec, list(range(n)), seed=derive_seed(seed, 0)))
    else:
        for p, name in enumerate(names):
            if agent_class(name).team:
                raise ValueError(
                    f"{name} is a team agent: choose it for player 1 to control every player")
            agents.append(make_agent(name, spec, [p], seed=derive_seed(seed, p)))
    return env, agents, Runner(env, agents, seed=seed)


def action_labels(game: Game, env) -> tuple[tuple[str, ...], ...]:
    """Action labels per player: the game's for a repeated game, A1.. otherwise."""
    spec = env.spec
    if spec.game is not None:
        return tuple(tuple(a) for a in spec.game.actions)
    return tuple(tuple(f"A{k + 1}" for k in range(n)) for n in spec.n_actions)


class WatchScreen(Screen):
    """Agents train live; a dashboard of sparklines, a joint-action heat map and controls."""

    CSS_PATH = "../styles/watch.tcss"
    HELP = """\
## Watch

Agents learn by playing the game against each other; the dashboard updates live.

| Key | Action |
|-----|--------|
| `space` | run / pause training |
| `.` | one round (single step, while paused) |
| `r` | reset: fresh agents, counters to zero |
| `+` / `-` | faster / slower (episodes per frame; 10 frames a second) |
| `a` | agents and environment (this game, two-step, levers) |
| `g` | full-size reward / exploitability plot |
| `x` | export the training log to CSV |
| `s` | save the trained agents to a folder |
| `escape` | back (training stops) |
"""
    BINDINGS = [
        # The footer fits 80 columns; plot, CSV and save are listed in help and the palette.
        Binding("space", "toggle_run", "Run", key_display="space"),
        Binding("full_stop", "single_step", "Step", key_display="."),
        Binding("r", "reset", "Reset"),
        Binding("plus,equals_sign", "faster", "Speed", key_display="+/-"),
        Binding("minus", "slower", "Slower", show=False),
        Binding("a", "setup", "Agents"),
        Binding("g", "plot", "Plot", show=False),
        Binding("x", "export_csv", "Export CSV", show=False),
        Binding("s", "save_agents", "Save agents", show=False),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, game: Game, env: str = GAME_ENV, agents: Sequence[str] = ("iql",),
                 seed: int | None = 0, speed: int = DEFAULT_SPEED) -> None:
        super().__init__()
        self.game = game
        self.setup = WatchSetup(env, tuple(agents))
        self.seed = seed
        self.speed = speed if speed in SPEEDS else DEFAULT_SPEED
        self.lock = threading.Lock()
        self.runner = None
        self.env = None
        self.agents: list[Agent] = []
        self.running = False
        self.message: str | None = None
        self.rounds_per_s: float | None = None
        self.last: Snapshot | None = None
        self.labels: tuple[tuple[str, ...], ...] = ()
        self._reset_history()

    # ----- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="watch-title")
        with Horizontal(id="watch-body"):
            yield TrainingDashboard(id="dashboard")
            with Vertical(id="watch-side"):
                yield Static("", id="counters")
                yield JointHeatmap(id="heatmap")
        yield Static("", id="watch-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._rebuild()

    # ----- building (thread worker: deep agents import torch) ---------------------------------
    def _rebuild(self) -> None:
        self._stop()
        self.runner = None
        self.env = None
        self.last = None
        self.message = None
        self.rounds_per_s = None
        self._reset_history()
        self._draw()
        self._build(self.setup)

    @work(thread=True, exclusive=True, group="watch-build", exit_on_error=False)
    def _build(self, setup: WatchSetup):
        env, agents, runner = build_watch(self.game, setup, self.seed)
        with self.lock:
            first = snapshot_of(runner)
        return setup, env, agents, runner, first

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "watch-build":
            if event.state == WorkerState.SUCCESS:
                setup, env, agents, runner, first = worker.result
                if setup != self.setup or self.runner is not None:
                    return  # a build the user has since replaced
                self.env, self.agents, self.runner = env, agents, runner
                self._configure_dashboard()
                self._show(first, record=False)
            elif event.state == WorkerState.ERROR:
                self.message = f"Cannot start {', '.join(self.setup.agents)}: {worker.error}"
                self._draw()
        elif worker.group == "watch-train" and event.state == WorkerState.ERROR:
            self.running = False
            self.message = f"Training failed: {worker.error}"
            self._draw()

    def _configure_dashboard(self) -> None:
        labels = action_labels(self.game, self.env)
        self.labels = labels
        rows: dict[str, str] = {}
        shown = min(self.env.spec.n_players, MAX_PLAYER_ROWS)
        for p in range(shown):
            rows[f"reward-{p}"] = f"reward P{p + 1}"
        if self.env.spec.game is not None:
            rows["exploitability"] = "exploitability"
        for p in range(shown):
            for a, label in enumerate(labels[p]):
                rows[f"prob-{p}-{a}"] = f"P{p + 1} {label}"
        self.query_one(TrainingDashboard).configure(rows)

    # ----- training (thread worker) -----------------------------------------------------------
    @work(thread=True, exclusive=True, group="watch-train", exit_on_error=False)
    def _train(self) -> None:
        """Each frame: up to ``speed`` episodes, one at a time, then one snapshot for the UI.

        A frame lasts at least FRAME_S (slow speeds let you watch each episode) and at most about
        FRAME_S plus one episode (fast ones stay responsive); the thread yields the GIL every
        YIELD_S so the UI thread gets to run while numpy and torch work.
        """
        worker = get_current_worker()
        runner = self.runner
        mark_time, mark_rounds = time.perf_counter(), runner.rounds
        last_yield = mark_time
        while not worker.is_cancelled:
            frame_start = time.perf_counter()
            stopped = None
            done = 0
            while done < self.speed and time.perf_counter() - frame_start < FRAME_S:
                if worker.is_cancelled:
                    return
                with self.lock:
                    runner.run(1)
                    stopped = runner.stopped
                done += 1
                if stopped is not None:
                    break
                if time.perf_counter() - last_yield > YIELD_S:
                    time.sleep(0.001)
                    last_yield = time.perf_counter()
            with self.lock:
                snapshot = snapshot_of(runner)
            now = time.perf_counter()
            rate = (snapshot.rounds - mark_rounds) / (now - mark_time)
            mark_time, mark_rounds = now, snapshot.rounds
            if worker.is_cancelled:
                return
            self.post_message(TrainingProgress(runner, snapshot, rate, final=stopped is not None))
            if stopped is not None:
                return
            time.sleep(max(FRAME_S - (time.perf_counter() - frame_start), 0.001))
            last_yield = time.perf_counter()

    def on_training_progress(self, message: TrainingProgress) -> None:
        if message.runner is not self.runner or not (self.running or message.final):
            return  # from a run that was reset or paused meanwhile
        self.rounds_per_s = message.rounds_per_s
        if message.final:
            self.running = False
        self._show(message.snapshot)

    def _stop(self) -> None:
        self.running = False
        self.workers.cancel_group(self, "watch-train")

    # ----- actions ----------------------------------------------------------------------------
    def action_toggle_run(self) -> None:
        if self.runner is None:
            self.notify("Agents are still loading…", severity="warning", timeout=2)
            return
        if self.running:
            self._stop()
        elif self.runner.stopped:
            self.notify("This run stopped; press r to reset.", severity="warning")
            return
        else:
            self.running = True
            self._train()
        self._draw()

    def action_single_step(self) -> None:
        if self.runner is None or self.running:
            self.notify("Pause first (space), then step." if self.running
                        else "Agents are still loading…", severity="warning", timeout=2)
            return
        if self.runner.stopped:
            self.notify("This run stopped; press r to reset.", severity="warning")
            return
        with self.lock:
            self.runner.step()
            snapshot = snapshot_of(self.runner)
        self._show(snapshot)

    def action_reset(self) -> None:
        self._rebuild()

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

    def action_plot(self) -> None:
        series = {f"reward P{p + 1}": list(values) for p, values in self.rewards.items()}
        if any(v is not None for v in self.exploitability):
            series["exploitability"] = [np.nan if v is None else v for v in self.exploitability]
        self.app.push_screen(PlotScreen("Training curves", list(self.episodes), series))

    def action_export_csv(self) -> None:
        if self.runner is None:
            return
        self.app.push_screen(PathModal("Export the training log to CSV file:", "training.csv"),
                             self.export_csv)

    def export_csv(self, path: str | None) -> None:
        """Write the runner's log to ``path``; failures are reported, never raised."""
        if not path or self.runner is None:
            return
        try:
            with self.lock:
                log = self.runner.log.copy()
            target = resolve_user_path(path, sandbox_of(self.app))
            log.to_csv(target, index=False)
        except (OSError, ValueError) as error:
            self._report(f"Export failed: {error}", error=True)
        else:
            self._report(f"Exported {len(log)} rows to {target}")

    def action_save_agents(self) -> None:
        if self.runner is None:
            return
        self.app.push_screen(PathModal("Save the agents into folder:", "trained-agents"),
                             self.save_agents)

    def save_agents(self, path: str | None) -> None:
        """Save each agent into ``path/<k>-<name>``; failures are reported, never raised."""
        if not path or self.runner is None:
            return
        try:
            folder = resolve_user_path(path, sandbox_of(self.app))
            with self.lock:
                for k, agent in enumerate(self.agents):
                    agent.save(folder / f"{k + 1}-{agent.name}")
        except Exception as error:  # agents' own save code: report anything, never crash the UI
            self._report(f"Saving failed: {error}", error=True)
        else:
            self._report(f"Saved {len(self.agents)} agent(s) to {folder}")

    def action_back(self) -> None:
        self._stop()
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self._stop()

    # ----- drawing ----------------------------------------------------------------------------
    def _reset_history(self) -> None:
        self.episodes: deque[int] = deque(maxlen=HISTORY)
        self.rewards: dict[int, deque[float]] = {}
        self.exploitability: deque[float | None] = deque(maxlen=HISTORY)
        self.probs: dict[tuple[int, int], deque[float]] = {}

    def _show(self, snapshot: Snapshot, record: bool = True) -> None:
        self.last = snapshot
        if snapshot.stopped:
            self.message = snapshot.stopped
            self.running = False
        if record:
            self.episodes.append(snapshot.episode)
            for p, reward in enumerate(snapshot.mean_rewards[:MAX_PLAYER_ROWS]):
                self.rewards.setdefault(p, deque(maxlen=HISTORY)).append(reward)
            self.exploitability.append(snapshot.exploitability)
            for p, policy in enumerate(snapshot.policies[:MAX_PLAYER_ROWS]):
                for a, prob in enumerate(policy):
                    self.probs.setdefault((p, a), deque(maxlen=HISTORY)).append(float(prob))
        series: dict[str, list[float]] = {
            f"reward-{p}": list(values) for p, values in self.rewards.items()}
        series["exploitability"] = [v for v in self.exploitability if v is not None]
        for (p, a), values in self.probs.items():
            series[f"prob-{p}-{a}"] = list(values)
        self.query_one(TrainingDashboard).set_series(series)
        if self.env is not None:
            self.query_one(JointHeatmap).show(snapshot.joint_counts, self.labels)
        self._draw()

    def _draw(self) -> None:
        # Once built, the agents that really play: a team agent in slot 1 plays for everyone.
        built = [agent.name for agent in self.agents] if self.runner is not None else []
        names = ", ".join(built or self.setup.agents)
        env = self.game.name if self.setup.env == GAME_ENV else self.setup.env
        self.query_one("#watch-title", Static).update(
            Text.assemble(("Watch · ", "bold"), (names, "bold"), f" on {env}"))
        counters = Text()
        if self.runner is None:
            counters.append("loading agents…" if self.message is None else "not running")
        else:
            stopped = self.last is not None and self.last.stopped
            state = "running" if self.running else ("stopped" if stopped else "paused")
            snapshot = self.last
            counters.append(f"{state}\n", style="bold")
            counters.append(f"episode {snapshot.episode if snapshot else 0}\n")
            counters.append(f"rounds  {snapshot.rounds if snapshot else 0}\n")
            rate = "—" if self.rounds_per_s is None or not self.running else (
                f"{self.rounds_per_s:,.0f}")
            counters.append(f"rounds/s {rate}\n")
            counters.append(f"speed   {self.speed} ep/frame")
            if snapshot and snapshot.exploitability is not None:
                counters.append(f"\nexploit {snapshot.exploitability:.3f}")
        self.query_one("#counters", Static).update(counters)
        status = self.query_one("#watch-status", Static)
        status.update(Text(self.message or "", style="bold"))
        status.set_class(bool(self.message), "has-message")

    def _report(self, text: str, error: bool = False) -> None:
        self.message = text
        self.notify(text, severity="error" if error else "information", timeout=4)
        self._draw()
