"""Helpers for driving the app: wait for the analysis worker, read the screen as text."""

from __future__ import annotations

import io
import time

import pytest
from rich.console import Console
from rich.text import Text
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import DirectoryTree, Input
from textual.worker import WorkerState

from marl_tui.app import MarlTuiApp


async def settle(pilot: Pilot) -> None:
    """Let pending messages, the analysis workers (the equilibria, then the LP-based parts) and
    their redraw finish (the redraw may change the layout, which takes one more round)."""
    await pilot.pause()
    while True:
        # A directory tree's loader worker waits for folders to load for as long as it lives.
        workers = [w for w in pilot.app.workers if not isinstance(w.node, DirectoryTree)]
        if workers:  # (an empty list would mean every worker)
            await pilot.app.workers.wait_for_complete(workers)
        await pilot.pause()
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in workers):
            break
    await pilot.pause()


async def until(pilot: Pilot, condition, timeout: float = 60.0) -> None:
    """Pause the pilot until ``condition()`` holds (training never lets the app go idle); on a
    timeout, fail showing the screen."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out; the screen was:\n" + screen_text(pilot.app)
        await pilot.pause(0.05)


def screen_text(app: MarlTuiApp) -> str:
    """What the terminal shows, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def widget_text(app: MarlTuiApp, selector: str) -> str:
    """The plain text a Static of the current screen shows, unwrapped (Rich renderables too)."""
    content = app.screen.query_one(selector).content
    if isinstance(content, str | Content | Text):
        return str(content) if not isinstance(content, Text) else content.plain
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(content)
    return console.export_text()


async def type_text(pilot: Pilot, text: str) -> None:
    """Type ``text`` key by key (as a user would)."""
    names = {" ": "space", ",": "comma", "-": "minus", "/": "slash", ".": "full_stop"}
    await pilot.press(*(names.get(c, c) for c in text))


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch):
    """Inputs do not blink, so screenshots and snapshots are deterministic."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
