"""A live training session: agents learning in an environment, paused and resumed by whoever watches.

The app's Watch screen drives one, and so can a server hub (class play fills empty seats with the
same agents), so this module never imports textual and never starts a thread itself: the caller
runs :meth:`TrainingSession.advance` in its own worker thread, one frame at a time, while
:meth:`pause`, :meth:`resume` and :meth:`touch` may come from another thread.

Semantics:
- ``advance`` trains whole episodes (an unfinished one is finished first) for at most a frame's time
  budget, only while the session runs, and records one :class:`Snapshot` per frame.
- ``step`` plays one round, and only while paused, so the watcher can follow a run round by round.
- A run stopped by the runner (divergence) can neither resume nor step; a fresh session starts over.
- A running session that nobody has touched for ``idle_limit_s`` pauses itself, with a reason
  saying so (a forgotten run must not train for hours on a shared machine).
- Snapshots are copies of plain numbers and arrays: safe to hand to another thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from agents.base import Agent
from agents.envs.base import MultiAgentEnv
from agents.runner import Runner
from games import Game

GAME_ENV = "game"  # the environment that repeats the current game
SPECIAL_ENVS = {"two-step": 2, "levers": 5}  # other environments -> number of players
LEVERS_SPEC = "levers:m=5,pool=50"
TRAIN_ROUNDS = 10  # rounds per episode of a repeated game
HISTORY = 600  # snapshots kept for the curves
IDLE_LIMIT_S = 600.0  # a running session with no activity for this long pauses itself
YIELD_S = 0.005  # advance sleeps briefly this often, handing the GIL to a UI thread


class SessionError(RuntimeError):
    """An action the session's state does not allow (stepping while running, resuming a stopped run)."""


@dataclass(frozen=True)
class Snapshot:
    """Everything a watcher draws at one moment, copied out of the runner.

    ``policies`` are the current policies (the latest decision's action probabilities);
    ``average_policies`` the time-averaged ones (the agent's own average where it defines one, such
    as fictitious play's empirical mix, else the mean of its decisions). ``exploitability`` is
    NashConv of the average policies, ``current_exploitability`` of the current ones (both None
    outside a matrix game).
    """

    episode: int
    rounds: int
    mean_rewards: tuple[float, ...]
    exploitability: float | None
    current_exploitability: float | None
    policies: tuple[np.ndarray, ...]
    average_policies: tuple[np.ndarray, ...]
    empirical: tuple[np.ndarray, ...]
    joint_counts: np.ndarray | None
    stopped: str | None


@dataclass(frozen=True)
class Trajectory:
    """The recorded snapshots' policies over time: ``current[p]`` and ``average[p]`` are arrays of
    shape (len(episodes), n_actions of player p), one row per recorded snapshot."""

    episodes: np.ndarray
    rounds: np.ndarray
    current: tuple[np.ndarray, ...]
    average: tuple[np.ndarray, ...]


def snapshot_of(runner: Runner) -> Snapshot:
    """Copy the runner's metrics into plain numbers and fresh arrays."""
    m = runner.metrics()
    counts = None if m.joint_counts is None else np.array(m.joint_counts, dtype=float)
    return Snapshot(
        episode=int(m.episode),
        rounds=int(m.rounds),
        mean_rewards=tuple(float(r) for r in m.mean_rewards),
        exploitability=None if m.exploitability is None else float(m.exploitability),
        current_exploitability=(
            None if m.current_exploitability is None else float(m.current_exploitability)),
        policies=tuple(np.array(p, dtype=float) for p in m.policies),
        average_policies=tuple(np.array(p, dtype=float) for p in m.average_policies),
        empirical=tuple(np.array(p, dtype=float) for p in m.empirical),
        joint_counts=counts,
        stopped=runner.stopped,
    )


def make_environment(game: Game, env: str) -> MultiAgentEnv:
    """The environment named ``env``: the repeated ``game`` for :data:`GAME_ENV`, else a special one."""
    from agents.envs import make_env
    from agents.envs.repeated import RepeatedGameEnv

    if env == GAME_ENV:
        return RepeatedGameEnv(game, rounds=TRAIN_ROUNDS)
    return make_env(LEVERS_SPEC if env == "levers" else env)


def make_team(spec, names: Sequence[str], seed: int | None) -> list[Agent]:
    """One agent per player from ``names`` (the last name repeats for the remaining players).

    A team agent named first controls every player; a team agent named for a later player is
    refused (it cannot share the players with others).
    """
    from agents.registry import agent_class, limit_torch_threads, make_agent
    from agents.runner import derive_seed

    if not names:
        raise ValueError("choose at least one agent")
    n = spec.n_players
    chosen = [names[min(p, len(names) - 1)] for p in range(n)]
    limit_torch_threads(chosen)  # leave the other core to the UI or the server
    if agent_class(chosen[0]).team:
        return [make_agent(chosen[0], spec, list(range(n)), seed=derive_seed(seed, 0))]
    agents: list[Agent] = []
    for p, name in enumerate(chosen):
        if agent_class(name).team:
            raise ValueError(
                f"{name} is a team agent: choose it for player 1 to control every player")
        agents.append(make_agent(name, spec, [p], seed=derive_seed(seed, p)))
    return agents


class TrainingSession:
    """Agents training in an environment through a :class:`Runner`, with pause/resume/step."""

    def __init__(self, env: MultiAgentEnv, agents: Sequence[Agent], seed: int | None = 0, *,
                 history: int = HISTORY, idle_limit_s: float | None = IDLE_LIMIT_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.env = env
        self.agents = list(agents)
        self.runner = Runner(env, self.agents, seed=seed)
        self.lock = threading.RLock()
        self.idle_limit_s = idle_limit_s
        self.clock = clock
        self._history: deque[Snapshot] = deque(maxlen=max(int(history), 1))
        self._history_lock = threading.Lock()  # short: a UI copies while training appends
        self.pause_reason: str | None = None
        self.rounds_per_s: float | None = None
        self._running = False
        self._last_activity = clock()
        self._rate_mark: tuple[float, int] | None = None
        with self.lock:
            self.last = snapshot_of(self.runner)

    @classmethod
    def build(cls, game: Game, env: str, agents: Sequence[str], seed: int | None = 0,
              **options) -> TrainingSession:
        """A session for the environment ``env`` and the registry names ``agents`` (see
        :func:`make_team`); deep agents import torch, so call it off a UI thread."""
        environment = make_environment(game, env)
        return cls(environment, make_team(environment.spec, agents, seed), seed, **options)

    # ----- state ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while training should go on (between :meth:`resume` and a pause or a stop)."""
        return self._running

    @property
    def stopped(self) -> str | None:
        """The runner's message once it stopped on divergence (the session cannot go on)."""
        return self.runner.stopped

    @property
    def trained(self) -> bool:
        """Whether the agents have played at least one round (there is something to lose)."""
        return self.runner.rounds > 0

    def resume(self) -> None:
        """Start (or go on) training; refused once the run stopped."""
        if self.stopped:
            raise SessionError("this run stopped; start a new session")
        self.pause_reason = None
        self.touch()
        self._rate_mark = None
        self._running = True

    def pause(self, reason: str | None = None) -> None:
        """Stop training after the round in progress; ``reason`` says why when it was not asked."""
        if self._running:
            self.pause_reason = reason
        self._running = False
        self.rounds_per_s = None
        self.runner.interrupt()

    def touch(self) -> None:
        """Note that somebody is there (a key press): it restarts the idle clock."""
        self._last_activity = self.clock()

    @property
    def last_activity(self) -> float:
        """When (on :attr:`clock`) somebody last touched or resumed the session."""
        return self._last_activity

    def idle_for(self) -> float:
        """Seconds since the last :meth:`touch` (or :meth:`resume`)."""
        return self.clock() - self._last_activity

    def check_idle(self) -> bool:
        """Pause a running session left alone for ``idle_limit_s``; True if it paused now."""
        if not self._running or self.idle_limit_s is None:
            return False
        if self.idle_for() < self.idle_limit_s:
            return False
        self.pause(f"paused: no key pressed for {_duration(self.idle_limit_s)}; "
                   "press space to go on")
        return True

    # ----- training ---------------------------------------------------------------------------
    def step(self) -> Snapshot:
        """Play one round (only while paused) and record the snapshot after it."""
        if self._running:
            raise SessionError("pause first, then step")
        if self.stopped:
            raise SessionError("this run stopped; start a new session")
        with self.lock:
            self.runner.step()
            return self._record()

    def advance(self, max_episodes: int, budget_s: float,
                cancelled: Callable[[], bool] = lambda: False) -> Snapshot | None:
        """Train up to ``max_episodes`` episodes within about ``budget_s`` seconds (at least one
        episode unless paused or cancelled first), then record and return a snapshot.

        Returns None without training when the session is not running (paused, stopped, or
        paused now for being idle). Yields the GIL every ``YIELD_S`` so a UI thread stays prompt.
        """
        if self.check_idle() or not self._running:
            return None
        start = last_yield = time.perf_counter()
        if self._rate_mark is None:
            self._rate_mark = (start, self.runner.rounds)
        done, batch = 0, 1
        while done < max_episodes and self._running and not cancelled():
            batch = min(batch, max_episodes - done)
            began = time.perf_counter()
            with self.lock:
                self.runner.advance(batch)
                stopped = self.runner.stopped
            done += batch
            if stopped is not None:
                self._running = False
                break
            now = time.perf_counter()
            if now - start >= budget_s:
                break
            batch = _next_batch(batch, now - began, min(budget_s - (now - start), YIELD_S))
            if now - last_yield > YIELD_S:
                time.sleep(0.001)
                last_yield = time.perf_counter()
        with self.lock:
            snapshot = self._record()
        now = time.perf_counter()
        mark_time, mark_rounds = self._rate_mark
        if now > mark_time:
            self.rounds_per_s = (snapshot.rounds - mark_rounds) / (now - mark_time)
        self._rate_mark = (now, snapshot.rounds)
        return snapshot

    def _record(self) -> Snapshot:
        snapshot = snapshot_of(self.runner)
        with self._history_lock:
            self._history.append(snapshot)
            self.last = snapshot
        return snapshot

    # ----- reading --------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The latest recorded snapshot (the initial one before any training)."""
        return self.last

    def snapshots(self) -> list[Snapshot]:
        """The recorded snapshots, oldest first (at most ``history``): a copy, safe to read while
        another thread trains."""
        with self._history_lock:
            return list(self._history)

    def policies(self) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
        """(current, time-averaged) policy of every player, at the latest snapshot."""
        last = self.last
        return last.policies, last.average_policies

    def trajectory(self) -> Trajectory:
        """Every recorded snapshot's policies, oldest first (at most ``history`` of them)."""
        recorded = self.snapshots()
        sizes = self.env.spec.n_actions

        def stack(pick) -> tuple[np.ndarray, ...]:
            return tuple(
                np.array([pick(s)[p] for s in recorded], dtype=float).reshape(len(recorded), n)
                for p, n in enumerate(sizes)
            )

        return Trajectory(
            episodes=np.array([s.episode for s in recorded], dtype=np.int64),
            rounds=np.array([s.rounds for s in recorded], dtype=np.int64),
            current=stack(lambda s: s.policies),
            average=stack(lambda s: s.average_policies),
        )

    def log(self) -> pd.DataFrame:
        """A copy of the runner's per-episode log."""
        with self.lock:
            return self.runner.log.copy()

    def save_agents(self, folder: Path) -> int:
        """Save each agent into ``folder/<k>-<name>``; returns how many were saved."""
        with self.lock:
            for k, agent in enumerate(self.agents):
                agent.save(folder / f"{k + 1}-{agent.name}")
        return len(self.agents)


def _next_batch(batch: int, took_s: float, within_s: float) -> int:
    """How many episodes to advance next: as many as fit in ``within_s`` at the pace of the last
    ``batch`` (which took ``took_s``), at most twice as many, at least one. Whole batches save
    :meth:`Runner.advance`'s per-call setup (the lean forms) while the checks between them
    (budget, cancel, yield) still come every ``YIELD_S`` or so."""
    if took_s <= 0:
        return batch * 2
    return max(1, min(batch * 2, int(batch * within_s / took_s)))


def _duration(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} s"
