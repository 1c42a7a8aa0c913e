"""A bounded load test: 20 students at once against the real `marl-tui serve`, each driving the real app.

Reports (with -s) how many sessions were served and the server's resident memory at start, at the
peak and after everyone left.
"""

from __future__ import annotations

import asyncio
import time

import asyncssh
import pyte
import pytest

from tests.serving.processes import eventually
from tests.serving.server_process import ServerProcess

STUDENTS = 20
pytestmark = pytest.mark.slow


async def student(port: int, number: int) -> float:
    """Log in, wait for the app, open and close help, quit; the seconds it took."""
    started = time.monotonic()
    screen = pyte.Screen(100, 30)
    stream = pyte.ByteStream(screen)
    async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username=f"student{number}",
                                client_keys=None, encoding=None) as conn:
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30))

        async def until(text: str) -> None:
            while not any(text in line for line in screen.display):
                chunk = await process.stdout.read(65536)
                assert chunk, f"student {number}: the session ended before {text!r}"
                stream.feed(chunk)

        await asyncio.wait_for(until("Nash equilibria (1)"), 180)
        process.stdin.write(b"?")
        await asyncio.wait_for(until("Close help"), 60)
        process.stdin.write(b"\x1b")
        await asyncio.sleep(0.3)  # a lone escape is told from an escape sequence by a pause
        process.stdin.write(b"\x11")  # ctrl+q: quit
        await asyncio.wait_for(process.wait_closed(), 60)
        assert process.exit_status == 0, f"student {number}: exit status {process.exit_status}"
    return time.monotonic() - started


async def test_twenty_students_at_once_are_all_served_and_leave_nothing_behind(tmp_path):
    server = ServerProcess(tmp_path, "--ssh", "127.0.0.1:0", "--open", "--max-sessions", str(STUDENTS),
                           "--rate", "1000", "prisoners-dilemma")
    tasks: list[asyncio.Future] = []
    try:
        await student(server.port, STUDENTS)  # one first: what a server keeps once is not a leak
        await eventually(lambda: not server.children(), "the first student's app ending")
        start = peak = server.rss_mb()

        async def watch_memory() -> None:
            nonlocal peak
            while True:
                peak = max(peak, server.rss_mb())
                await asyncio.sleep(0.2)

        tasks = [asyncio.ensure_future(student(server.port, k)) for k in range(STUDENTS)]
        tasks.append(asyncio.ensure_future(watch_memory()))
        durations = await asyncio.gather(*tasks[:-1])
        await eventually(lambda: server.count("disconnect 'student") == STUDENTS + 1 and not server.children(),
                         "every student's disconnection")
        end = server.rss_mb()
        print(f"\n{STUDENTS} sessions served at once; slowest {max(durations):.1f} s; server RSS "
              f"{start:.1f} MB before, {peak:.1f} MB at the peak, {end:.1f} MB after")
        assert server.count(r"session end for 'student\d+' from .* after .*: app quit") == STUDENTS + 1
        assert end - start < 5.0, (start, peak, end)  # 20 sessions' worth of leaks would show
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        server.stop()
