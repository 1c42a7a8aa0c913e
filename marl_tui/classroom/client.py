"""A client of the class hub: the student's app, the teacher's dashboard and the load test use it.

It speaks :mod:`marl_tui.classroom.protocol` over a stream: a student's inherited socket
(``MARL_TUI_CLASS_FD``) or the teacher's Unix socket.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path
from typing import Any

from marl_tui.classroom.protocol import SERVER_LINE, encode, read_message

FD_VARIABLE = "MARL_TUI_CLASS_FD"


class ClassClient:
    """Send messages to the hub and read its replies, one JSON object a line."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def inherited(cls, fd: int | None = None) -> ClassClient:
        """The student's channel, from the descriptor the server passed to this process."""
        if fd is None:
            text = os.environ.get(FD_VARIABLE, "")
            if not text.isdigit():
                raise ConnectionError("this app was not started by a class server")
            fd = int(text)
        sock = socket.socket(fileno=fd)
        reader, writer = await asyncio.open_connection(sock=sock, limit=SERVER_LINE)
        return cls(reader, writer)

    @classmethod
    async def unix(cls, path: str | Path) -> ClassClient:
        """The teacher's connection to the socket ``marl-tui serve --class`` opened."""
        reader, writer = await asyncio.open_unix_connection(str(path), limit=SERVER_LINE)
        return cls(reader, writer)

    async def send(self, message: dict[str, Any]) -> None:
        self.writer.write(encode(message))
        await self.writer.drain()

    async def receive(self) -> dict[str, Any] | None:
        """The next message; ``None`` when the hub closed the connection."""
        try:
            return await read_message(self.reader, SERVER_LINE)
        except (ConnectionError, OSError):
            return None

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, OSError):
            pass
