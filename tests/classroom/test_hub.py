"""The hub: rounds, deadlines, defaults, agents in seats, reconnects, kicks and the record."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from games.catalogue import get_class_game, get_game
from marl_tui.classroom.hub import ClassError, Hub, Settings, clean_nickname
from marl_tui.classroom.records import COLUMNS, Recorder
from marl_tui.classroom.stage import stage_for

PD = stage_for(get_game("prisoners-dilemma"))
BOS = stage_for(get_game("battle-of-the-sexes"))
GUESS = stage_for(get_class_game("guess-average"))
PGG = stage_for(get_class_game("linear-public-goods"))


def hub_of(stage=PD, students=3, **settings) -> Hub:
    hub = Hub(stage, Settings(**{"deadline": 10, "interval": None, **settings}))
    for i in range(students):
        hub.join(f"student {i}", 0.0)
    return hub


def test_a_round_closes_when_everyone_has_chosen():
    hub = hub_of(students=4)
    hub.start(0.0)
    for k, sid in enumerate(hub.present()):
        assert hub.phase == "round"
        hub.submit(sid, k % 2, 1.0 + k)
    assert hub.phase == "results"
    assert len(hub.rows) == 4 and not any(r.agent or r.timed_out for r in hub.rows)
    assert {r.seconds for r in hub.rows} == {1.0, 2.0, 3.0, 4.0}


def test_deadline_gives_the_default_marked_timed_out():
    hub = hub_of(students=2, default="repeat")
    hub.start(0.0)
    a, b = hub.present()
    hub.submit(a, 0, 1.0)
    hub.submit(b, 1, 1.0)
    hub.next(2.0)
    hub.submit(a, 1, 3.0)
    hub.tick(9.9)
    assert hub.phase == "round"
    hub.tick(12.0)
    assert hub.phase == "results"
    late = [r for r in hub.rows if r.round == 2 and r.player == b][0]
    assert late.timed_out and late.action == "Defect" and late.seconds == 10.0
    assert hub.counts()["idle"] == 1


def test_odd_student_gets_an_agent_marked_as_agent():
    hub = hub_of(students=3)
    hub.start(0.0)
    agents = [s for g in hub.round.groups for s in g.seats if s.agent]
    assert len(agents) == 1 and agents[0].player.startswith("agent-")
    hub.next(1.0)
    assert [r.agent for r in hub.rows].count(True) == 1


def test_pause_stops_the_clock():
    hub = hub_of(students=2)
    hub.start(0.0)
    hub.pause(4.0)
    with pytest.raises(ClassError, match="paused"):
        hub.submit(hub.present()[0], 0, 5.0)
    hub.tick(50.0)
    assert hub.phase == "round"
    hub.resume(100.0)
    assert hub.wakeup() == pytest.approx(106.0)


def test_drop_mid_round_hands_the_seat_to_an_agent_and_reconnect_by_nickname():
    hub = hub_of(students=2)
    hub.start(0.0)
    a, b = hub.present()
    hub.leave(b, 1.0)
    hub.submit(a, 0, 2.0)
    assert hub.phase == "results"
    row = [r for r in hub.rows if r.player != a][0]
    assert row.agent and row.player.startswith("agent-")
    back = hub.join("Student 1", 3.0)  # nickname compared without case
    assert back.id == b and back.status == "online"
    hub.next(3.0)
    assert b in {s.player for g in hub.round.groups for s in g.seats}


def test_reconnect_by_key_and_nickname_clash():
    hub = hub_of(students=0)
    ann = hub.join("ann", 0.0, key="SHA256:k1")
    with pytest.raises(ClassError, match="already playing"):
        hub.join("someone", 0.0, key="SHA256:k1")
    with pytest.raises(ClassError, match="taken"):
        hub.join("ANN", 0.0)
    hub.leave(ann.id, 1.0)
    with pytest.raises(ClassError, match="taken"):
        hub.join("ann", 1.0, key="SHA256:other")
    assert hub.join("new name", 2.0, key="SHA256:k1").id == ann.id


def test_kick_takes_effect_at_once_and_for_good():
    hub = hub_of(students=2)
    hub.start(0.0)
    a, b = hub.present()
    hub.kick(b, 1.0)
    with pytest.raises(ClassError, match="not playing"):
        hub.submit(b, 0, 1.5)
    with pytest.raises(ClassError, match="removed"):
        hub.join("student 1", 2.0)
    hub.submit(a, 0, 2.0)
    hub.next(3.0)
    assert b not in {s.player for g in hub.round.groups for s in g.seats}


def test_late_joiner_enters_at_the_next_round():
    hub = hub_of(students=2)
    hub.start(0.0)
    late = hub.join("late", 1.0)
    assert late.id not in {s.player for g in hub.round.groups for s in g.seats}
    with pytest.raises(ClassError, match="next one"):
        hub.submit(late.id, 0, 1.0)
    hub.next(2.0)
    hub.next(2.0)
    assert late.id in {s.player for g in hub.round.groups for s in g.seats}


def test_partners_keep_their_agent():
    hub = hub_of(students=1, matching="partners")
    hub.start(0.0)
    first = [s.player for s in hub.round.groups[0].seats if s.agent]
    for t in range(1, 4):
        hub.next(float(t))
        hub.next(float(t))
        assert [s.player for s in hub.round.groups[0].seats if s.agent] == first


def test_roles_kept_in_an_asymmetric_game():
    hub = hub_of(BOS, students=4, roles="kept")
    seen: dict[str, set[int]] = {}
    for t in range(4):
        hub.next(float(t))
        for g in hub.round.groups:
            for i, s in enumerate(g.seats):
                seen.setdefault(s.player, set()).add(i)
        hub.next(float(t))
    assert all(len(v) == 1 for k, v in seen.items() if k.startswith("s"))


def test_guess_average_whole_class_one_group_winner_and_target():
    hub = hub_of(GUESS, students=4)
    hub.start(0.0)
    assert len(hub.round.groups) == 1 and len(hub.round.groups[0].seats) == 4
    for sid, guess in zip(hub.present(), [50, 30, 20, 0], strict=True):
        hub.submit(sid, guess, 1.0)
    summary = hub.history[-1]
    assert summary.targets == (pytest.approx(2 / 3 * 25),)
    winner = hub.present()[2]  # 20 is nearest 2/3 * 25 = 16.7
    assert summary.winners == (winner,)
    assert [r.payoff for r in hub.rows if r.player == winner] == [1.0]


def test_public_goods_groups_of_four_with_agents_in_the_last():
    hub = hub_of(PGG, students=6)
    hub.start(0.0)
    sizes = sorted(len(g.seats) for g in hub.round.groups)
    assert sizes == [4, 4]
    assert sum(s.agent for g in hub.round.groups for s in g.seats) == 2


def test_agents_off_odd_student_sits_out():
    hub = hub_of(students=3, agents=False)
    hub.start(0.0)
    assert len(hub.round.sitting_out) == 1
    assert not any(s.agent for g in hub.round.groups for s in g.seats)


def test_settings_are_checked():
    with pytest.raises(ClassError, match="deadline"):
        Hub(PD, Settings(deadline=0))
    with pytest.raises(ValueError, match="cannot play"):
        Hub(GUESS, Settings(agent="fictitious-play"))
    with pytest.raises(ValueError, match="cannot take a seat"):
        Hub(PD, Settings(agent="qmix"))


def test_nicknames_are_plain_text():
    assert clean_nickname("  ann\x1b[31m\tlee\n ") == "ann[31m lee"
    assert clean_nickname("[bold]x[/bold]") == "[bold]x[/bold]"
    assert len(clean_nickname("x" * 100)) == 24
    with pytest.raises(ClassError):
        clean_nickname("\x00\x07 ")


def test_csv_and_journal(tmp_path):
    path = tmp_path / "class.csv"
    hub = Hub(PD, Settings(deadline=10, interval=None), session="lab1", recorder=Recorder(path))
    for i in range(2):
        hub.join(f"s{i}", 0.0)
    hub.start(0.0)
    a, b = hub.present()
    hub.submit(a, 0, 1.0)
    journal = [json.loads(x) for x in hub.recorder.journal.read_text().splitlines()]
    assert journal == [{"session": "lab1", "round": 1, "player": a, "action": "Cooperate",
                        "seconds": 1.0}]
    hub.submit(b, 1, 2.0)
    assert not hub.recorder.journal.exists()
    with path.open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(COLUMNS)
    assert ",".join(rows[0]) == "session,round,group,player,role,action,payoff,partners,agent,timed_out,seconds"
    assert [r[3:] for r in rows[1:]] == [
        [a, "0", "Cooperate", "0", b, "false", "false", "1"],
        [b, "1", "Defect", "5", a, "false", "false", "2"],
    ] or [r[3:] for r in rows[1:]] == [
        [b, "0", "Defect", "5", a, "false", "false", "2"],
        [a, "1", "Cooperate", "0", b, "false", "false", "1"],
    ]
    with pytest.raises(ValueError, match="not a class CSV"):
        (tmp_path / "other.csv").write_text("a,b\n")
        Recorder(tmp_path / "other.csv")


# ----- properties over random classes ---------------------------------------------------------
events = st.lists(
    st.one_of(
        st.tuples(st.just("join"), st.integers(0, 12)),
        st.tuples(st.just("leave"), st.integers(0, 12)),
        st.tuples(st.just("kick"), st.integers(0, 12)),
        st.tuples(st.just("submit"), st.integers(0, 12), st.integers(0, 10)),
        st.tuples(st.just("tick"), st.floats(0, 15)),
        st.tuples(st.just("next"),),
        st.tuples(st.just("agents"), st.booleans()),
    ),
    max_size=60,
)


@settings(max_examples=60)
@given(st.sampled_from([PD, BOS, PGG, GUESS]), st.sampled_from(["strangers", "partners"]),
       st.sampled_from(["random", "repeat", "agent"]), events)
def test_class_properties(stage, matching, default, script):
    hub = Hub(stage, Settings(deadline=10, interval=1.0, matching=matching, default=default,
                              agent="random"))
    now = 0.0
    kicked_at: dict[str, int] = {}
    names: dict[int, str] = {}
    for event in script:
        now += 0.5
        kind = event[0]
        try:
            if kind == "join":
                names[event[1]] = hub.join(f"n{event[1]}", now).id
            elif kind in ("leave", "kick") and event[1] in names:
                sid = names[event[1]]
                if kind == "kick":
                    kicked_at.setdefault(sid, hub.round.number if hub.round else 0)
                    hub.kick(sid, now)
                else:
                    hub.leave(sid, now)
            elif kind == "submit" and event[1] in names:
                hub.submit(names[event[1]], event[2], now)
            elif kind == "tick":
                now += event[1]
                hub.tick(now)
            elif kind == "next":
                hub.next(now)
            elif kind == "agents":
                hub.set_agents(event[1])
        except ClassError:
            pass
        if hub.phase == "round" and hub.round is not None and hub.round.closed_at is None:
            _check_round(hub)
    for rows in _by_group(hub.rows).values():
        profile = tuple(stage.labels[stage.role_of_seat(r.role)].index(r.action) for r in rows)
        if stage.aggregate:  # the game's own rule, exactly
            expected = [float(x) for x in stage.game.exact_payoffs(profile)]
        else:  # the game's payoff tensor
            expected = list(stage.game.payoffs[(slice(None), *profile)])
        assert [r.payoff for r in rows] == pytest.approx(expected)
    for sid, number in kicked_at.items():
        assert all(r.round <= number for r in hub.rows if r.player == sid)


def _check_round(hub: Hub) -> None:
    current = hub.round
    humans = Counter(s.player for g in current.groups for s in g.seats if not s.agent)
    eligible = {sid for sid, s in hub.students.items()
                if s.first_round <= current.number and s.status == "online"}
    # every present student sits in exactly one group (or sits out, with agents off)
    assert all(c == 1 for c in humans.values())
    assert eligible <= set(humans) | set(current.sitting_out)
    assert not set(humans) & set(current.sitting_out)
    # agents only fill seats: a hole of the matching, or the seat of a student who left
    for group, matched in zip(current.groups, current.matched, strict=True):
        assert len(group.seats) == len(matched)
        for seat, sid in zip(group.seats, matched, strict=True):
            if seat.agent:
                assert sid is None or hub.students[sid].status != "online" or (
                    hub.students[sid].first_round > current.number)
            else:
                assert seat.player == sid
        agents = [s.player for s in group.seats if s.agent]
        assert len(agents) == len(set(agents))


def _by_group(rows):
    groups: dict[tuple[int, int], list] = {}
    for r in rows:
        groups.setdefault((r.round, r.group), []).append(r)
    return {k: sorted(v, key=lambda r: r.role) for k, v in groups.items()}


def test_a_server_killed_mid_round_keeps_every_decision(tmp_path):
    """A child process plays a round and a half, then dies without closing anything."""
    import os

    path = tmp_path / "class.csv"
    pid = os.fork()
    if pid == 0:
        try:
            hub = Hub(PD, Settings(deadline=10, interval=None), session="k", recorder=Recorder(path))
            a, b = hub.join("a", 0.0).id, hub.join("b", 0.0).id
            hub.start(0.0)
            hub.submit(a, 0, 1.0)
            hub.submit(b, 1, 1.0)
            hub.next(2.0)
            hub.submit(a, 1, 3.0)
        finally:
            os._exit(0)  # killed: no close, no summary
    os.waitpid(pid, 0)
    rows = list(csv.DictReader(path.open()))
    assert [(r["round"], r["player"], r["action"]) for r in rows] in (
        [("1", "s01", "Cooperate"), ("1", "s02", "Defect")],
        [("1", "s02", "Defect"), ("1", "s01", "Cooperate")],
    )
    journal = [json.loads(x) for x in (tmp_path / "class.csv.open-round.jsonl").read_text().splitlines()]
    assert journal == [{"session": "k", "round": 2, "player": "s01", "action": "Defect",
                        "seconds": 1.0}]


def test_whole_class_predictions_are_for_the_class_that_plays():
    """Guess 2/3 with the whole class in one group: the equilibria and the payoff there depend on
    how many play. A stage prepared for 30 (the server's --max-sessions) must not tell a class of
    three that everyone at 1 is an equilibrium or that the payoff there is 1/30."""
    from marl_tui.classroom.state_messages import dashboard_view

    hub = hub_of(GUESS, students=3)
    expected = stage_for(get_class_game("guess-average"), class_size=3)
    assert [p.label for p in GUESS.equilibria] != [p.label for p in expected.equilibria]
    hub.start(0.0)
    for sid, guess in zip(hub.present(), [50, 30, 20], strict=True):
        hub.submit(sid, guess, 1.0)
    view = dashboard_view(hub, 2.0)
    assert [p["label"] for p in view["predictions"]] == [p.label for p in expected.equilibria]
    assert [p["payoff"] for p in view["predictions"]] == [p.payoff for p in expected.equilibria]
    assert view["optimum"]["payoff"] == expected.optimum.payoff
    summary = hub.summary()
    assert [p["label"] for p in summary["predictions"]] == [
        p.label for p in (*expected.equilibria, expected.optimum)]


@pytest.mark.parametrize("stage", [GUESS, PGG])
def test_a_lone_student_with_agents_off_sits_out_a_class_game(stage):
    """A class game needs two players: one student alone with agents off sits the round out
    (the round closed with a group of one and the game refused it, every tick after, for good)."""
    hub = hub_of(stage, students=1, agents=False)
    hub.start(0.0)
    assert hub.round.groups == [] and hub.round.sitting_out == (hub.present()[0],)
    with pytest.raises(ClassError, match="not playing this round"):
        hub.submit(hub.present()[0], 1, 1.0)
    hub.tick(20.0)
    assert hub.phase == "results" and hub.rows == []


@pytest.mark.parametrize("agents", [True, False])
@pytest.mark.parametrize("how", ["kick", "leave"])
def test_the_round_closes_when_the_last_student_it_waits_for_goes(how, agents):
    """No round waits for the slowest: once the one student still to choose is kicked or drops,
    everyone left has chosen, and the round closes then, not at its deadline."""
    hub = hub_of(PD, students=2, agents=agents)
    hub.start(0.0)
    first, last = hub.present()
    hub.submit(first, 0, 1.0)
    assert hub.phase == "round" and hub.waiting_for() == [last]
    getattr(hub, how)(last, 2.0)
    assert hub.phase == "results" and hub.round.closed_at == 2.0
    assert len([r for r in hub.rows if r.round == 1]) == 2


def test_a_restart_on_the_same_csv_keeps_the_killed_rounds_journal(tmp_path):
    """The teacher restarts `serve --class ... --csv FILE` after the server was killed mid-round:
    the new class's first round must not append to, then delete, the old round's journal."""
    path = tmp_path / "class.csv"
    killed = Recorder(path)
    killed.decision("old", 4, "s01", "Defect", 2.5)  # then the process dies: nothing closed
    hub = Hub(PD, Settings(deadline=10, interval=None), session="new", recorder=Recorder(path))
    a, b = hub.join("a", 0.0).id, hub.join("b", 0.0).id
    hub.start(0.0)
    hub.submit(a, 0, 1.0)
    hub.submit(b, 0, 1.0)
    kept = [json.loads(line) for p in tmp_path.glob("class.csv.*.jsonl")
            for line in p.read_text().splitlines()]
    assert kept == [{"session": "old", "round": 4, "player": "s01", "action": "Defect",
                     "seconds": 2.5}]


def test_a_class_on_the_same_csv_keeps_the_earlier_class_summary(tmp_path):
    """Week after week on one `--csv FILE` (rows of every class appended, told apart by their
    session): each class's summary is kept, not replaced by the next class's."""
    from marl_tui.classroom.records import write_summary

    path = tmp_path / "course.summary.json"
    write_summary(path, {"session": "week1", "rounds": 3})
    write_summary(path, {"session": "week1", "rounds": 4})  # the same class, written again
    write_summary(path, {"session": "week2", "rounds": 5})
    kept = {p.name: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    assert kept == {"course.summary.json": {"session": "week2", "rounds": 5},
                    "course.summary-week1.json": {"session": "week1", "rounds": 4}}
