"""What one classroom server lets each student use: a seat, a connection rate, and a slice of the machine."""

from __future__ import annotations

import asyncio
import math
import os
import resource
import signal
import time
from collections import OrderedDict
from dataclasses import dataclass

from marl_tui.crash_report import EXIT_CRASHED


@dataclass(frozen=True)
class SessionLimits:
    """Resource limits applied to each student's app process before it starts, and the
    unprivileged account it runs as when the server runs as root."""

    cpu_seconds: int | None = 3600
    memory_mb: int | None = 2048
    nice: int = 10
    user: str | None = None  # the account the app runs as (the server then runs as root)
    disk_mb: int | None = None  # what the student's folder may hold, and the largest file written

    def apply(self) -> None:
        """Limit the calling process (run in the child, before exec): CPU time, address space, priority."""
        if self.cpu_seconds is not None:
            # SIGXCPU at the soft limit; the kernel kills at the hard one.
            _lower(resource.RLIMIT_CPU, self.cpu_seconds, self.cpu_seconds + 5)
        if self.memory_mb is not None:
            size = self.memory_mb * 1024 * 1024
            _lower(resource.RLIMIT_AS, size, size)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.disk_mb is not None:
            # A write past the limit fails (EFBIG, reported like any failed save) instead of
            # killing the app: an ignored SIGXFSZ stays ignored across exec.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            _lower(resource.RLIMIT_FSIZE, self.disk_mb * 1024 * 1024, self.disk_mb * 1024 * 1024)
        if self.nice:
            os.nice(self.nice)

    def arguments(self) -> list[str]:
        """The same limits as options of `python -m marl_tui.serving.child`."""
        return [
            "--cpu-seconds", str(self.cpu_seconds or 0),
            "--memory-mb", str(self.memory_mb or 0),
            "--nice", str(self.nice),
            *(["--disk-mb", str(self.disk_mb)] if self.disk_mb else []),
            *(["--user", self.user] if self.user else []),
        ]

    def describe_exit(self, returncode: int) -> str | None:
        """A line for the student when their app ended because of a limit or a crash, else None."""
        if returncode == -signal.SIGXCPU:
            return f"this session used its CPU time limit ({self.cpu_seconds} s)"
        if returncode < 0:
            try:
                name = signal.Signals(-returncode).name
            except ValueError:
                name = str(-returncode)
            return f"the app was stopped by signal {name}"
        if returncode == EXIT_CRASHED:
            return "the app stopped on an internal error (the details are in the server's log)"
        if returncode not in (0, 130):
            return f"the app ended unexpectedly (exit status {returncode})"
        return None


def _lower(which: int, soft: int, hard: int) -> None:
    """Set a resource limit, never above the hard limit the server itself runs under."""
    _, current = resource.getrlimit(which)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


class RateLimiter:
    """A token bucket per client address: `per_minute` new connections a minute, bursts up to `burst`.

    Addresses are kept in least-recently-seen order and the oldest forgotten past `max_addresses`,
    so a scan from many addresses cannot grow the table without bound.
    """

    def __init__(self, per_minute: float, burst: int | None = None, max_addresses: int = 4096,
                 clock=time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, round(per_minute)))
        self.max_addresses = max_addresses
        self.clock = clock
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, address: str) -> bool:
        """Take one token for `address`; False when it has none left."""
        now = self.clock()
        tokens, last = self.buckets.pop(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1
        self.buckets[address] = (tokens - 1 if allowed else tokens, now)
        while len(self.buckets) > self.max_addresses:
            self.buckets.popitem(last=False)
        return allowed

    def retry_after(self, address: str) -> int:
        """Whole seconds until `address` has a token again."""
        tokens, _ = self.buckets.get(address, (self.burst, 0.0))
        return max(1, math.ceil((1 - tokens) / self.rate)) if self.rate > 0 else 60


class SessionSlots:
    """The seats of a class: at most `limit` live sessions, over SSH and the web together.

    Each seat holds its child process, so that stopping the server stops every student's app.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.children: dict[int, asyncio.subprocess.Process | None] = {}
        self.stopping = False
        self._next = 0

    @property
    def active(self) -> int:
        return len(self.children)

    def take(self) -> int | None:
        """A seat number, or None when the class is full or the server is stopping."""
        if self.stopping or self.active >= self.limit:
            return None
        self._next += 1
        self.children[self._next] = None
        return self._next

    def attach(self, seat: int, child: asyncio.subprocess.Process) -> None:
        self.children[seat] = child

    def release(self, seat: int) -> None:
        self.children.pop(seat, None)

    async def stop_all(self, grace: float = 3.0) -> None:
        """Refuse new seats, and hang up every child's process group at once (see `stop_child`)."""
        self.stopping = True
        await asyncio.gather(*(stop_child(child, grace) for child in self.children.values() if child is not None))


def signal_group(pid: int, signum: int) -> None:
    """Send `signum` to the process group led by `pid` (each child leads its own session)."""
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


async def stop_child(child: asyncio.subprocess.Process, grace: float = 3.0) -> None:
    """Hang up a child's process group (SIGHUP, as a closed terminal would), then kill what lingers:
    the child after `grace` seconds, and at once any process of its group that ignored the hang-up."""
    if child.returncode is None:
        signal_group(child.pid, signal.SIGHUP)
        try:
            await asyncio.wait_for(child.wait(), grace)
        except TimeoutError:
            pass
    signal_group(child.pid, signal.SIGKILL)  # the group outlives its leader while a member runs
    await child.wait()
