"""Serve the app over SSH: one `marl-tui` process per session, on its own pseudo-terminal.

Textual's driver is bound to its process's stdio and SIGWINCH handler, so each SSH session gets a
child process whose controlling terminal is the slave side of a fresh PTY; asyncssh bridges the
channel to the master side and forwards window-size changes to it. Following charmbracelet/wish:
sessions without a terminal, exec requests, subsystems and port forwarding are refused, the number
of sessions is capped, and idle sessions are closed.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import signal
import struct
import sys
import termios
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh


@dataclass
class ServeOptions:
    """How to serve: where to listen, whom to let in, and what to run per session."""

    host: str = "127.0.0.1"
    port: int = 2222
    host_key: Path = field(default_factory=lambda: default_config_dir() / "ssh_host_ed25519_key")
    password: str | None = None
    authorized_keys: Path | None = None
    max_sessions: int = 16
    idle_timeout: int = 30 * 60
    command: Sequence[str] = field(default_factory=lambda: [sys.executable, "-m", "marl_tui"])

    @property
    def open_access(self) -> bool:
        return self.password is None and self.authorized_keys is None


def default_config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "marl-tui"


def ensure_host_key(path: Path) -> asyncssh.SSHKey:
    """Load the server's host key, generating an Ed25519 key (mode 0600) on first use."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519")
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(key.export_private_key())
    temporary.chmod(0o600)
    os.replace(temporary, path)
    return key


class _Server(asyncssh.SSHServer):
    """Authentication and channel policy for one connection."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options

    def begin_auth(self, username: str) -> bool:
        return not self.options.open_access

    def password_auth_supported(self) -> bool:
        return self.options.password is not None

    def validate_password(self, username: str, password: str) -> bool:
        import hmac

        return hmac.compare_digest(password.encode(), (self.options.password or "").encode())

    def public_key_auth_supported(self) -> bool:
        return self.options.authorized_keys is not None


class _Sessions:
    """Counts live sessions so that a class of students cannot exhaust the machine."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0


def _set_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def _become_terminal_owner() -> None:
    """In the child, after setsid(): make the PTY on stdin the controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


async def _run_session(process: asyncssh.SSHServerProcess, options: ServeOptions,
                       sessions: _Sessions) -> None:
    if process.command is not None or process.subsystem is not None:
        process.stderr.write(b"marl-tui: only interactive sessions are served (no commands).\r\n")
        process.exit(1)
        return
    if process.term_type is None:
        process.stderr.write(b"marl-tui: needs a terminal; connect with `ssh -t`.\r\n")
        process.exit(1)
        return
    if sessions.active >= sessions.limit:
        process.stderr.write(b"marl-tui: too many sessions right now; try again later.\r\n")
        process.exit(1)
        return
    sessions.active += 1
    master, slave = pty.openpty()
    columns, rows = process.term_size[:2]
    _set_size(slave, columns or 80, rows or 24)
    env = {
        key: value for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV"}
    }
    env["TERM"] = process.term_type
    env.setdefault("LANG", "C.UTF-8")
    if "NO_COLOR" in (process.env or {}):
        env["NO_COLOR"] = "1"
    child = await asyncio.create_subprocess_exec(
        *options.command,
        stdin=slave, stdout=slave, stderr=slave,
        start_new_session=True, preexec_fn=_become_terminal_owner, env=env,
    )
    os.close(slave)
    try:
        await _bridge(process, master, child, options.idle_timeout)
        code = await child.wait()
        process.exit(max(code, 0))
    finally:
        if child.returncode is None:
            os.killpg(child.pid, signal.SIGHUP)
            await child.wait()
        os.close(master)
        sessions.active -= 1


async def _bridge(process: asyncssh.SSHServerProcess, master: int,
                  child: asyncio.subprocess.Process, idle_timeout: float) -> None:
    """Copy bytes both ways between the SSH channel and the PTY until either side ends."""
    loop = asyncio.get_running_loop()
    child_done = loop.create_future()

    def from_child() -> None:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if data:
            process.stdout.write(data)
        elif not child_done.done():
            loop.remove_reader(master)
            child_done.set_result(None)

    async def from_client() -> None:
        while True:
            try:
                data = await asyncio.wait_for(process.stdin.read(4096), idle_timeout)
            except asyncssh.TerminalSizeChanged as change:
                _set_size(master, change.width, change.height)
                continue
            except TimeoutError:
                process.stderr.write(b"\r\nmarl-tui: closing an idle session.\r\n")
                return
            if not data:
                return
            os.write(master, data)

    loop.add_reader(master, from_child)
    client = asyncio.ensure_future(from_client())
    try:
        await asyncio.wait([client, child_done, asyncio.ensure_future(child.wait())],
                           return_when=asyncio.FIRST_COMPLETED)
    finally:
        loop.remove_reader(master)
        client.cancel()


async def start_server(options: ServeOptions) -> asyncssh.SSHAcceptor:
    """Listen for SSH connections; each interactive session runs the app in its own process."""
    sessions = _Sessions(options.max_sessions)
    keys = str(options.authorized_keys) if options.authorized_keys else None
    return await asyncssh.listen(
        options.host,
        options.port,
        server_factory=lambda: _Server(options),
        server_host_keys=[ensure_host_key(options.host_key)],
        authorized_client_keys=keys,
        process_factory=lambda process: _run_session(process, options, sessions),
        encoding=None,
        line_editor=False,
        agent_forwarding=False,
        x11_forwarding=False,
        allow_scp=False,
        login_timeout=60,
        keepalive_interval=30,
    )


def serve_forever(options: ServeOptions, on_ready=None) -> None:
    """Run the server until interrupted."""

    async def main() -> None:
        server = await start_server(options)
        if on_ready is not None:
            on_ready(server)
        await server.wait_closed()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
