"""`marl-tui serve --ssh`: one marl-tui process per SSH session, on its own pseudo-terminal.

Textual's driver is bound to its process's stdio and SIGWINCH handler, so each session gets a child
whose controlling terminal is the slave side of a fresh PTY; the channel is bridged to the master
side and window-size changes are forwarded to it. Following charmbracelet/wish: sessions without a
terminal, remote commands, subsystems and all forwarding are refused; connections are rate-limited
per address as they arrive, must start to log in promptly, and sessions are capped; idle sessions
are closed; every connection and every refusal is logged. An app's uncaught error reaches the log
through a pipe (`marl_tui.crash_report`), never the student's terminal.
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
# Refused for their rate, and kept only to be told so once the link is encrypted.
MAX_REFUSING_PER_ADDRESS = 8
GREETING_TIMEOUT = 10  # a client must say which SSH it speaks within this long; silent sockets go
AUTH_START_TIMEOUT = 30  # ...and start to log in within this long (a student reads the host key prompt)
STALLED_AFTER = 5  # when the caps are full, a connection that has not started to log in after this
# long gives its place to a new one, so that stalled clients cannot lock a class out
LOGIN_TIMEOUT = 120  # reading the host key prompt and typing the password, as OpenSSH allows
UNUSED_TIMEOUT = 60  # a logged-in connection with no session is closed after this long
SESSIONS_PER_KEY = 2  # a student's key may hold two seats (a second terminal), not the class
CLIENT_ENV = re.compile(r"^(LANG|LC_[A-Z]+|COLORTERM|NO_COLOR)$")
SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.@:+-]{0,64}$")
TERM_NAME = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")


def ensure_host_key(path: Path) -> asyncssh.SSHKey:
    """The server's host key: generated once (Ed25519, mode 0600), then reused so clients never see it change.

    Raises ValueError when `path` is something other than a key file (a folder, a link, another
    format), or one that others may read or write.
    """
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ValueError(f"{path} is not a regular file")
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:  # someone else may hold a copy: making it private now would hide that
            raise ValueError(
                f"{path} is accessible by others (mode {mode:o}), so treat it as compromised: "
                f"delete it and start again to generate a new host key (students' ssh will then "
                "warn that the host key changed: tell them the new fingerprint)")
        return asyncssh.read_private_key(str(path))  # KeyImportError is a ValueError
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


def _count(counts: dict[str, int], key: str, change: int) -> None:
    """Add `change` to `counts[key]`, dropping keys that reach 0 (so that the table stays small)."""
    counts[key] = counts.get(key, 0) + change
    if not counts[key]:
        del counts[key]


def _log_context(conn: asyncssh.SSHServerConnection) -> str | None:
    """asyncssh's name for `conn` in its own log lines ("conn=3"), through the logger adapter's
    public `process`."""
    prefix, _ = conn.logger.process("", {})
    match = re.match(r"\[(conn=\d+)", prefix)
    return match.group(1) if match else None


class _AsyncsshRefusals(logging.Handler):
    """Some requests asyncssh refuses by itself, saying so only in its own log: X11 and agent
    forwarding (both turned off) and the SFTP subsystem (no SFTP server is given; scp arrives
    as a remote command, refused in `run_session`). This handler reads those lines and logs
    each refusal, with who asked, in the server's log; asyncssh's warnings pass through too."""

    REFUSALS = (
        (re.compile(r"X11 forwarding request denied"), "X11 forwarding"),
        (re.compile(r"Agent forwarding request denied"), "agent forwarding"),
        (re.compile(r"Subsystem: sftp$"), "the 'sftp' subsystem (file transfer)"),
    )

    def __init__(self, classroom: Classroom) -> None:
        super().__init__(logging.INFO)
        self.classroom = classroom

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        match = re.match(r"\[(conn=\d+)[^\]]*\]\s*(.*)", message)
        connection = match and self.classroom.by_log_context.get(match.group(1))
        if connection is not None:
            for pattern, what in self.REFUSALS:
                if pattern.search(match.group(2)):
                    log.info("refused %s for %s", what, connection.who)
                    return
        if record.levelno >= logging.WARNING:
            log.warning("asyncssh: %s", message)


def check_authorized_keys(path: Path) -> None:
    """Refuse (ValueError) an authorized keys file that others may write: anyone who can add a
    line to it can log in, so it must be writable only by its owner (as OpenSSH's StrictModes)."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o022:
        raise ValueError(f"{path} is writable by others (mode {mode:o}), so anyone could add a key; "
                         f"run: chmod 644 {path}")


class Classroom:
    """State shared by all connections of one server: options, seats, the rate limiter, the counts."""

    def __init__(self, options: ServeOptions, slots: SessionSlots) -> None:
        self.options = options
        self.slots = slots
        self.rate = RateLimiter(options.connections_per_minute)
        self.pending: dict[str, list[_Connection]] = {}  # address -> not yet logged in, oldest first
        self.refusing: dict[str, int] = {}  # address -> connections kept only to be told "too many"
        self.sessions_by_key: dict[str, int] = {}
        self.sessions_by_address: dict[str, int] = {}
        self.connections: set[_Connection] = set()
        self.by_log_context: dict[str, _Connection] = {}  # asyncssh's "conn=N" -> the connection
        self.quiet_until: dict[str, float] = {}  # address -> when to log its dropped connections again

    def pending_total(self) -> int:
        return sum(len(waiting) for waiting in self.pending.values())

    def make_room(self, address: str) -> bool:
        """Whether a new connection from `address` may wait to log in: under both caps, or once
        the oldest stalled connection in its way (one that has not started to log in after
        STALLED_AFTER seconds) has been dropped to make room."""
        full_here = len(self.pending.get(address, ())) >= MAX_PENDING_PER_ADDRESS
        if not full_here and self.pending_total() < MAX_PENDING:
            return True
        waiting = self.pending.get(address, []) if full_here else [
            c for connections in self.pending.values() for c in connections]
        now = time.monotonic()
        stalled = [c for c in waiting if not c.auth_started and now - c.started >= STALLED_AFTER]
        if not stalled:
            return False
        oldest = min(stalled, key=lambda c: c.started)
        log.info("dropped %s: it had not started to log in after %s, and the class is waiting",
                 oldest.peer, duration(now - oldest.started))
        oldest.drop()
        return True


class _Connection(asyncssh.SSHServer):
    """Authentication and channel policy for one client connection, and its log lines.

    Before login a connection is cheap to make and costly to hold, so they are rate-limited per
    address as they arrive, then bounded per address and in all, and must speak SSH and start to
    log in promptly; a logged-in connection runs at most one session (one seat per student) and
    is closed if it opens none.
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
        self.refusing = False
        self.auth_started = False
        self.sessions = 0
        self.log_context: str | None = None
        self.unused_timer: asyncio.TimerHandle | None = None
        self.timers: list[asyncio.TimerHandle] = []
        self.closed = False
        self.refusal: str | None = None  # sent at the start of authentication, once the link is encrypted

    # ----- connection ---------------------------------------------------------------------------
    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        host, port = (conn.get_extra_info("peername") or ("?", 0))[:2]
        self.address, self.peer = host, f"{host}:{port}"
        classroom = self.classroom
        if not classroom.rate.allow(host):
            if classroom.refusing.get(host, 0) >= MAX_REFUSING_PER_ADDRESS:
                self._drop_quietly(host, "too many connections")
                return
            classroom.refusing[host] = classroom.refusing.get(host, 0) + 1
            self.refusing = True
            wait = classroom.rate.retry_after(host)
            self.refusal = f"marl-tui: too many connections from {host}; try again in {wait} s"
            log.info("refused %s: too many connections from this address", self.peer)
        elif not classroom.make_room(host):
            self._drop_quietly(host, "too many waiting to log in")
            return
        else:
            classroom.pending.setdefault(host, []).append(self)
            self.pending = True
            log.info("connect from %s", self.peer)
            self.announced = True
        classroom.connections.add(self)
        self.log_context = _log_context(conn)
        if self.log_context:
            classroom.by_log_context[self.log_context] = self
        loop = asyncio.get_running_loop()
        self.timers = [loop.call_later(GREETING_TIMEOUT, self._drop_if_silent),
                       loop.call_later(AUTH_START_TIMEOUT, self._drop_if_not_logging_in)]

    def _drop_quietly(self, host: str, why: str) -> None:
        """Abort this connection at once; say so in the log once a minute per address, not per try."""
        if time.monotonic() >= self.classroom.quiet_until.get(host, 0):
            self.classroom.quiet_until[host] = time.monotonic() + 60
            log.info("dropping connections from %s: %s", host, why)
        self.conn.abort()

    @property
    def who(self) -> str:
        """The login name (quoted: it is the client's choice) and address, for log lines."""
        return f"{self.username!r} from {self.peer}"

    def drop(self) -> None:
        """Close the connection at once; it no longer counts as waiting to log in."""
        self._not_pending()
        if self.conn is not None and not self.closed:
            self.conn.abort()

    def _drop_if_silent(self) -> None:
        if self.conn is not None and self.conn.get_extra_info("client_version") is None:
            log.info("dropped %s: it never spoke SSH", self.peer)
            self.drop()

    def _drop_if_not_logging_in(self) -> None:
        if not self.auth_started:
            log.info("dropped %s: it never started to log in", self.peer)
            self.drop()

    def _not_pending(self) -> None:
        classroom = self.classroom
        if self.pending:
            self.pending = False
            waiting = classroom.pending[self.address]
            waiting.remove(self)
            if not waiting:
                del classroom.pending[self.address]
        if self.refusing:
            self.refusing = False
            classroom.refusing[self.address] -= 1
            if not classroom.refusing[self.address]:
                del classroom.refusing[self.address]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._not_pending()
        self.classroom.connections.discard(self)
        self.classroom.by_log_context.pop(self.log_context, None)
        for timer in (self.unused_timer, *self.timers):
            if timer is not None:
                timer.cancel()
        if self.announced:
            reason = f" ({exc})" if exc else ""
            log.info("disconnect %s after %s%s", self.who, duration(time.monotonic() - self.started), reason)

    # ----- authentication -----------------------------------------------------------------------
    def begin_auth(self, username: str) -> bool:
        self.username = username
        self.auth_started = True
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
            check_authorized_keys(self.options.authorized_keys)
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
        per_address = self.options.sessions_per_address
        if per_address and self.classroom.sessions_by_address.get(self.address, 0) >= per_address:
            return (f"your address already has {per_address} session(s) open, as many as one "
                    "address may; close one first.")
        self.sessions += 1
        _count(self.classroom.sessions_by_address, self.address, +1)
        if key:
            self.classroom.sessions_by_key[key] = self.classroom.sessions_by_key.get(key, 0) + 1
        if self.unused_timer is not None:
            self.unused_timer.cancel()
        return None

    def release_session(self) -> None:
        self.sessions -= 1
        _count(self.classroom.sessions_by_address, self.address, -1)
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
    connection: _Connection = process.get_extra_info("connection").get_owner()
    if process.subsystem is not None:
        log.info("refused the %r subsystem for %s", process.subsystem, connection.who)
        _refuse(process, f"the {process.subsystem!r} subsystem is not offered; connect without -s.")
        return
    if process.command is not None:
        kind = "an scp file transfer" if re.match(r"scp\s", process.command) else "a remote command"
        log.info("refused %s for %s: %r", kind, connection.who, process.command[:200])
        _refuse(process, "only the interactive app is served; remote commands are refused.")
        return
    if process.term_type is None:
        log.info("refused a session without a terminal for %s", connection.who)
        _refuse(process, "the app needs a terminal; connect with `ssh -t`.")
        return
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
    crash_read, crash_write = child_launcher.crash_pipe()
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
            child = await _start_app(options, arguments, cwd, slave, crash_write, settings, channel)
        except (OSError, subprocess.SubprocessError) as error:
            reason = f"could not start the app: {error}"
            log.error("could not start the app for %s: %s", who, error)
            _refuse(process, "the app could not be started; tell your teacher.")
            return
        finally:
            os.close(slave)
            os.close(crash_write)  # the app holds its own copy
        if channel is not None:
            channel.started()
        classroom.slots.attach(seat, child)
        log.info("session %d/%d for %s (pid %d, %s %dx%d)", classroom.slots.active, classroom.slots.limit,
                 who, child.pid, settings["TERM"], columns, rows)
        reason = await _Bridge(process, master, options.idle_timeout).run()
        if reason == "app quit":
            reason = await _end_with_the_app(process, classroom, child) or reason
        elif reason == "idle":
            _write(process, b"\r\nmarl-tui: closing an idle session.\r\n")
            process.exit(0)
    finally:
        if child is not None:
            await stop_child(child)
        if report := child_launcher.read_crash_report(crash_read):
            log.error("the app of %s stopped on an error:\n%s", who, report.rstrip())
        if channel is not None:
            await channel.close()
        os.close(master)
        if cwd is not None and not keep_folder:
            with contextlib.suppress(OSError):
                cwd.rmdir()  # only if the student saved nothing
        log.info("session end for %s after %s: %s", who, duration(time.monotonic() - started), reason)


async def _start_app(options: ServeOptions, arguments: list[str], cwd: Path | None, terminal: int,
                     crash_write: int, settings: dict[str, str],
                     channel=None) -> asyncio.subprocess.Process:
    """The app's process, through the child launcher: its terminal on stdio, leading its own
    session with that terminal as its controlling one, the crash pipe's write end, and (in a
    class) its end of the hub's socket pair."""
    class_env, class_fds = (channel.env, tuple(channel.pass_fds)) if channel else ({}, ())
    return await asyncio.create_subprocess_exec(
        *child_launcher.command(options.limits, arguments, options.app_module),
        stdin=terminal, stdout=terminal, stderr=terminal, cwd=cwd,
        pass_fds=(crash_write, *class_fds), start_new_session=True,
        preexec_fn=_become_terminal_owner,
        env=child_launcher.environment(**settings, **child_launcher.crash_environment(crash_write),
                                       **class_env),
    )


async def _end_with_the_app(process: asyncssh.SSHServerProcess, classroom: Classroom,
                            child: asyncio.subprocess.Process) -> str | None:
    """The app quit: end the channel with its exit status, and one line saying why when it was
    not the student's choice (a limit, a crash, the server stopping); that reason, if any."""
    await child.wait()
    problem = ("the server is stopping" if classroom.slots.stopping
               else classroom.options.limits.describe_exit(child.returncode))
    if problem:
        _write(process, f"\r\nmarl-tui: {problem}.\r\n".encode())
    code = child.returncode
    process.exit(code if code >= 0 else 128 - code)  # as a shell reports a signal
    return problem


def _write(process: asyncssh.SSHServerProcess, data: bytes) -> None:
    try:
        process.stdout.write(data)
    except (BrokenPipeError, asyncssh.Error, OSError):
        pass


class _Bridge:
    """Bytes both ways between an SSH channel and the master side of the app's PTY, until one
    side ends: the app (its terminal closes), the client (it closes, or is idle too long).

    The master is non-blocking, so that a student pasting into a frozen app cannot block the
    server; the client's writes wait on the channel's flow control, so that a slow client slows
    the app rather than filling the server's memory.
    """

    def __init__(self, process: asyncssh.SSHServerProcess, master: int, idle_timeout: float) -> None:
        self.process = process
        self.master = master
        self.idle_timeout = idle_timeout
        self.loop = asyncio.get_running_loop()

    async def run(self) -> str:
        """Copy until either side ends; say which: "app quit", "client closed" or "idle"."""
        os.set_blocking(self.master, False)
        output = asyncio.ensure_future(self.app_to_client())
        client = asyncio.ensure_future(self.client_to_app())
        closed = asyncio.ensure_future(self.process.wait_closed())  # even while both sides are stuck
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

    async def app_to_client(self) -> None:
        """The app's output to the client; returns when every process holding the terminal is gone."""
        while True:
            await self.ready(self.loop.add_reader, self.loop.remove_reader)
            try:
                data = os.read(self.master, 65536)
            except BlockingIOError:
                continue
            except OSError:  # EIO: every process holding the terminal has gone
                return
            if not data:
                return
            self.process.stdout.write(data)
            await self.process.stdout.drain()

    async def client_to_app(self) -> str:
        """The client's keys to the app, and its window sizes to the terminal; returns why it
        stopped: "client closed", or "idle" after `idle_timeout` seconds without input."""
        while True:
            try:
                data = await asyncio.wait_for(self.process.stdin.read(4096), self.idle_timeout)
            except asyncssh.TerminalSizeChanged as change:
                _set_size(self.master, *child_launcher.terminal_size(change.width, change.height))
                continue
            except TimeoutError:
                return "idle"
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            if not data:
                return "client closed"
            await self.to_app(data)

    async def to_app(self, data: bytes) -> None:
        """Write all of `data` to the terminal, waiting (not blocking) while its buffer is full."""
        while data:
            try:
                data = data[os.write(self.master, data):]
            except BlockingIOError:
                await self.ready(self.loop.add_writer, self.loop.remove_writer)

    async def ready(self, add, remove) -> None:
        """Wait until the master is readable (`add_reader`) or writable (`add_writer`)."""
        future = self.loop.create_future()
        add(self.master, lambda: future.done() or future.set_result(None))
        try:
            await future
        finally:
            remove(self.master)


@dataclass
class SSHListener:
    """A running SSH listener: the port it is bound to, and how to close it with its connections."""

    acceptor: asyncssh.SSHAcceptor
    classroom: Classroom
    refusals: logging.Handler

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
        logging.getLogger("asyncssh").removeHandler(self.refusals)


async def start_ssh(options: ServeOptions, slots: SessionSlots) -> SSHListener:
    """Listen for SSH connections at `options.ssh`; each interactive session runs the app in its own process."""
    assert options.ssh is not None
    classroom = Classroom(options, slots)
    asyncssh_log = logging.getLogger("asyncssh")
    asyncssh_log.setLevel(logging.INFO)  # read by _AsyncsshRefusals, printed only from WARNING
    asyncssh_log.propagate = False
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
    refusals = _AsyncsshRefusals(classroom)
    asyncssh_log.addHandler(refusals)
    return SSHListener(acceptor, classroom, refusals)
