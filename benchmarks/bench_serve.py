"""What serving over SSH costs a student: the app through `marl-tui serve` against the app on a local terminal.

Both run the real `marl-tui prisoners-dilemma` on a 100x30 pseudo-terminal. Measured, as medians:
- first frame: from starting the command (locally) or opening the SSH connection (served: key
  exchange, login, PTY, the launcher with its limits, the app) to the equilibrium on screen;
- key round trip: from sending `?` to the help screen being drawn, then `escape` back.
The served side is an in-process server on loopback with an asyncssh client, as a student's
`ssh` would be on a LAN with no latency of its own. Target: the key round trip within 1.5x local.

    python benchmarks/bench_serve.py [--repeats N]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

import asyncssh
import pyte

from marl_tui.serving.limits import SessionSlots
from marl_tui.serving.options import Address, ServeOptions
from marl_tui.serving.ssh import start_ssh

COLUMNS, ROWS = 100, 30
FIRST_FRAME = "Nash equilibria (1)"
HELP = "Close help"


class Screen:
    """A terminal's screen fed from `read`, with `write` for keys."""

    def __init__(self, read, write) -> None:
        self.read, self.write = read, write
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.ByteStream(self.screen)

    async def until(self, text: str, present: bool = True) -> None:
        while any(text in line for line in self.screen.display) != present:
            self.stream.feed(await asyncio.wait_for(self.read(), 60))

    async def round_trip(self) -> float:
        started = time.perf_counter()
        self.write(b"?")
        await self.until(HELP)
        elapsed = time.perf_counter() - started
        self.write(b"\x1b")
        await self.until(HELP, present=False)
        await asyncio.sleep(0.1)
        return elapsed


async def local(keys: int) -> tuple[float, list[float]]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue()

    def readable() -> None:
        try:
            queue.put_nowait(os.read(master, 65536))
        except OSError:  # EIO once the app has quit
            loop.remove_reader(master)

    loop.add_reader(master, readable)
    started = time.perf_counter()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "marl_tui", "prisoners-dilemma", stdin=slave, stdout=slave, stderr=slave,
        env={**os.environ, "TERM": "xterm-256color"}, start_new_session=True)
    os.close(slave)
    screen = Screen(queue.get, lambda data: os.write(master, data))
    await screen.until(FIRST_FRAME)
    first = time.perf_counter() - started
    trips = [await screen.round_trip() for _ in range(keys)]
    screen.write(b"\x11")
    await child.wait()
    loop.remove_reader(master)
    os.close(master)
    return first, trips


async def served(port: int, keys: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username="student",
                                client_keys=None, encoding=None) as conn:
        process = await conn.create_process(term_type="xterm-256color", term_size=(COLUMNS, ROWS))
        screen = Screen(lambda: process.stdout.read(65536), process.stdin.write)
        await screen.until(FIRST_FRAME)
        first = time.perf_counter() - started
        trips = [await screen.round_trip() for _ in range(keys)]
        screen.write(b"\x11")
        await process.wait_closed()
    return first, trips


async def main(repeats: int, keys: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        options = ServeOptions(ssh=Address("127.0.0.1", 0), host_key=Path(folder) / "key", open_access=True,
                               files_root=Path(folder) / "files", app_arguments=["prisoners-dilemma"])
        slots = SessionSlots(4)
        listener = await start_ssh(options, slots)
        runs = {"local terminal": [], "served over SSH": []}
        try:
            await local(1)  # warm the file cache
            for _ in range(repeats):
                runs["local terminal"].append(await local(keys))
                runs["served over SSH"].append(await served(listener.port, keys))
        finally:
            await slots.stop_all()
            await listener.close()
    print(f"{'':18s} {'first frame s':>14s} {'key round trip ms':>18s}")
    medians = {}
    for name, results in runs.items():
        first = statistics.median(r[0] for r in results)
        trip = statistics.median(t for r in results for t in r[1]) * 1000
        medians[name] = (first, trip)
        print(f"{name:18s} {first:14.3f} {trip:18.1f}")
    (local_first, local_trip), (served_first, served_trip) = medians.values()
    print(f"{'served / local':18s} {served_first / local_first:13.2f}x {served_trip / local_trip:17.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keys", type=int, default=5, help="round trips per run")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.repeats, arguments.keys))
