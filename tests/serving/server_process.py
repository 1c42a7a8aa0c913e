"""The real `marl-tui serve` command in a child process, with its log read as it runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.serving.processes import children_of


class ServerProcess:
    """`marl-tui serve ARGS` with HOME and the XDG folders inside `home`, so nothing touches the real ones."""

    def __init__(self, home: Path, *arguments: str, timeout: float = 60) -> None:
        self.home = home
        self.env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
                    "XDG_DATA_HOME": str(home / ".local" / "share")}
        if os.geteuid() == 0:  # as tests run on some machines: the apps they serve are test apps
            arguments = (*arguments, "--allow-root")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "marl_tui", "serve", *arguments],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, env=self.env,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            kind, port = self.wait_for(r"(ssh|web) listening on .*:(\d+)$", timeout).groups()
        except BaseException:  # never leave a server holding its port behind a failed start
            self.process.kill()
            self.process.wait()
            raise
        self.ports = {kind: int(port)}

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def port(self) -> int:
        return self.ports["ssh"]

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match:
        """The first log line matching `pattern`, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no log line matched {pattern!r}; the log was:\n" + "\n".join(self.lines))

    def count(self, pattern: str) -> int:
        return sum(1 for line in list(self.lines) if re.search(pattern, line))

    def children(self) -> list[int]:
        return children_of(self.process.pid)

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, as `kill` or a service manager sends; the exit status, once its last log line is read."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        finally:
            self._reader.join(timeout)
