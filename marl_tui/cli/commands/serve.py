"""`marl-tui serve`: a classroom. Each student connects with plain `ssh` (or a browser) and gets their own app."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import math
import os
import secrets
import sys
from pathlib import Path

EPILOG = """\
examples:
  marl-tui serve --set-password                 store the class password (hashed), then:
  marl-tui serve --ssh 0.0.0.0:2222             students run: ssh -p 2222 HOST
  marl-tui serve --ssh 2222 --open              a demo on this machine only, no authentication
  marl-tui serve --web 0.0.0.0:8000             the app in a browser; prints the URL with its token
"""


def _data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "marl-tui" / "students"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from marl_tui.serving.options import config_dir

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    where = parser.add_argument_group("where (each binds to 127.0.0.1 unless a host is given)")
    where.add_argument("--ssh", metavar="[HOST:]PORT", help="serve over SSH")
    where.add_argument("--web", metavar="[HOST:]PORT", help="serve in a browser (textual-serve)")
    who = parser.add_argument_group("who (SSH: keys and/or the class password; web: a token)")
    who.add_argument("--authorized-keys", type=Path, metavar="FILE",
                     help=f"let in the public keys listed in FILE (default {config_dir()}/authorized_keys "
                     "when it exists; re-read at every login)")
    who.add_argument("--password-file", type=Path, metavar="FILE",
                     default=config_dir() / "class-password",
                     help="where the class password's hash is kept (default %(default)s)")
    who.add_argument("--set-password", action="store_true",
                     help="store a new class password (asked twice; read from stdin when piped), then exit")
    who.add_argument("--open", action="store_true",
                     help="no authentication at all, for a demo (prints a warning)")
    who.add_argument("--token", help="the web access token (default: generated when bound beyond loopback)")
    who.add_argument("--host-key", type=Path, metavar="FILE",
                     default=config_dir() / "ssh_host_ed25519_key",
                     help="the server's SSH host key, generated on first start (default %(default)s)")
    who.add_argument("--public-url", metavar="URL",
                     help="the web address students use, when behind a reverse proxy (which does TLS)")
    limits = parser.add_argument_group("limits")
    limits.add_argument("--max-sessions", type=int, default=30, metavar="N",
                        help="most sessions at once, SSH and web together (default %(default)s)")
    limits.add_argument("--max-sessions-per-address", type=int, default=0, metavar="N",
                        help="SSH sessions one address may hold, 0 for no bound (default %(default)s; "
                        "with a class password it bounds one student's share, unless the class "
                        "shares one address behind NAT)")
    limits.add_argument("--rate", type=float, default=60, metavar="N",
                        help="new connections a minute from one address (default %(default)s)")
    limits.add_argument("--idle-timeout", type=float, default=1800, metavar="SECONDS",
                        help="close a session after this long without a key press (default %(default)s)")
    limits.add_argument("--cpu-limit", type=int, default=3600, metavar="SECONDS",
                        help="CPU time per session, 0 for none (default %(default)s)")
    limits.add_argument("--memory-limit", type=int, default=2048, metavar="MB",
                        help="address space per session, 0 for none (default %(default)s)")
    limits.add_argument("--disk-limit", type=int, default=100, metavar="MB",
                        help="what each student's folder may hold, 0 for no limit (default %(default)s)")
    limits.add_argument("--nice", type=int, default=10, metavar="N",
                        help="scheduling niceness of the sessions (default %(default)s)")
    account = parser.add_argument_group("account (what a server started as root runs the apps as)")
    account.add_argument("--user", metavar="NAME",
                         help="run every student's app as this unprivileged account (the server "
                         "itself must start as root); it owns the students' folders")
    account.add_argument("--allow-root", action="store_true",
                         help="started as root without --user, run the apps as root too (refused "
                         "otherwise: a student's app would hold every power of the machine)")
    limits.add_argument("--files", type=Path, metavar="DIR", default=_data_dir(),
                        help="students open and save files only in their own folder under DIR "
                        "(default %(default)s)")
    parser.add_argument("game", nargs="?", default=None, metavar="GAME_OR_FILE",
                        help="open every session on this game or file")
    from marl_tui.classroom.serve_options import add_class_arguments

    add_class_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from marl_tui.cli import CommandError

    if args.set_password:
        return _set_password(args.password_file)
    options = _options(args)
    from marl_tui.serving.log import configure_logging
    from marl_tui.serving.run import serve

    configure_logging()
    for line in _banner(options):
        print(line, file=sys.stderr, flush=True)

    def ready(ports: dict[str, int]) -> None:
        for line in _how_to_connect(options, ports):
            print(line, file=sys.stderr, flush=True)

    try:
        asyncio.run(serve(options, on_ready=ready))
    except OSError as problem:  # typically the port is taken, or below 1024 without privileges
        where = " and ".join(str(a) for a in (options.ssh, options.web) if a is not None)
        raise CommandError(f"cannot listen on {where}: {problem.strerror or problem}") from None
    return 0


def _options(args: argparse.Namespace):
    """Check the arguments as a whole and turn them into `ServeOptions`; bad input raises CommandError."""
    from marl_tui.serving.options import ServeOptions

    ssh, web = _addresses(args)
    keys, password_hash = _logins(args, ssh)
    account = _account(args)
    options = ServeOptions(
        ssh=ssh, web=web, host_key=args.host_key, authorized_keys=keys,
        password_hash=password_hash, open_access=args.open, token=_token(args, web),
        max_sessions=args.max_sessions, connections_per_minute=args.rate,
        sessions_per_address=args.max_sessions_per_address or None,
        idle_timeout=args.idle_timeout, limits=_limits(args, account),
        app_arguments=_app_arguments(args.game), files_root=_files(args.files, account),
        public_url=args.public_url,
    )
    return dataclasses.replace(options, **_class_options(args))


def _class_options(args: argparse.Namespace) -> dict:
    """With --class, the hub's server and the student client as every session's app."""
    from marl_tui.classroom.serve_options import class_server

    server = class_server(args)
    if server is None:
        return {}
    return {"class_server": server, "app_module": "marl_tui.classroom.student",
            "app_arguments": []}


def running_as_root() -> bool:
    """Whether this server runs with root's powers (which its students' apps would inherit)."""
    return os.geteuid() == 0


def _account(args: argparse.Namespace):
    """The unprivileged account to run the apps as (a `pwd` entry), or None; refuses to serve as
    root without one unless --allow-root, and an account that is root or cannot run this Python."""
    import pwd
    import subprocess

    from marl_tui.cli import CommandError

    if args.user is None:
        if running_as_root() and not args.allow_root:
            raise CommandError("started as root, every student's app would run as root: pass "
                               "--user NAME (an unprivileged account) or, knowingly, --allow-root")
        return None
    if not running_as_root():
        raise CommandError("--user needs the server to start as root (to switch to that account)")
    try:
        entry = pwd.getpwnam(args.user)
    except KeyError:
        raise CommandError(f"--user: no account named {args.user!r}") from None
    if entry.pw_uid == 0:
        raise CommandError(f"--user: {args.user!r} is root; name an unprivileged account")
    try:
        check = subprocess.run([sys.executable, "-c", "import marl_tui"], user=entry.pw_uid,
                               group=entry.pw_gid, extra_groups=os.getgrouplist(args.user, entry.pw_gid),
                               capture_output=True, text=True, timeout=60, cwd="/")
    except (OSError, subprocess.SubprocessError) as problem:
        raise CommandError(f"--user {args.user}: that account cannot run {sys.executable}: "
                           f"{problem}") from None
    if check.returncode != 0:
        last = (check.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise CommandError(f"--user {args.user}: that account cannot run marl-tui with "
                           f"{sys.executable}: {last}")
    return entry


def _addresses(args: argparse.Namespace):
    from marl_tui.cli import CommandError
    from marl_tui.serving.options import parse_address

    if args.ssh is None and args.web is None:
        raise CommandError("say where to serve: --ssh [HOST:]PORT and/or --web [HOST:]PORT")
    try:
        return (parse_address(args.ssh) if args.ssh is not None else None,
                parse_address(args.web) if args.web is not None else None)
    except ValueError as problem:
        raise CommandError(f"--ssh/--web: {problem}") from None


def _limits(args: argparse.Namespace, account=None):
    from marl_tui.cli import CommandError
    from marl_tui.serving.limits import SessionLimits

    for name in ("max_sessions", "rate", "idle_timeout"):
        value = getattr(args, name)
        if not math.isfinite(value) or value <= 0:
            raise CommandError(f"--{name.replace('_', '-')} must be a positive number, got {value}")
    if args.max_sessions_per_address < 0:
        raise CommandError("--max-sessions-per-address must be 0 (no bound) or positive")
    if not 0 <= args.nice <= 19:
        raise CommandError(f"--nice must be from 0 to 19 (sessions may only lower their priority), got {args.nice}")
    if min(args.cpu_limit, args.memory_limit, args.disk_limit) < 0:
        raise CommandError("--cpu-limit, --memory-limit and --disk-limit must be 0 (none) or positive")
    if args.disk_limit > 2**20:
        raise CommandError("--disk-limit must be at most 1048576 MB, or 0 (none)")
    if args.memory_limit and not 1024 <= args.memory_limit <= 2**20:
        raise CommandError("--memory-limit must be from 1024 MB (what the app with torch needs) to "
                           "1048576 MB, or 0 (none)")
    if args.cpu_limit > 10**7:
        raise CommandError("--cpu-limit must be at most 10000000 seconds, or 0 (none)")
    return SessionLimits(args.cpu_limit or None, args.memory_limit or None, args.nice,
                         account.pw_name if account else None, args.disk_limit or None)


def _files(folder: Path, account=None) -> Path:
    """The students' folders' parent, created now so that no session finds it missing; with
    --user it (and the folders already in it) belong to that account, as new ones will."""
    from marl_tui.cli import CommandError

    folder = folder.expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if account is not None:
            for path in (folder, *(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())):
                os.chown(path, account.pw_uid, account.pw_gid)
    except OSError as problem:
        raise CommandError(f"--files: cannot create {folder}: {problem.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(f"--files: {folder} is not writable")
    return folder


def _logins(args: argparse.Namespace, ssh) -> tuple[Path | None, str | None]:
    """The authorized keys file and the class password's hash; at least one unless --open."""
    from marl_tui.cli import CommandError
    from marl_tui.serving.options import config_dir
    from marl_tui.serving.passwords import PasswordFileError, load_password_hash

    if args.open:
        return None, None
    keys = args.authorized_keys
    if keys is None and (config_dir() / "authorized_keys").is_file():
        keys = config_dir() / "authorized_keys"
    if keys is not None and not keys.is_file():
        raise CommandError(f"--authorized-keys: no such file {keys}")
    if keys is not None:
        from marl_tui.serving.ssh import check_authorized_keys

        try:
            check_authorized_keys(keys)
        except (OSError, ValueError) as problem:
            raise CommandError(f"--authorized-keys: {problem}") from None
    password_hash = None
    if args.password_file.exists():
        try:
            password_hash = load_password_hash(args.password_file)
        except PasswordFileError as problem:
            raise CommandError(str(problem)) from None
    if ssh is not None and keys is None and password_hash is None:
        raise CommandError("no way to log in: set a class password with `marl-tui serve --set-password`, "
                           "pass --authorized-keys FILE, or --open for a demo without authentication")
    return keys, password_hash


def _token(args: argparse.Namespace, web) -> str | None:
    """The web access token: the one given, or a new one when the page is reachable from elsewhere."""
    from urllib.parse import urlsplit

    from marl_tui.cli import CommandError

    if args.token is not None and len(args.token) < 8:
        raise CommandError("--token must be at least 8 characters")
    if args.public_url is not None:
        try:
            public = urlsplit(args.public_url)
            public.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as problem:
            raise CommandError(f"--public-url: {problem}") from None
        if public.scheme not in ("http", "https") or not public.hostname:
            raise CommandError(f"--public-url must look like https://class.example.org, got {args.public_url!r}")
    if web is not None and args.token is None and (not web.loopback or args.public_url is not None):
        return secrets.token_urlsafe(18)
    return args.token


def _app_arguments(game: str | None) -> list[str]:
    """What each student's app opens: the game, with a file's path made absolute (sessions run elsewhere)."""
    from marl_tui.cli import CommandError

    if not game:
        return []
    from games import GameError
    from games.io import resolve

    try:
        resolve(game)
    except GameError as problem:
        raise CommandError(str(problem)) from None
    path = Path(game).expanduser()
    return [str(path.resolve()) if path.is_file() else game]


def _banner(options) -> list[str]:
    """What the teacher reads at start: how students log in, the limits, and any warning."""
    from marl_tui.cli import CommandError

    lines = []
    if options.ssh is not None:
        from marl_tui.serving.ssh import ensure_host_key

        try:
            fingerprint = ensure_host_key(options.host_key).get_fingerprint()
        except (OSError, ValueError) as problem:
            raise CommandError(f"--host-key {options.host_key}: {problem}") from None
        how = " or ".join(filter(None, [
            "an authorized key" if options.authorized_keys else "",
            "the class password" if options.password_hash else "",
        ])) or "no authentication"
        lines.append(f"marl-tui: SSH login with {how}; host key {fingerprint}")
        if options.open_access:
            scope = "anyone on this machine" if options.ssh.loopback else "anyone who can reach this port"
            lines.append(f"marl-tui: WARNING: --open: {scope} gets a session without any password or key")
    if options.web is not None:
        from marl_tui.serving.web import exposure_warning

        if warning := exposure_warning(options):
            lines.append(warning)
    if options.limits.user:
        lines.append(f"marl-tui: students' apps run as the account {options.limits.user!r}")
    elif running_as_root():
        lines.append("marl-tui: WARNING: --allow-root: every student's app runs as root, with every "
                     "power over this machine; prefer --user NAME")
    lines.append(f"marl-tui: at most {options.max_sessions} sessions; each limited to "
                 f"{options.limits.cpu_seconds or 'unlimited'} CPU s and "
                 f"{options.limits.memory_mb or 'unlimited'} MB; files under {options.files_root}, "
                 f"{options.limits.disk_mb or 'unlimited'} MB per student")
    if warning := memory_warning(options.max_sessions, options.limits.memory_mb, machine_memory_mb()):
        lines.append(warning)
    return lines


def machine_memory_mb() -> int:
    """This machine's physical memory in MB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20


def memory_warning(sessions: int, per_session_mb: int | None, machine_mb: int) -> str | None:
    """A warning with the numbers when the sessions together may use more memory than the
    machine has (each is limited, not reserved: the teacher decides), else None."""
    if per_session_mb is None:
        return (f"marl-tui: WARNING: --memory-limit 0: one session may use all of this machine's "
                f"{machine_mb / 1024:.1f} GB")
    total = sessions * per_session_mb
    if total <= machine_mb:
        return None
    fits = max(1, machine_mb // per_session_mb)
    return (f"marl-tui: WARNING: {sessions} sessions x {per_session_mb} MB = {total / 1024:.1f} GB, "
            f"but this machine has {machine_mb / 1024:.1f} GB of memory: a full class can exhaust it "
            f"(--max-sessions {fits} fits; or lower --memory-limit)")


def _how_to_connect(options, ports: dict[str, int]) -> list[str]:
    """Printed once listening (so a port 0 shows as the port the system chose)."""
    lines = []
    if "ssh" in ports:
        address = dataclasses.replace(options.ssh, port=ports["ssh"])
        host = "THIS-MACHINE" if address.host in ("0.0.0.0", "::") else address.host
        lines.append(f"marl-tui: ssh listening on {address}")
        lines.append(f"marl-tui: students run: ssh -p {address.port} {host}")
    if "web" in ports:
        from marl_tui.serving.web import url

        lines.append(f"marl-tui: web listening on {dataclasses.replace(options.web, port=ports['web'])}")
        lines.append(f"marl-tui: students open {url(options, ports['web'])}")
    return lines


def _set_password(path: Path) -> int:
    from marl_tui.cli import CommandError
    from marl_tui.serving.passwords import PasswordFileError, save_password_hash

    if sys.stdin.isatty():
        password = getpass.getpass("New class password: ")
        if getpass.getpass("Again: ") != password:
            raise CommandError("the two passwords differ; nothing was changed")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        save_password_hash(path, password)
    except PasswordFileError as problem:
        raise CommandError(str(problem)) from None
    print(f"marl-tui: stored a scrypt hash of the class password in {path} (mode 600)", file=sys.stderr)
    return 0
