"""End to end: the installed `marl-tui` in a real terminal (tmux), driven by keys, read off the screen.

Opens the Prisoner's Dilemma, makes mutual cooperation worth 6 each, and waits until the analysis
on screen lists (Cooperate, Cooperate) as a pure equilibrium. Polls `tmux capture-pane`; no sleeps
of fixed length decide the outcome.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TIMEOUT = 60.0


def marl_tui_command() -> Path:
    """The console script installed next to the running interpreter."""
    return Path(sys.executable).parent / "marl-tui"


class Tmux:
    """One detached tmux session running a command at a fixed terminal size."""

    def __init__(self, command: list[str], width: int = 80, height: int = 24) -> None:
        self.name = f"marl-tui-e2e-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "TERM": "xterm-256color"}
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
             *command],
            check=True, env=env,
        )

    def keys(self, *keys: str) -> None:
        """Send keys one at a time (Textual reads keys as they arrive; a burst can be merged)."""
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)

    def screen(self) -> str:
        result = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                                capture_output=True, text=True)
        return result.stdout

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> str:
        """Poll the screen until ``text`` appears; fail with the last screen if it never does."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_editing_a_payoff_changes_the_equilibrium_on_screen():
    command = marl_tui_command()
    assert command.exists(), f"marl-tui is not installed next to {sys.executable}"
    tmux = Tmux([str(command), "prisoners-dilemma"])
    try:
        tmux.wait_for("Nash equilibria (1)")
        assert "pure (Defect, Defect)" in tmux.screen()
        tmux.keys("6")  # a digit on the grid edits the cursor cell, (Cooperate, Cooperate)
        tmux.wait_for("─ (Cooperate, Cooperate) ─")  # the cell editor's title
        tmux.keys(*",6")
        tmux.wait_for("│  6,6")
        tmux.keys("Enter")
        screen = tmux.wait_for("Nash equilibria (3)")  # also a mixed one: now a stag hunt
        assert "pure (Cooperate, Cooperate)" in screen
        assert "6, 6" in screen
        tmux.keys("C-q")
        tmux.wait_for("Quit anyway?")
        tmux.keys("y")
        deadline = time.monotonic() + TIMEOUT
        while "marl-tui" in tmux.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        tmux.close()
