"""Looking at processes through /proc (is one still running, which are another's children), and
waiting for such things to change without sleeping a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path


def _state_and_parent(pid: int | str) -> tuple[str, int] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone, possibly while being read
        return None
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie counts as gone: it holds nothing but its entry)."""
    status = _state_and_parent(pid)
    return status is not None and status[0] != "Z"


def children_of(pid: int) -> list[int]:
    """Live (non-zombie) processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (status := _state_and_parent(entry.name)) is not None:
            if status[1] == pid and status[0] != "Z":
                found.append(int(entry.name))
    return found


async def eventually(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    """Wait until `condition()` holds; fail saying `what` did not happen after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        await asyncio.sleep(0.02)


async def until_gone(pid: int, timeout: float = 10) -> None:
    """Wait for `pid` to end."""
    await eventually(lambda: not alive(pid), f"the end of process {pid}", timeout)
