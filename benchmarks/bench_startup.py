"""Time to first frame of the real `marl-tui` command, against importing Textual as the floor.

Each command runs in a fresh pseudo-terminal (80x24); the clock stops when a text that only the
first frame contains has been written to the terminal (interpreter start included). The app is
started with MARL_TUI_EXIT_AFTER_FIRST_FRAME=1, which makes it exit right after that frame (or
=equilibria: right after the first frame that shows the equilibria), so each run ends by itself. The floor is the whole run of `python -c "import textual.app"`: no
Textual app can draw sooner. Target: the equilibria of a catalogue 2x2 game on screen in under
2x the floor (the LP-based sections may follow a moment later).

    python benchmarks/bench_startup.py [--repeats N]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def run_in_pty(command: list[str], env: dict[str, str], until: bytes | None = None) -> float:
    """Wall seconds until ``until`` is written to an 80x24 pseudo-terminal (else until exit)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                               close_fds=True)
    os.close(slave)
    output, elapsed = b"", None
    while True:  # drain the output so the app never blocks on a full terminal buffer
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if elapsed is None and until is not None and until in output:
            elapsed = time.perf_counter() - start
    process.wait()
    if elapsed is None:
        if until is not None:
            raise RuntimeError(f"{until!r} never appeared in the output of {command}")
        elapsed = time.perf_counter() - start
    os.close(master)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    first_frame = {**os.environ, "TERM": "xterm-256color", "MARL_TUI_EXIT_AFTER_FIRST_FRAME": "1"}
    equilibria = {**first_frame, "MARL_TUI_EXIT_AFTER_FIRST_FRAME": "equilibria"}
    game = [str(BIN / "marl-tui"), "battle-of-the-sexes"]
    cases = {  # name: (command, environment, text the awaited frame contains)
        "floor: python -c 'import textual.app'": (
            [sys.executable, "-c", "import textual.app"], first_frame, None),
        "marl-tui (picker)": ([str(BIN / "marl-tui")], first_frame, b"pick a game"),
        "marl-tui battle-of-the-sexes (grid)": (game, first_frame, b"Football"),
        "battle-of-the-sexes equilibria shown": (game, equilibria, b"Nash equilibria (3)"),
    }
    for command, env, until in cases.values():  # warm the file cache
        run_in_pty(command, env, until)
    # Round-robin: each repeat runs every case once, so a load change on a shared machine
    # weighs on the floor and the app alike instead of skewing their ratio.
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, (command, env, until) in cases.items():
            results[name].append(run_in_pty(command, env, until))
    floor = statistics.median(next(iter(results.values())))
    print(f"{'command':40s} {'median s':>9s} {'min s':>7s} {'x floor':>8s}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:40s} {median:9.3f} {min(times):7.3f} {median / floor:8.2f}")


if __name__ == "__main__":
    main()
