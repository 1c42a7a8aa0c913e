"""The SSH server with a real asyncssh client on loopback: sessions, refusals, authentication, limits, clean-up.

Most tests serve a small program instead of the app (`ServeOptions.app_module`) that reports what its
terminal, environment and limits look like; `test_real_app_is_served_and_drawn` serves marl-tui itself.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import shutil
import textwrap
import weakref
from pathlib import Path

import asyncssh
import pytest

from marl_tui.serving import ssh
from marl_tui.serving.limits import SessionLimits, SessionSlots
from marl_tui.serving.options import Address, ServeOptions
from marl_tui.serving.passwords import hash_password
from marl_tui.serving.ssh import SSHListener, ensure_host_key, start_ssh
from tests.serving.processes import eventually, until_gone

PROGRAM = textwrap.dedent(
    """
    import json, os, resource, sys
    size = os.get_terminal_size(0)
    cpu = resource.getrlimit(resource.RLIMIT_CPU)[0]
    memory = resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20
    print(f"TERM={os.environ['TERM']} COLORTERM={os.environ.get('COLORTERM')} SIZE={size.columns}x{size.lines}"
          f" TTY={os.isatty(0)} PID={os.getpid()} CWD={os.getcwd()} ARGS={json.dumps(sys.argv[1:]).replace(' ', '')}"
          f" CPU={cpu} MEM={memory} NICE={os.getpriority(os.PRIO_PROCESS, 0)}"
          f" AGENT={os.environ.get('SSH_AUTH_SOCK')} DISPLAY={os.environ.get('DISPLAY')}"
          f" EVIL={os.environ.get('EVIL')} PRELOAD={os.environ.get('LD_PRELOAD')}"
          f" FSIZE={resource.getrlimit(resource.RLIMIT_FSIZE)[0]}"
          f" QUOTA={os.environ.get('MARL_TUI_SANDBOX_QUOTA_MB')} END", flush=True)
    line = sys.stdin.readline().strip()
    if line == "spin":
        while True:
            pass
    if line == "freeze":
        import time
        time.sleep(600)
    if line.startswith("exit"):
        sys.exit(int(line[4:]))
    size = os.get_terminal_size(0)
    print(f"RESIZED={size.columns}x{size.lines}", flush=True)
    """
)


@pytest.fixture
def program(tmp_path, monkeypatch) -> str:
    """A module the child launcher can run in place of the app."""
    (tmp_path / "show_terminal.py").write_text(PROGRAM)
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    return "show_terminal"


class Served:
    """A running server, its options and its seats."""

    def __init__(self, options: ServeOptions, slots: SessionSlots, listener: SSHListener) -> None:
        self.options, self.slots, self.listener = options, slots, listener
        self.port = listener.port

    def connect(self, **kwargs) -> asyncssh.SSHClientConnection:
        kwargs.setdefault("username", "student")
        kwargs.setdefault("client_keys", None)
        return asyncssh.connect("127.0.0.1", self.port, known_hosts=None, encoding=None, **kwargs)

    async def close(self) -> None:
        await self.slots.stop_all()
        await self.listener.close()


@pytest.fixture
async def serve(tmp_path, program):
    """`await serve(**options)` starts a server on a free loopback port; all are stopped after the test."""
    servers: list[Served] = []

    async def start(**overrides) -> Served:
        settings = dict(ssh=Address("127.0.0.1", 0), host_key=tmp_path / "host_key", open_access=True,
                        app_module=program, files_root=tmp_path / "files",
                        limits=SessionLimits(cpu_seconds=600, memory_mb=1024, nice=5))
        settings.update(overrides)
        options = ServeOptions(**settings)
        slots = SessionSlots(options.max_sessions)
        served = Served(options, slots, await start_ssh(options, slots))
        servers.append(served)
        return served

    yield start
    for served in servers:
        await served.close()


async def read_until(process, text: str, timeout: float = 20, stream: str = "stdout") -> str:
    seen = b""

    async def read() -> None:
        nonlocal seen
        while text.encode() not in seen:
            chunk = await getattr(process, stream).read(4096)
            if not chunk:
                raise AssertionError(f"stream ended before {text!r}; saw {seen!r}")
            seen += chunk

    await asyncio.wait_for(read(), timeout)
    return seen.decode(errors="replace")


def field(output: str, name: str) -> str:
    return output.split(f"{name}=", 1)[1].split(" ")[0]


async def until_no_sessions(served: Served) -> None:
    """Wait for every session's clean-up to finish (it runs after the client sees the end)."""
    await eventually(lambda: served.slots.active == 0, "every seat's release")


async def open_session(served: Served, conn, **kwargs):
    kwargs.setdefault("term_type", "xterm-256color")
    kwargs.setdefault("term_size", (100, 30))
    process = await conn.create_process(**kwargs)
    return process, await read_until(process, "END")


async def assert_still_serving(served: Served) -> None:
    async with served.connect() as conn:
        process, output = await open_session(served, conn)
        assert "TTY=True" in output
        process.stdin.write(b"\r")
        await process.wait_closed()


async def test_session_gets_its_terminal_size_resizes_colour_and_limits(serve, tmp_path):
    served = await serve()
    async with served.connect(username="alice", agent_path=str(tmp_path / "agent.sock"),
                              agent_forwarding=True) as conn:
        process, output = await open_session(served, conn, env={
            "COLORTERM": "truecolor", "EVIL": "x", "LD_PRELOAD": "/tmp/x.so", "LANG": "en_US.UTF-8"})
        assert "AGENT=None DISPLAY=None EVIL=None PRELOAD=None" in output  # no agent; only known variables
        assert "TERM=xterm-256color COLORTERM=truecolor SIZE=100x30 TTY=True" in output
        folder = Path(field(output, "CWD"))  # a shared password proves no name: a folder per session
        assert folder.parent == tmp_path / "files" and folder.name.startswith("alice-")
        assert json.loads(field(output, "ARGS")) == ["--sandbox", str(folder)]
        assert (field(output, "CPU"), field(output, "MEM"), field(output, "NICE")) == ("600", "1024", "5")
        process.change_terminal_size(120, 40)  # reaches the server before the keys that follow
        process.stdin.write(b"go\r")
        assert "RESIZED=120x40" in await read_until(process, "RESIZED=")
        await process.wait_closed()
        assert process.exit_status == 0
    await until_no_sessions(served)


@pytest.mark.parametrize("request_kind", ["exec", "no terminal", "subsystem", "sftp",
                                          "local forward", "remote forward"])
async def test_everything_but_an_interactive_terminal_is_refused(serve, request_kind):
    served = await serve()
    async with served.connect() as conn:
        if request_kind == "exec":
            result = await conn.run("cat /etc/passwd")
            assert (result.exit_status, b"remote commands are refused" in result.stderr) == (1, True)
        elif request_kind == "no terminal":
            result = await conn.run()
            assert (result.exit_status, b"needs a terminal" in result.stderr) == (1, True)
        elif request_kind == "subsystem":
            result = await conn.run(subsystem="netconf")
            assert (result.exit_status, b"subsystem is not offered" in result.stderr) == (1, True)
        elif request_kind == "sftp":
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.start_sftp_client()
        elif request_kind == "local forward":
            reached = []  # a real listener, so that "refused" cannot pass for "nothing listens there"
            target = await asyncio.start_server(lambda r, w: reached.append(w), "127.0.0.1", 0)
            port = target.sockets[0].getsockname()[1]
            with pytest.raises(asyncssh.ChannelOpenError, match="(?i)prohibited|refused|denied"):
                await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", port)
            target.close()
            assert reached == []
        else:
            with pytest.raises(asyncssh.ChannelListenError):
                await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)
    await until_no_sessions(served)
    await assert_still_serving(served)


async def test_x11_forwarding_is_refused(serve):
    served = await serve()
    async with served.connect(x11_forwarding=True, x11_display="127.0.0.1:0") as conn:
        with pytest.raises(asyncssh.ChannelOpenError, match="X11 forwarding request failed"):
            await open_session(served, conn)
    await until_no_sessions(served)
    await assert_still_serving(served)


async def test_class_password_is_checked_against_its_hash(serve):
    served = await serve(open_access=False, password_hash=hash_password("s3cret"))
    with pytest.raises(asyncssh.PermissionDenied):
        async with served.connect(password="wrong"):
            pass
    async with served.connect(password="s3cret") as conn:
        process, output = await open_session(served, conn)
        assert "TTY=True" in output
        process.stdin.write(b"\r")
        await process.wait_closed()


async def test_a_key_holds_at_most_two_seats_and_keeps_its_folder_while_any_runs(serve, tmp_path):
    key = asyncssh.generate_private_key("ssh-ed25519")
    keys = tmp_path / "authorized_keys"
    keys.write_bytes(key.export_public_key())
    served = await serve(open_access=False, authorized_keys=keys, max_sessions=5)
    long_name = "firstname.lastname.student2026.x"
    async with served.connect(client_keys=[key], username=long_name) as one, \
            served.connect(client_keys=[key], username=long_name) as two, \
            served.connect(client_keys=[key], username=long_name) as three:
        first, output = await open_session(served, one)
        second, _ = await open_session(served, two)
        refused = await three.create_process(term_type="xterm", term_size=(80, 24))
        assert "your key already has 2 sessions open" in await read_until(refused, "first", stream="stderr")
        folder = Path(field(output, "CWD"))
        digest = key.get_fingerprint().split(":", 1)[1][:12].replace("/", "_").replace("+", "-")
        assert folder.name == f"{long_name[:20]}-{digest}"
        first.stdin.write(b"\r")
        await first.wait_closed()
        await eventually(lambda: served.slots.active == 1, "the first session's end")
        assert folder.is_dir()  # the other session still works in it
        second.stdin.write(b"\r")
        await second.wait_closed()
    await until_no_sessions(served)
    assert folder.is_dir()  # a key's folder is kept for next time, even empty


async def test_guessing_the_password_is_cut_off_after_three_tries(serve):
    served = await serve(open_access=False, password_hash=hash_password("s3cret"))

    class Guesser(asyncssh.SSHClient):
        tries = 0

        def password_auth_requested(self) -> str:
            Guesser.tries += 1
            return f"guess{Guesser.tries}"

    with pytest.raises(asyncssh.DisconnectError, match="too many wrong passwords"):
        async with asyncssh.connect("127.0.0.1", served.port, known_hosts=None, username="x",
                                    client_keys=None, client_factory=Guesser):
            pass
    assert Guesser.tries == 3


async def test_public_keys_from_authorized_keys_reread_at_each_login(serve, tmp_path):
    known = asyncssh.generate_private_key("ssh-ed25519")
    stranger = asyncssh.generate_private_key("ssh-ed25519")
    keys = tmp_path / "authorized_keys"
    keys.write_bytes(known.export_public_key())
    served = await serve(open_access=False, authorized_keys=keys)
    with pytest.raises(asyncssh.PermissionDenied):
        async with served.connect(client_keys=[stranger]):
            pass
    async with served.connect(client_keys=[known]) as conn:
        process, output = await open_session(served, conn)
        (Path(field(output, "CWD")) / "saved.json").write_text("{}")
        process.stdin.write(b"\r")
        await process.wait_closed()
    fingerprint = known.get_fingerprint().split(":", 1)[1][:12].replace("/", "_").replace("+", "-")
    assert Path(field(output, "CWD")) == tmp_path / "files" / f"student-{fingerprint}"
    async with served.connect(client_keys=[known]) as conn:  # the same key finds its files again
        process, again = await open_session(served, conn)
        assert field(again, "CWD") == field(output, "CWD")
        process.stdin.write(b"\r")
        await process.wait_closed()
    keys.write_bytes(known.export_public_key() + stranger.export_public_key())
    async with served.connect(client_keys=[stranger]) as conn:
        assert conn.get_extra_info("username") == "student"


async def test_connections_are_rate_limited_per_address(serve):
    served = await serve(connections_per_minute=2)
    for _ in range(2):
        async with served.connect():
            pass
    with pytest.raises(asyncssh.DisconnectError, match="too many connections from 127.0.0.1"):
        async with served.connect():
            pass


async def test_sessions_beyond_the_cap_get_a_polite_message(serve):
    served = await serve(max_sessions=1)
    async with served.connect() as first, served.connect() as second:
        process, _ = await open_session(served, first)
        refused = await second.create_process(term_type="xterm", term_size=(80, 24))
        assert "the class is full (1 sessions)" in await read_until(refused, "later", stream="stderr")
        await refused.wait_closed()
        assert refused.exit_status == 1
        process.stdin.write(b"\r")
        await process.wait_closed()
        assert process.exit_status == 0


async def test_one_connection_runs_one_session(serve):
    served = await serve(max_sessions=3)
    async with served.connect() as conn:
        first, _ = await open_session(served, conn)
        second = await conn.create_process(term_type="xterm", term_size=(80, 24))
        assert "one session per connection" in await read_until(second, "connection", stream="stderr")
        await second.wait_closed()
        assert served.slots.active == 1
        first.stdin.write(b"\r")
        await first.wait_closed()


@pytest.mark.parametrize(("term", "size", "expected"), [
    ("xterm\x00x", (100, 30), "TERM=xterm COLORTERM=None SIZE=100x30"),
    ("\x1b]0;pwned\x07", (100, 30), "TERM=xterm COLORTERM=None SIZE=100x30"),
    ("xterm-256color", (70000, 0), "TERM=xterm-256color COLORTERM=None SIZE=500x24"),
])
async def test_hostile_terminal_names_and_sizes_are_tamed(serve, term, size, expected):
    served = await serve()
    async with served.connect() as conn:
        process, output = await open_session(served, conn, term_type=term, term_size=size)
        assert expected in output
        process.change_terminal_size(1, 99999)
        process.stdin.write(b"\r")
        assert "RESIZED=1x200" in await read_until(process, "RESIZED=")
        await process.wait_closed()
    await until_no_sessions(served)


async def test_connections_waiting_to_log_in_are_bounded_per_address(serve, monkeypatch):
    monkeypatch.setattr(ssh, "MAX_PENDING_PER_ADDRESS", 3)
    served = await serve()
    silent = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(3)]
    with pytest.raises(ConnectionError):  # the fourth is dropped at once
        async with served.connect():
            pass
    for _, writer in silent:
        writer.close()
    await eventually(lambda: not served.listener.classroom.pending, "the silent connections' end")
    await assert_still_serving(served)


async def test_a_client_that_never_speaks_ssh_is_dropped(serve, monkeypatch):
    monkeypatch.setattr(ssh, "GREETING_TIMEOUT", 0.3)
    served = await serve()
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"SSH-2.0-")
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
    writer.close()
    await assert_still_serving(served)  # a client that does speak is not dropped


async def test_a_connection_that_opens_no_session_is_closed(serve, monkeypatch):
    monkeypatch.setattr(ssh, "UNUSED_TIMEOUT", 0.5)
    served = await serve()
    async with served.connect() as conn:
        await asyncio.wait_for(conn.wait_closed(), 10)


async def test_idle_sessions_are_closed_and_their_app_stopped(serve):
    served = await serve(idle_timeout=1)
    async with served.connect() as conn:
        process, output = await open_session(served, conn)
        assert "closing an idle session" in await read_until(process, "idle session", timeout=10)
        await asyncio.wait_for(process.wait_closed(), 10)
        await until_gone(int(field(output, "PID")))
    await until_no_sessions(served)


async def test_a_dropped_connection_leaves_no_process(serve):
    served = await serve()
    conn = await served.connect()
    _, output = await open_session(served, conn)
    conn.abort()
    await until_gone(int(field(output, "PID")))
    await until_no_sessions(served)


async def test_a_frozen_app_flooded_with_input_does_not_hold_the_server(serve):
    served = await serve()
    conn = await served.connect()
    process, output = await open_session(served, conn)
    process.stdin.write(b"freeze\r" + b"x" * 2_000_000)  # far beyond what the terminal buffers
    await asyncio.sleep(0.5)
    await assert_still_serving(served)
    conn.abort()
    await until_gone(int(field(output, "PID")))


async def test_nothing_of_a_finished_connection_is_kept(serve):
    served = await serve()
    async with served.connect() as conn:
        process, _ = await open_session(served, conn)
        (connection,) = served.listener.classroom.connections
        kept = weakref.ref(connection)
        del connection
        process.stdin.write(b"\r")
        await process.wait_closed()
    await until_no_sessions(served)
    await eventually(lambda: gc.collect() >= 0 and kept() is None, "the connection's release", timeout=3)


async def test_stopping_the_server_stops_every_app(serve):
    served = await serve()
    async with served.connect() as first, served.connect() as second:
        outputs = [(await open_session(served, c))[1] for c in (first, second)]
        await served.slots.stop_all()
        for output in outputs:
            await until_gone(int(field(output, "PID")))


@pytest.mark.parametrize(("line", "message"), [
    (b"exit3\r", "the app ended unexpectedly (exit status 3)"),
    (b"spin\r", "this session used its CPU time limit (1 s)"),
])
async def test_a_crash_or_a_limit_ends_the_session_with_a_reason(serve, line, message):
    served = await serve(limits=SessionLimits(cpu_seconds=1, memory_mb=1024, nice=0))
    async with served.connect() as conn:
        process, _ = await open_session(served, conn)
        process.stdin.write(line)
        assert message in await read_until(process, message, timeout=30)
        await process.wait_closed()
        assert process.exit_status != 0
    await assert_still_serving(served)


def test_host_key_is_generated_once_and_private(tmp_path):
    path = tmp_path / "conf" / "key"
    first = ensure_host_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert ensure_host_key(path).export_public_key() == first.export_public_key()
    path.chmod(0o640)  # others could have read it: compromised, not quietly made private again
    with pytest.raises(ValueError, match="compromised"):
        ensure_host_key(path)
    assert path.stat().st_mode & 0o777 == 0o640
    folder = tmp_path / "conf"
    folder.chmod(0o755)
    with pytest.raises(ValueError, match="not a regular file"):
        ensure_host_key(folder)
    assert folder.stat().st_mode & 0o777 == 0o755


async def test_real_app_is_served_and_drawn(serve, tmp_path):
    """A student connects and sees the Prisoner's Dilemma with its equilibrium, then quits."""
    import pyte

    served = await serve(app_module="marl_tui", app_arguments=["prisoners-dilemma"])
    screen = pyte.Screen(100, 30)
    stream = pyte.ByteStream(screen)
    async with served.connect() as conn:
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30))

        async def drawn() -> None:
            while not any("Nash equilibria (1)" in line for line in screen.display):
                chunk = await process.stdout.read(65536)
                assert chunk, "the app closed the session"
                stream.feed(chunk)

        await asyncio.wait_for(drawn(), 60)
        assert "Prisoner's Dilemma" in "\n".join(screen.display)
        process.stdin.write(b"\x11")  # ctrl+q quits a game without edits
        await asyncio.wait_for(process.wait_closed(), 30)
        assert process.exit_status == 0
    await until_no_sessions(served)
    assert list((tmp_path / "files").iterdir()) == []  # the session's empty folder is removed


async def stalled_after_greeting(served: Served, count: int) -> list:
    """`count` clients that send their SSH version, then nothing: the server's key exchange waits."""
    clients = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        writer.write(b"SSH-2.0-Stalled_1.0\r\n")
        await writer.drain()
        assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"SSH-2.0-")
        clients.append((reader, writer))
    await eventually(lambda: served.listener.classroom.pending_total() == count, "every stall counted")
    return clients


async def openssh_login(served: Served) -> tuple[int, str]:
    """The real OpenSSH client logs in (open access) and asks for no terminal: the server answers
    that the app needs one, which it can only do after a successful login."""
    process = await asyncio.create_subprocess_exec(
        "ssh", "-T", "-F", "/dev/null", "-p", str(served.port), "-o", "UserKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=no", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
        "-o", "IdentityAgent=none", "-o", "ConnectTimeout=10", "student@127.0.0.1",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode, stderr.decode(errors="replace")


@pytest.mark.skipif(shutil.which("ssh") is None, reason="needs the OpenSSH client")
@pytest.mark.parametrize("cap", ["MAX_PENDING_PER_ADDRESS", "MAX_PENDING"])
async def test_stalled_clients_filling_the_pending_cap_do_not_lock_out_a_student(serve, monkeypatch, cap):
    monkeypatch.setattr(ssh, cap, 6)
    monkeypatch.setattr(ssh, "STALLED_AFTER", 0.3, raising=False)
    served = await serve()
    stalled = await stalled_after_greeting(served, 6)
    await asyncio.sleep(0.4)  # they have stalled for longer than STALLED_AFTER
    status, stderr = await openssh_login(served)
    assert (status, "the app needs a terminal" in stderr) == (1, True), stderr
    assert sum(1 for reader, _ in stalled if reader.at_eof() or reader.exception()) <= 1
    for _, writer in stalled:
        writer.close()


async def test_a_client_that_stalls_after_the_version_exchange_is_dropped(serve, monkeypatch):
    monkeypatch.setattr(ssh, "AUTH_START_TIMEOUT", 0.5, raising=False)
    served = await serve()
    ((reader, writer),) = await stalled_after_greeting(served, 1)

    async def until_closed() -> None:
        while await reader.read(4096):
            pass

    await asyncio.wait_for(until_closed(), 5)  # not the 120 s login time
    writer.close()
    await eventually(lambda: served.listener.classroom.pending_total() == 0, "the stall's release")
    await assert_still_serving(served)


async def test_the_rate_limit_applies_as_connections_arrive(serve, monkeypatch):
    """Connections over the per-address rate are refused on arrival: they never take a place
    among those waiting to log in, however many come."""
    monkeypatch.setattr(ssh, "MAX_PENDING_PER_ADDRESS", 3)
    served = await serve(connections_per_minute=1)
    first = await stalled_after_greeting(served, 1)
    extra = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(12)]
    await asyncio.sleep(0.2)
    assert served.listener.classroom.pending_total() == 1
    assert sum(served.listener.classroom.refusing.values()) <= ssh.MAX_REFUSING_PER_ADDRESS
    for _, writer in first + extra:
        writer.close()


@pytest.mark.parametrize(("request_kind", "logged"), [
    ("exec", "refused a remote command for 'student' from 127.0.0.1:\\d+: 'cat /etc/passwd'"),
    ("scp", "refused an scp file transfer for 'student' from .*: 'scp -t /tmp/x'"),
    ("subsystem", "refused the 'netconf' subsystem for 'student' from "),
    ("sftp", "refused the 'sftp' subsystem \\(file transfer\\) for 'student' from "),
    ("no terminal", "refused a session without a terminal for 'student' from "),
    ("x11", "refused X11 forwarding for 'student' from "),
    ("agent", "refused agent forwarding for 'student' from "),
    ("local forward", "refused port forwarding to '127.0.0.1':\\d+ for 'student' from "),
])
async def test_every_refusal_is_logged_with_who_asked(serve, caplog, tmp_path, request_kind, logged):

    caplog.set_level("INFO", logger="marl_tui.serve")
    served = await serve()
    options = {"x11": dict(x11_forwarding=True, x11_display="127.0.0.1:0"),
               "agent": dict(agent_forwarding=True, agent_path=str(tmp_path / "agent.sock"))}
    async with served.connect(**options.get(request_kind, {})) as conn:
        if request_kind in ("exec", "scp"):
            await conn.run("cat /etc/passwd" if request_kind == "exec" else "scp -t /tmp/x")
        elif request_kind == "subsystem":
            await conn.run(subsystem="netconf")
        elif request_kind == "sftp":
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.start_sftp_client()
        elif request_kind == "no terminal":
            await conn.run()
        elif request_kind == "x11":
            with pytest.raises(asyncssh.ChannelOpenError):
                await open_session(served, conn)
        elif request_kind == "agent":
            process, _ = await open_session(served, conn)
            process.stdin.write(b"\r")
            await process.wait_closed()
        else:
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", 9)
    await until_no_sessions(served)
    await eventually(lambda: any(re.search(logged, r.getMessage()) for r in caplog.records),
                     f"a log line matching {logged!r}", timeout=5)


async def test_an_authorized_keys_file_made_writable_by_others_lets_nobody_in(serve, tmp_path, caplog):
    """Re-read at each login: once others may write it, its keys are no longer trusted."""
    caplog.set_level("INFO", logger="marl_tui.serve")
    key = asyncssh.generate_private_key("ssh-ed25519")
    keys = tmp_path / "authorized_keys"
    keys.write_bytes(key.export_public_key())
    keys.chmod(0o644)
    served = await serve(open_access=False, authorized_keys=keys)
    async with served.connect(client_keys=[key]):
        pass
    keys.chmod(0o666)
    with pytest.raises(asyncssh.PermissionDenied):
        async with served.connect(client_keys=[key]):
            pass
    assert any("writable by others (mode 666)" in r.getMessage() for r in caplog.records)


CRASHING_APP = textwrap.dedent(
    """
    import sys
    from marl_tui.cli import main
    from marl_tui.screens.game import GameScreen

    def explode(self):
        raise MemoryError("simulated: the session ran out of memory")

    GameScreen.action_flip_analysis = explode  # the "v" key
    sys.exit(main())
    """
)


async def test_an_uncaught_error_shows_one_line_ends_the_session_and_is_logged(serve, tmp_path, caplog):
    """The real app, made to raise MemoryError on a key: the student sees one line (no traceback,
    no path), the session ends and its seat is freed at once; the traceback is in the server log."""
    import pyte

    caplog.set_level("INFO", logger="marl_tui.serve")
    (tmp_path / "crashing_app.py").write_text(CRASHING_APP)
    served = await serve(app_module="crashing_app", app_arguments=["prisoners-dilemma"])
    screen = pyte.Screen(100, 30)
    stream = pyte.ByteStream(screen)
    raw = b""
    async with served.connect() as conn:
        process = await conn.create_process(term_type="xterm-256color", term_size=(100, 30))

        async def read_until(condition) -> None:
            nonlocal raw
            while not condition():
                chunk = await process.stdout.read(65536)
                if not chunk:
                    return
                raw += chunk
                stream.feed(chunk)

        await asyncio.wait_for(read_until(lambda: "Nash equilibria (1)" in "\n".join(screen.display)), 60)
        raw = b""
        process.stdin.write(b"v")
        await asyncio.wait_for(read_until(lambda: False), 15)  # to the end of the session
        await asyncio.wait_for(process.wait_closed(), 5)
    text = raw.decode(errors="replace")
    assert "marl-tui: the app stopped on an internal error (the details are in the server's log)." in text
    for leak in ("Traceback", "MemoryError", "File \"", "site-packages", str(Path(ssh.__file__).parent)):
        assert leak not in text, leak
    assert process.exit_status == 70
    await until_no_sessions(served)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "stopped on an error:\nTraceback" in logged
    assert "MemoryError: simulated: the session ran out of memory" in logged


class FakeChannel:
    """The parts of an SSH server process the bridge uses: stdin yields `inputs` (bytes, or an
    exception to raise), stdout collects what the app wrote."""

    def __init__(self, inputs: list) -> None:
        self.inputs, self.written = list(inputs), b""
        self.stdin, self.stdout = self, self

    async def read(self, size: int) -> bytes:
        if not self.inputs:
            await asyncio.sleep(3600)
        item = self.inputs.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def write(self, data: bytes) -> None:
        self.written += data

    async def drain(self) -> None:
        pass

    async def wait_closed(self) -> None:
        await asyncio.sleep(3600)


async def test_the_bridge_steps_copy_keys_and_sizes_in_and_output_out():
    import pty
    import struct
    import termios
    from fcntl import ioctl

    master, slave = pty.openpty()
    try:
        channel = FakeChannel([asyncssh.TerminalSizeChanged(90, 33, 0, 0), b"keys\n", b""])
        bridge = ssh._Bridge(channel, master, idle_timeout=5)
        os.set_blocking(master, False)
        assert await bridge.client_to_app() == "client closed"
        assert os.read(slave, 100) == b"keys\n"
        rows, columns = struct.unpack("HHHH", ioctl(slave, termios.TIOCGWINSZ, b"\0" * 8))[:2]
        assert (columns, rows) == (90, 33)
        assert await ssh._Bridge(FakeChannel([]), master, idle_timeout=0.2).client_to_app() == "idle"
        os.write(slave, b"drawn")
        output = asyncio.ensure_future(bridge.app_to_client())
        await eventually(lambda: b"drawn" in channel.written, "the app's output reaching the client")
        os.close(slave)  # the app's side of the terminal goes: the copy ends
        slave = None
        await asyncio.wait_for(output, 5)
    finally:
        os.close(master)
        if slave is not None:
            os.close(slave)


async def test_a_students_folder_and_files_are_bounded(serve):
    """The disk limit reaches the app: as the folder quota it checks before saving, and as the
    largest file it may write (RLIMIT_FSIZE), so one session cannot fill the disk."""
    served = await serve(limits=SessionLimits(cpu_seconds=600, memory_mb=1024, nice=5, disk_mb=5))
    async with served.connect() as conn:
        process, output = await open_session(served, conn)
        assert (field(output, "FSIZE"), field(output, "QUOTA")) == (str(5 * 2**20), "5")
        process.stdin.write(b"\r")
        await process.wait_closed()


async def test_one_address_holds_at_most_its_share_of_seats(serve):
    """With a shared class password nothing tells students apart but their address: bounded,
    one student cannot open every seat (the others still can)."""
    served = await serve(open_access=False, password_hash=hash_password("s3cret"), max_sessions=5,
                         sessions_per_address=2)
    async with served.connect(password="s3cret") as one, served.connect(password="s3cret") as two, \
            served.connect(password="s3cret") as three:
        first, _ = await open_session(served, one)
        second, _ = await open_session(served, two)
        refused = await three.create_process(term_type="xterm", term_size=(80, 24))
        assert "your address already has 2 session(s) open" in await read_until(
            refused, "first", stream="stderr")
        assert served.slots.active == 2
        for process in (first, second):
            process.stdin.write(b"\r")
            await process.wait_closed()
    await until_no_sessions(served)
    assert served.listener.classroom.sessions_by_address == {}
    async with served.connect(password="s3cret") as again:  # the seats were given back
        process, output = await open_session(served, again)
        assert "TTY=True" in output
        process.stdin.write(b"\r")
        await process.wait_closed()
