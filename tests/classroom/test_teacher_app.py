"""The teacher's dashboard driven by a pilot against a real hub server on its private socket."""

from __future__ import annotations

import asyncio
import csv
import io

from textual.widgets import DataTable, Input, Static

from games.catalogue import get_class_game, get_game
from marl_tui.classroom.client import ClassClient
from marl_tui.classroom.hub import Hub, Settings
from marl_tui.classroom.server import ClassServer
from marl_tui.classroom.stage import stage_for
from marl_tui.classroom.teacher import TeacherApp
from marl_tui.cli import main


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "timed out"
        await pilot.pause(0.05)


def shown(app, selector: str) -> str:
    """What a Static shows, as plain text (tables rendered at 120 columns)."""
    from rich.console import Console

    console = Console(width=120, record=True, file=io.StringIO())
    console.print(app.query_one(selector, Static).content)
    return console.export_text()




async def student(server: ClassServer, name: str):
    import socket

    ours, theirs = socket.socketpair()
    server.serve_socket(theirs, None)
    reader, writer = await asyncio.open_connection(sock=ours)
    client = ClassClient(reader, writer)
    await client.send({"type": "hello", "name": name})
    return client


async def test_dashboard_runs_a_round_kicks_and_exports(tmp_path):
    hub = Hub(stage_for(get_game("prisoners-dilemma")), Settings(deadline=30, interval=None))
    server = ClassServer(hub, teacher_socket=tmp_path / "run" / "class.sock")
    await server.start()
    a, b, c = [await student(server, n) for n in ("Ada", "[red]Bob", "Cy")]
    app = TeacherApp(lambda: ClassClient.unix(server.teacher_socket), export_folder=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.view is not None and len(app.view["roster"]) == 3)
        assert "3 online, 0 idle, 0 dropped" in shown(app, "#header")
        table = app.query_one("#roster", DataTable)
        assert [str(table.get_row_at(i)[1]) for i in range(3)] == ["Ada", "[red]Bob", "Cy"]
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view["phase"] == "round")
        assert "3 still to choose" in shown(app, "#waiting")
        await a.send({"type": "choose", "round": 1, "action": 1})
        await b.send({"type": "choose", "round": 1, "action": 1})
        await wait_for(pilot, lambda: len(app.view["waiting"]) == 1)
        assert "1 still to choose: Cy" in shown(app, "#waiting")
        await pilot.press("n")  # close the round now: Cy gets the default, marked timed out
        await wait_for(pilot, lambda: app.view["phase"] == "results")
        shares = shown(app, "#shares")
        assert "Defect" in shares and "Nash 1" in shares and "optimum" in shares
        assert "at equilibrium 1, at the optimum 3" in shown(app, "#payoffs")
        # kick the highlighted student (the first row: Ada)
        await pilot.press("k")
        await wait_for(pilot, lambda: app.view["counts"]["kicked"] == 1)
        assert hub.students["s01"].status == "kicked"
        await pilot.press("p")
        await wait_for(pilot, lambda: app.view["projector"])
        assert not app.query_one("#people").display
        await pilot.press("x")
        await wait_for(pilot, lambda: list(tmp_path.glob("class-rounds-*.csv")))
        rows = list(csv.DictReader(io.StringIO(next(tmp_path.glob("class-rounds-*.csv")).read_text())))
        assert len(rows) == 4 and sum(r["timed_out"] == "true" for r in rows) == 1
        await pilot.press("d")
        await pilot.pause(0.1)
        prompt = app.screen.query_one(Input)
        prompt.value = "ten"
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert "not a number of seconds" in str(app.screen.query_one("#prompt-error", Static).content)
        prompt.value = "12"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.view["settings"]["deadline"] == 12)
    for client in (a, b, c):
        await client.close()
    await server.close()


async def test_guess_average_dashboard_shows_histogram_target_and_levels(tmp_path):
    hub = Hub(stage_for(get_class_game("guess-average")), Settings(deadline=30, interval=None))
    server = ClassServer(hub, teacher_socket=tmp_path / "class.sock")
    await server.start()
    students = [await student(server, f"n{k}") for k in range(3)]
    app = TeacherApp(lambda: ClassClient.unix(server.teacher_socket), export_folder=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.view is not None and len(app.view["roster"]) == 3)
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view["phase"] == "round")
        for client, guess in zip(students, (10, 20, 60), strict=True):
            await client.send({"type": "choose", "round": 1, "action": guess})
        await wait_for(pilot, lambda: app.view["phase"] == "results")
        text = shown(app, "#guesses")
        assert "mean 30.00 (students 30.00), target 20.00, winner n1" in text
        assert "levels of reasoning: 50, 33.3, 22.2, 14.8, 9.9, 6.6" in text
    await server.close()


def test_no_class_served_is_a_clear_error(tmp_path, capsys):
    assert main(["class", "--socket", str(tmp_path / "none.sock")]) == 2
    assert "no class is being served" in capsys.readouterr().err


async def test_arrow_keys_pick_the_student_to_kick(tmp_path):
    """The roster has the focus: Down moves the highlight, so `k` kicks the student the teacher
    chose (with the focus on the figures, Down scrolled them and `k` kicked the first row)."""
    hub = Hub(stage_for(get_game("prisoners-dilemma")), Settings(deadline=30, interval=None))
    server = ClassServer(hub, teacher_socket=tmp_path / "class.sock")
    await server.start()
    clients = [await student(server, n) for n in ("Ada", "Bob", "Cy")]
    app = TeacherApp(lambda: ClassClient.unix(server.teacher_socket), export_folder=tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: app.view is not None and len(app.view["roster"]) == 3)
        await pilot.press("down", "k")
        await wait_for(pilot, lambda: app.view["counts"]["kicked"] == 1)
        assert [s.name for s in hub.students.values() if s.status == "kicked"] == ["Bob"]
    for client in clients:
        await client.close()
    await server.close()


def test_a_role_nobody_of_a_kind_played_shows_no_share():
    """Battle of the Sexes, one student and one agent: each role was played by one of them only,
    so the other kind's shares in that role are unknown ("-"), not 0% of every action."""
    from rich.console import Console

    from marl_tui.classroom.state_messages import dashboard_view
    from marl_tui.classroom.views import shares_table

    hub = Hub(stage_for(get_game("battle-of-the-sexes")), Settings(deadline=30, interval=None))
    sid = hub.join("Ada", 0.0).id
    hub.start(0.0)
    hub.submit(sid, 0, 1.0)
    role = next(i for g in hub.round.groups for i, s in enumerate(g.seats) if s.player == sid)
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(shares_table(dashboard_view(hub, 2.0)))
    cells = [line.split()[:4] for line in console.export_text().splitlines()
             if line.strip().startswith(("P1 ", "P2 "))]  # role, action, students, agents
    mine = [(students, agents) for r, _, students, agents in cells if r == f"P{role + 1}"]
    other = [(students, agents) for r, _, students, agents in cells if r == f"P{2 - role}"]
    assert len(mine) == len(other) == 2
    assert all(agents == "-" and students != "-" for students, agents in mine)
    assert all(students == "-" and agents != "-" for students, agents in other)
