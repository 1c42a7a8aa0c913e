"""UI latency in the Watch screen: key press to repaint, idle versus while QMIX trains.

Headless (``App.run_test``, 80x24). The keys are ``+``/``-`` between the two fastest speeds (so training
runs flat out), which change the speed shown in the counters panel; a press counts as answered when the *rendered screen* (the compositor's lines,
what a terminal would receive) shows the new speed. The same measurement on the idle screen is
the reference, so the table reports both and their ratio. The aim is a median under 100 ms while
QMIX trains on the two-step game.

    .venv/bin/python benchmarks/bench_ui_latency.py [--presses 40] [--agent qmix] [--env two-step]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from textual import events
from textual.app import App

from games.catalogue import get_game
from marl_tui.screens.watch import SPEEDS, WatchScreen

SIZE = (80, 24)
TIMEOUT_S = 5.0


class _Host(App):
    def __init__(self, screen: WatchScreen) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)


def send_key(app: App, key: str) -> None:
    """Deliver a key the way the terminal driver does (``pilot.press`` would also wait for the
    process to go idle, which never happens while training runs, adding up to 2 s)."""
    event = events.Key(key, None)
    event.set_sender(app)
    app._driver.send_message(event)


def _screen_text(app: App) -> str:
    """The lines the compositor would send to the terminal now."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _latencies(pilot, screen: WatchScreen, presses: int) -> list[float]:
    """Seconds from each key press until the repainted screen shows its effect."""
    result = []
    for k in range(presses):
        key, speed = ("plus", SPEEDS[-1]) if k % 2 == 0 else ("minus", SPEEDS[-2])
        start = time.perf_counter()
        send_key(pilot.app, key)
        while f"speed   {speed} " not in _screen_text(pilot.app):
            if time.perf_counter() - start > TIMEOUT_S:
                raise TimeoutError(f"the screen did not show speed {speed} within {TIMEOUT_S}s")
            await asyncio.sleep(0.001)
        result.append(time.perf_counter() - start)
        await asyncio.sleep(0.02)  # let training run between presses
    return result


async def measure(presses: int, agent: str, env: str) -> dict[str, list[float]]:
    screen = WatchScreen(get_game("prisoners-dilemma"), env=env, agents=(agent,), seed=0,
                         speed=SPEEDS[-2])
    app = _Host(screen)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        idle = await _latencies(pilot, screen, presses)
        await pilot.press("space")
        while screen.last.episode < 20:  # training is under way
            await asyncio.sleep(0.05)
        episodes = screen.last.episode
        training = await _latencies(pilot, screen, presses)
        if not screen.running or screen.last.episode <= episodes:
            raise RuntimeError("training did not run throughout the measurement")
        send_key(app, "space")
        while any(worker.is_running for worker in app.workers):
            await asyncio.sleep(0.01)
    return {"idle": idle, f"{agent} training": training}


def _row(name: str, values: list[float]) -> tuple[str, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return name, statistics.median(ordered) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--agent", default="qmix")
    parser.add_argument("--env", default="two-step")
    args = parser.parse_args()
    results = asyncio.run(measure(args.presses, args.agent, args.env))
    rows = [_row(name, values) for name, values in results.items()]
    reference = rows[0][1]
    print(f"Watch screen key-to-repaint latency, {args.presses} presses each, {SIZE[0]}x{SIZE[1]}")
    print(f"{'condition':<20} {'median ms':>10} {'p95 ms':>10} {'median / idle':>14}")
    for name, median, p95 in rows:
        print(f"{name:<20} {median:>10.1f} {p95:>10.1f} {median / reference:>14.2f}")
    verdict = "meets" if rows[-1][1] < 100 else "misses"
    print(f"aim: median under 100 ms while training — {verdict} it")


if __name__ == "__main__":
    main()
