"""A whole class run through the hub with simulated students, on a virtual clock.

A teacher tries a lesson before class, and tests run a full class headless: each simulated student
is an :class:`~marl_tui.classroom.seats.AgentPlayer` (a registry agent) that submits at a random
moment of the round, some too late (``late`` is the chance of missing the deadline), so the hub's
deadlines, defaults and agent fill-in all take part exactly as in a live class.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from games import Game
from games.aggregate import AggregateGame
from marl_tui.classroom.hub import Hub, RoundSummary, Settings
from marl_tui.classroom.records import Recorder, write_summary
from marl_tui.classroom.seats import AgentPlayer, check_seat_agent
from marl_tui.classroom.stage import Stage, stage_for


@dataclass(frozen=True)
class Rehearsal:
    """What a rehearsal produced: the hub (rows, history, roster) and its stage."""

    hub: Hub
    stage: Stage


def load_class_game(spec: str) -> Game | AggregateGame:
    """A class game (``guess-average``), a catalogue game or a game file, by name."""
    from games.catalogue import find_class_entry, get_class_game
    from games.io import resolve

    if find_class_entry(spec) is not None:
        return get_class_game(spec)
    return resolve(spec)


def rehearse(
    game: Game | AggregateGame,
    students: int,
    rounds: int,
    settings: Settings | None = None,
    student_agent: str = "iql",
    late: float = 0.0,
    csv_path: str | None = None,
    seed: int = 0,
) -> Rehearsal:
    """Play ``rounds`` rounds with ``students`` simulated students; returns the finished hub."""
    if not 1 <= students <= 1000:
        raise ValueError(f"--students must be 1 to 1000, got {students}")
    if not 1 <= rounds <= 10_000:
        raise ValueError(f"--rounds must be 1 to 10000, got {rounds}")
    if not 0 <= late <= 1:
        raise ValueError(f"--late must be between 0 and 1, got {late}")
    settings = settings or Settings()
    settings.rounds, settings.interval, settings.seed = rounds, None, seed
    stage = stage_for(game, class_size=students)
    check_seat_agent(stage, student_agent)
    recorder = Recorder(csv_path) if csv_path else None
    hub = Hub(stage, settings, session="rehearsal", recorder=recorder)
    rng = np.random.default_rng(seed + 1)
    simulated: dict[str, AgentPlayer] = {}
    for k in range(students):
        student = hub.join(f"simulated {k + 1}", 0.0)
        simulated[student.id] = AgentPlayer(student.id, stage, student_agent, seed + 1000 + k)
    now = 0.0
    try:
        hub.start(now)
        while hub.phase != "ended":
            current = hub.round
            assert current is not None
            deadline = settings.deadline
            plans = []
            for group in current.groups:
                for i, seat in enumerate(group.seats):
                    if not seat.agent:
                        action = simulated[seat.player].act(stage.role_of_seat(i), len(group.seats))
                        when = deadline * (1.5 if rng.random() < late else rng.uniform(0.05, 0.95))
                        plans.append((current.started + when, seat.player, action))
            for when, sid, action in sorted(plans):
                if hub.phase != "round" or when >= current.deadline:
                    break
                hub.submit(sid, action, when)
            hub.tick(current.deadline)
            for group in current.groups:
                profile = tuple(int(s.action) for s in group.seats)  # type: ignore[arg-type]
                payoffs = [s.payoff for s in group.seats]
                for i, seat in enumerate(group.seats):
                    if not seat.agent:
                        simulated[seat.player].learn(stage.role_of_seat(i), i, profile, payoffs)
            now = current.deadline
            if hub.phase == "results":
                hub.next(now)
    finally:
        if recorder is not None:
            recorder.close()
    if csv_path:
        write_summary(Path(csv_path).with_suffix(".summary.json"), hub.summary())
    return Rehearsal(hub, stage)


def round_json(stage: Stage, summary: RoundSummary) -> dict:
    """One round for ``--json``: shares of each action (humans, agents apart) and predictions."""

    def named(shares: tuple[tuple[float, ...], ...]) -> list[dict[str, float] | None]:
        """Each role's shares by label; ``None`` for a role no one (of that kind) played."""
        return [
            {label: round(float(x), 6) for label, x in zip(labels, role, strict=True)}
            if sum(role) else None
            for labels, role in zip(stage.share_labels, shares, strict=True)
        ]

    out = {
        "round": summary.number,
        "students": summary.humans,
        "agents": summary.agents,
        "timed_out": summary.timed_out,
        "shares": {"students": named(summary.human_shares), "agents": named(summary.agent_shares)},
        "mean_payoff": {"students": summary.human_mean_payoff, "agents": summary.agent_mean_payoff},
        "predictions": [
            {"label": p.label, "shares": named(p.shares), "payoff": p.payoff}
            for p in stage.equilibria
        ],
        "optimum": {"label": stage.optimum.label, "shares": named(stage.optimum.shares),
                    "payoff": stage.optimum.payoff},
    }
    if summary.values:
        values = [v for v, _ in summary.values]
        out["mean"] = float(np.mean(values))
    if summary.targets:
        out["targets"] = list(summary.targets)
    return out
