"""A class under load: protocol clients and real SSH sessions play rounds through one hub.

The hub runs in a serving process of its own (forked before any event loop), with an SSH listener
for the real sessions (the real student app behind asyncssh clients on a pseudo-terminal) and one
socket pair per simulated student, exactly as a served student's app gets it. The teacher starts
the class over the teacher's socket; rounds then follow each other by themselves. Simulated students
choose at a random moment of each round, some after the deadline. Measured:

- decisions lost: every choice the hub accepted must be a row of the CSV (and no other human row
  is there but the deadline's defaults);
- close lag: how long after its due time (its last decision, or its deadline when someone missed
  it) the hub closed each round, in the hub's process, and when the first student heard of it;
- the serving process's CPU time and peak memory (the students' own apps are other processes).

    python benchmarks/bench_class.py [--students 60] [--ssh 3] [--rounds 20] [--deadline 2]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import resource
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

JOIN_TIMEOUT = 300.0


@dataclass
class LoadResult:
    students: int
    ssh_students: int
    rounds: int
    accepted: int
    rows: int
    lost: int
    unexpected: int
    timed_out: int
    close_lag: list[float]  # per round, seconds, measured in the hub's process
    heard_lag: list[float]  # per round, seconds until the first student got the result
    ssh_rows: int  # decisions the SSH sessions made in time
    hub_cpu: float
    hub_wall: float
    hub_peak_mb: float
    notes: list[str] = field(default_factory=list)


# ----- the serving process -----------------------------------------------------------------------
def _serve(sockets: list[socket.socket], report: int, workdir: Path, rounds: int,
           deadline: float, max_sessions: int) -> None:
    asyncio.run(_serve_main(sockets, report, workdir, rounds, deadline, max_sessions))


async def _serve_main(sockets, report: int, workdir: Path, rounds: int, deadline: float,
                      max_sessions: int) -> None:
    from games.catalogue import get_game
    from marl_tui.classroom.hub import Hub, Settings
    from marl_tui.classroom.records import Recorder
    from marl_tui.classroom.server import ClassServer
    from marl_tui.classroom.stage import stage_for
    from marl_tui.serving.limits import SessionLimits, SessionSlots
    from marl_tui.serving.options import Address, ServeOptions
    from marl_tui.serving.ssh import start_ssh

    hub = Hub(stage_for(get_game("prisoners-dilemma")),
              Settings(deadline=deadline, interval=0.3, rounds=rounds, agent="always-cooperate"),
              session="load", recorder=Recorder(workdir / "load.csv"))
    classroom = ClassServer(hub, teacher_socket=workdir / "run" / "class.sock")
    await classroom.start()
    options = ServeOptions(ssh=Address("127.0.0.1", 0), open_access=True,
                           host_key=workdir / "host_key", max_sessions=max_sessions,
                           connections_per_minute=10_000, limits=SessionLimits(None, None, 0),
                           files_root=workdir / "files", class_server=classroom,
                           app_module="marl_tui.classroom.student")
    slots = SessionSlots(options.max_sessions)
    listener = await start_ssh(options, slots)
    for sock in sockets:
        classroom.serve_socket(sock)
    os.write(report, (json.dumps({"port": listener.port}) + "\n").encode())
    while hub.phase == "lobby":
        await asyncio.sleep(0.02)
    started_cpu = time.process_time()
    while hub.phase != "ended":
        await asyncio.sleep(0.05)
    wall_start = hub.history[0].started if hub.history else 0.0
    cpu_at_end = time.process_time()
    await asyncio.sleep(3.0)  # let the last views reach the students
    stats = {
        "rounds": [{"round": h.number, "due": h.due, "closed": h.closed} for h in hub.history],
        "cpu": cpu_at_end - started_cpu,
        "wall": (hub.history[-1].closed - wall_start) if hub.history else 0.0,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    await slots.stop_all()
    await listener.close()
    await classroom.close()
    os.write(report, (json.dumps(stats) + "\n").encode())


# ----- the students ------------------------------------------------------------------------------
async def _protocol_student(sock: socket.socket, k: int, deadline: float, late: float,
                            accepted: list, heard: dict[int, float], players: set[str]) -> None:
    from marl_tui.classroom.client import ClassClient

    reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 22)
    client = ClassClient(reader, writer)
    rng = np.random.default_rng(k)
    await client.send({"type": "hello", "name": f"load {k}"})
    player = None
    decided: set[int] = set()
    pending: dict[int, tuple[int, float]] = {}

    async def choose(number: int, action: int, delay: float) -> None:
        await asyncio.sleep(delay)
        pending[number] = (action, time.monotonic())
        await client.send({"type": "choose", "round": number, "action": action})

    tasks = []
    while (message := await client.receive()) is not None:
        kind = message["type"]
        if kind == "welcome":
            player = message["player"]
            players.add(player)
        elif kind == "state":
            number = message["round"]
            if message["phase"] == "round" and message["seat"] and number not in decided:
                decided.add(number)
                when = deadline * (1.3 if rng.random() < late else rng.uniform(0.05, 0.8))
                tasks.append(asyncio.ensure_future(choose(number, int(rng.integers(2)), when)))
            if message["phase"] in ("results", "ended") and message["last"]:
                last = message["last"]
                heard.setdefault(last["round"], time.monotonic())
                if last["round"] in pending and not last["timed_out"]:
                    action, _ = pending.pop(last["round"])
                    accepted.append((str(last["round"]), player, ("Cooperate", "Defect")[action]))
            if message["phase"] == "ended":
                break
        elif kind == "bye":
            break
    for task in tasks:
        task.cancel()
    await client.close()


async def _ssh_student(port: int, k: int) -> list[str]:
    """A real SSH session running the real student app: joins, then chooses whenever asked,
    until the class ends. Returns what went wrong, if anything."""
    import asyncssh
    import pyte

    screen = pyte.Screen(100, 30)
    stream = pyte.ByteStream(screen)
    async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username=f"ssh{k}",
                                client_keys=None, encoding=None) as conn:
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30))

        async def until(*texts: str) -> str:
            while True:
                for text in texts:
                    if any(text in line for line in screen.display):
                        return text
                chunk = await process.stdout.read(65536)
                if not chunk:
                    raise ConnectionError(f"ssh student {k}: the session ended")
                stream.feed(chunk)

        await asyncio.wait_for(until("your nickname"), 180)
        process.stdin.write(f"ssh {k}\r".encode())
        # the lobby, or straight into a round when this session was the last one the class waited for
        await asyncio.wait_for(until("Waiting for the teacher", "make your choice", "is over",
                                     "class has ended"), 60)
        while await until("make your choice", "class has ended") != "class has ended":
            process.stdin.write(b"1")
            await until("waiting for the others", "is over", "class has ended")
    return []


def _ssh_students(port: int, count: int, report: int) -> None:
    """The SSH sessions, in a process of their own (drawing their screens takes CPU that the
    protocol students' clock must not wait for)."""

    async def all_of() -> list[str]:
        results = await asyncio.gather(*(_ssh_student(port, k) for k in range(count)),
                                       return_exceptions=True)
        return [repr(r) for r in results if isinstance(r, BaseException)] + [
            n for r in results if isinstance(r, list) for n in r]

    os.write(report, (json.dumps(asyncio.run(all_of())) + "\n").encode())


async def _drive(student_socks, teacher_socket: Path, students: int, ssh_students: int,
                 deadline: float, late: float):
    from marl_tui.classroom.client import ClassClient

    accepted: list = []
    players: set[str] = set()
    heard: dict[int, float] = {}
    protocol = [asyncio.ensure_future(_protocol_student(s, k, deadline, late, accepted, heard,
                                                        players))
                for k, s in enumerate(student_socks)]
    teacher = await ClassClient.unix(teacher_socket)
    expected = students + ssh_students

    async def everyone_in() -> None:
        while True:
            board = await teacher.receive()
            if board is None:
                raise RuntimeError("the hub closed the teacher's connection")
            if board["type"] == "dashboard" and board["counts"]["online"] >= expected:
                return

    await asyncio.wait_for(everyone_in(), JOIN_TIMEOUT)  # SSH sessions start slowly when loaded
    await teacher.send({"type": "command", "command": "start"})
    await asyncio.gather(*protocol)
    await teacher.close()
    return accepted, heard, players


def run_load(students: int = 60, ssh_students: int = 3, rounds: int = 20, deadline: float = 2.0,
             late: float = 0.1, workdir: Path | None = None) -> LoadResult:
    """Play ``rounds`` rounds with ``students`` protocol clients and ``ssh_students`` real SSH
    sessions; what was lost and how promptly every round closed."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="marl-tui-class-load-"))
    pairs = [socket.socketpair() for _ in range(students)]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the serving process
        try:
            os.close(read_end)
            for ours, _ in pairs:
                ours.close()
            _serve([theirs for _, theirs in pairs], write_end, workdir, rounds, deadline,
                   students + ssh_students + 5)
        finally:
            os._exit(0)
    os.close(write_end)
    for _, theirs in pairs:
        theirs.close()
    lines = os.fdopen(read_end)
    port = json.loads(lines.readline())["port"]
    ssh_read, ssh_write = os.pipe()
    ssh_pid = os.fork()
    if ssh_pid == 0:  # the SSH sessions' clients
        try:
            os.close(ssh_read)
            _ssh_students(port, ssh_students, ssh_write)
        finally:
            os._exit(0)
    os.close(ssh_write)
    accepted, heard, players = asyncio.run(_drive(
        [ours for ours, _ in pairs], workdir / "run" / "class.sock", students, ssh_students,
        deadline, late))
    stats = json.loads(lines.readline())
    os.waitpid(pid, 0)
    with os.fdopen(ssh_read) as ssh_report:
        text = ssh_report.readline()
    notes = json.loads(text) if text else ["the SSH sessions reported nothing"]
    os.waitpid(ssh_pid, 0)
    with (workdir / "load.csv").open() as f:
        rows = list(csv.DictReader(f))
    decided = {(r["round"], r["player"], r["action"]) for r in rows
               if r["agent"] == "false" and r["timed_out"] == "false"}
    ssh_ids = {r["player"] for r in rows if r["agent"] == "false"} - players
    lost = len(set(accepted) - decided)
    unexpected = len({d for d in decided if d[1] in players} - set(accepted))
    close_lag = [r["closed"] - r["due"] for r in stats["rounds"]]
    heard_lag = [heard[r["round"]] - r["due"] for r in stats["rounds"] if r["round"] in heard]
    return LoadResult(
        students=students, ssh_students=ssh_students, rounds=len(stats["rounds"]),
        accepted=len(accepted), rows=len(rows), lost=lost, unexpected=unexpected,
        timed_out=sum(r["timed_out"] == "true" for r in rows),
        close_lag=close_lag, heard_lag=heard_lag,
        ssh_rows=sum(r["player"] in ssh_ids and r["timed_out"] == "false" for r in rows),
        hub_cpu=stats["cpu"], hub_wall=stats["wall"], hub_peak_mb=stats["peak_mb"], notes=notes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--ssh", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--deadline", type=float, default=2.0)
    args = parser.parse_args()
    r = run_load(args.students, args.ssh, args.rounds, args.deadline)
    ms = [1000 * x for x in r.close_lag]
    heard = [1000 * x for x in r.heard_lag]
    print(f"class load: {r.students} protocol students + {r.ssh_students} SSH sessions, "
          f"{r.rounds} rounds, {args.deadline:g} s deadlines (Prisoner's Dilemma)")
    print(f"{'measure':44} {'value':>12}")
    for name, value in [
        ("decisions accepted (protocol students)", f"{r.accepted}"),
        ("CSV rows (students, SSH, agents)", f"{r.rows}"),
        ("decisions of the SSH sessions (in time)", f"{r.ssh_rows}"),
        ("deadline defaults (timed out)", f"{r.timed_out}"),
        ("decisions lost", f"{r.lost}"),
        ("rows no one decided", f"{r.unexpected}"),
        ("round close lag, median ms (hub)", f"{statistics.median(ms):.1f}"),
        ("round close lag, max ms (hub)", f"{max(ms):.1f}"),
        ("result heard by a student, median ms", f"{statistics.median(heard):.1f}"),
        ("result heard by a student, max ms", f"{max(heard):.1f}"),
        ("hub process CPU, s (over the rounds)", f"{r.hub_cpu:.2f}"),
        ("hub process CPU, % of the rounds' time", f"{100 * r.hub_cpu / max(r.hub_wall, 1e-9):.1f}"),
        ("hub process peak memory, MB", f"{r.hub_peak_mb:.0f}"),
    ]:
        print(f"{name:44} {value:>12}")
    for note in r.notes:
        print("note:", note)
    sys.exit(0 if r.lost == 0 and r.unexpected == 0 and max(ms) < 200 else 1)


if __name__ == "__main__":
    main()
