"""The training loop, advanced in steps the caller controls, with logs and live metrics.

A :class:`Runner` plays agents in an environment one round (:meth:`Runner.step`) or whole episodes
(:meth:`Runner.run`) at a time: the CLI runs thousands of episodes, the app's Watch screen a few
per frame and its Play screen single rounds. Each finished episode adds one row to a pandas log
(episode return, last action and mean action probabilities of every player, mean losses), and
:meth:`Runner.metrics` summarises play against the stage game: current and average policies,
NashConv (exploitability) and the distance to the nearest Nash equilibrium.

Guarantees:
- Reproducible: with seeded agents and a seeded runner, two runs give identical logs (the metrics
  never draw random numbers, so observing a run does not change it).
- Bounded memory: when the log exceeds ``max_log_rows`` its oldest half is thinned by merging
  consecutive pairs of rows into their episode-weighted mean (column ``episodes`` counts the
  episodes a row stands for; ``episode`` keeps the later index). Recent rows stay exact; old ones
  get coarser, so a row near the start of a very long run may average many episodes. The
  moving-average windows are fixed-size buffers.
- Fast where it can be: when the environment's observations are finitely many, each a function of
  the previous one and the joint action (a repeated matrix game observing the last ``h`` rounds:
  its :class:`~agents.lean.LeanTable`), and every agent has a lean per-step form
  (:meth:`Agent.lean`, e.g. IQL), :meth:`Runner.run` plays through those forms on observation ids
  and plain numbers, with no Decision, Transition or observation array per round; they act,
  learn and draw random numbers exactly as :meth:`Runner.step` does, so the rows, counters and
  agents come out the same on either path.
- Divergence stops the run: a non-finite probability, Q-value or loss, or a loss larger than
  ``max_loss`` in absolute value, sets :attr:`Runner.stopped` to a message and restores every
  agent, in place, to the snapshot taken (with :func:`copy.deepcopy`) at the start of the last
  episode that was a multiple of ``snapshot_every``.
"""

from __future__ import annotations

import copy
import math
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from agents.base import Agent, Decision, EnvSpec, Transition
from agents.envs.base import MultiAgentEnv
from agents.lean import LeanAgent, LeanTable
from games import Game

#: Joint-action tables larger than this are not counted (the marginals still are).
MAX_JOINT_CELLS = 1_000_000
#: At most this many recent rounds are kept for the empirical frequencies and joint counts.
MAX_RECENT_ROUNDS = 100_000
#: n-player games with more joint actions than this get no Nash distance (the solver is slow there).
MAX_NPLAYER_CELLS_FOR_NASH = 64


@dataclass(frozen=True)
class RoundResult:
    """One round: the joint action, every player's reward, each agent's decision."""

    actions: tuple[int, ...]
    rewards: tuple[float, ...]
    decisions: tuple[Decision, ...]
    done: bool


@dataclass(frozen=True)
class Metrics:
    """Live summary of a run (per player unless said otherwise).

    ``mean_rewards``: moving average of the episode return over the last ``window`` episodes.
    ``policies``: the action probabilities of the latest decision. ``average_policies``: the
    agent's own average policy where it has one (fictitious play, regret matching, ...), else
    the mean of its decisions' probabilities. ``empirical``: action frequencies in the rounds of
    the last ``window`` episodes (at most ``MAX_RECENT_ROUNDS`` rounds). ``exploitability`` is NashConv of the average policies (and
    ``current_exploitability`` of the current ones) in the stage game; ``distance_to_nash`` is
    min over the solver's equilibria of max over players of the L1 distance between the average
    policy and the equilibrium strategy. Game-based fields are ``None`` for non-matrix envs.
    """

    episode: int
    rounds: int
    mean_rewards: np.ndarray
    policies: tuple[np.ndarray, ...]
    average_policies: tuple[np.ndarray, ...]
    empirical: tuple[np.ndarray, ...]
    exploitability: float | None
    current_exploitability: float | None
    distance_to_nash: float | None
    nearest_equilibrium: tuple[np.ndarray, ...] | None
    joint_counts: np.ndarray | None


class RunStopped(RuntimeError):
    """Raised by :meth:`Runner.step` after the run stopped on divergence."""


_EQUILIBRIA: dict[Game, list[tuple[np.ndarray, ...]] | None] = {}


def equilibria_of(game: Game) -> list[tuple[np.ndarray, ...]] | None:
    """The solver's equilibria as float arrays, computed once per game (``None``: not available)."""
    if game not in _EQUILIBRIA:
        if game.n_players > 2 and game.n_cells > MAX_NPLAYER_CELLS_FOR_NASH:
            _EQUILIBRIA[game] = None
        else:
            from games.equilibria import nash_equilibria

            _EQUILIBRIA[game] = [tuple(e.as_arrays()) for e in nash_equilibria(game)] or None
    return _EQUILIBRIA[game]


def nearest_equilibrium(
    game: Game, profile: Sequence[np.ndarray]
) -> tuple[float, tuple[np.ndarray, ...]] | None:
    """(distance, equilibrium) minimising max over players of ‖profile_p - equilibrium_p‖₁."""
    equilibria = equilibria_of(game)
    if not equilibria:
        return None
    distances = [
        max(float(np.abs(np.asarray(s) - e).sum()) for s, e in zip(profile, eq, strict=True))
        for eq in equilibria
    ]
    best = int(np.argmin(distances))
    return distances[best], equilibria[best]


def derive_seed(seed: int | None, index: int) -> int | None:
    """Independent seed for the ``index``-th agent of a run seeded with ``seed``."""
    if seed is None:
        return None
    return int(np.random.SeedSequence([int(seed), index]).generate_state(1)[0])


def make_agents(
    spec: EnvSpec,
    algo: str,
    vs: str | None = None,
    seed: int | None = None,
    hp: dict[str, Any] | None = None,
    vs_hp: dict[str, Any] | None = None,
) -> list[Agent]:
    """Agents for every player: ``algo`` for all (one team agent, or one per player), or, with
    ``vs``, ``algo`` for player 0 and ``vs`` for the others. Raises ValueError on bad names/hp."""
    from agents.registry import agent_class

    def build(name: str, players: Sequence[int], params: dict[str, Any] | None) -> list[Agent]:
        cls = agent_class(name)
        groups = [tuple(players)] if cls.team else [(p,) for p in players]
        return [
            cls(spec, group, seed=derive_seed(seed, group[0]), **(params or {}))
            for group in groups
        ]

    everyone = range(spec.n_players)
    if vs is None:
        return build(algo, everyone, hp)
    return build(algo, [0], hp) + build(vs, everyone[1:], vs_hp)


class Runner:
    """Plays ``agents`` in ``env``; the agents together control every player exactly once."""

    def __init__(
        self,
        env: MultiAgentEnv,
        agents: Sequence[Agent],
        seed: int | None = None,
        window: int = 100,
        max_log_rows: int = 20_000,
        snapshot_every: int = 100,
        max_loss: float = 1e10,
        lean: bool = True,
    ) -> None:
        self.env = env
        self.agents = list(agents)
        self.spec = env.spec
        self.seed = seed
        self.window = int(window)
        self.max_log_rows = max(int(max_log_rows), 16)
        self.snapshot_every = max(int(snapshot_every), 1)
        self.max_loss = float(max_loss)
        self.lean = bool(lean)  # False: always step through act and learn (the plain path)
        n = self.spec.n_players
        self._owner: list[tuple[int, int] | None] = [None] * n
        for i, agent in enumerate(self.agents):
            for k, p in enumerate(agent.players):
                if not 0 <= p < n:
                    raise ValueError(f"agent {agent.name!r} controls player {p}; the env has {n}")
                if self._owner[p] is not None:
                    raise ValueError(f"player {p} is controlled by more than one agent")
                self._owner[p] = (i, k)
        missing = [p for p, owner in enumerate(self._owner) if owner is None]
        if missing:
            raise ValueError(f"no agent controls player(s) {missing}")
        self.episode = 0
        self.rounds = 0
        self.stopped: str | None = None
        self._interrupt = False
        self._needs_reset = True
        self._seeded = False
        self._obs: tuple[np.ndarray, ...] = ()
        self._state = np.zeros(self.spec.state_dim, dtype=np.float32)
        sizes = self.spec.n_actions
        self._last_probs = [np.full(a, 1.0 / a) for a in sizes]
        self._prob_sum = [np.zeros(a) for a in sizes]
        self._prob_rounds = 0
        # the recent rounds behind `empirical` and `joint_counts`, capped so that long episodes
        # (--rounds 1000000) cost bounded memory
        ring = min(max(self.window * max(self.spec.episode_length, 1), 1), MAX_RECENT_ROUNDS)
        self._ring = np.zeros((ring, n), dtype=np.int64)
        self._ring_size = 0
        self._recent_returns: deque[np.ndarray] = deque(maxlen=self.window)
        self._rows: list[dict[str, float]] = []
        self._log = pd.DataFrame()
        self._snapshot: tuple[int, list[Agent]] | None = None
        self._collect: list[dict[str, float]] | None = None
        self._lean_table: LeanTable | None | bool = None  # False: the env has none
        self._start_episode_stats()

    def agent_of(self, player: int) -> Agent:
        """The agent that controls ``player``."""
        return self.agents[self._owner[player][0]]

    # ----- stepping ----------------------------------------------------------------------------
    def step(self) -> RoundResult:
        """Play one round: every agent acts, the env steps, every agent learns."""
        if self.stopped:
            raise RunStopped(self.stopped)
        if self._needs_reset:
            self._begin_episode()
        decisions = tuple(agent.act(self._obs, self._state, explore=True) for agent in self.agents)
        n = self.spec.n_players
        joint = [0] * n
        for agent, decision in zip(self.agents, decisions, strict=True):
            for k, p in enumerate(agent.players):
                joint[p] = int(decision.actions[k])
            problem = _bad_decision(decision)
            if problem:
                return self._diverged(f"{agent.name} produced {problem}", decisions, joint)
        next_obs, rewards, done, next_state = self.env.step_tuple(tuple(joint))
        transition = Transition(
            self._obs, self._state, tuple(joint), tuple(rewards), next_obs, next_state, done
        )
        for agent in self.agents:
            losses = agent.learn(transition)
            for key, value in losses.items():
                value = float(value)
                if not math.isfinite(value) or abs(value) > self.max_loss:
                    return self._diverged(
                        f"{agent.name}'s {key} diverged ({value:g})", decisions, joint
                    )
                total = self._ep_losses.setdefault(key, [0.0, 0])
                total[0] += value
                total[1] += 1
        self._record_round(decisions, joint, rewards)
        self._obs, self._state = next_obs, next_state
        if done:
            self._end_episode()
        return RoundResult(tuple(joint), tuple(float(r) for r in rewards), decisions, bool(done))

    def run(self, episodes: int) -> pd.DataFrame:
        """Advance ``episodes`` whole episodes (finishing a started one first); their log rows.

        Returns early, between two rounds, after :meth:`interrupt` (the rows of the episodes
        finished so far; an unfinished episode continues on the next call).
        """
        collected: list[dict[str, float]] = []
        self._collect = collected
        try:
            self.advance(episodes)
        finally:
            self._collect = None
        return pd.DataFrame(collected)

    def advance(self, episodes: int) -> None:
        """:meth:`run` without building its DataFrame: for callers that read :attr:`log` or
        :meth:`metrics` instead (Watch advances a few episodes per frame)."""
        if episodes < 0:
            raise ValueError(f"episodes must be >= 0, got {episodes}")
        target = self.episode + episodes
        try:
            lean = self._lean_path() if self.episode < target and not self.stopped else None
            if lean is not None:
                self._run_lean(*lean, target)
            while self.episode < target and not self.stopped and not self._interrupt:
                self.step()
        finally:
            self._interrupt = False

    def interrupt(self) -> None:
        """Make the current (or next) :meth:`run` return after the round in progress.

        Safe to call from a signal handler (it only sets a flag), so Ctrl-C can stop a long run
        between rounds, with every agent in a consistent state, instead of inside an update.
        """
        self._interrupt = True

    # ----- the lean path (agents.lean) ----------------------------------------------------------
    def _lean_path(self) -> tuple[list[LeanAgent], LeanTable] | None:
        """Every agent's lean form and the env's table, where all of them exist."""
        if not self.lean:
            return None
        if self._lean_table is None:
            self._lean_table = self.env.lean_table() or False
        if self._lean_table is False:
            return None
        lean = [agent.lean(self._lean_table) for agent in self.agents]
        if any(form is None for form in lean):
            return None
        return lean, self._lean_table

    def _run_lean(self, lean: list[LeanAgent], table: LeanTable, target: int) -> None:
        """:meth:`run`'s loop through the lean forms, in batches of episodes that end where a
        snapshot is due (it copies the agents, so the forms write back first); the agents hold
        their state again after it."""
        try:
            while self.episode < target and not self.stopped and not self._interrupt:
                if self._needs_reset:
                    if self._snapshot_due():
                        for form in lean:
                            form.sync()
                    self._begin_episode()
                next_snapshot = (self.episode // self.snapshot_every + 1) * self.snapshot_every
                self._lean_episodes(lean, table, min(target, next_snapshot) - self.episode)
        finally:
            if not self.stopped:  # a stop restored the agents from the snapshot: keep that
                for form in lean:
                    form.sync()

    def _lean_episodes(self, lean: list[LeanAgent], table: LeanTable, episodes: int) -> None:
        """Finish the episode in progress and play up to ``episodes - 1`` more (fewer after
        :meth:`interrupt` or on divergence) with the lean forms; then keep the statistics
        :meth:`step` keeps and leave the env where the last round left it.

        Per round only what cannot wait: act in the current observation ``s``, look up the
        rewards and the next observation ``s2``, learn, check the losses. Everything else (the
        sums of returns, losses and probabilities, the log rows) is done afterwards for the whole
        batch, in :meth:`_count_lean_batch`, adding in the same order as :meth:`_record_round`.
        """
        acts = tuple(form.act for form in lean)
        learns = tuple((form.learn, form.loss_key is not None) for form in lean)
        # not |loss| <= bound  <=>  step()'s  not isfinite(loss) or |loss| > max_loss
        bound = self.max_loss if self.max_loss < sys.float_info.max else sys.float_info.max
        rewards, nexts = table.rewards, table.next
        joint = [0] * self.spec.n_players
        s = self.env.lean_at()
        lengths = [self.env.skip(0, s)] + [table.rounds] * (episodes - 1)
        finished = 0  # episodes played to their end
        played: list[tuple[int, ...]] = []
        got: list[tuple[float, ...]] = []
        losses: list[float] = []  # every loss value in step()'s order, the last round's included
        problem = None
        try:
            for left in lengths:
                last = left - 1  # the round that ends the episode (done)
                for i in range(left):
                    if self._interrupt:
                        break
                    for act in acts:  # the first agent in order with a wrong decision stops
                        wrong = act(joint, s)
                        if wrong is not None:
                            problem = f"{self.agents[acts.index(act)].name} produced {wrong}"
                            break
                    if problem is not None:
                        break
                    key = tuple(joint)
                    reward = rewards[key]
                    s2 = nexts[s][key]
                    done = i == last
                    for learn, has_loss in learns:
                        value = learn(joint, reward, s, s2, done)
                        if has_loss:
                            if not abs(value) <= bound:
                                j = learns.index((learn, has_loss))
                                problem = (f"{self.agents[j].name}'s {lean[j].loss_key} "
                                           f"diverged ({value:g})")
                                break
                            losses.append(value)
                    if problem is not None:
                        break
                    played.append(key)
                    got.append(reward)
                    s = s2
                else:
                    finished += 1
                    if self._interrupt:
                        break
                    s = table.start
                    continue
                break  # interrupted or diverged within the episode
        finally:
            self._count_lean_batch(lean, table, lengths[:finished], played, got, losses, s)
        if problem is not None:
            self._diverged(problem, (), joint)

    def _count_lean_batch(
        self,
        lean: list[LeanAgent],
        table: LeanTable,
        lengths: list[int],
        played: list[tuple[int, ...]],
        got: list[tuple[float, ...]],
        losses: list[float],
        s: int,
    ) -> None:
        """Store what :meth:`_lean_episodes` played, as :meth:`step` would have: first the
        episode in progress (``lengths[0]`` rounds, if it finished), then the whole episodes
        after it (``lengths[1:]``, at once), then the rounds played of one more episode (cut
        short by an interrupt or a divergence); and leave the env in observation ``s``."""
        by_player: dict[int, np.ndarray] = {}
        for form in lean:
            by_player.update(zip(form.players, form.decision_probs(len(played)), strict=True))
        probs = [by_player[p] for p in range(self.spec.n_players)]
        keys = [form.loss_key for form in lean if form.loss_key is not None]
        per_round = len(keys)  # losses per round

        def part(start: int, stop: int | None) -> tuple[list, list, list, list[str], list]:
            """The rounds ``start:stop``, as the counting methods take them."""
            end = None if stop is None else stop * per_round
            return (played[start:stop], got[start:stop], losses[start * per_round: end], keys,
                    [rows[start:stop] for rows in probs])

        first = lengths[0] if lengths else len(played)  # rounds of the episode in progress
        self._count_lean_rounds(*part(0, first))
        if not lengths:  # the episode in progress goes on (or the run stopped in it)
            self.env.skip(first, s)
            self._lean_observe(table, s)
            return
        self._end_episode()
        whole = sum(lengths[1:])
        if whole:
            self._count_lean_episodes(*part(first, first + whole), table.rounds)
        rest = len(played) - first - whole
        if not whole and not rest:
            self.env.skip(first, s)  # the episode in progress ended: nothing else was begun
            return
        # the episodes after the first began without reset_tuple (lean forms' agents clear
        # nothing on reset, see Agent.lean): reset the env once, to where the last one stands
        self.env.reset_tuple()
        self.env.skip(rest or table.rounds, s)
        if rest:
            self._needs_reset = False
            self._start_episode_stats()
            self._count_lean_rounds(*part(first + whole, None))
            self._lean_observe(table, s)

    def _lean_observe(self, table: LeanTable, s: int) -> None:
        """Act next (on the plain path) in observation ``s``."""
        self._obs = tuple(o.copy() for o in table.observations[s])
        self._state = table.states[s].copy()

    def _count_lean_rounds(
        self,
        played: list[tuple[int, ...]],
        got: list[tuple[float, ...]],
        losses: list[float],
        keys: list[str],
        probs: list[np.ndarray],
    ) -> None:
        """Store rounds of one episode where :meth:`_record_round` keeps them (``probs``: every
        player's decision probabilities, one row per round; ``losses``: the values of ``keys``
        in turn, round after round)."""
        k = len(played)
        if losses:
            values = np.array(losses)
            owners = _loss_owners(keys, len(values))
            for key in dict.fromkeys(keys):
                mine = values[owners == key]
                total = self._ep_losses.setdefault(key, [0.0, 0])
                total[0] = float(_sum_after(np.array(total[0]), mine))
                total[1] += len(mine)
        if not k:
            return
        for p, rows in enumerate(probs):
            self._prob_sum[p][:] = _sum_after(self._prob_sum[p], rows)
            self._last_probs[p] = rows[-1].copy()
        returns = _sum_after(np.array(self._ep_return), np.array(got))
        self._ep_return = [float(r) for r in returns]
        self._prob_rounds += k
        self._ep_rounds += k
        self._ep_actions = list(played[-1])
        self._count_played(played)

    def _count_lean_episodes(
        self,
        played: list[tuple[int, ...]],
        got: list[tuple[float, ...]],
        losses: list[float],
        keys: list[str],
        probs: list[np.ndarray],
        length: int,
    ) -> None:
        """Store whole episodes of ``length`` rounds each, and log them, as :meth:`step` would:
        the same sums, each added in the same order (``np.add.accumulate`` along the rounds)."""
        k = len(played)
        episodes = k // length
        starts = []  # every player's probability sums at the start of each episode
        for p, rows in enumerate(probs):
            sums = np.add.accumulate(np.concatenate([self._prob_sum[p][None], rows]), axis=0)
            starts.append(sums[:-1:length])
            self._prob_sum[p][:] = sums[-1]
            self._last_probs[p] = rows[-1].copy()
        ends = [np.concatenate([start[1:], self._prob_sum[p][None]]) for p, start in
                enumerate(starts)]
        means = [((end - start) / length).tolist() for start, end in zip(starts, ends, strict=True)]
        by_round = np.array(got).reshape(episodes, length, -1)
        returns = _sum_after(np.zeros_like(by_round[:, 0]), by_round, axis=1)
        mean_losses = {}
        if losses:
            values = np.array(losses).reshape(episodes, -1)  # one row per episode
            owners = _loss_owners(keys, values.shape[1])
            for key in dict.fromkeys(keys):
                mine = values[:, owners == key]
                totals = _sum_after(np.zeros(episodes), mine, axis=1)
                mean_losses[key] = [float(t) / mine.shape[1] for t in totals]
        n = self.spec.n_players
        for e in range(episodes):
            row: dict[str, float] = {"episode": self.episode, "episodes": 1, "rounds": length}
            last = played[(e + 1) * length - 1]
            for p in range(n):
                row[f"reward_{p}"] = float(returns[e, p])
                row[f"action_{p}"] = last[p]
                for a, value in enumerate(means[p][e]):
                    row[f"prob_{p}_{a}"] = value
            for key, values in mean_losses.items():
                row[key] = values[e]
            self._log_row(row, returns[e].copy())
        self._prob_rounds += k
        self._count_played(played)

    def _count_played(self, played: list[tuple[int, ...]]) -> None:
        """Count ``played`` rounds: the total, and the recent ones behind the empirical play."""
        k = len(played)
        self.rounds += k
        kept = played[-len(self._ring):]
        positions = (self._ring_size + k - len(kept) + np.arange(len(kept))) % len(self._ring)
        self._ring[positions] = kept
        self._ring_size += k

    # ----- episodes ---------------------------------------------------------------------------
    def _snapshot_due(self) -> bool:
        """Whether the episode about to begin takes a new snapshot of the agents."""
        return self.episode % self.snapshot_every == 0 and (
            self._snapshot is None or self._snapshot[0] != self.episode
        )

    def _begin_episode(self) -> None:
        if self._snapshot_due():
            self._snapshot = (self.episode, copy.deepcopy(self.agents))
        seed = None if self._seeded else self.seed
        self._seeded = True
        self._obs, self._state = self.env.reset_tuple(seed)
        for agent in self.agents:
            agent.reset()
        self._needs_reset = False
        self._start_episode_stats()

    def _start_episode_stats(self) -> None:
        self._ep_return = [0.0] * self.spec.n_players
        self._ep_prob_start = [s.copy() for s in self._prob_sum]  # episode mean = difference
        self._ep_rounds = 0
        self._ep_losses: dict[str, list[float]] = {}
        self._ep_actions = [0] * self.spec.n_players

    def _record_round(
        self, decisions: tuple[Decision, ...], joint: list[int], rewards: Sequence[float]
    ) -> None:
        for agent, decision in zip(self.agents, decisions, strict=True):
            for k, p in enumerate(agent.players):
                probs = _decision_probs(decision, k, self.spec.n_actions[p])
                self._last_probs[p] = probs
                self._prob_sum[p] += probs
        self._prob_rounds += 1
        self._ep_return = [total + r for total, r in zip(self._ep_return, rewards, strict=True)]
        self._ep_actions = joint
        self._ep_rounds += 1
        self.rounds += 1
        self._ring[self._ring_size % len(self._ring)] = joint
        self._ring_size += 1

    def _end_episode(self) -> None:
        rounds = max(self._ep_rounds, 1)
        row: dict[str, float] = {"episode": self.episode, "episodes": 1, "rounds": self._ep_rounds}
        for p in range(self.spec.n_players):
            row[f"reward_{p}"] = float(self._ep_return[p])
            row[f"action_{p}"] = self._ep_actions[p]
            mean = (self._prob_sum[p] - self._ep_prob_start[p]) / rounds
            for a, value in enumerate(mean):
                row[f"prob_{p}_{a}"] = float(value)
        for key, (total, count) in self._ep_losses.items():
            row[key] = total / count
        self._log_row(row, np.array(self._ep_return))

    def _log_row(self, row: dict[str, float], returns: np.ndarray) -> None:
        """Log a finished episode's ``row`` and ``returns``; the next round begins a new one."""
        self._rows.append(row)
        if self._collect is not None:
            self._collect.append(row)
        self._recent_returns.append(returns)
        self.episode += 1
        self._needs_reset = True
        if len(self._log) + len(self._rows) > self.max_log_rows:
            self._compact()

    def _diverged(self, problem: str, decisions: tuple[Decision, ...], joint: list[int]) -> RoundResult:
        restored = self._restore()
        self.stopped = (
            f"stopped at episode {self.episode}, round {self.rounds}: {problem}; "
            f"agents restored to their state at episode {restored}"
        )
        self._needs_reset = True
        nan = tuple(math.nan for _ in joint)
        return RoundResult(tuple(joint), nan, decisions, True)

    def _restore(self) -> int:
        """Put every agent back to the last snapshot, in place (callers keep their references)."""
        if self._snapshot is None:
            return self.episode
        episode, saved = self._snapshot
        for agent, good in zip(self.agents, copy.deepcopy(saved), strict=True):
            agent.__dict__.clear()
            agent.__dict__.update(good.__dict__)
        return episode

    # ----- log --------------------------------------------------------------------------------
    @property
    def log(self) -> pd.DataFrame:
        """Per-episode rows (bounded; see the module docstring for how old rows are merged)."""
        if self._rows:
            new = pd.DataFrame(self._rows)
            self._log = new if self._log.empty else pd.concat([self._log, new], ignore_index=True)
            self._rows = []
        return self._log

    def _compact(self) -> None:
        log = self.log
        half = (len(log) // 2) // 2 * 2
        old, recent = log.iloc[:half], log.iloc[half:]
        weights = old["episodes"].to_numpy(dtype=float).reshape(-1, 2)
        merged = {}
        for column in log.columns:
            values = old[column].to_numpy(dtype=float).reshape(-1, 2)
            if column == "episode":
                merged[column] = values[:, 1]
            elif column == "episodes":
                merged[column] = values.sum(axis=1)
            else:  # episode-weighted mean; NaN (no loss that episode) counts as missing
                mask = ~np.isnan(values)
                w = weights * mask
                total = w.sum(axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    merged[column] = np.where(
                        total > 0, np.nansum(values * weights, axis=1) / total, np.nan
                    )
        self._log = pd.concat([pd.DataFrame(merged), recent], ignore_index=True)

    # ----- metrics ----------------------------------------------------------------------------
    def metrics(self) -> Metrics:
        """Live summary (cheap: no random numbers, equilibria cached per game)."""
        n = self.spec.n_players
        mean_rewards = (
            np.mean(self._recent_returns, axis=0) if self._recent_returns else np.zeros(n)
        )
        policies = tuple(p.copy() for p in self._last_probs)
        average = self._average_policies()
        filled = min(self._ring_size, len(self._ring))
        recent = self._ring[:filled]
        empirical = tuple(
            np.bincount(recent[:, p], minlength=a) / max(filled, 1)
            for p, a in enumerate(self.spec.n_actions)
        )
        joint_counts = None
        cells = int(np.prod(self.spec.n_actions))
        if cells <= MAX_JOINT_CELLS:
            flat = np.ravel_multi_index(tuple(recent.T), self.spec.n_actions) if filled else []
            joint_counts = np.bincount(np.asarray(flat, dtype=np.int64), minlength=cells).reshape(
                self.spec.n_actions
            )
        exploitability = current = distance = nearest = None
        game = self.spec.game
        if game is not None:
            from games.equilibria import nash_conv

            exploitability = nash_conv(game, average)
            current = nash_conv(game, policies)
            found = nearest_equilibrium(game, average)
            if found is not None:
                distance, nearest = found
        return Metrics(self.episode, self.rounds, mean_rewards, policies, average, empirical,
                       exploitability, current, distance, nearest, joint_counts)

    def _average_policies(self) -> tuple[np.ndarray, ...]:
        result: list[np.ndarray] = []
        for p, (i, k) in enumerate(self._owner):
            agent = self.agents[i]
            own = agent.average_policy()
            if own is not None:
                result.append(np.asarray(own[k], dtype=float))
            elif self._prob_rounds:
                result.append(self._prob_sum[p] / self._prob_rounds)
            else:
                result.append(self._last_probs[p].copy())
        return tuple(result)


def _sum_after(start: np.ndarray, rows: np.ndarray, axis: int = 0) -> np.ndarray:
    """``start`` plus every slice of ``rows`` along ``axis``, added one after the other (as a
    loop would, so the float sums equal the per-round path's)."""
    stacked = np.concatenate([np.expand_dims(start, axis), rows], axis=axis)
    return np.add.accumulate(stacked, axis=axis).take(-1, axis=axis)


def _loss_owners(keys: list[str], count: int) -> np.ndarray:
    """The key each of ``count`` loss values belongs to: ``keys`` in turn, round after round."""
    return np.array(keys)[np.arange(count) % len(keys)]


def _decision_probs(decision: Decision, k: int, n_actions: int) -> np.ndarray:
    """Probabilities for display: the decision's own, else greedy in its Q-values, else the action."""
    if decision.probs is not None:
        return decision.probs[k]
    if decision.q_values is not None:
        return np.eye(n_actions)[int(np.argmax(decision.q_values[k]))]
    return np.eye(n_actions)[int(decision.actions[k])]


def _bad_decision(decision: Decision) -> str | None:
    for label, arrays in (("probabilities", decision.probs), ("Q-values", decision.q_values)):
        if arrays is not None:
            for values in arrays:
                if not math.isfinite(float(values.sum())):
                    return f"non-finite {label}"
    return None
