"""`marl-tui serve` from the command line: what it refuses (one line, exit 2), what it turns the
arguments into, `--set-password`, and one real server started, connected to and stopped with SIGTERM.

Most tests run `marl_tui.cli.main` in-process with the server's `serve` replaced by a recorder, so a
test that wrongly gets past the checks returns instead of serving forever. HOME and the XDG folders
point into `tmp_path`: nothing here reads or writes the real home.
"""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import sys
from pathlib import Path

import asyncssh
import pytest

from marl_tui.cli import main
from marl_tui.cli.commands import serve as serve_command
from marl_tui.serving import run as run_module
from marl_tui.serving.options import Address, ServeOptions
from marl_tui.serving.passwords import hash_password, load_password_hash, verify_password
from tests.serving.server_process import ServerProcess


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh home: HOME, XDG_CONFIG_HOME and XDG_DATA_HOME all inside `tmp_path`."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "home").mkdir()
    return tmp_path


@pytest.fixture(autouse=True)
def server_log():
    """Undo `configure_logging`, whose handler would keep writing to this test's captured stderr."""
    log = logging.getLogger("marl_tui.serve")
    saved = (list(log.handlers), log.level, log.propagate)
    yield
    log.handlers[:], log.level, log.propagate = saved


@pytest.fixture(autouse=True)
def not_root(monkeypatch):
    """These tests run as root on some machines: they check everything but the root rule as an
    ordinary teacher would meet it (the root tests below set it back)."""
    monkeypatch.setattr(serve_command, "running_as_root", lambda: False)


@pytest.fixture
def served(monkeypatch) -> list[ServeOptions]:
    """Replace the server by a recorder of the options it was given, reporting the ports bound (2222 for 0)."""
    calls: list[ServeOptions] = []

    async def record(options: ServeOptions, on_ready=None, stop=None) -> None:
        calls.append(options)
        if on_ready is not None:
            on_ready({kind: getattr(options, kind).port or 2222
                      for kind in ("ssh", "web") if getattr(options, kind) is not None})

    monkeypatch.setattr(run_module, "serve", record)
    return calls


def refused(capsys, argv: list[str]) -> str:
    """Run `marl-tui serve argv`, expect exit 2 and one line on stderr, and return that line."""
    code = main(["serve", *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("marl-tui serve: error: ") and err.count("\n") == 1, err
    return err


def config(home: Path) -> Path:
    folder = home / "config" / "marl-tui"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_help_lists_the_options(capsys, home, monkeypatch):
    monkeypatch.setenv("COLUMNS", "1000")  # no wrapping inside the long default paths
    with pytest.raises(SystemExit) as done:
        main(["serve", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for option in ("--ssh", "--web", "--open", "--set-password", "--max-sessions", "--authorized-keys",
                   "--memory-limit", "GAME_OR_FILE"):
        assert option in out
    assert str(home / "config" / "marl-tui" / "class-password") in out  # defaults follow XDG


def test_nowhere_to_serve_is_refused(capsys, home, served):
    assert "say where to serve: --ssh [HOST:]PORT and/or --web" in refused(capsys, [])
    assert served == []


def test_ssh_without_any_way_to_log_in_is_refused(capsys, home, served):
    err = refused(capsys, ["--ssh", "2222"])
    for remedy in ("--set-password", "--authorized-keys", "--open"):
        assert remedy in err
    assert served == []


@pytest.mark.parametrize(("argv", "message"), [
    (["--ssh", "abc"], "port must be a number from 0 to 65535, got 'abc'"),
    (["--ssh", "70000"], "port must be a number from 0 to 65535, got '70000'"),
    (["--ssh", "::1:22"], "write an IPv6 address in brackets, as [::1]:22"),
    (["--ssh", ":22"], "missing host"),
    (["--web", "[::1]22"], "expected [IPV6]:PORT"),
])
def test_bad_addresses_are_refused(capsys, home, served, argv, message):
    assert f"--ssh/--web: {message}" in refused(capsys, [*argv, "--open"])


def test_a_missing_authorized_keys_file_is_refused(capsys, home, served):
    missing = home / "nowhere" / "authorized_keys"
    assert f"--authorized-keys: no such file {missing}" in refused(
        capsys, ["--ssh", "2222", "--authorized-keys", str(missing)])


@pytest.mark.parametrize("mode", [0o666, 0o646, 0o664])
def test_an_authorized_keys_file_others_can_write_is_refused(capsys, home, served, mode):
    keys = home / "authorized_keys"
    keys.write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_public_key())
    keys.chmod(mode)
    err = refused(capsys, ["--ssh", "2222", "--authorized-keys", str(keys)])
    assert f"writable by others (mode {mode:o})" in err and f"chmod 644 {keys}" in err
    assert served == []


def test_a_host_key_others_can_read_is_reported_compromised_and_left_alone(capsys, home, served):
    key = home / "host_key"
    key.write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_private_key())
    key.chmod(0o644)
    err = refused(capsys, ["--ssh", "2222", "--open", "--host-key", str(key)])
    assert "treat it as compromised" in err and "generate a new host key" in err
    assert key.stat().st_mode & 0o777 == 0o644 and served == []


OUT_OF_RANGE = [
    (["--memory-limit", "100"], "--memory-limit must be from 1024 MB"),
    (["--memory-limit", "-1"], "--memory-limit"),
    (["--cpu-limit", "-1"], "--cpu-limit"),
    (["--max-sessions", "0"], "--max-sessions must be a positive number"),
    (["--max-sessions", "-3"], "--max-sessions must be a positive number"),
    (["--rate", "0"], "--rate must be a positive number"),
    (["--rate", "-2"], "--rate must be a positive number"),
    (["--idle-timeout", "0"], "--idle-timeout must be a positive number"),
    (["--idle-timeout", "-5"], "--idle-timeout must be a positive number"),
    (["--rate", "nan"], "--rate"),
    (["--rate", "inf"], "--rate"),
    (["--idle-timeout", "nan"], "--idle-timeout"),
    (["--nice", "-5"], "--nice"),  # raising priority fails in every child of a normal user
    (["--memory-limit", "99999999999"], "--memory-limit must be from 1024 MB"),
    (["--cpu-limit", "100000000000"], "--cpu-limit must be at most"),
    (["--web", "0.0.0.0:0", "--token", ""], "--token must be at least 8 characters"),
    (["--web", "8000", "--public-url", "http://[bad"], "--public-url:"),
    (["--web", "8000", "--public-url", "relative/path"], "--public-url must look like"),
]


@pytest.mark.parametrize(("argv", "option"), OUT_OF_RANGE,
                         ids=[" ".join(argv) for argv, _ in OUT_OF_RANGE])
def test_limits_out_of_range_are_refused(capsys, home, served, argv, option):
    assert option in refused(capsys, ["--ssh", "2222", "--open", *argv])
    assert served == []


def test_a_host_key_path_that_is_no_key_file_is_refused_untouched(capsys, home, served):
    folder = home / "keys"
    folder.mkdir(mode=0o755)
    assert f"--host-key {folder}: {folder} is not a regular file" in refused(
        capsys, ["--ssh", "2222", "--open", "--host-key", str(folder)])
    assert folder.stat().st_mode & 0o777 == 0o755
    garbage = home / "garbage"
    garbage.write_text("not a key")
    assert f"--host-key {garbage}:" in refused(capsys, ["--ssh", "2222", "--open", "--host-key", str(garbage)])


def test_a_files_folder_that_cannot_be_made_is_refused(capsys, home, served):
    blocker = home / "a-file"
    blocker.write_text("")
    assert "--files: cannot create" in refused(
        capsys, ["--ssh", "2222", "--open", "--files", str(blocker / "students")])


def test_an_unknown_game_is_refused(capsys, home, served):
    err = refused(capsys, ["--ssh", "2222", "--open", "no-such-game-anywhere"])
    assert "neither a file nor a known game" in err


def test_a_password_file_others_can_read_is_refused(capsys, home, served):
    path = config(home) / "class-password"
    path.write_text(hash_password("s3cret") + "\n")
    path.chmod(0o644)
    err = refused(capsys, ["--ssh", "2222"])
    assert f"chmod 600 {path}" in err
    assert served == []


def test_a_password_file_without_a_hash_is_refused(capsys, home, served):
    path = home / "elsewhere"
    path.write_text("s3cret\n")
    path.chmod(0o600)
    assert "--set-password" in refused(capsys, ["--ssh", "2222", "--password-file", str(path)])


def test_set_password_reads_a_piped_line_and_stores_only_its_hash(capsys, home, served, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("  class of 2026  \n"))
    assert main(["serve", "--set-password"]) == 0
    path = config(home) / "class-password"
    assert str(path) in capsys.readouterr().err
    assert path.stat().st_mode & 0o777 == 0o600
    assert b"class of 2026" not in path.read_bytes()
    stored = load_password_hash(path)
    assert verify_password("  class of 2026  ", stored)  # spaces are part of the password
    assert not verify_password("class of 2026", stored)
    assert served == []  # it only stores, then exits

    assert main(["serve", "--ssh", "2222"]) == 0  # the stored password is now a way to log in
    (options,) = served
    assert options.password_hash == stored and not options.open_access
    assert "SSH login with the class password" in capsys.readouterr().err


def test_set_password_refuses_an_empty_one(capsys, home, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert "must not be empty" in refused(capsys, ["--set-password"])
    assert not (home / "config" / "marl-tui" / "class-password").exists()


def test_set_password_where_no_file_can_be_written_is_one_line(capsys, home, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret\n"))
    blocker = home / "a-file"
    blocker.write_text("")
    target = blocker / "class-password"  # its folder is a file
    assert str(target) in refused(capsys, ["--set-password", "--password-file", str(target)])


def test_arguments_become_the_server_options_and_the_banner(capsys, home, served):
    files = home / "class-files"
    assert main(["serve", "--ssh", "0.0.0.0:2200", "--open", "--max-sessions", "5", "--rate", "12",
                 "--idle-timeout", "60", "--cpu-limit", "0", "--memory-limit", "1024", "--nice", "4",
                 "--files", str(files), "prisoners-dilemma"]) == 0
    (options,) = served
    assert options.ssh == Address("0.0.0.0", 2200) and options.web is None
    assert options.open_access and options.authorized_keys is None and options.password_hash is None
    assert (options.max_sessions, options.connections_per_minute, options.idle_timeout) == (5, 12, 60)
    limits = options.limits
    assert (limits.cpu_seconds, limits.memory_mb, limits.nice) == (None, 1024, 4)
    assert options.app_arguments == ["prisoners-dilemma"] and options.files_root == files
    assert options.host_key == home / "config" / "marl-tui" / "ssh_host_ed25519_key"
    assert options.host_key.stat().st_mode & 0o777 == 0o600  # generated for the fingerprint
    err = capsys.readouterr().err
    assert re.search(r"host key SHA256:\S+", err)
    assert "students run: ssh -p 2200 THIS-MACHINE" in err
    assert "WARNING: --open: anyone who can reach this port gets a session" in err
    assert f"each limited to unlimited CPU s and 1024 MB; files under {files}" in err
    assert "marl-tui: ssh listening on 0.0.0.0:2200" in err


def test_defaults_keep_everything_on_this_machine_and_in_the_xdg_folders(capsys, home, served):
    keys = config(home) / "authorized_keys"
    keys.write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_public_key())
    assert main(["serve", "--ssh", "2222"]) == 0  # the default authorized_keys is a way to log in
    (options,) = served
    assert options.ssh == Address("127.0.0.1", 2222) and options.ssh.loopback
    assert options.authorized_keys == keys and options.password_hash is None
    assert options.files_root == home / "data" / "marl-tui" / "students"
    assert (options.max_sessions, options.limits.cpu_seconds, options.limits.memory_mb) == (30, 3600, 2048)
    assert "SSH login with an authorized key" in capsys.readouterr().err


def test_open_access_drops_keys_and_password_and_says_so(capsys, home, served):
    folder = config(home)
    (folder / "authorized_keys").write_bytes(
        asyncssh.generate_private_key("ssh-ed25519").export_public_key())
    (folder / "class-password").write_text(hash_password("s3cret") + "\n")
    (folder / "class-password").chmod(0o600)
    assert main(["serve", "--ssh", "2222", "--open"]) == 0
    (options,) = served
    assert options.authorized_keys is None and options.password_hash is None and options.open_access
    err = capsys.readouterr().err
    assert "SSH login with no authentication" in err
    assert "WARNING: --open: anyone on this machine gets a session" in err


def test_a_game_file_is_passed_to_the_sessions_by_absolute_path(capsys, home, served, monkeypatch):
    from games.catalogue import get_game
    from games.io import save

    monkeypatch.chdir(home)
    save(get_game("prisoners-dilemma"), home / "pd.json")
    assert main(["serve", "--ssh", "2222", "--open", "pd.json"]) == 0
    assert served[0].app_arguments == [str(home / "pd.json")]


def test_an_ipv6_listener_is_announced_in_brackets(capsys, home, served):
    assert main(["serve", "--ssh", "[::1]:0", "--open"]) == 0
    assert "marl-tui: ssh listening on [::1]:2222" in capsys.readouterr().err


def test_an_unreadable_host_key_is_one_line_not_a_traceback(capsys, home, served):
    key = home / "broken_key"
    key.write_text("not a key\n")
    key.chmod(0o600)
    assert str(key) in refused(capsys, ["--ssh", "2222", "--open", "--host-key", str(key)])
    assert served == []


def test_a_port_in_use_is_one_line_not_a_traceback(capsys, home):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--ssh", f"127.0.0.1:{port}", "--open", "--host-key", str(home / "key")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    last = err.splitlines()[-1]  # after the banner
    assert last.startswith("marl-tui serve: error: ") and f"127.0.0.1:{port}" in last


def test_web_options_get_a_token_when_exposed(capsys, home, served):
    assert main(["serve", "--web", "0.0.0.0:8000"]) == 0
    assert main(["serve", "--web", "8000"]) == 0
    assert main(["serve", "--web", "8000", "--token", "chosen-token"]) == 0
    exposed, local, chosen = served
    assert exposed.token and len(exposed.token) >= 20 and exposed.ssh is None
    assert local.token is None and chosen.token == "chosen-token"
    err = capsys.readouterr().err
    assert exposed.token in err and "reverse proxy" in err


async def test_a_real_server_starts_accepts_a_connection_and_stops_on_sigterm(tmp_path):
    """`marl-tui serve --ssh 127.0.0.1:0 --open` as the teacher runs it, in its own process."""
    host_key = tmp_path / "host_key"
    server = ServerProcess(tmp_path, "--ssh", "127.0.0.1:0", "--open", "--files", str(tmp_path / "files"),
                           "--host-key", str(host_key))
    try:
        banner = "\n".join(server.lines)
        assert "WARNING: --open: anyone on this machine gets a session without any password or key" in banner
        fingerprint = re.search(r"host key (SHA256:\S+)", banner)[1]
        async with asyncssh.connect("127.0.0.1", server.port, username="teacher", known_hosts=None,
                                    client_keys=None) as conn:
            assert conn.get_server_host_key().get_fingerprint() == fingerprint
        server.wait_for("disconnect 'teacher' from 127.0.0.1")
    finally:
        status = server.stop(timeout=10)
    assert status == 0
    log = "\n".join(server.lines)
    assert "connect from 127.0.0.1" in log and "stopping: 0 live session(s)" in log
    assert "Traceback" not in log
    assert host_key.stat().st_mode & 0o777 == 0o600


def nobody_can_run_python() -> bool:
    """Whether the account `nobody` may run this Python (not where it lives in root's home)."""
    import subprocess

    try:
        return subprocess.run([sys.executable, "-c", "import marl_tui"], user="nobody", cwd="/",
                              capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def test_serving_as_root_is_refused_without_user_or_allow_root(capsys, home, served, monkeypatch):
    monkeypatch.setattr(serve_command, "running_as_root", lambda: True)
    err = refused(capsys, ["--ssh", "2222", "--open"])
    assert "every student's app would run as root" in err and "--user NAME" in err
    assert main(["serve", "--ssh", "2222", "--open", "--allow-root"]) == 0
    assert "WARNING: --allow-root: every student's app runs as root" in capsys.readouterr().err
    assert served[0].limits.user is None


def test_user_names_an_existing_unprivileged_account_and_needs_root(capsys, home, served, monkeypatch):
    assert "--user needs the server to start as root" in refused(
        capsys, ["--ssh", "2222", "--open", "--user", "nobody"])
    monkeypatch.setattr(serve_command, "running_as_root", lambda: True)
    assert "no account named 'no-such-user-x'" in refused(
        capsys, ["--ssh", "2222", "--open", "--user", "no-such-user-x"])
    assert "'root' is root; name an unprivileged account" in refused(
        capsys, ["--ssh", "2222", "--open", "--user", "root"])


@pytest.mark.skipif(os.geteuid() != 0, reason="switching accounts needs root")
def test_user_runs_the_apps_as_that_account_and_gives_it_the_folders(capsys, home, served, monkeypatch):
    import pwd

    monkeypatch.setattr(serve_command, "running_as_root", lambda: True)
    files = home / "class-files"
    (files / "alice-old").mkdir(parents=True)
    argv = ["--ssh", "2222", "--open", "--user", "nobody", "--files", str(files)]
    if not nobody_can_run_python():  # as here, where Python lives in root's private home
        assert "--user nobody: that account cannot run " in refused(capsys, argv)
        return
    assert main(["serve", *argv]) == 0
    (options,) = served
    nobody = pwd.getpwnam("nobody")
    assert options.limits.user == "nobody" and "--user" in options.limits.arguments()
    assert all((p.stat().st_uid, p.stat().st_gid) == (nobody.pw_uid, nobody.pw_gid)
               for p in (files, files / "alice-old"))
    assert "students' apps run as the account 'nobody'" in capsys.readouterr().err


def test_sessions_that_together_exceed_the_machines_memory_are_warned_with_numbers(
        capsys, home, served, monkeypatch):
    monkeypatch.setattr(serve_command, "machine_memory_mb", lambda: 24 * 1024)
    assert main(["serve", "--ssh", "2222", "--open", "--max-sessions", "30", "--memory-limit", "2048",
                 "--disk-limit", "50"]) == 0
    err = capsys.readouterr().err
    assert ("WARNING: 30 sessions x 2048 MB = 60.0 GB, but this machine has 24.0 GB of memory"
            in err and "--max-sessions 12 fits" in err)
    assert "50 MB per student" in err and served[0].limits.disk_mb == 50
    assert main(["serve", "--ssh", "2222", "--open", "--max-sessions", "10", "--memory-limit", "2048"]) == 0
    assert "WARNING" not in capsys.readouterr().err.replace("WARNING: --open", "")
