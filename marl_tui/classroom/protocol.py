"""The class protocol: newline-delimited JSON objects between the hub and its clients.

Every message is one JSON object on one line, with a ``"type"``. Students' apps reach the hub only
over a socket pair whose other end the server hands to their process at start (never a path
another user could open); the teacher's dashboard uses a Unix socket that only the teacher's
account can open (mode 600 in a mode-700 folder, and the peer's user id is checked).

Student -> hub (at most ``STUDENT_LINE`` bytes a line, ``RATE`` messages a second on average,
``BURST`` at once; anything else disconnects that client alone)::

    {"type": "hello", "name": "Ada"}        join (or come back) with a nickname
    {"type": "choose", "round": 2, "action": 1}   round 2's choice (an action index); a choice
                                            for a round that is over is refused
    {"type": "ping"}

Hub -> student::

    {"type": "welcome", "player": "s03", "name": "Ada", "game": {...}}   the game from their side
    {"type": "state", "phase": "round", "round": 2, "remaining": 12.5, ...}
    {"type": "error", "message": "..."}     a refused request (the connection stays)
    {"type": "bye", "reason": "..."}        kicked, or the class ended; the hub then closes

Teacher -> hub: ``{"type": "command", "command": NAME, ...}`` with NAME one of ``TEACHER_COMMANDS``;
hub -> teacher: ``{"type": "dashboard", ...}`` after every change, ``{"type": "result", "ok": ...,
"message": ...}`` for each command, ``{"type": "export", "csv": ...}`` for ``export``.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

STUDENT_LINE = 4096
TEACHER_LINE = 64 * 1024
SERVER_LINE = 8 * 1024 * 1024  # what clients accept from the hub (a long dashboard)
RATE, BURST = 10.0, 40.0
STUDENT_TYPES = ("hello", "choose", "ping")
TEACHER_COMMANDS = (
    "start", "pause", "resume", "next", "end", "deadline", "kick", "agents", "distribution",
    "reveal", "export", "projector",
)


class ProtocolError(Exception):
    """A client broke the protocol; it is disconnected (the message says why, for the log)."""


def encode(message: dict[str, Any]) -> bytes:
    """One message as one line (non-ASCII escaped, so a line is plain bytes)."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False).encode("ascii") + b"\n"


def decode(line: bytes, types: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The object on ``line``; ``ProtocolError`` for anything but an object of a known type."""
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(f"not JSON ({error.__class__.__name__})") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("not a JSON object with a type")
    if types is not None and message["type"] not in types:
        raise ProtocolError(f"unknown message type {message['type'][:40]!r}")
    return message


async def read_message(
    reader: asyncio.StreamReader, limit: int, types: tuple[str, ...] | None = None
) -> dict[str, Any] | None:
    """The next message, ``None`` at the end of the stream; a longer line is a ProtocolError."""
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as partial:
        if partial.partial.strip():
            raise ProtocolError("stream ended inside a message") from None
        return None
    except asyncio.LimitOverrunError:
        raise ProtocolError(f"a line longer than {limit} bytes") from None
    if len(line) > limit:
        raise ProtocolError(f"a line longer than {limit} bytes")
    return decode(line, types)


class TokenBucket:
    """At most ``rate`` messages a second on average and ``burst`` at once (a flood is refused)."""

    def __init__(self, rate: float = RATE, burst: float = BURST) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
