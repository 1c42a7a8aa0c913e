"""`marl-tui serve --ssh`: one marl-tui process per SSH session, on its own pseudo-terminal.

Textual's driver is bound to its process's stdio and SIGWINCH handler, so each session gets a child
whose controlling terminal is the slave side of a fresh PTY; the channel is bridged to the master
side and window-size changes are forwarded to it. Following charmbracelet/wish: sessions without a
terminal, remote commands, subsystems and all forwarding are refused; connections are rate-limited
per address and sessions capped; idle sessions are closed; every connection is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import pty
import re
import struct
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from marl_tui.serving import child as child_launcher
from marl_tui.serving.limits import RateLimiter, SessionSlots, stop_child
from marl_tui.serving.log import duration, log
from marl_tui.serving.options import ServeOptions
from marl_tui.serving.passwords import verify_password

MAX_PASSWORD_TRIES = 3
# Connections not yet logged in, from one address (a class behind one NAT logs in at once) and in all.
MAX_PENDING_PER_ADDRESS, MAX_PENDING = 64, 256
GREETING_TIMEOUT = 10  # a client must say which SSH it speaks within this long; silent sockets go
LOGIN_TIMEOUT = 120  # reading the host key prompt and typing the password, as OpenSSH allows
UNUSED_TIMEOUT = 60  # a logged-in connection with no session is closed after this long
SESSIONS_PER_KEY = 2  # a student's key may hold two seats (a second terminal), not the class
CLIENT_ENV = re.compile(r"^(LANG|LC_[A-Z]+|COLORTERM|NO_COLOR)$")
SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.@:+-]{0,64}$")
TERM_NAME = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")


def ensure_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's host key: generated once (Ed25519, mode 0600), then reused so clients never see it change.

    Raises ValueError when `path` is something other than a key file (a folder, a link, another format).
    """
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ValueError(f"{path} is not a regular file")
    if path.exists():
        key = asyncssh.read_private_key(str(path))  # KeyImportError is a ValueError
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            path.chmod(0o600)
            log.warning("host key %s was mode %o; now 600", path, mode)
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519")
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when a stale temporary file had another mode
    with os.fdopen(descriptor, "wb") as file:
        file.write(key.export_private_key())
    os.replace(temporary, path)
    log.info("generated host key %s", path)
    return key


class Classroom:
    """State shared by all connections of one server: options, seats, the rate limiter, the counts."""

    def __init__(self, options: ServeOptions, slots: SessionSlots) -> None:
        self.options = options
        self.slots = slots
        self.rate = RateLimiter(options.connections_per_minute)
        self.pending: dict[str, int] = {}  # address -> connections not yet logged in
        self.sessions_by_key: dict[str, int] = {}
        self.connections: set[_Connection] = set()
        self.quiet_until: dict[str, float] = {}  # address -> when to log its dropped connections again

    def pending_total(self) -> int:
        return sum(self.pending.values())


class _Connection(asyncssh.SSHServer):
    """Authentication and channel policy for one client connection, and its log lines.

    Before login a connection is cheap to make and costly to hold, so they are bounded per address
    and in all; a logged-in connection runs at most one session (one seat per student) and is
    closed if it opens none.
    """

    def __init__(self, classroom: Classroom) -> None:
        self.classroom = classroom
        self.options = classroom.options
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address = "?"
        self.peer = "?"
        self.username = "-"
        self.key_fingerprint: str | None = None
        self.started = time.monotonic()
        self.password_failures = 0
        self.announced = False  # "connect" was logged, so "disconnect" will be
        self.pending = False
        self.sessions = 0
        self.unused_timer: asyncio.TimerHandle | None = None
        self.greeting_timer: asyncio.TimerHandle | None = None
        self.closed = False
        self.refusal: str | None = None  # sent at the start of authentication, once the link is encrypted

    # ----- connection ---------------------------------------------------------------------------
    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        host, port = (conn.get_extra_info("peername") or ("?", 0))[:2]
        self.address, self.peer = host, f"{host}:{port}"
        classroom = self.classroom
        if classroom.pending.get(host, 0) >= MAX_PENDING_PER_ADDRESS or classroom.pending_total() >= MAX_PENDING:
            if time.monotonic() >= classroom.quiet_until.get(host, 0):  # one line a minute, not a flood
                classroom.quiet_until[host] = time.monotonic() + 60
                log.info("dropping connections from %s: too many waiting to log in", host)
            conn.abort()
            return
        classroom.pending[host] = classroom.pending.get(host, 0) + 1
        classroom.connections.add(self)
        self.pending = True
        self.greeting_timer = asyncio.get_running_loop().call_later(GREETING_TIMEOUT, self._drop_if_silent)
        if not self.classroom.rate.allow(host):
            wait = self.classroom.rate.retry_after(host)
            self.refusal = f"marl-tui: too many connections from {host}; try again in {wait} s"
            log.info("refused %s: too many connections from this address", self.peer)
            return
        log.info("connect from %s", self.peer)
        self.announced = True

    @property
    def who(self) -> str:
        """The login name (quoted: it is the client's choice) and address, for log lines."""
        return f"{self.username!r} from {self.peer}"

    def _drop_if_silent(self) -> None:
        if self.conn is not None and self.conn.get_extra_info("client_version") is None:
            log.info("dropped %s: it never spoke SSH", self.peer)
            self.conn.abort()

    def _not_pending(self) -> None:
        if self.pending:
            self.pending = False
            remaining = self.classroom.pending[self.address] - 1
            if remaining:
                self.classroom.pending[self.address] = remaining
            else:
                del self.classroom.pending[self.address]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._not_pending()
        self.classroom.connections.discard(self)
        for timer in (self.unused_timer, self.greeting_timer):
            if timer is not None:
                timer.cancel()
        if self.announced:
            reason = f" ({exc})" if exc else ""
            log.info("disconnect %s after %s%s", self.who, duration(time.monotonic() - self.started), reason)

    # ----- authentication -----------------------------------------------------------------------
    def begin_auth(self, username: str) -> bool:
        self.username = username
        if self.refusal is not None and self.conn is not None:
            self.conn.disconnect(asyncssh.DISC_TOO_MANY_CONNECTIONS, self.refusal)
            return True
        return not self.options.open_access

    def password_auth_supported(self) -> bool:
        return self.options.password_hash is not None

    async def validate_password(self, username: str, password: str) -> bool:
        stored = self.options.password_hash or ""
        loop = asyncio.get_running_loop()
        if await loop.run_in_executor(None, verify_password, password, stored):
            return True
        self.password_failures += 1
        log.info("wrong password for %s", self.who)
        if self.password_failures >= MAX_PASSWORD_TRIES and self.conn is not None:
            self.conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE,
                                 "marl-tui: too many wrong passwords")
        return False

    def public_key_auth_supported(self) -> bool:
        return self.options.authorized_keys is not None

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """Whether `key` is in the authorized keys file, read afresh so students can be added live."""
        try:
            keys = asyncssh.read_authorized_keys(str(self.options.authorized_keys))
        except (OSError, ValueError) as error:
            log.warning("cannot read %s: %s", self.options.authorized_keys, error)
            return False
        if keys.validate(key, self.address, self.address) is None:
            return False
        self.key_fingerprint = key.get_fingerprint()
        return True

    def auth_completed(self) -> None:
        self._not_pending()
        how = f"key {self.key_fingerprint}" if self.key_fingerprint else (
            "no authentication" if self.options.open_access else "the class password")
        log.info("login %s with %s", self.who, how)
        self._expect_a_session()

    # ----- sessions -----------------------------------------------------------------------------
    def folder(self) -> tuple[str, bool]:
        """The name of the folder a session's files live in, and whether it outlives the session.

        A key proves who logs in, so its student keeps one folder (the login name and the key's
        digest); a shared password or open access proves no name, so each session gets its own.
        """
        user = re.sub(r"[^A-Za-z0-9._-]", "_", self.username)[:20]
        if self.key_fingerprint:
            digest = self.key_fingerprint.split(":", 1)[-1][:12].replace("/", "_").replace("+", "-")
            return f"{user}-{digest}", True  # base64url, as a file name
        return f"{user}-{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(3).hex()}", False

    def claim_session(self) -> str | None:
        """Claim a session for this connection; the reason to refuse, if any."""
        if self.sessions:
            return "one session per connection; open another connection for another app."
        key = self.key_fingerprint
        if key and self.classroom.sessions_by_key.get(key, 0) >= SESSIONS_PER_KEY:
            return f"your key already has {SESSIONS_PER_KEY} sessions open; close one first."
        self.sessions += 1
        if key:
            self.classroom.sessions_by_key[key] = self.classroom.sessions_by_key.get(key, 0) + 1
        if self.unused_timer is not None:
            self.unused_timer.cancel()
        return None

    def release_session(self) -> None:
        self.sessions -= 1
        key = self.key_fingerprint
        if key:
            self.classroom.sessions_by_key[key] -= 1
            if not self.classroom.sessions_by_key[key]:
                del self.classroom.sessions_by_key[key]
        self._expect_a_session()

    def _expect_a_session(self) -> None:
        """Close this connection unless it opens a session within UNUSED_TIMEOUT seconds."""
        if self.closed:
            return

        def close_if_unused() -> None:
            if self.sessions == 0 and self.conn is not None:
                log.info("closing %s: no session", self.who)
                self.conn.disconnect(asyncssh.DISC_BY_APPLICATION, "marl-tui: no session opened")

        self.unused_timer = asyncio.get_running_loop().call_later(UNUSED_TIMEOUT, close_if_unused)

    # ----- refused channels and requests: logged; asyncssh refuses them -------------------------
    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        log.info("refused port forwarding to %r:%s for %s", dest_host, dest_port, self.who)
        return False

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        log.info("refused remote port forwarding of %r:%s for %s", listen_host, listen_port, self.who)
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        log.info("refused socket forwarding for %s", self.who)
        return False

    def unix_server_requested(self, listen_path: str) -> bool:
        log.info("refused remote socket forwarding for %s", self.who)
        return False


def _set_size(fd: int, columns: int, rows: int) -> None:
    """Set the terminal's size (already within bounds: see `child.terminal_size`)."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _become_terminal_owner() -> None:
    """In the child, after setsid(): make the PTY on stdin its controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _refuse(process: asyncssh.SSHServerProcess, message: str) -> None:
    process.stderr.write(f"marl-tui: {message}\r\n".encode())
    process.exit(1)


def client_settings(process: asyncssh.SSHServerProcess) -> dict[str, str]:
    """What the client's terminal says about itself: TERM, and locale and colour depth when sent."""
    settings = {}
    for key, value in (process.env or {}).items():
        key = key.decode(errors="replace") if isinstance(key, bytes) else key
        value = value.decode(errors="replace") if isinstance(value, bytes) else value
        if CLIENT_ENV.match(key) and SAFE_VALUE.match(value):
            settings[key] = value
    term = process.term_type or ""
    settings["TERM"] = term if TERM_NAME.match(term) else "xterm"
    return settings


async def run_session(process: asyncssh.SSHServerProcess, classroom: Classroom) -> None:
    """Serve one session: refuse what is not an interactive terminal, else run the app until either side ends."""
    if process.subsystem is not None:
        _refuse(process, f"the {process.subsystem!r} subsystem is not offered; connect without -s.")
        return
    if process.command is not None:
        _refuse(process, "only the interactive app is served; remote commands are refused.")
        return
    if process.term_type is None:
        _refuse(process, "the app needs a terminal; connect with `ssh -t`.")
        return
    connection: _Connection = process.get_extra_info("connection").get_owner()
    refusal = connection.claim_session()
    if refusal is not None:
        log.info("refused a session for %s: %s", connection.who, refusal)
        _refuse(process, refusal)
        return
    try:
        seat = classroom.slots.take()
        if seat is None:
            log.info("refused a session for %s: class full (%d)", connection.who, classroom.slots.limit)
            _refuse(process, f"the class is full ({classroom.slots.limit} sessions); try again later.")
            return
        try:
            await _run_app(process, classroom, connection, seat)
        finally:
            classroom.slots.release(seat)
    finally:
        connection.release_session()


async def _run_app(process: asyncssh.SSHServerProcess, classroom: Classroom, connection: _Connection,
                   seat: int) -> None:
    """Start the app on a fresh PTY in `seat`, bridge it to the channel, and stop it afterwards."""
    options, who, started = classroom.options, connection.who, time.monotonic()
    master, slave = pty.openpty()
    child, cwd, keep_folder = None, None, True
    channel = options.class_server.channel(connection.key_fingerprint) if options.class_server else None
    reason = "client closed"
    try:
        columns, rows = child_launcher.terminal_size(*process.term_size[:2])
        _set_size(slave, columns, rows)
        arguments = list(options.app_arguments)
        if options.files_root is not None:
            name, keep_folder = connection.folder()
            cwd = child_launcher.student_folder(options.files_root, name)
            arguments = ["--sandbox", str(cwd), *arguments]
        settings = client_settings(process)
        try:
            child = await asyncio.create_subprocess_exec(
                *child_launcher.command(options.limits, arguments, options.app_module),
                stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                start_new_session=True, preexec_fn=_become_terminal_owner,
                env=child_launcher.environment(**settings, **(channel.env if channel else {})),
                pass_fds=channel.pass_fds if channel else (),
            )
        except (OSError, subprocess.SubprocessError) as error:
            reason = f"could not start the app: {error}"
            log.error("could not start the app for %s: %s", who, error)
            _refuse(process, "the app could not be started; tell your teacher.")
            return
        finally:
            os.close(slave)
        if channel is not None:
            channel.started()
        classroom.slots.attach(seat, child)
        log.info("session %d/%d for %s (pid %d, %s %dx%d)", classroom.slots.active, classroom.slots.limit,
                 who, child.pid, settings["TERM"], columns, rows)
        reason = await _bridge(process, master, options.idle_timeout)
        if reason == "app quit":
            await child.wait()
            problem = ("the server is stopping" if classroom.slots.stopping
                       else options.limits.describe_exit(child.returncode))
            if problem:
                reason = problem
                _write(process, f"\r\nmarl-tui: {problem}.\r\n".encode())
            code = child.returncode
            process.exit(code if code >= 0 else 128 - code)  # as a shell reports a signal
        elif reason == "idle":
            _write(process, b"\r\nmarl-tui: closing an idle session.\r\n")
            process.exit(0)
    finally:
        if child is not None:
            await stop_child(child)
        if channel is not None:
            await channel.close()
        os.close(master)
        if cwd is not None and not keep_folder:
            with contextlib.suppress(OSError):
                cwd.rmdir()  # only if the student saved nothing
        log.info("session end for %s after %s: %s", who, duration(time.monotonic() - started), reason)


def _write(process: asyncssh.SSHServerProcess, data: bytes) -> None:
    try:
        process.stdout.write(data)
    except (BrokenPipeError, asyncssh.Error, OSError):
        pass


async def _bridge(process: asyncssh.SSHServerProcess, master: int, idle_timeout: float) -> str:
    """Copy bytes both ways between the channel and the PTY; say which side ended it."""
    loop = asyncio.get_running_loop()

    os.set_blocking(master, False)  # a student pasting into a frozen app must not block the server

    async def ready(add, remove) -> None:
        future = loop.create_future()
        add(master, lambda: future.done() or future.set_result(None))
        try:
            await future
        finally:
            remove(master)

    async def to_app(data: bytes) -> None:
        while data:
            try:
                data = data[os.write(master, data):]
            except BlockingIOError:
                await ready(loop.add_writer, loop.remove_writer)

    async def to_client() -> None:
        while True:
            await ready(loop.add_reader, loop.remove_reader)
            try:
                data = os.read(master, 65536)
            except BlockingIOError:
                continue
            except OSError:  # EIO: every process holding the terminal has gone
                return
            if not data:
                return
            process.stdout.write(data)
            await process.stdout.drain()  # a slow client slows the app, not the server's memory

    async def from_client() -> str:
        while True:
            try:
                data = await asyncio.wait_for(process.stdin.read(4096), idle_timeout)
            except asyncssh.TerminalSizeChanged as change:
                _set_size(master, *child_launcher.terminal_size(change.width, change.height))
                continue
            except TimeoutError:
                return "idle"
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            if not data:
                return "client closed"
            await to_app(data)

    output = asyncio.ensure_future(to_client())
    client = asyncio.ensure_future(from_client())
    closed = asyncio.ensure_future(process.wait_closed())  # even while both sides are stuck
    try:
        done, _ = await asyncio.wait([output, client, closed], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (output, client, closed):
            task.cancel()
        await asyncio.gather(output, client, closed, return_exceptions=True)
    if client in done and not client.cancelled() and client.exception() is None:
        return client.result()
    if output in done and output.exception() is None:
        return "app quit"
    return "client closed"


@dataclass
class SSHListener:
    """A running SSH listener: the port it is bound to, and how to close it with its connections."""

    acceptor: asyncssh.SSHAcceptor
    classroom: Classroom

    @property
    def port(self) -> int:
        return self.acceptor.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and disconnect every client (their sessions' apps are stopped first by the server)."""
        self.acceptor.close()
        for connection in list(self.classroom.connections):
            if connection.conn is not None:
                connection.conn.disconnect(asyncssh.DISC_BY_APPLICATION, "marl-tui: the server is stopping")
        await self.acceptor.wait_closed()


async def start_ssh(options: ServeOptions, slots: SessionSlots) -> SSHListener:
    """Listen for SSH connections at `options.ssh`; each interactive session runs the app in its own process."""
    assert options.ssh is not None
    classroom = Classroom(options, slots)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    acceptor = await asyncssh.listen(
        options.ssh.host,
        options.ssh.port,
        server_factory=lambda: _Connection(classroom),
        server_host_keys=[ensure_host_key(options.host_key)],
        process_factory=lambda process: run_session(process, classroom),
        encoding=None,
        line_editor=False,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_scp=False,
        login_timeout=LOGIN_TIMEOUT,
        keepalive_interval=30,
    )
    return SSHListener(acceptor, classroom)
