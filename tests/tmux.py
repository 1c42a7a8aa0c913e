"""Drive a command in a real terminal: a detached tmux session, keys in, screen text out."""

from __future__ import annotations

import os
import subprocess
import time
import uuid

TIMEOUT = 60.0


class Tmux:
    """One detached tmux session running a command at a fixed terminal size, on a tmux server of its
    own (so that parallel tests, or the developer's own tmux, never share or end it)."""

    def __init__(self, command: list[str], width: int = 80, height: int = 24,
                 env: dict[str, str] | None = None) -> None:
        self.name = f"marl-tui-e2e-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, **(env or {}), "TERM": "xterm-256color"}
        env.pop("TMUX", None)
        self.tmux(["new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), *command],
                  env=env)

    def tmux(self, arguments: list[str], check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.name, *arguments], check=check, **kwargs)

    def keys(self, *keys: str) -> None:
        """Send keys one at a time (Textual reads keys as they arrive; a burst can be merged)."""
        for key in keys:
            self.tmux(["send-keys", "-t", self.name, key])

    def resize(self, width: int, height: int) -> None:
        self.tmux(["resize-window", "-t", self.name, "-x", str(width), "-y", str(height)])

    def screen(self) -> str:
        return self.tmux(["capture-pane", "-p", "-t", self.name], check=False, capture_output=True,
                         text=True).stdout

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
        self.tmux(["kill-server"], check=False, capture_output=True)
