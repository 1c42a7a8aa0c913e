"""Drive a command in a real terminal: a detached tmux session, keys in, screen text out."""

from __future__ import annotations

import os
import subprocess
import time
import uuid

TIMEOUT = 60.0


class Tmux:
    """One detached tmux session running a command at a fixed terminal size."""

    def __init__(self, command: list[str], width: int = 80, height: int = 24,
                 env: dict[str, str] | None = None) -> None:
        self.name = f"marl-tui-e2e-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, **(env or {}), "TERM": "xterm-256color"}
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
             *command],
            check=True, env=env,
        )

    def keys(self, *keys: str) -> None:
        """Send keys one at a time (Textual reads keys as they arrive; a burst can be merged)."""
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)

    def resize(self, width: int, height: int) -> None:
        subprocess.run(["tmux", "resize-window", "-t", self.name, "-x", str(width), "-y", str(height)],
                       check=True)

    def screen(self) -> str:
        result = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                                capture_output=True, text=True)
        return result.stdout

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> str:
        """Poll the screen until ``text`` appears; fail with the last screen if it never does."""
        return self.wait_until(lambda screen: text in screen, f"{text!r} never appeared", timeout)

    def wait_until(self, condition, what: str, timeout: float = TIMEOUT) -> str:
        """Poll the screen until ``condition(screen)`` holds; fail with the last screen if it never does."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if condition(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{what}; the screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)
