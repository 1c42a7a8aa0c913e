"""What the teacher asked `marl-tui serve` for: where to listen, whom to let in, and each seat's limits."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marl_tui.serving.limits import SessionLimits

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@dataclass(frozen=True)
class Address:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def loopback(self) -> bool:
        """Whether only this machine can connect (127.0.0.0/8, ::1 or localhost)."""
        if self.host.lower() in LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


def parse_address(text: str, default_host: str = "127.0.0.1") -> Address:
    """`PORT`, `HOST:PORT` or `[IPV6]:PORT`; the host defaults to loopback so nothing is exposed by accident."""
    text = text.strip()
    host, port_text = default_host, text
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if not rest.startswith(":"):
            raise ValueError(f"expected [IPV6]:PORT, got {text!r}")
        port_text = rest[1:]
    elif ":" in text:
        host, _, port_text = text.rpartition(":")
        if ":" in host:
            raise ValueError(f"write an IPv6 address in brackets, as [{host}]:{port_text}")
    if not host:
        raise ValueError(f"missing host before ':' in {text!r}")
    if not (port_text.isascii() and port_text.isdigit()) or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"port must be a number from 0 to 65535, got {port_text!r}")
    return Address(host, int(port_text))


def config_dir() -> Path:
    """Where the server keeps its host key, class password hash and authorized keys."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "marl-tui"


@dataclass
class ServeOptions:
    """Everything one `marl-tui serve` run needs; the CLI fills it, tests build it directly."""

    ssh: Address | None = None
    web: Address | None = None
    host_key: Path = field(default_factory=lambda: config_dir() / "ssh_host_ed25519_key")
    authorized_keys: Path | None = None
    password_hash: str | None = None
    open_access: bool = False
    token: str | None = None
    max_sessions: int = 30
    sessions_per_address: int | None = None  # SSH: seats one address may hold (None: no bound)
    connections_per_minute: float = 60
    idle_timeout: float = 30 * 60
    limits: SessionLimits = field(default_factory=SessionLimits)
    app_arguments: list[str] = field(default_factory=list)
    app_module: str = "marl_tui"
    files_root: Path | None = None
    public_url: str | None = None
    class_server: Any = None  # a marl_tui.classroom.server.ClassServer when serving a class
