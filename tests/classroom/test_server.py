"""The hub's server: students over socket pairs, the teacher's private socket, bad clients."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat

import pytest

from games.catalogue import get_game
from marl_tui.classroom.client import ClassClient
from marl_tui.classroom.hub import Hub, Settings
from marl_tui.classroom.records import Recorder
from marl_tui.classroom.server import ClassServer
from marl_tui.classroom.stage import stage_for

PD = stage_for(get_game("prisoners-dilemma"))


async def student(server: ClassServer, key: str | None = None) -> ClassClient:
    ours, theirs = socket.socketpair()
    server.serve_socket(theirs, key)
    reader, writer = await asyncio.open_connection(sock=ours, limit=1 << 22)
    return ClassClient(reader, writer)


async def until(client: ClassClient, predicate, timeout: float = 5.0) -> dict:
    async def wait():
        while True:
            message = await client.receive()
            assert message is not None, "the hub closed the connection"
            if predicate(message):
                return message
    return await asyncio.wait_for(wait(), timeout)


def state(phase: str, **fields):
    return lambda m: m["type"] == "state" and m["phase"] == phase and all(
        m.get(k) == v for k, v in fields.items())


@pytest.fixture
async def server(tmp_path):
    hub = Hub(PD, Settings(deadline=2, interval=None), session="t",
              recorder=Recorder(tmp_path / "class.csv"))
    srv = ClassServer(hub, teacher_socket=tmp_path / "run" / "class.sock",
                      summary=tmp_path / "summary.json")
    await srv.start()
    yield srv
    await srv.close()


async def test_two_students_play_a_round_and_the_teacher_sees_it(server, tmp_path):
    teacher = await ClassClient.unix(server.teacher_socket)
    assert stat.S_IMODE(os.stat(server.teacher_socket).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(server.teacher_socket.parent).st_mode) == 0o700
    a, b = await student(server), await student(server)
    await a.send({"type": "hello", "name": "Ada"})
    welcome = await until(a, lambda m: m["type"] == "welcome")
    assert welcome["game"]["roles"][0]["matrix"][0][1] == [0.0, 5.0]  # Cooperate vs Defect
    await b.send({"type": "hello", "name": "Bob\x1b[31m"})
    assert (await until(b, lambda m: m["type"] == "welcome"))["name"] == "Bob[31m"
    await teacher.send({"type": "command", "command": "start"})
    assert (await until(teacher, lambda m: m["type"] == "result"))["ok"]
    await until(a, state("round"))
    await a.send({"type": "choose", "round": 1, "action": 0})
    await b.send({"type": "choose", "round": 1, "action": 1})
    result = await until(a, state("results"))
    assert result["last"]["payoff"] == 0.0
    assert result["last"]["partners"] == [{"who": "a student", "action": "Defect", "payoff": 5.0}]
    board = await until(teacher, lambda m: m["type"] == "dashboard" and m["history"])
    assert board["history"][0]["human_shares"] == [[0.5, 0.5]]
    await teacher.send({"type": "command", "command": "export"})
    export = await until(teacher, lambda m: m["type"] == "export")
    assert export["csv"].splitlines()[0].startswith("session,round,group,player")
    assert len(export["csv"].splitlines()) == 3
    await teacher.send({"type": "command", "command": "projector"})
    projected = await until(teacher, lambda m: m["type"] == "dashboard" and m["projector"])
    assert "Ada" not in json.dumps(projected) and projected["roster"] == []
    for c in (a, b, teacher):
        await c.close()


async def test_deadline_closes_the_round_with_a_timed_out_default(server):
    a, b = await student(server), await student(server)
    for c, name in ((a, "a"), (b, "b")):
        await c.send({"type": "hello", "name": name})
        await until(c, lambda m: m["type"] == "welcome")
    server.hub.start(server.now())
    server._changed()
    await a.send({"type": "choose", "round": 1, "action": 0})
    started = asyncio.get_running_loop().time()
    done = await until(b, state("results"), timeout=6)
    waited = asyncio.get_running_loop().time() - started
    assert done["last"]["timed_out"] is True
    assert 1.0 < waited < 3.5


@pytest.mark.parametrize("garbage", [
    b"not json\n", b"[1,2]\n", b'{"type":"shell"}\n', b"x" * 5000 + b"\n", b"\xff\xfe\n",
])
async def test_garbage_disconnects_only_that_client(server, garbage):
    good, bad = await student(server), await student(server)
    await good.send({"type": "hello", "name": "good"})
    await until(good, lambda m: m["type"] == "welcome")
    await bad.send({"type": "hello", "name": "bad"})
    await until(bad, lambda m: m["type"] == "welcome")
    bad.writer.write(garbage)
    await bad.writer.drain()
    bye = await until(bad, lambda m: m["type"] == "bye")
    assert "could not read" in bye["reason"]
    assert await asyncio.wait_for(_drain_to_end(bad), 5) is None
    server.hub.start(server.now())
    server._changed()
    await until(good, state("round"))
    assert server.hub.students["s02"].status == "dropped"


async def _drain_to_end(client):
    while (message := await client.receive()) is not None:
        pass
    return message


async def test_a_flood_disconnects_the_flooder(server):
    flooder = await student(server)
    flooder.writer.write(b'{"type":"ping"}\n' * 500)
    await flooder.writer.drain()
    assert await asyncio.wait_for(_drain_to_end(flooder), 5) is None


async def test_kick_closes_the_students_connection_at_once(server):
    a = await student(server, key="SHA256:abc")
    await a.send({"type": "hello", "name": "Ada"})
    await until(a, lambda m: m["type"] == "welcome")
    teacher = await ClassClient.unix(server.teacher_socket)
    await teacher.send({"type": "command", "command": "kick", "player": "s01"})
    bye = await until(a, lambda m: m["type"] == "bye")
    assert "removed" in bye["reason"]
    again = await student(server, key="SHA256:abc")
    await again.send({"type": "hello", "name": "Someone else"})
    error = await until(again, lambda m: m["type"] == "error")
    assert "removed" in error["message"]
    await teacher.close()


async def test_a_key_brings_its_student_back(server):
    a = await student(server, key="SHA256:k")
    await a.send({"type": "hello", "name": "Ada"})
    await until(a, lambda m: m["type"] == "welcome")
    await a.close()
    await asyncio.sleep(0.1)
    assert server.hub.students["s01"].status == "dropped"
    back = await student(server, key="SHA256:k")
    assert (await until(back, lambda m: m["type"] == "known"))["name"] == "Ada"
    await back.send({"type": "hello", "name": "Ada"})
    assert (await until(back, lambda m: m["type"] == "welcome"))["player"] == "s01"


async def test_close_writes_the_summary(tmp_path):
    hub = Hub(PD, Settings(deadline=2, interval=None))
    srv = ClassServer(hub, summary=tmp_path / "s.json")
    await srv.start()
    await srv.close()
    assert json.loads((tmp_path / "s.json").read_text())["game"] == "Prisoner's Dilemma"


async def test_a_late_choice_never_counts_for_the_next_round(server):
    a, b = await student(server), await student(server)
    for c, name in ((a, "a"), (b, "b")):
        await c.send({"type": "hello", "name": name})
        await until(c, lambda m: m["type"] == "welcome")
    server.hub.start(server.now())
    server.hub.next(server.now())  # round 1 closes with defaults
    server.hub.next(server.now())  # round 2 opens
    server._changed()
    await a.send({"type": "choose", "round": 1, "action": 0})
    error = await until(a, lambda m: m["type"] == "error")
    assert error["message"] == "that round is over"
    assert server.hub.round.number == 2
    assert sorted(server.hub.waiting_for()) == ["s01", "s02"]


async def test_a_second_class_never_takes_the_first_ones_socket(server, tmp_path):
    other = ClassServer(Hub(PD, Settings()), teacher_socket=server.teacher_socket)
    with pytest.raises(OSError, match="already served"):
        await other.start()
    teacher = await ClassClient.unix(server.teacher_socket)  # the first is still reachable
    assert (await until(teacher, lambda m: m["type"] == "dashboard"))["game"]
    await teacher.close()
    stale = tmp_path / "stale" / "class.sock"
    stale.parent.mkdir()
    leftover = socket.socket(socket.AF_UNIX)
    leftover.bind(str(stale))
    leftover.close()  # a socket file nobody listens on: replaced
    fresh = ClassServer(Hub(PD, Settings()), teacher_socket=stale)
    await fresh.start()
    await fresh.close()


async def test_ending_the_class_writes_the_summary_at_once(server, tmp_path):
    """The teacher's `e` is the end of the class: the summary is there then, not only once the
    server stops (a server whose terminal is closed never reaches its close)."""
    teacher = await ClassClient.unix(server.teacher_socket)
    a = await student(server)
    await a.send({"type": "hello", "name": "a"})
    await until(a, lambda m: m["type"] == "welcome")
    await teacher.send({"type": "command", "command": "start"})
    await until(a, state("round"))
    await teacher.send({"type": "command", "command": "end"})
    await until(a, state("ended"))
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["rounds"] == 1 and summary["students"][0]["player"] == "s01"
    await teacher.close()
    await a.close()


async def test_the_summary_says_who_was_there_when_the_class_ended(tmp_path):
    """Students who leave after the end (the server stopping their apps) stay "online" in the
    summary: it is the class as it ended, not as the server went down."""
    server = ClassServer(Hub(PD, Settings(deadline=2, interval=None)),
                         summary=tmp_path / "summary.json")
    await server.start()
    a = await student(server)
    await a.send({"type": "hello", "name": "a"})
    await until(a, lambda m: m["type"] == "welcome")
    server.end_class()
    await until(a, state("ended"))
    await a.close()
    await asyncio.sleep(0.2)
    assert server.hub.students["s01"].status == "dropped"
    await server.close()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["students"][0]["status"] == "online"
