"""What each person is sent: the game from a student's side, a student's state, the dashboard.

Plain JSON-ready dicts built from the hub (see :mod:`marl_tui.classroom.protocol`). A student never
receives other students' names; partners are "a student" or "an agent" (when the teacher reveals
agents, the default). The projector's dashboard carries no names either.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from marl_tui.classroom.hub import Hub, Round
from marl_tui.classroom.stage import Stage

HISTORY_SENT = 200


def game_view(stage: Stage) -> dict[str, Any]:
    """The game as a student needs it: each role's actions and, for two-player matrix games, the
    matrix from that role's side (``[mine, theirs]`` for each of their action x the other's)."""
    roles = []
    for role, labels in enumerate(stage.labels):
        matrix = None
        if not stage.aggregate and stage.n_roles == 2:
            other = 1 - role
            payoffs = stage.game.payoffs
            matrix = [
                [
                    [float(payoffs[(role, *_cell(role, a, b))]),
                     float(payoffs[(other, *_cell(role, a, b))])]
                    for b in range(len(stage.labels[other]))
                ]
                for a in range(len(labels))
            ]
        roles.append({"labels": list(labels), "matrix": matrix})
    view: dict[str, Any] = {
        "name": stage.name,
        "aggregate": stage.aggregate,
        "roles": roles,
        "group_size": stage.group_size,
        "description": getattr(stage.game, "description", ""),
    }
    if stage.aggregate:
        view.update(low=stage.game.low, high=stage.game.high)
    return view


def _cell(role: int, mine: int, theirs: int) -> tuple[int, int]:
    return (mine, theirs) if role == 0 else (theirs, mine)


def remaining(hub: Hub, now: float) -> float | None:
    """Seconds left in the open round (frozen while paused), ``None`` outside a round."""
    if hub.phase != "round" or hub.round is None:
        return None
    if hub.round.paused_left is not None:
        return round(hub.round.paused_left, 2)
    return round(max(0.0, hub.round.deadline - now), 2)


def student_view(hub: Hub, sid: str, now: float) -> dict[str, Any]:
    """One student's screen state."""
    student = hub.students[sid]
    stage = hub.stage
    view: dict[str, Any] = {
        "type": "state",
        "phase": hub.phase,
        "round": hub.round.number if hub.round else 0,
        "remaining": remaining(hub, now),
        "paused": hub.paused,
        "online": hub.counts()["online"],
        "total": student.total,
        "status": student.status,
        "seat": None,
        "sitting_out": False,
        "last": None,
        "distribution": None,
    }
    if hub.phase == "round" and hub.round is not None:
        view["seat"] = _seat(hub, hub.round, sid)
        view["sitting_out"] = sid in hub.round.sitting_out  # agents off: no seat left for them
    last = hub.last_closed
    if last is not None:
        view["last"] = _result(hub, last, sid)
        if hub.settings.show_distribution and hub.history:
            summary = hub.history[-1]
            if stage.aggregate:
                view["distribution"] = {"values": sorted(v for v, _ in summary.values),
                                        "targets": list(summary.targets)}
            else:
                view["distribution"] = {
                    "labels": [list(x) for x in stage.share_labels],
                    "shares": [list(_mix(summary, r)) for r in range(len(stage.share_labels))],
                }
    return view


def _mix(summary, role: int) -> np.ndarray:
    """Everyone's shares (students and agents) in a role, weighted by their numbers."""
    h = np.array(summary.human_shares[role]) * summary.humans
    a = np.array(summary.agent_shares[role]) * summary.agents
    total = (h + a).sum()
    return np.round((h + a) / total, 4) if total else h


def _partner(hub: Hub, agent: bool) -> str:
    return "an agent" if agent and hub.settings.reveal_agents else "a student"


def _seat(hub: Hub, current: Round, sid: str) -> dict[str, Any] | None:
    for group in current.groups:
        for i, seat in enumerate(group.seats):
            if seat.player == sid and not seat.agent:
                role = hub.stage.role_of_seat(i)
                return {
                    "role": role,
                    "group": group.index,
                    "seats": len(group.seats),
                    "chosen": None if seat.action is None else hub.stage.labels[role][seat.action],
                    "partners": [_partner(hub, s.agent)
                                 for j, s in enumerate(group.seats) if j != i],
                }
    return None


def _result(hub: Hub, closed: Round, sid: str) -> dict[str, Any] | None:
    stage = hub.stage
    for group in closed.groups:
        for i, seat in enumerate(group.seats):
            if seat.player != sid or seat.agent:
                continue
            others = [(j, s) for j, s in enumerate(group.seats) if j != i]
            result: dict[str, Any] = {
                "round": closed.number,
                "role": stage.role_of_seat(i),
                "action": stage.labels[stage.role_of_seat(i)][seat.action],
                "payoff": seat.payoff,
                "timed_out": seat.timed_out,
                "partners": [
                    {"who": _partner(hub, s.agent),
                     "action": stage.labels[stage.role_of_seat(j)][s.action], "payoff": s.payoff}
                    for j, s in others
                ] if len(others) <= 12 else [],
            }
            if stage.aggregate:
                profile = [s.action for s in group.seats]
                values = [stage.game.value(a) for a in profile]
                result["mean"] = float(np.mean(values))
                if hasattr(stage.game, "target"):
                    result["target"] = float(stage.game.target(profile))
                    result["won"] = i in stage.game.winners(profile)
            return result
    return None


def dashboard_view(hub: Hub, now: float, projector: bool = False) -> dict[str, Any]:
    """The teacher's dashboard; ``projector`` leaves out every name."""
    stage = hub.stage
    predicted = hub.predicted
    students = hub.students
    waiting = hub.waiting_for()
    view: dict[str, Any] = {
        "type": "dashboard",
        "game": stage.name,
        "phase": hub.phase,
        "round": hub.round.number if hub.round else 0,
        "remaining": remaining(hub, now),
        "paused": hub.paused,
        "projector": projector,
        "settings": {k: v for k, v in hub.settings.__dict__.items()},
        "counts": hub.counts(),
        "waiting": len(waiting) if projector else [students[s].name for s in waiting],
        "roster": [] if projector else [
            {"id": s.id, "name": s.name, "status": s.status, "total": round(s.total, 4),
             "rounds": s.rounds_played, "submitted": s.id not in waiting,
             "timed_out_last": s.timed_out_last}
            for s in students.values()
        ],
        "labels": [list(x) for x in stage.share_labels],
        "predictions": [{"label": p.label, "shares": [list(s) for s in p.shares], "payoff": p.payoff}
                        for p in predicted.equilibria],
        "optimum": {"label": predicted.optimum.label,
                    "shares": [list(s) for s in predicted.optimum.shares],
                    "payoff": predicted.optimum.payoff},
        "history": [
            {"round": h.number, "humans": h.humans, "agents": h.agents, "timed_out": h.timed_out,
             "human_shares": [list(s) for s in h.human_shares],
             "agent_shares": [list(s) for s in h.agent_shares],
             "human_mean_payoff": h.human_mean_payoff, "agent_mean_payoff": h.agent_mean_payoff}
            for h in hub.history[-HISTORY_SENT:]
        ],
        "rows": len(hub.rows),
        "aggregate": None,
    }
    if stage.aggregate:
        game = stage.game
        last = hub.history[-1] if hub.history else None
        view["aggregate"] = {
            "low": game.low,
            "high": game.high,
            "levels": [float(v) for v in game.levels()],
            "values": [[v, agent] for v, agent in last.values] if last else [],
            "targets": list(last.targets) if last else [],
            "winners": [] if last is None else [
                ("an agent" if w.startswith("agent-") else
                 ("a student" if projector else students[w].name))
                for w in last.winners
            ],
        }
    return view
