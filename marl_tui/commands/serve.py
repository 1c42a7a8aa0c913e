"""`marl-tui serve`: let a class connect with `ssh -p PORT host` and get their own copy of the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; use 0.0.0.0 for a classroom LAN)")
    parser.add_argument("--port", type=int, default=2222, help="TCP port (default 2222)")
    parser.add_argument("--host-key", type=Path, default=None,
                        help="server host key (generated on first use under ~/.config/marl-tui)")
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--password", default=None, help="require this password")
    auth.add_argument("--authorized-keys", type=Path, default=None,
                      help="require a key listed in this authorized_keys file")
    parser.add_argument("--max-sessions", type=int, default=16,
                        help="most simultaneous sessions (default 16)")
    parser.add_argument("--idle-timeout", type=int, default=1800,
                        help="close sessions idle this many seconds (default 1800)")
    parser.add_argument("game", nargs="?", default=None,
                        help="open every session on this game or file")


def run(args: argparse.Namespace) -> int:
    from marl_tui.cli import CommandError
    from marl_tui.ssh_server import ServeOptions, serve_forever

    if not 0 < args.port < 65536:
        raise CommandError(f"--port must be between 1 and 65535, got {args.port}")
    if args.max_sessions < 1:
        raise CommandError("--max-sessions must be at least 1")
    if args.authorized_keys is not None and not args.authorized_keys.is_file():
        raise CommandError(f"--authorized-keys: no such file {args.authorized_keys}")
    if args.host not in {"127.0.0.1", "localhost", "::1"} and args.password is None \
            and args.authorized_keys is None:
        raise CommandError(
            f"refusing to serve on {args.host} without --password or --authorized-keys"
        )
    command = [sys.executable, "-m", "marl_tui"]
    if args.game:
        from games import GameError
        from games.io import resolve

        try:
            resolve(args.game)
        except GameError as error:
            raise CommandError(str(error)) from None
        command.append(args.game)
    options = ServeOptions(
        host=args.host, port=args.port, password=args.password,
        authorized_keys=args.authorized_keys, max_sessions=args.max_sessions,
        idle_timeout=args.idle_timeout, command=command,
    )
    if args.host_key is not None:
        options.host_key = args.host_key

    def ready(server) -> None:
        port = server.sockets[0].getsockname()[1] if server.sockets else args.port
        print(f"marl-tui serving on {args.host}:{port} — connect with: ssh -p {port} {args.host}",
              file=sys.stderr, flush=True)

    serve_forever(options, on_ready=ready)
    return 0
