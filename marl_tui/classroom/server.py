"""The hub's asyncio side, in the `marl-tui serve --class` process: student channels, the teacher's
socket, the clock, and the views sent after every change.

Each student's app gets one end of a fresh socket pair at start (``MARL_TUI_CLASS_FD`` names its
descriptor); the server keeps the other end and knows, from the SSH login, the key the student
used, so a key cannot be claimed by another process. A client that sends garbage, an over-long
line or a flood is disconnected alone. The teacher's dashboard connects to a Unix socket in a
mode-700 folder, mode 600, and the server also checks that the peer runs as the same user.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marl_tui.classroom.client import FD_VARIABLE
from marl_tui.classroom.hub import ClassError, Hub, Student
from marl_tui.classroom.protocol import (
    SERVER_LINE,
    STUDENT_LINE,
    STUDENT_TYPES,
    TEACHER_LINE,
    ProtocolError,
    TokenBucket,
    encode,
    read_message,
)
from marl_tui.classroom.records import rows_csv, write_summary
from marl_tui.classroom.state_messages import dashboard_view, game_view, student_view
from marl_tui.serving.log import log


def teacher_socket_path() -> Path:
    """Where the teacher's socket lives: a mode-700 folder of this user's runtime or config dir."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "marl-tui" / "class.sock"
    from marl_tui.serving.options import config_dir

    return config_dir() / "run" / "class.sock"


@dataclass
class ChildChannel:
    """The socket pair for one student's process: ``env`` and ``pass_fds`` go to the child."""

    server: ClassServer
    key: str | None
    parent: socket.socket
    child: socket.socket | None
    task: asyncio.Task | None = None

    @property
    def env(self) -> dict[str, str]:
        return {FD_VARIABLE: str(self.child.fileno())} if self.child else {}

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return (self.child.fileno(),) if self.child else ()

    def started(self) -> None:
        """The child has its end: close ours of it and start serving the parent end."""
        if self.child is not None:
            self.child.close()
            self.child = None
        self.task = self.server.serve_socket(self.parent, self.key)

    async def close(self) -> None:
        if self.child is not None:
            self.child.close()
            self.child = None
        if self.task is None:
            self.parent.close()
        else:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


@dataclass
class _Client:
    writer: asyncio.StreamWriter
    student: Student | None = None
    last: bytes = b""
    closing: bool = False
    bucket: TokenBucket = field(default_factory=TokenBucket)


class ClassServer:
    """Runs ``hub`` on the current event loop for connected students and teachers."""

    def __init__(self, hub: Hub, teacher_socket: Path | None = None,
                 summary: Path | None = None) -> None:
        self.hub = hub
        self.hub.on_change = self._changed
        self.teacher_socket = teacher_socket
        self.summary = summary
        self.students: dict[asyncio.StreamWriter, _Client] = {}
        self.teachers: dict[asyncio.StreamWriter, bool] = {}  # writer -> projector view
        self._tasks: set[asyncio.Task] = set()
        self._teacher_tasks: set[asyncio.Task] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._flush_pending = False
        self._everyone = False
        self._summarised = False
        self._dirty: set[str] = set()
        self._teacher_server: asyncio.AbstractServer | None = None

    # ----- life --------------------------------------------------------------------------------
    async def start(self) -> None:
        """Open the teacher's socket (if asked) and start the clock."""
        if self.teacher_socket is not None:
            self._teacher_server = await _listen_private(self.teacher_socket, self._serve_teacher)
            default = self.teacher_socket == teacher_socket_path()
            log.info("class: teacher socket %s (only this account can open it); the dashboard: "
                     "marl-tui class%s", self.teacher_socket,
                     "" if default else f" --socket {self.teacher_socket}")
        self._reschedule()

    def end_class(self) -> None:
        """End the class (closing the open round) and write the summary, once: the server calls
        it before it stops the students' apps, so the summary shows who was there at the end."""
        if self.hub.phase != "ended":
            self.hub.end(self.now())
        self._flush()

    async def close(self) -> None:
        """End the class if still running, then close every connection."""
        self.end_class()
        if self.hub.recorder is not None:
            self.hub.recorder.close()
        if self._teacher_server is not None:
            self._teacher_server.close()
            with contextlib.suppress(OSError):
                self.teacher_socket.unlink()
        for writer in list(self.teachers):  # their handlers end on their own (no cancel: 3.11
            writer.close()                  # logs a cancelled handler as an error)
        if self._teacher_tasks:
            await asyncio.wait(list(self._teacher_tasks), timeout=2)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._timer is not None:
            self._timer.cancel()

    def _write_summary(self) -> None:
        if self.summary is None:
            return
        try:
            write_summary(self.summary, self.hub.summary())
        except OSError as error:
            log.error("class: cannot write the summary %s: %s", self.summary,
                      error.strerror or error)
        else:
            log.info("class: summary written to %s", self.summary)

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    def channel(self, key: str | None = None) -> ChildChannel:
        """A socket pair for a student's process about to start."""
        parent, child = socket.socketpair()
        child.set_inheritable(True)
        return ChildChannel(self, key, parent, child)

    def serve_socket(self, sock: socket.socket, key: str | None = None) -> asyncio.Task:
        """Serve a student on ``sock`` (the parent end of a pair) until either side closes."""
        task = asyncio.get_running_loop().create_task(self._serve_student(sock, key))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ----- students ----------------------------------------------------------------------------
    async def _serve_student(self, sock: socket.socket, key: str | None) -> None:
        reader, writer = await asyncio.open_connection(sock=sock, limit=STUDENT_LINE)
        client = _Client(writer)
        self.students[writer] = client
        why = "left"
        try:
            known = next((s for s in self.hub.students.values()
                          if key is not None and s.key == key and s.status != "kicked"), None)
            if known is not None:
                await self._send(client, {"type": "known", "name": known.name})
            while not client.closing:
                message = await read_message(reader, STUDENT_LINE, STUDENT_TYPES)
                if message is None:
                    break
                if not client.bucket.take():
                    raise ProtocolError("too many messages")
                self._student_message(client, key, message)
        except ProtocolError as error:
            why = f"disconnected: {error}"
            await self._send(client, {"type": "bye", "reason": "the class could not read your app"})
        except (ConnectionError, OSError):
            why = "connection lost"
        finally:
            self.students.pop(writer, None)
            if client.student is not None and client.student.status == "online":
                self.hub.leave(client.student.id, self.now())
            if client.student is not None:
                log.info("class: %s %s", client.student.id, why)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def _student_message(self, client: _Client, key: str | None, message: dict[str, Any]) -> None:
        kind = message["type"]
        try:
            if kind == "hello":
                if client.student is not None:
                    raise ClassError("you have already joined")
                name = message.get("name")
                if not isinstance(name, str):
                    raise ClassError("type a nickname")
                client.student = self.hub.join(name, self.now(), key=key)
                log.info("class: %s joined", client.student.id)
                self._queue(client, {"type": "welcome", "player": client.student.id,
                                     "name": client.student.name,
                                     "game": game_view(self.hub.stage)})
            elif kind == "choose":
                if client.student is None:
                    raise ClassError("say hello first")
                current = self.hub.round.number if self.hub.round else 0
                if message.get("round") != current or self.hub.phase != "round":
                    raise ClassError("that round is over")  # a late choice never counts twice
                self.hub.submit(client.student.id, message.get("action"), self.now())
        except ClassError as error:
            self._queue(client, {"type": "error", "message": str(error)})

    # ----- teacher -----------------------------------------------------------------------------
    async def _serve_teacher(self, reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is None or _peer_uid(sock) != os.getuid():
            writer.close()
            return
        task = asyncio.current_task()
        if task is not None:
            self._teacher_tasks.add(task)
        self.teachers[writer] = False
        log.info("class: teacher connected")
        try:
            self._send_dashboard(writer)
            while True:
                message = await read_message(reader, TEACHER_LINE, ("command",))
                if message is None:
                    break
                reply = self._command(writer, message)
                writer.write(encode(reply))
                self._changed()
        except (ProtocolError, ConnectionError, OSError) as error:
            log.info("class: teacher disconnected (%s)", error)
        finally:
            self.teachers.pop(writer, None)
            if task is not None:
                self._teacher_tasks.discard(task)
            writer.close()

    def _command(self, writer: asyncio.StreamWriter, message: dict[str, Any]) -> dict[str, Any]:
        hub, now = self.hub, self.now()
        name = message.get("command")
        try:
            if name == "start":
                hub.start(now)
            elif name == "pause":
                hub.resume(now) if hub.paused else hub.pause(now)
            elif name == "resume":
                hub.resume(now)
            elif name == "next":
                hub.next(now)
            elif name == "end":
                hub.end(now)
            elif name == "deadline":
                seconds = message.get("seconds")
                if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                    raise ClassError("deadline: seconds must be a number")
                hub.set_deadline(float(seconds), now)
            elif name == "kick":
                sid = str(message.get("player", ""))
                hub.kick(sid, now)
                self._drop_student(sid, "you were removed from the class by the teacher")
            elif name == "agents":
                hub.set_agents(bool(message.get("on", not hub.settings.agents)))
            elif name == "distribution":
                hub.set_flag("show_distribution", bool(message.get(
                    "on", not hub.settings.show_distribution)))
            elif name == "reveal":
                hub.set_flag("reveal_agents", bool(message.get("on", not hub.settings.reveal_agents)))
            elif name == "projector":
                self.teachers[writer] = bool(message.get("on", not self.teachers.get(writer)))
            elif name == "export":
                return {"type": "export", "csv": rows_csv(hub.rows)}
            else:
                raise ClassError(f"unknown command {str(name)[:40]!r}")
        except ClassError as error:
            return {"type": "result", "ok": False, "message": str(error)}
        return {"type": "result", "ok": True, "message": f"{name}: done"}

    def _drop_student(self, sid: str, reason: str) -> None:
        for client in list(self.students.values()):
            if client.student is not None and client.student.id == sid:
                self._queue(client, student_view(self.hub, sid, self.now()))  # says "removed"
                self._queue(client, {"type": "bye", "reason": reason})
                client.closing = True
                client.writer.close()

    # ----- views -------------------------------------------------------------------------------
    def _changed(self, only: str | None = None) -> None:
        """Views to send: the one student's whose choice alone changed it, or everyone's."""
        if only is None:
            self._everyone = True
        else:
            self._dirty.add(only)
        if not self._flush_pending:
            self._flush_pending = True
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_pending = False
        everyone, dirty = self._everyone, self._dirty
        self._everyone, self._dirty = False, set()
        now = self.now()
        for client in list(self.students.values()):
            if client.student is None or client.closing:
                continue
            if not everyone and client.student.id not in dirty:
                continue
            view = student_view(self.hub, client.student.id, now)
            self._queue(client, view)
            if self.hub.phase == "ended" or client.student.status == "kicked":
                self._queue(client, {"type": "bye", "reason": "the class has ended"
                                     if self.hub.phase == "ended" else "removed"})
        for writer in list(self.teachers):
            self._send_dashboard(writer)
        if self.hub.phase == "ended" and not self._summarised:
            self._summarised = True  # the end of the class
            self._write_summary()
        self._reschedule()

    def _send_dashboard(self, writer: asyncio.StreamWriter) -> None:
        view = dashboard_view(self.hub, self.now(), projector=self.teachers.get(writer, False))
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            writer.write(encode(view))

    def _queue(self, client: _Client, message: dict[str, Any]) -> None:
        data = encode(message)
        if message.get("type") == "state":
            # the countdown runs on the client: a state that differs only in the seconds left
            # is not news, and 60 students' choices must not redraw every screen 60 times
            same = encode({k: v for k, v in message.items() if k != "remaining"})
            if same == client.last:
                return
            client.last = same
        transport = client.writer.transport
        if transport.is_closing():
            return
        if transport.get_write_buffer_size() > SERVER_LINE:  # a client that stopped reading
            client.closing = True
            transport.abort()
            return
        client.writer.write(data)

    async def _send(self, client: _Client, message: dict[str, Any]) -> None:
        self._queue(client, message)
        with contextlib.suppress(ConnectionError, OSError):
            await client.writer.drain()

    def _reschedule(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        when = self.hub.wakeup()
        if when is not None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_at(when, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self.hub.tick(self.now())
        self._changed()


async def _listen_private(path: Path, handler) -> asyncio.AbstractServer:
    """A Unix socket only this account can open: its folder mode 700, the socket mode 600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    if path.is_socket():
        probe = socket.socket(socket.AF_UNIX)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()  # left by a server that is gone
        else:
            raise OSError(errno.EADDRINUSE, f"a class is already served from this account "
                          f"({path}); give this one another --teacher-socket")
        finally:
            probe.close()
    elif path.exists():
        raise OSError(errno.EEXIST, f"{path} exists and is not a socket")
    old = os.umask(0o177)
    try:
        server = await asyncio.start_unix_server(handler, path=str(path), limit=TEACHER_LINE)
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    return server


def _peer_uid(sock: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket (Linux SO_PEERCRED)."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]
