"""The SSH server: a real asyncssh client connects to a real server on loopback."""

from __future__ import annotations

import asyncio
import sys
import textwrap

import asyncssh
import pytest

from marl_tui.ssh_server import ServeOptions, start_server

SHOW_TERMINAL = textwrap.dedent(
    """
    import os, sys
    size = os.get_terminal_size(0)
    print(f"TERM={os.environ['TERM']} SIZE={size.columns}x{size.lines} TTY={os.isatty(0)}", flush=True)
    sys.stdin.readline()
    size = os.get_terminal_size(0)
    print(f"RESIZED={size.columns}x{size.lines}", flush=True)
    """
)


async def _read_until(process: asyncssh.SSHClientProcess, text: str, timeout: float = 20) -> str:
    seen = b""

    async def read() -> None:
        nonlocal seen
        while text.encode() not in seen:
            chunk = await process.stdout.read(4096)
            if not chunk:
                raise AssertionError(f"stream ended before {text!r}; saw {seen!r}")
            seen += chunk

    await asyncio.wait_for(read(), timeout)
    return seen.decode(errors="replace")


@pytest.fixture
async def server(tmp_path):
    options = ServeOptions(port=0, host_key=tmp_path / "host_key",
                           command=[sys.executable, "-c", SHOW_TERMINAL])
    acceptor = await start_server(options)
    yield acceptor.sockets[0].getsockname()[1], options
    acceptor.close()
    await acceptor.wait_closed()


async def test_interactive_session_gets_its_own_terminal_and_resizes(server):
    port, _ = server
    async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username="student",
                                encoding=None) as conn:
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30))
        output = await _read_until(process, "TTY=")
        assert "TERM=xterm-256color SIZE=100x30 TTY=True" in output
        process.change_terminal_size(120, 40)
        await asyncio.sleep(0.2)
        process.stdin.write(b"go\r")
        assert "RESIZED=120x40" in await _read_until(process, "RESIZED=")
        await process.wait_closed()


async def test_exec_and_sessions_without_terminal_are_refused(server):
    port, _ = server
    async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username="student") as conn:
        result = await conn.run("ls /")
        assert result.exit_status == 1
        assert "only interactive sessions" in result.stderr
        result = await conn.run()
        assert result.exit_status == 1
        assert "needs a terminal" in result.stderr


async def test_port_forwarding_is_refused(server):
    port, _ = server
    async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username="student") as conn:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", 22)


async def test_password_is_required_when_set(tmp_path):
    options = ServeOptions(port=0, host_key=tmp_path / "key", password="s3cret",
                           command=[sys.executable, "-c", SHOW_TERMINAL])
    acceptor = await start_server(options)
    port = acceptor.sockets[0].getsockname()[1]
    try:
        with pytest.raises(asyncssh.PermissionDenied):
            async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username="s",
                                        password="wrong", client_keys=None):
                pass
        async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username="s",
                                    password="s3cret", client_keys=None) as conn:
            process = await conn.create_process(term_type="xterm", term_size=(80, 24),
                                                encoding=None)
            assert "SIZE=80x24" in await _read_until(process, "TTY=")
            process.stdin.write(b"\r")
            await process.wait_closed()
    finally:
        acceptor.close()
        await acceptor.wait_closed()


def test_host_key_is_generated_once_and_private(tmp_path):
    from marl_tui.ssh_server import ensure_host_key

    path = tmp_path / "conf" / "key"
    first = ensure_host_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure_host_key(path).export_public_key() == first.export_public_key()


async def test_real_app_is_served_and_drawn(tmp_path):
    """A student connects and sees the Prisoner's Dilemma with its equilibrium."""
    import pyte

    options = ServeOptions(port=0, host_key=tmp_path / "key",
                           command=[sys.executable, "-m", "marl_tui", "prisoners-dilemma"])
    acceptor = await start_server(options)
    port = acceptor.sockets[0].getsockname()[1]
    screen = pyte.Screen(100, 30)
    stream = pyte.ByteStream(screen)
    try:
        async with asyncssh.connect("127.0.0.1", port, known_hosts=None, username="s",
                                    encoding=None) as conn:
            process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30))

            async def drawn() -> None:
                while not any("Nash equilibria (1)" in line for line in screen.display):
                    chunk = await process.stdout.read(65536)
                    assert chunk, "the app closed the session"
                    stream.feed(chunk)

            await asyncio.wait_for(drawn(), 60)
            text = "\n".join(screen.display)
            assert "Prisoner's Dilemma" in text
            process.stdin.write(b"\x11")  # ctrl+q quits a game without edits
            await asyncio.wait_for(process.wait_closed(), 30)
    finally:
        acceptor.close()
        await acceptor.wait_closed()
