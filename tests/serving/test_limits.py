"""What each student may use: connection rate (fake clock), seats, stopping real child processes, and
the resource limits the child launcher applies before it becomes the app (checked in real processes)."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from marl_tui.serving import child as child_launcher
from marl_tui.serving.limits import RateLimiter, SessionLimits, SessionSlots, stop_child
from tests.serving.processes import until_gone


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(per_minute: float, **kwargs) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(per_minute, clock=clock, **kwargs), clock


# ----- RateLimiter ------------------------------------------------------------------------------
def test_a_burst_of_per_minute_connections_then_refusal():
    rate, _ = limiter(6)
    assert [rate.allow("10.0.0.1") for _ in range(7)] == [True] * 6 + [False]
    assert rate.retry_after("10.0.0.1") == 10  # one token every 60/6 s


def test_tokens_come_back_at_the_rate_and_never_beyond_the_burst():
    rate, clock = limiter(60, burst=3)  # one a second
    assert [rate.allow("a") for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5
    assert not rate.allow("a")  # half a token: still refused, and refusing costs nothing
    clock.now += 0.5
    assert rate.allow("a") and not rate.allow("a")
    clock.now += 3600  # a long pause refills only up to the burst
    assert [rate.allow("a") for _ in range(4)] == [True, True, True, False]


@pytest.mark.parametrize("per_minute", [1, 6, 7, 30, 45, 100])
def test_retry_after_is_just_long_enough(per_minute):
    rate, clock = limiter(per_minute, burst=1)
    assert rate.allow("a") and not rate.allow("a")
    wait = rate.retry_after("a")
    assert wait == max(1, -(-60 // per_minute))  # ceil(60 / per_minute) whole seconds
    if wait > 1:
        clock.now += wait - 1
        assert not rate.allow("a")
    clock.now += 1
    assert rate.allow("a")


def test_an_unknown_or_full_address_may_retry_at_once():
    rate, _ = limiter(30)
    assert rate.retry_after("never seen") == 1
    rate.allow("a")
    assert rate.retry_after("a") == 1


def test_addresses_have_their_own_buckets():
    rate, _ = limiter(2)
    assert rate.allow("a") and rate.allow("a") and not rate.allow("a")
    assert rate.allow("b") and rate.allow("b") and not rate.allow("b")
    assert not rate.allow("a")


def test_the_table_is_bounded_and_forgets_the_least_recently_seen():
    rate, _ = limiter(1, burst=1, max_addresses=3)
    assert rate.allow("a") and rate.allow("b") and rate.allow("c")
    assert not rate.allow("a")  # "a" is now the most recently seen, "b" the least
    assert rate.allow("d")
    assert list(rate.buckets) == ["c", "a", "d"]
    assert not rate.allow("a")  # remembered: still out of tokens
    assert rate.allow("b")  # forgotten: a fresh bucket
    assert len(rate.buckets) == 3
    for number in range(1000):
        rate.allow(f"scanner-{number}")
    assert len(rate.buckets) == 3


# ----- SessionSlots -----------------------------------------------------------------------------
def test_seats_are_taken_until_the_class_is_full_and_freed_on_release():
    slots = SessionSlots(2)
    first, second = slots.take(), slots.take()
    assert first is not None and second is not None and first != second
    assert slots.take() is None and slots.active == 2
    slots.release(first)
    third = slots.take()
    assert third not in (None, first, second) and slots.active == 2
    slots.release(12345)  # releasing twice or an unknown seat is harmless
    slots.release(first)
    assert slots.active == 2


async def test_a_stopping_server_gives_no_new_seats():
    slots = SessionSlots(5)
    seat = slots.take()
    await slots.stop_all()
    assert slots.stopping and slots.take() is None
    slots.release(seat)
    assert slots.take() is None


CHILD = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    if sys.argv[1] == "stubborn":
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print(grandchild.pid, flush=True)
    time.sleep(60)
    """
)


async def start_child(kind: str) -> tuple[asyncio.subprocess.Process, int]:
    """A child leading its own session (as the servers start them) with a grandchild in its group."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, kind, stdout=subprocess.PIPE, start_new_session=True)
    line = await asyncio.wait_for(child.stdout.readline(), 20)  # its SIGHUP handler is set by now
    return child, int(line)


async def test_stop_all_hangs_up_every_group_and_kills_what_ignores_it():
    slots = SessionSlots(3)
    polite, polite_grandchild = await start_child("polite")
    stubborn, stubborn_grandchild = await start_child("stubborn")
    for child in (polite, stubborn):
        slots.attach(slots.take(), child)
    slots.take()  # a seat whose app is still starting holds no process yet
    started = time.monotonic()
    await slots.stop_all(grace=0.5)
    elapsed = time.monotonic() - started
    assert polite.returncode == -signal.SIGHUP
    assert stubborn.returncode == -signal.SIGKILL
    assert 0.5 <= elapsed < 5
    for pid in (polite_grandchild, stubborn_grandchild):  # the whole process group goes
        await until_gone(pid)
    assert slots.take() is None


async def test_stop_all_returns_at_once_when_every_child_hangs_up():
    slots = SessionSlots(1)
    polite, grandchild = await start_child("polite")
    slots.attach(slots.take(), polite)
    started = time.monotonic()
    await slots.stop_all(grace=10)
    assert time.monotonic() - started < 5 and polite.returncode == -signal.SIGHUP
    await until_gone(grandchild)


async def test_stop_child_kills_a_child_that_ignores_the_hangup():
    stubborn, grandchild = await start_child("stubborn")
    await stop_child(stubborn, grace=0.3)
    assert stubborn.returncode == -signal.SIGKILL
    await until_gone(grandchild)
    await stop_child(stubborn, grace=0.3)  # already gone: nothing to do


# ----- SessionLimits and the child launcher -----------------------------------------------------
PROBE = textwrap.dedent(
    """
    import ctypes, os, resource, sys
    if sys.argv[1:2] == ["allocate"]:
        try:
            block = bytearray(2 * 1024**3)
        except MemoryError:
            print("MemoryError", flush=True)
            sys.exit(0)
        print(f"allocated {len(block)}", flush=True)
        sys.exit(0)
    deathsig = ctypes.c_int(-1)
    ctypes.CDLL(None).prctl(2, ctypes.byref(deathsig))  # PR_GET_PDEATHSIG
    print(resource.getrlimit(resource.RLIMIT_CPU), resource.getrlimit(resource.RLIMIT_AS),
          resource.getrlimit(resource.RLIMIT_CORE), os.getpriority(os.PRIO_PROCESS, 0),
          os.getpid(), deathsig.value, sys.argv[1:], sep="|")
    """
)


@pytest.fixture
def probe(tmp_path) -> tuple[str, dict[str, str]]:
    """A module the launcher can run in place of the app, and the environment that finds it."""
    (tmp_path / "limits_probe.py").write_text(PROBE)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [
        str(tmp_path), os.environ.get("PYTHONPATH")])))
    return "limits_probe", env


def launch(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run `argv` to its end; its process id and what it printed."""
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    return process.pid, out.strip()


def test_the_launcher_applies_every_limit_then_becomes_the_app(probe):
    module, env = probe
    argv = [sys.executable, "-m", "marl_tui.serving.child", "--cpu-seconds", "7",
            "--memory-mb", "900", "--nice", "3", "--module", module, "--", "--sandbox", "/x", "pd"]
    pid, out = launch(argv, env)
    cpu, memory, core, priority, app_pid, deathsig, arguments = out.split("|")
    assert cpu == "(7, 12)"
    assert memory == f"({900 * 2**20}, {900 * 2**20})"
    assert core == "(0, 0)"
    assert int(priority) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + 3)
    assert int(app_pid) == pid  # exec, not a grandchild: the server watches the app's own pid
    assert int(deathsig) == signal.SIGHUP  # dies with the server
    assert arguments == "['--sandbox', '/x', 'pd']"


def test_zero_means_no_limit(probe):
    module, env = probe
    argv = child_launcher.command(SessionLimits(cpu_seconds=None, memory_mb=None, nice=0), [], module)
    _, out = launch(argv, env)
    cpu, memory, core, priority, *_ = out.split("|")
    # the child inherits this process's own CPU and address-space limits, and never dumps core
    assert (cpu, memory, core) == (str(resource.getrlimit(resource.RLIMIT_CPU)),
                                   str(resource.getrlimit(resource.RLIMIT_AS)), "(0, 0)")
    assert int(priority) == os.getpriority(os.PRIO_PROCESS, 0)


def test_the_memory_limit_bites(probe):
    module, env = probe
    argv = child_launcher.command(SessionLimits(cpu_seconds=60, memory_mb=600, nice=0), ["allocate"],
                                  module)
    assert launch(argv, env)[1] == "MemoryError"


def test_command_runs_the_launcher_with_the_limits_then_the_app_arguments():
    argv = child_launcher.command(SessionLimits(cpu_seconds=7, memory_mb=None, nice=3),
                                  ["--sandbox", "/srv/files/alice", "prisoners-dilemma"], "probe")
    assert argv == [sys.executable, "-m", "marl_tui.serving.child",
                    "--cpu-seconds", "7", "--memory-mb", "0", "--nice", "3", "--module", "probe",
                    "--", "--sandbox", "/srv/files/alice", "prisoners-dilemma"]
    assert child_launcher.command(SessionLimits(), [])[3:] == [
        "--cpu-seconds", "3600", "--memory-mb", "2048", "--nice", "10", "--module", "marl_tui", "--"]


@pytest.mark.parametrize(("returncode", "message"), [
    (0, None),
    (130, None),  # the student pressed ctrl+c
    (3, "the app ended unexpectedly (exit status 3)"),
    (1, "the app ended unexpectedly (exit status 1)"),
    (-signal.SIGXCPU, "this session used its CPU time limit (7 s)"),
    (-signal.SIGKILL, "the app was stopped by signal SIGKILL"),
    (-signal.SIGSEGV, "the app was stopped by signal SIGSEGV"),
])
def test_describe_exit_explains_limits_and_crashes(returncode, message):
    assert SessionLimits(cpu_seconds=7).describe_exit(returncode) == message


def test_describe_exit_names_a_signal_without_a_name_too():
    """Real-time signals between SIGRTMIN and SIGRTMAX have no `signal.Signals` member."""
    number = signal.SIGRTMIN + 6
    message = SessionLimits().describe_exit(-number)
    assert message is not None and str(number) in message


@pytest.mark.skipif(os.geteuid() != 0, reason="switching accounts needs root")
def test_the_launcher_drops_to_the_account_after_its_limits_and_cannot_return(tmp_path):
    """`prepare` in a forked copy of this process, as the launcher runs it before exec: limits
    set, then the account `nobody` (its groups too), for good; death with the parent still asked."""
    import ctypes
    import json
    import pwd



    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, never return into pytest
        try:
            child_launcher.prepare(SessionLimits(cpu_seconds=50, memory_mb=1024, nice=0, user="nobody"))
            try:
                os.setuid(0)
                regained = True
            except PermissionError:
                regained = False
            signal_number = ctypes.c_int()
            ctypes.CDLL(None).prctl(2, ctypes.byref(signal_number))  # PR_GET_PDEATHSIG
            report = dict(uid=os.getuid(), euid=os.geteuid(), gid=os.getgid(), groups=os.getgroups(),
                          regained=regained, cpu=resource.getrlimit(resource.RLIMIT_CPU)[0],
                          home=os.environ["HOME"], pdeathsig=signal_number.value)
            os.write(write_end, json.dumps(report).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    report = json.loads(os.read(read_end, 65536))
    os.close(read_end)
    nobody = pwd.getpwnam("nobody")
    assert (report["uid"], report["euid"], report["gid"]) == (nobody.pw_uid, nobody.pw_uid, nobody.pw_gid)
    assert set(report["groups"]) == set(os.getgrouplist("nobody", nobody.pw_gid))
    assert not report["regained"] and report["cpu"] == 50 and report["home"] == nobody.pw_dir
    assert report["pdeathsig"] == signal.SIGHUP


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder away needs root")
def test_a_students_folder_belongs_to_the_owner_of_the_files_root(tmp_path):
    import pwd

    from marl_tui.serving.child import student_folder

    nobody = pwd.getpwnam("nobody")
    root = tmp_path / "files"
    root.mkdir()
    os.chown(root, nobody.pw_uid, nobody.pw_gid)
    folder = student_folder(root, "alice")
    assert (folder.stat().st_uid, folder.stat().st_gid) == (nobody.pw_uid, nobody.pw_gid)
