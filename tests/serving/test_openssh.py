"""The real OpenSSH client against the real `marl-tui serve`: a student in a terminal (tmux), and refusals.

The server is the installed command in its own process, with a class password and an authorized key
set up as a teacher would; clients are plain `ssh` invocations.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.serving.processes import alive
from tests.serving.server_process import ServerProcess
from tests.tmux import Tmux

pytestmark = pytest.mark.slow  # needs tmux and the OpenSSH client: `make test` installs both

PASSWORD = "class of 2026"


@pytest.fixture(scope="module")
def teacher(tmp_path_factory) -> Path:
    """A home with a class password set through the CLI, an authorized student key and a stranger's key."""
    home = tmp_path_factory.mktemp("teacher")
    config = home / ".config" / "marl-tui"
    config.mkdir(parents=True)
    for name in ("student", "stranger"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(home / name)],
                       check=True)
    shutil.copy(home / "student.pub", config / "authorized_keys")
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    subprocess.run([sys.executable, "-m", "marl_tui", "serve", "--set-password"], input=PASSWORD + "\n",
                   text=True, env=env, check=True, capture_output=True)
    askpass = home / "askpass"
    askpass.write_text("#!/bin/sh\necho \"$MARL_TUI_TEST_PASSWORD\"\n")
    askpass.chmod(0o700)
    return home


@pytest.fixture
def server(teacher):
    served = ServerProcess(teacher, "--ssh", "127.0.0.1:0", "--rate", "1000", "prisoners-dilemma")
    yield served
    apps = served.children()  # before the server goes: afterwards they would belong to init
    assert served.stop() == 0
    assert not any(alive(pid) for pid in apps)


def ssh(home: Path, port: int, *arguments: str, key: str | None = "student",
        password: str | None = None) -> list[str]:
    """An OpenSSH command line that logs in with `key`, or with `password` through SSH_ASKPASS.

    `arguments` come first: for OpenSSH the first value given for an option wins.
    """
    command = ["ssh", *arguments, "-F", "/dev/null", "-p", str(port), "-o", "UserKnownHostsFile=/dev/null",
               "-o", "StrictHostKeyChecking=no", "-o", "LogLevel=ERROR", "-o", "IdentityAgent=none",
               "-o", "ConnectTimeout=20"]
    if password is None:
        command += ["-i", str(home / key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]
    else:
        command += ["-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password",
                    "-o", "NumberOfPasswordPrompts=1"]
    return [*command, "student@127.0.0.1"]


def run_ssh(home: Path, port: int, *arguments: str, remote: list[str] = (), password: str | None = None,
            **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "SSH_ASKPASS": str(home / "askpass"), "SSH_ASKPASS_REQUIRE": "force",
           "DISPLAY": ":0", "MARL_TUI_TEST_PASSWORD": password or ""}
    return subprocess.run([*ssh(home, port, *arguments, password=password, **kwargs), *remote],
                          capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


def session_pid(server: ServerProcess, number: int) -> int:
    """The app's process id from the server's log line for the `number`-th session."""
    matches = []
    server.wait_for(r"session \d+/\d+ for 'student' from .* \(pid \d+")
    for line in server.lines:
        if match := re.search(r"session \d+/\d+ for 'student' from .* \(pid (\d+)", line):
            matches.append(int(match.group(1)))
    assert len(matches) >= number, server.lines
    return matches[number - 1]


def test_a_student_gets_the_app_keys_reach_it_resizes_follow_and_leaving_cleans_up(server, teacher):
    tmux = Tmux(ssh(teacher, server.port, "-t"), width=100, height=30)
    try:
        tmux.wait_for("Nash equilibria (1)")
        pid = session_pid(server, 1)
        assert pid in server.children()
        tmux.keys("?")
        tmux.wait_for("Close help")  # the help screen: a key press reached the app
        tmux.keys("Escape")
        tmux.wait_for("Nash equilibria (1)")
        tmux.resize(140, 40)
        tmux.wait_until(lambda screen: max(len(line.rstrip()) for line in screen.splitlines()) > 120,
                        "the app never redrew at the new width")
        size = subprocess.run(["stty", "-F", os.readlink(f"/proc/{pid}/fd/0"), "size"],
                              capture_output=True, text=True).stdout.split()
        assert size == ["40", "140"]
    finally:
        tmux.close()  # hangs up the ssh client, as closing a laptop's terminal window would
    server.wait_for(r"session end for 'student' from .* after .*: client closed")
    server.wait_for(r"disconnect 'student' from 127\.0\.0\.1")
    assert not alive(pid)


def test_the_class_password_lets_in_and_a_wrong_one_does_not(server, teacher):
    wrong = run_ssh(teacher, server.port, "-T", password="guess", remote=["x"])
    assert wrong.returncode == 255 and "Permission denied" in wrong.stderr
    right = run_ssh(teacher, server.port, "-T", password=PASSWORD)
    assert right.returncode == 1 and "needs a terminal" in right.stderr
    server.wait_for("wrong password for 'student'")


@pytest.mark.parametrize(("arguments", "remote", "status", "message"), [
    (["-i", "stranger"], [], 255, "Permission denied"),
    ([], ["cat", "/etc/passwd"], 1, "remote commands are refused"),
    (["-s"], ["sftp"], None, "subsystem request failed"),
    (["-s"], ["netconf"], 1, "subsystem is not offered"),
    (["-W", "127.0.0.1:{port}"], [], 255, "stdio forwarding failed"),
    (["-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:{port}"], [], 255, "forwarding failed"),
    (["-T"], [], 1, "the app needs a terminal"),
])
def test_refusals_leave_the_server_serving(server, teacher, arguments, remote, status, message):
    key = "student"
    if arguments[:1] == ["-i"]:
        key, arguments = arguments[1], arguments[2:]
    with socket.create_server(("127.0.0.1", 0)) as target:  # forwarding has somewhere real to go
        target.settimeout(0)
        arguments = [a.format(port=target.getsockname()[1]) for a in arguments]
        result = run_ssh(teacher, server.port, *arguments, remote=remote, key=key)
        with pytest.raises(BlockingIOError):
            target.accept()  # nothing was forwarded to it
    assert message in result.stderr, result
    if status is not None:
        assert result.returncode == status, result
    assert server.children() == []
    still = run_ssh(teacher, server.port, "-T")
    assert still.returncode == 1 and "the app needs a terminal" in still.stderr  # served and answered


def test_the_host_key_survives_a_restart(teacher, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    check = ["-o", f"UserKnownHostsFile={known_hosts}", "-o", "HostKeyAlias=marl-tui-class", "-T"]
    for accept in ("accept-new", "yes"):
        served = ServerProcess(teacher, "--ssh", "127.0.0.1:0")
        try:
            result = run_ssh(teacher, served.port, "-o", f"StrictHostKeyChecking={accept}", *check)
            assert "the app needs a terminal" in result.stderr, result
        finally:
            served.stop()
    assert known_hosts.read_text().count("marl-tui-class") == 1


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGKILL"])
def test_stopping_the_server_even_abruptly_stops_the_students_apps(teacher, stop):
    served = ServerProcess(teacher, "--ssh", "127.0.0.1:0")
    client = subprocess.Popen(ssh(teacher, served.port, "-tt"), stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pid = session_pid(served, 1)
        if stop == "SIGTERM":
            assert served.stop() == 0
            served.wait_for(r"stopping: 1 live session")
        else:  # no chance to clean up: the app dies with its terminal and its parent
            served.process.kill()
            served.process.wait(10)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid)
        client.wait(20)  # the student's ssh ends too, rather than hanging
    finally:
        client.kill()
        client.wait()
        served.stop()
        with contextlib.suppress(ProcessLookupError, UnboundLocalError):
            os.killpg(pid, signal.SIGKILL)  # should the test have failed with the app alive

