"""The class hub: roster, rounds, deadlines, agents in empty seats, and the class's record.

One hub per class lives in the serving process; every student's app is a thin client of it, so a
kick, a pause and a deadline are decided here and nowhere else (the stale-state bugs of other
classroom tools come from keeping them in clients). The hub is a plain object driven by method
calls that each take the current time ``now`` (seconds): it never reads a clock, sleeps or does
I/O besides the :class:`~marl_tui.classroom.records.Recorder`, so tests and the rehearsal drive
it with any clock, and the asyncio server only calls :meth:`Hub.tick` when :meth:`Hub.wakeup`
says.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from marl_tui.classroom.matching import Matching, Seats, assign_roles, match
from marl_tui.classroom.records import Decision, Recorder
from marl_tui.classroom.seats import AgentPlayer, check_seat_agent
from marl_tui.classroom.stage import Stage

PHASES = ("lobby", "round", "results", "ended")
DEFAULTS = ("random", "repeat", "agent")
ROLE_MODES = ("shuffled", "kept")
NICKNAME_MAX = 24
MIN_DEADLINE, MAX_DEADLINE = 1.0, 3600.0


class ClassError(ValueError):
    """A request the hub refuses; the message is shown to whoever asked."""


@dataclass
class Settings:
    """The teacher's switches. ``interval``: seconds between a round's result and the next round
    (``None``: wait for the teacher's "next"); ``rounds``: end after this many (``None``: never)."""

    deadline: float = 30.0
    matching: str = "strangers"
    roles: str = "shuffled"
    default: str = "random"
    agents: bool = True
    agent: str = "iql"
    show_distribution: bool = True
    reveal_agents: bool = True
    interval: float | None = 5.0
    rounds: int | None = None
    seed: int = 0

    def check(self) -> None:
        """Refuse settings out of range, naming the setting."""
        from marl_tui.classroom.matching import MODES

        if not MIN_DEADLINE <= self.deadline <= MAX_DEADLINE:
            raise ClassError(
                f"deadline must be {MIN_DEADLINE:g} to {MAX_DEADLINE:g} seconds, got {self.deadline:g}"
            )
        if self.matching not in MODES:
            raise ClassError(f"matching must be one of {', '.join(MODES)}, got {self.matching!r}")
        if self.roles not in ROLE_MODES:
            raise ClassError(f"roles must be one of {', '.join(ROLE_MODES)}, got {self.roles!r}")
        if self.default not in DEFAULTS:
            raise ClassError(f"default must be one of {', '.join(DEFAULTS)}, got {self.default!r}")
        if self.interval is not None and not 0 <= self.interval <= MAX_DEADLINE:
            raise ClassError(f"interval must be 0 to {MAX_DEADLINE:g} seconds")
        if self.rounds is not None and self.rounds < 1:
            raise ClassError(f"rounds must be at least 1, got {self.rounds}")


@dataclass
class Student:
    """A student of the class; ``id`` is the anonymised player id in the data."""

    id: str
    name: str
    key: str | None
    status: str = "online"  # online | dropped | kicked
    first_round: int = 1
    total: float = 0.0
    rounds_played: int = 0
    last_action: int | None = None
    timed_out_last: bool = False


@dataclass
class Seat:
    """A seat in a group this round: who sits there and what they chose."""

    player: str
    agent: bool
    action: int | None = None
    seconds: float = 0.0
    timed_out: bool = False
    payoff: float | None = None


@dataclass
class Group:
    index: int
    seats: list[Seat]


@dataclass
class Round:
    number: int
    started: float
    deadline: float  # absolute time
    groups: list[Group]
    sitting_out: tuple[str, ...] = ()
    matched: tuple[Seats, ...] = ()  # the matching's seats (None: a hole for an agent)
    paused_left: float | None = None  # seconds left when paused
    closed_at: float | None = None


@dataclass(frozen=True)
class RoundSummary:
    """What the dashboard plots for one closed round (shares per pooled role and action)."""

    number: int
    human_shares: tuple[tuple[float, ...], ...]
    agent_shares: tuple[tuple[float, ...], ...]
    humans: int
    agents: int
    timed_out: int
    human_mean_payoff: float | None
    agent_mean_payoff: float | None
    values: tuple[tuple[int, bool], ...]  # aggregate games: (number chosen, by an agent)
    targets: tuple[float, ...] = ()  # guess p of the average: each group's target
    winners: tuple[str, ...] = ()
    started: float = 0.0
    due: float = 0.0  # when it should close: its last decision, or its deadline if one was missed
    closed: float = 0.0


@dataclass
class Hub:
    """The state of one class, and every move that changes it."""

    stage: Stage
    settings: Settings = field(default_factory=Settings)
    session: str = "class"
    recorder: Recorder | None = None
    on_change: Callable[[str | None], None] | None = None  # called with the one student whose
    # view alone changed (a choice), or None when everyone's may have

    def __post_init__(self) -> None:
        self.settings.check()
        check_seat_agent(self.stage, self.settings.agent)
        self.rng = np.random.default_rng(self.settings.seed)
        self.phase = "lobby"
        self.students: dict[str, Student] = {}
        self.agents: dict[str, AgentPlayer] = {}
        self.proxies: dict[str, AgentPlayer] = {}  # a timed-out student's stand-in ("agent" default)
        self.round: Round | None = None
        self.last_closed: Round | None = None
        self.rows: list[Decision] = []
        self.history: list[RoundSummary] = []
        self.roles: dict[str, int] = {}
        self._previous: tuple[Seats, ...] = ()
        self._agent_at: dict[tuple[frozenset[str], int], str] = {}
        self._banned_keys: set[str] = set()
        self._banned_names: set[str] = set()

    # ----- roster ---------------------------------------------------------------------------
    def join(self, name: str, now: float, key: str | None = None) -> Student:
        """A student arrives (or comes back: same key, or same nickname without a key).

        Late joiners play from the next round. Raises :class:`ClassError` for a kicked student,
        a nickname another student uses, or a class that has ended.
        """
        if self.phase == "ended":
            raise ClassError("the class has ended")
        nickname = clean_nickname(name)
        if key is not None and key in self._banned_keys or _fold(nickname) in self._banned_names:
            raise ClassError("you were removed from this class")
        back = self._returning(nickname, key)
        if back is not None:
            back.status = "online"
            back.first_round = max(back.first_round, self._next_round_number())
            self._changed()
            return back
        student = Student(
            id=f"s{len(self.students) + 1:02d}", name=nickname, key=key,
            first_round=self._next_round_number(),
        )
        self.students[student.id] = student
        self._changed()
        return student

    def _returning(self, nickname: str, key: str | None) -> Student | None:
        for student in self.students.values():
            same_key = key is not None and student.key == key
            same_name = _fold(student.name) == _fold(nickname)
            if not (same_key or same_name):
                continue
            if student.status == "online":
                raise ClassError(
                    "you are already playing in another session" if same_key
                    else f"the nickname {nickname!r} is taken; choose another"
                )
            if student.key is not None and student.key != key:
                raise ClassError(f"the nickname {nickname!r} is taken; choose another")
            return student
        return None

    def leave(self, sid: str, now: float) -> None:
        """A student's connection dropped: an agent takes their seat this round (agents on)."""
        student = self.students[sid]
        if student.status == "online":
            student.status = "dropped"
            self._hand_seat_to_agent(sid, now)
            self._changed()
            self.tick(now)  # they may have been the last one the round waited for

    def kick(self, sid: str, now: float) -> None:
        """Remove a student at once, for good (key and nickname refused from now on)."""
        student = self.students.get(sid)
        if student is None:
            raise ClassError(f"no student {sid!r}")
        student.status = "kicked"
        if student.key is not None:
            self._banned_keys.add(student.key)
        self._banned_names.add(_fold(student.name))
        self._hand_seat_to_agent(sid, now)
        self._changed()
        self.tick(now)  # they may have been the last one the round waited for

    def _hand_seat_to_agent(self, sid: str, now: float) -> None:
        if self.phase != "round" or self.round is None:
            return
        for group in self.round.groups:
            for i, seat in enumerate(group.seats):
                if seat.player == sid and not seat.agent and seat.action is None:
                    if self.settings.agents:
                        taken = {s.player for g in self.round.groups for s in g.seats if s.agent}
                        agent = self._free_agent(taken)
                        action = agent.act(self.stage.role_of_seat(i), len(group.seats))
                        group.seats[i] = Seat(agent.id, True, action, now - self.round.started)
                        self._journal(group.seats[i], i)
                    elif self.students[sid].status == "kicked":
                        seat.timed_out = True  # decided by the default at the close

    def present(self) -> list[str]:
        """Students who play the next round: online, not kicked."""
        return [s.id for s in self.students.values() if s.status == "online"]

    # ----- the teacher's controls ----------------------------------------------------------
    def start(self, now: float) -> None:
        """Open the first round (from the lobby)."""
        if self.phase != "lobby":
            raise ClassError("the class has already started")
        self._open_round(now)

    def next(self, now: float) -> None:
        """Close the open round now (defaults for the missing), or open the next one."""
        if self.phase == "round":
            self._close_round(now)
        elif self.phase in ("results", "lobby"):
            self._open_round(now)
        else:
            raise ClassError("the class has ended")

    def pause(self, now: float) -> None:
        """Stop the clock of the open round; decisions wait until :meth:`resume`."""
        if self.phase != "round" or self.round is None or self.round.paused_left is not None:
            raise ClassError("no running round to pause")
        self.round.paused_left = max(0.0, self.round.deadline - now)
        self._changed()

    def resume(self, now: float) -> None:
        if self.round is None or self.round.paused_left is None:
            raise ClassError("nothing is paused")
        self.round.deadline = now + self.round.paused_left
        self.round.paused_left = None
        self._changed()

    @property
    def paused(self) -> bool:
        return self.round is not None and self.round.paused_left is not None

    def end(self, now: float) -> None:
        """End the class (closing the open round first)."""
        if self.phase == "round":
            self._close_round(now)
        self.phase = "ended"
        self._changed()

    def set_deadline(self, seconds: float, now: float) -> None:
        """Change the deadline for the next rounds (and the open one, counted from its start)."""
        candidate = Settings(**{**self.settings.__dict__, "deadline": float(seconds)})
        candidate.check()
        self.settings.deadline = float(seconds)
        if self.round is not None and self.phase == "round" and not self.paused:
            self.round.deadline = self.round.started + self.settings.deadline
        self._changed()

    def set_agents(self, on: bool) -> None:
        self.settings.agents = bool(on)
        self._changed()

    def set_flag(self, name: str, on: bool) -> None:
        """Switch ``show_distribution`` or ``reveal_agents``."""
        if name not in ("show_distribution", "reveal_agents"):
            raise ClassError(f"unknown switch {name!r}")
        setattr(self.settings, name, bool(on))
        self._changed()

    # ----- students' decisions -------------------------------------------------------------
    def submit(self, sid: str, action: int, now: float) -> None:
        """A student's choice for the open round."""
        if self.phase != "round" or self.round is None:
            raise ClassError("no round is open")
        if self.paused:
            raise ClassError("the class is paused")
        seat, seat_index = self._seat_of(sid)
        if seat is None:
            raise ClassError("you are not playing this round; you join at the next one")
        labels = self.stage.labels[self.stage.role_of_seat(seat_index)]
        if not isinstance(action, int) or isinstance(action, bool) or not 0 <= action < len(labels):
            raise ClassError(f"no action {action!r}; choose 0..{len(labels) - 1}")
        if seat.action is not None:
            raise ClassError("you have already chosen this round")
        seat.action = action
        seat.seconds = now - self.round.started
        self._journal(seat, seat_index)
        self._changed(sid)
        self.tick(now)

    def _seat_of(self, sid: str) -> tuple[Seat | None, int]:
        if self.round is not None:
            for group in self.round.groups:
                for i, seat in enumerate(group.seats):
                    if seat.player == sid and not seat.agent:
                        return seat, i
        return None, -1

    def waiting_for(self) -> list[str]:
        """Online students of the open round who have not chosen yet."""
        if self.phase != "round" or self.round is None:
            return []
        return [
            seat.player for g in self.round.groups for seat in g.seats
            if not seat.agent and seat.action is None
            and self.students[seat.player].status == "online"
        ]

    # ----- time ----------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        """Close the round when everyone online has chosen or the deadline passed; open the next
        after the interval."""
        if self.phase == "round" and self.round is not None and not self.paused:
            if now >= self.round.deadline or not self.waiting_for():
                self._close_round(now)
        elif self.phase == "results" and self.round is not None:
            interval = self.settings.interval
            if interval is not None and now >= (self.round.closed_at or now) + interval:
                self._open_round(now)

    def wakeup(self) -> float | None:
        """When :meth:`tick` next has something to do (``None``: only on an event)."""
        if self.phase == "round" and self.round is not None and not self.paused:
            return self.round.deadline
        if self.phase == "results" and self.round is not None and self.settings.interval is not None:
            return (self.round.closed_at or 0.0) + self.settings.interval
        return None

    # ----- rounds --------------------------------------------------------------------------
    def _next_round_number(self) -> int:
        if self.round is None:
            return 1
        return self.round.number + 1

    def _open_round(self, now: float) -> None:
        number = self._next_round_number()
        if self.settings.rounds is not None and number > self.settings.rounds:
            self.phase = "ended"
            self._changed()
            return
        players = [
            sid for sid in self.present() if self.students[sid].first_round <= number
        ]
        matching = self.matching(players)
        groups = []
        taken: set[str] = set()
        for g, seats in enumerate(matching.groups):
            row: list[Seat] = []
            humans = frozenset(s for s in seats if s is not None)
            for i, sid in enumerate(seats):
                if sid is not None:
                    row.append(Seat(sid, False))
                    continue
                agent = self._free_agent(taken, self._agent_at.get((humans, i)))
                taken.add(agent.id)
                self._agent_at[(humans, i)] = agent.id
                row.append(Seat(agent.id, True, agent.act(self.stage.role_of_seat(i), len(seats))))
            groups.append(Group(g + 1, row))
        self.round = Round(number, now, now + self.settings.deadline, groups,
                           matching.sitting_out, matching.groups)
        self.phase = "round"
        self._previous = matching.groups
        for group in groups:
            for i, seat in enumerate(group.seats):
                if seat.agent:
                    self._journal(seat, i)
        self._changed()

    def matching(self, players: list[str]) -> Matching:
        """This round's groups for ``players`` (a plain function of the hub's state)."""
        kept = self.settings.roles == "kept" and not self.stage.pooled and not self.stage.aggregate
        if kept:
            self.roles = assign_roles(players, self.roles, self.stage.n_roles)
        group_size = self.stage.group_size
        return match(
            players,
            group_size=group_size,
            mode=self.settings.matching,
            rng=self.rng,
            previous=self._previous,
            roles=self.roles if kept else None,
            fill=self.settings.agents,
            flexible=self.stage.aggregate,
        )

    def _free_agent(self, taken: set[str], preferred: str | None = None) -> AgentPlayer:
        if preferred is not None and preferred not in taken and preferred in self.agents:
            return self.agents[preferred]
        for ident, agent in self.agents.items():
            if ident not in taken:
                return agent
        ident = f"agent-{len(self.agents) + 1}"
        agent = AgentPlayer(ident, self.stage, self.settings.agent, self.settings.seed + len(self.agents) + 1)
        self.agents[ident] = agent
        return agent

    def _default_action(self, sid: str, role: int, seats: int) -> int:
        student = self.students[sid]
        choice = self.settings.default
        n = len(self.stage.labels[role])
        if choice == "repeat" and student.last_action is not None and student.last_action < n:
            return student.last_action
        if choice == "agent":
            return self._proxy(sid).act(role, seats)
        return int(self.rng.integers(n))

    def _proxy(self, sid: str) -> AgentPlayer:
        proxy = self.proxies.get(sid)
        if proxy is None:
            proxy = AgentPlayer(f"{sid}-agent", self.stage, self.settings.agent,
                                self.settings.seed + 100_003 + len(self.proxies))
            self.proxies[sid] = proxy
        return proxy

    def _close_round(self, now: float) -> None:
        current = self.round
        assert current is not None
        rows: list[Decision] = []
        for group in current.groups:
            for i, seat in enumerate(group.seats):
                if seat.action is None:
                    seat.action = self._default_action(
                        seat.player, self.stage.role_of_seat(i), len(group.seats)
                    )
                    seat.timed_out = True
                    seat.seconds = now - current.started
            profile = tuple(int(s.action) for s in group.seats)  # type: ignore[arg-type]
            payoffs = self.stage.payoffs(profile)
            for i, seat in enumerate(group.seats):
                seat.payoff = payoffs[i]
                role = self.stage.role_of_seat(i)
                rows.append(Decision(
                    session=self.session, round=current.number, group=group.index,
                    player=seat.player, role=i, action=self.stage.labels[role][seat.action],
                    payoff=float(payoffs[i]),
                    partners=";".join(s.player for j, s in enumerate(group.seats) if j != i),
                    agent=seat.agent, timed_out=seat.timed_out, seconds=round(seat.seconds, 3),
                ))
                self._learn(seat, i, profile, payoffs)
        current.closed_at = now
        self.last_closed = current
        self.rows.extend(rows)
        if self.recorder is not None:
            self.recorder.round_closed(rows)
        self.history.append(self._summarise(current))
        self.phase = "results"
        if self.settings.rounds is not None and current.number >= self.settings.rounds:
            self.phase = "ended"
        self._changed()

    def _learn(self, seat: Seat, index: int, profile: tuple[int, ...], payoffs) -> None:
        role = self.stage.role_of_seat(index)
        if seat.agent:
            self.agents[seat.player].learn(role, index, profile, payoffs)
            return
        student = self.students[seat.player]
        student.total += float(payoffs[index])
        student.rounds_played += 1
        student.last_action = seat.action
        student.timed_out_last = seat.timed_out
        if self.settings.default == "agent":
            self._proxy(seat.player).learn(role, index, profile, payoffs)

    def _summarise(self, current: Round) -> RoundSummary:
        stage = self.stage
        counts = {flag: [np.zeros(len(labels)) for labels in stage.share_labels]
                  for flag in (False, True)}
        pay: dict[bool, list[float]] = {False: [], True: []}
        values: list[tuple[int, bool]] = []
        targets: list[float] = []
        winners: list[str] = []
        timed_out = 0
        for group in current.groups:
            for i, seat in enumerate(group.seats):
                role = stage.share_role(stage.role_of_seat(i))
                counts[seat.agent][role][seat.action] += 1
                pay[seat.agent].append(float(seat.payoff or 0.0))
                timed_out += seat.timed_out
                if stage.aggregate:
                    values.append((stage.game.value(seat.action), seat.agent))
            if hasattr(stage.game, "target"):
                profile = [s.action for s in group.seats]
                targets.append(float(stage.game.target(profile)))
                winners.extend(group.seats[w].player for w in stage.game.winners(profile))

        def shares(flag: bool) -> tuple[tuple[float, ...], ...]:
            return tuple(
                tuple(float(x) for x in (c / c.sum() if c.sum() else c)) for c in counts[flag]
            )

        human_seats = [s for g in current.groups for s in g.seats if not s.agent]
        if any(s.timed_out for s in human_seats):
            due = current.deadline
        else:
            due = current.started + max((s.seconds for s in human_seats), default=0.0)
        return RoundSummary(
            started=current.started,
            due=min(due, current.closed_at or due),
            closed=current.closed_at or 0.0,
            number=current.number,
            human_shares=shares(False),
            agent_shares=shares(True),
            humans=len(pay[False]),
            agents=len(pay[True]),
            timed_out=timed_out,
            human_mean_payoff=float(np.mean(pay[False])) if pay[False] else None,
            agent_mean_payoff=float(np.mean(pay[True])) if pay[True] else None,
            values=tuple(values),
            targets=tuple(targets),
            winners=tuple(winners),
        )

    def _journal(self, seat: Seat, index: int) -> None:
        if self.recorder is not None and self.round is not None and seat.action is not None:
            label = self.stage.labels[self.stage.role_of_seat(index)][seat.action]
            self.recorder.decision(self.session, self.round.number, seat.player, label, seat.seconds)

    def _changed(self, only: str | None = None) -> None:
        if self.on_change is not None:
            self.on_change(only)

    # ----- what people see -----------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Online, idle (online but timed out last round), dropped and kicked students."""
        out = {"online": 0, "idle": 0, "dropped": 0, "kicked": 0}
        for s in self.students.values():
            out[s.status] += 1
            if s.status == "online" and s.timed_out_last:
                out["idle"] += 1
        return out

    @property
    def predicted(self) -> Stage:
        """The stage whose predictions the class is compared with: for a whole-class group, solved
        for the number who play (the open or last round's group, else the students present)."""
        current = self.round
        n = len(current.groups[0].seats) if current and current.groups else len(self.present())
        return self.stage.for_players(n)

    def summary(self) -> dict:
        """The end-of-class JSON summary."""
        stage = self.predicted
        return {
            "session": self.session,
            "game": stage.name,
            "rounds": len(self.history),
            "settings": dict(self.settings.__dict__),
            "students": [
                {"player": s.id, "total": s.total, "rounds": s.rounds_played, "status": s.status}
                for s in self.students.values()
            ],
            "agents": sorted(self.agents),
            "predictions": [
                {"label": p.label, "shares": p.shares, "payoff": p.payoff}
                for p in (*stage.equilibria, stage.optimum)
            ],
            "per_round": [
                {"round": h.number, "humans": h.humans, "agents": h.agents,
                 "human_shares": h.human_shares, "agent_shares": h.agent_shares,
                 "human_mean_payoff": h.human_mean_payoff, "timed_out": h.timed_out}
                for h in self.history
            ],
        }


def clean_nickname(text: str) -> str:
    """A nickname as plain text: control and format characters removed, spaces collapsed, at most
    24 characters. Raises :class:`ClassError` when nothing is left."""
    if not isinstance(text, str):
        raise ClassError("a nickname is text")
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    name = re.sub(r"\s+", " ", kept).strip()[:NICKNAME_MAX].strip()
    if not name:
        raise ClassError("type a nickname (letters, digits, spaces)")
    return name


def _fold(name: str) -> str:
    return name.casefold()
