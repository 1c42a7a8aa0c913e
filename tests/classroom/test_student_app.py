"""The student's app driven by a pilot against a real hub server over a socket pair."""

from __future__ import annotations

import asyncio
import socket

from textual.widgets import Static

from games.catalogue import get_class_game, get_game
from marl_tui.classroom.client import ClassClient
from marl_tui.classroom.hub import Hub, Settings
from marl_tui.classroom.server import ClassServer
from marl_tui.classroom.stage import stage_for
from marl_tui.classroom.student_app import StudentApp


def connector(server: ClassServer):
    async def connect() -> ClassClient:
        ours, theirs = socket.socketpair()
        server.serve_socket(theirs, None)
        reader, writer = await asyncio.open_connection(sock=ours, limit=1 << 22)
        return ClassClient(reader, writer)
    return connect


def text_of(app: StudentApp, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "timed out"
        await pilot.pause(0.05)


async def test_a_student_plays_a_round_of_the_prisoners_dilemma():
    hub = Hub(stage_for(get_game("prisoners-dilemma")), Settings(deadline=30, interval=None))
    server = ClassServer(hub)
    await server.start()
    app = StudentApp(connect=connector(server))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.click("#nickname")
        await pilot.press(*"[b]Ada[/b]", "enter")
        await wait_for(pilot, lambda: app.state is not None)
        assert "[b]Ada[/b]" in text_of(app, "#title")  # plain text, never markup
        assert "Waiting for the teacher to start: 1 in the class" in text_of(app, "#status")
        other = await connector(server)()
        await other.send({"type": "hello", "name": "Bob"})
        await pilot.pause(0.2)
        hub.start(server.now())
        server._changed()
        await wait_for(pilot, lambda: app.state["phase"] == "round")
        assert "make your choice" in text_of(app, "#status")
        await pilot.press("2")
        await wait_for(pilot, lambda: app.state["seat"]["chosen"] == "Defect")
        await other.send({"type": "choose", "round": 1, "action": 0})
        await wait_for(pilot, lambda: app.state["phase"] == "results")
        result = text_of(app, "#result")
        assert "you chose Defect; a student chose Cooperate. You got 5." in result
        assert "total 5" in text_of(app, "#title")
        assert "Cooperate: ██████████ 50%" in text_of(app, "#distribution")
        await other.close()
    await server.close()


async def test_guessing_a_number():
    hub = Hub(stage_for(get_class_game("guess-average")), Settings(deadline=30, interval=None))
    server = ClassServer(hub)
    await server.start()
    app = StudentApp(connect=connector(server))
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause(0.2)
        await pilot.click("#nickname")
        await pilot.press(*"Ada", "enter")
        await wait_for(pilot, lambda: app.state is not None)
        hub.start(server.now())
        server._changed()
        await wait_for(pilot, lambda: app.state["phase"] == "round")
        await pilot.press(*"150", "enter")
        await wait_for(pilot, lambda: "from 0 to 100" in str(app.notice))
        await pilot.press(*"33", "enter")
        await wait_for(pilot, lambda: app.state["phase"] == "results")
        # alone in the class, an agent takes the second seat
        last = app.state["last"]
        assert last["action"] == "33" and last["partners"][0]["who"] == "an agent"
        assert abs(last["target"] - 2 / 3 * last["mean"]) < 1e-9
        assert f"The mean was {last['mean']:.2f}, the target {last['target']:.2f}" in text_of(
            app, "#result")
        assert "The class's numbers last round:" in text_of(app, "#distribution")
    await server.close()


async def test_a_kicked_student_is_told_why(tmp_path):
    """The teacher's kick reaches the student as the reason, not as a lost connection."""
    hub = Hub(stage_for(get_game("prisoners-dilemma")), Settings(deadline=30, interval=None))
    server = ClassServer(hub, teacher_socket=tmp_path / "class.sock")
    await server.start()
    app = StudentApp(connect=connector(server), leave_after=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press(*"Ada", "enter")
        await wait_for(pilot, lambda: app.state is not None)
        teacher = await ClassClient.unix(server.teacher_socket)
        await teacher.send({"type": "command", "command": "kick", "player": "s01"})
        await wait_for(pilot, lambda: hub.students["s01"].status == "kicked")
        await pilot.pause(0.3)
        assert "removed from the class by the teacher" in str(app.notice)
        assert "closes in 1 s" in str(app.notice)
        assert "You were removed from the class." in text_of(app, "#status")
        # and the session ends by itself, freeing the student's seat on the server
        await wait_for(pilot, lambda: not app.is_running, timeout=5.0)
        await teacher.close()
    await server.close()


async def test_the_odd_student_out_is_told_so_not_that_they_join_later():
    """Agents off and an odd class: the student left without a partner has been in the class all
    along, and is told they sit this round out (not "you join at the next round")."""
    hub = Hub(stage_for(get_game("prisoners-dilemma")),
              Settings(deadline=30, interval=None, agents=False))
    server = ClassServer(hub)
    await server.start()
    app = StudentApp(connect=connector(server))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press(*"Ada", "enter")
        await wait_for(pilot, lambda: app.state is not None)
        others = [await connector(server)() for _ in range(2)]
        for k, other in enumerate(others):
            await other.send({"type": "hello", "name": f"other {k}"})
        await pilot.pause(0.2)
        while True:  # strangers: reopen until Ada is the one without a partner
            hub.next(server.now()) if hub.phase != "lobby" else hub.start(server.now())
            if hub.phase == "round" and hub.round.sitting_out == ("s01",):
                break
        server._changed()
        await wait_for(pilot, lambda: app.state["phase"] == "round" and app.state["seat"] is None)
        status = text_of(app, "#status")
        assert "sit this round out" in status and "join at the next round" not in status
        for other in others:
            await other.close()
    await server.close()
