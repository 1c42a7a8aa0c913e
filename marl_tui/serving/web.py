"""`marl-tui serve --web`: the same app in a browser, one process per websocket.

What comes from textual-serve (pinned to its 1.1 series, `TEXTUAL_SERVE_SERIES`, checked by
tests/serving/test_textual_serve_contract.py):

- `textual.js` and `xterm.css` in its static folder: xterm.js and the browser side of the protocol
  (JSON messages `["stdin", text]`, `["resize", {width, height}]`, `["ping", t]`, `["focus"]`,
  `["blur"]` from the page; the app's output as binary frames), and the Roboto Mono font;
- `AppService`, for its public packet methods: `send_bytes`/`send_meta` and their wrappers write
  packets (type byte, 4-byte big-endian length, payload) through its `stdin` property, and
  `on_data`/`on_meta`/`on_packed` turn the app's packets into websocket frames and downloads;
- `DownloadManager`, which streams a file the app delivers (e.g. a screenshot) to `/download/KEY`.

Everything else is this module's, because textual-serve's server is made for one trusted user:

- the page (`page.html`) loads nothing from another host (textual-serve's asks Google Fonts), so a
  class without internet sees the same terminal;
- every app runs through `child.command` (the same limits as SSH), exec'd without a shell, with a
  filtered environment, in its own session so that the whole group can be hung up; its stderr is
  kept to a bounded tail for the log;
- the seats are the SSH server's `SessionSlots`, so the class cap counts both; sessions are
  rate-limited per address and closed when idle;
- beyond loopback an access token is required (cookie or `?token=`, compared in constant time)
  before the page, a download or a websocket upgrade; the websocket also refuses other origins
  (cross-site websocket hijacking), and on loopback without a token a foreign `Host` is refused
  (DNS rebinding);
- the page points its websocket at the host the browser asked for, or at `public_url` behind a
  reverse proxy, never at `0.0.0.0`; `/static` lists no directories; the access log, which would
  record tokens from query strings, is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import html
import ipaddress
import json
import os
import re
import shlex
import socket
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import textual_serve
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from marl_tui.serving import child as child_launcher
from marl_tui.serving.limits import RateLimiter, SessionSlots, stop_child
from marl_tui.serving.log import duration, log
from marl_tui.serving.options import ServeOptions

TEXTUAL_SERVE_SERIES = "1.1"  # the minor version whose AppService and static files this module uses
STATIC_FOLDER = Path(textual_serve.__file__).parent / "static"
PAGE = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
).get_template("page.html")
TITLE = "marl-tui"
TOKEN_COOKIE = "marl_tui_token"
TEXTUAL_DRIVER = "textual.drivers.web_driver:WebDriver"
WILDCARD_HOSTS = {"", "0.0.0.0", "::"}
HOST_HEADER = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
MAX_MESSAGE_BYTES = 64 * 1024
STDERR_TAIL_BYTES = 4096
STOP_GRACE = 2.0
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the page's URL may hold the token
    "X-Frame-Options": "DENY",  # no clickjacking of a student's keystrokes
    # Nothing from another host, the browser enforcing it: the page works offline, and a crafted
    # link (textual.js fetches any `?ping=` URL) cannot send the student's browser elsewhere.
    # textual.js and xterm.js set inline styles, hence 'unsafe-inline' for styles (not scripts).
    "Content-Security-Policy": "; ".join((
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:", "font-src 'self'", "connect-src 'self'",
        "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'",
    )),
    "X-Content-Type-Options": "nosniff",
}
LOCAL_WARNING = (
    "marl-tui: the web page needs no token on loopback: anyone with an account on this machine "
    "can open it (pass --token to require one)."
)
PLAIN_HTTP_WARNING = (
    "marl-tui: the web page is plain HTTP, so the token and the session travel unencrypted; "
    "for anything beyond a trusted LAN put TLS in a reverse proxy (e.g. Caddy or nginx) in front "
    "and pass its address as the public URL."
)


def token_required(options: ServeOptions) -> bool:
    """Beyond loopback, and behind a reverse proxy (whose requests arrive from loopback but come
    from anywhere), always; otherwise only when the teacher configured a token anyway."""
    assert options.web is not None
    return options.token is not None or not options.web.loopback or options.public_url is not None


def exposure_warning(options: ServeOptions) -> str | None:
    """The line to print at start about who can reach the page, or None when only token holders can
    and the link is encrypted."""
    if options.web is None:
        return None
    if not token_required(options):
        return LOCAL_WARNING
    if options.public_url is None:
        return None if options.web.loopback else PLAIN_HTTP_WARNING
    return None if options.public_url.startswith("https:") else PLAIN_HTTP_WARNING


def url(options: ServeOptions, port: int | None = None) -> str:
    """The address to give the class: `public_url` if set, else this machine's, with the token.

    `port` is the port actually bound (when `options.web.port` is 0). A wildcard bind is shown as
    this machine's LAN address, since `0.0.0.0` is no address a student can open.
    """
    assert options.web is not None
    if options.public_url:
        base = options.public_url.rstrip("/")
    else:
        host = options.web.host
        if host in WILDCARD_HOSTS:
            host = _lan_address()
        if ":" in host:
            host = f"[{host}]"
        base = f"http://{host}:{options.web.port if port is None else port}"
    return f"{base}/?token={quote(options.token, safe='')}" if options.token else f"{base}/"


def _lan_address() -> str:
    """This machine's address on its default route (a UDP `connect` sends nothing), or name."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): only selects a route
            return probe.getsockname()[0]
        except OSError:
            return socket.gethostname()


def child_environment(width: int, height: int) -> dict[str, str]:
    """The app's environment: `child.environment` and what Textual's web driver reads; nothing from the client."""
    return child_launcher.environment(
        TEXTUAL_DRIVER=TEXTUAL_DRIVER, TEXTUAL_FPS="60", TEXTUAL_COLOR_SYSTEM="truecolor",
        TERM_PROGRAM="textual", TERM_PROGRAM_VERSION=version("textual-serve"),
        COLUMNS=str(width), ROWS=str(height),
    )


def _message_page(status: int, title: str, text: str) -> web.Response:
    """A small HTML page for a refusal, so a student sees what happened and what to do."""
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>marl-tui</title></head>"
        "<body style='font-family: monospace; background: #0c181f; color: #eee; padding: 3em'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html",
                        headers=SECURITY_HEADERS)


class _Session(AppService):
    """One student's app behind one websocket.

    textual-serve's `AppService` keeps the packet protocol (the `send_*` methods and the `on_*`
    handlers); its process handling is replaced: exec of an argv (no shell), the given environment
    and folder, a session of its own, stderr kept to a bounded tail and logged rather than
    printed, and a stop that cannot hang on a stuck app.
    """

    def __init__(self, argv: list[str], *, cwd: Path | None, websocket: web.WebSocketResponse,
                 downloads: DownloadManager) -> None:
        super().__init__(
            shlex.join(argv),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=self._exit_requested,
            download_manager=downloads,
        )
        self.argv = argv
        self.cwd = cwd
        self.downloads = downloads
        self.process: asyncio.subprocess.Process | None = None
        self.relay: asyncio.Task[None] | None = None
        self.channel = None  # the class hub's socket pair, when serving a class
        self.ended = asyncio.Event()
        self.end_reason = "app quit"
        self.stderr_tail = b""
        self.crash_report: int | None = None

    @property
    def stdin(self) -> asyncio.StreamWriter:
        """The app's standard input, where `AppService.send_bytes`/`send_meta` write packets."""
        assert self.process is not None and self.process.stdin is not None
        return self.process.stdin

    async def _exit_requested(self) -> None:
        """The app said it is exiting (its `exit` meta packet)."""
        self.ended.set()

    async def start(self, width: int, height: int) -> None:
        """Start the app at `width` x `height` and relay its output to the browser."""
        self.crash_report, crash_write = child_launcher.crash_pipe()
        try:
            self.process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=(child_environment(width, height) | child_launcher.crash_environment(crash_write)
                     | (self.channel.env if self.channel else {})),
                cwd=self.cwd,
                pass_fds=(crash_write, *(self.channel.pass_fds if self.channel else ())),
                start_new_session=True,
            )
        finally:
            os.close(crash_write)  # the app holds its own copy
        if self.channel is not None:
            self.channel.started()
        self.relay = asyncio.create_task(self.run())

    def take_crash_report(self) -> str:
        """The traceback the app wrote into its crash pipe (see `marl_tui.crash_report`), if any."""
        read_end, self.crash_report = self.crash_report, None
        return "" if read_end is None else child_launcher.read_crash_report(read_end)

    async def run(self) -> None:
        """Relay the app's packets (type byte, 4-byte big-endian length, payload) until it ends."""
        process = self.process
        assert process is not None and process.stdout is not None and process.stderr is not None
        stdout, stderr = process.stdout, process.stderr
        tail = bytearray()

        async def read_stderr() -> None:
            while chunk := await stderr.read(4096):
                tail.extend(chunk)
                del tail[:-STDERR_TAIL_BYTES]

        stderr_task = asyncio.create_task(read_stderr())
        ready = False
        try:
            for _ in range(10):  # Textual's web driver announces itself before its first packet
                line = await stdout.readline()
                if not line:
                    break
                if line == b"__GANGLION__\n":
                    ready = True
                    break
            while ready:
                packet_type = await stdout.readexactly(1)
                size = int.from_bytes(await stdout.readexactly(4), "big")
                payload = await stdout.readexactly(size)
                if packet_type == b"D":
                    await self.on_data(payload)
                elif packet_type == b"M":
                    await self.on_meta(payload)
                elif packet_type == b"P":
                    await self.on_packed(payload)
        except (asyncio.IncompleteReadError, ValueError):
            pass  # the app's output ended, or was not the web driver's
        except ConnectionError:
            self.end_reason = "client gone"
        finally:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(stderr_task), 1.0)
            stderr_task.cancel()
            await asyncio.gather(stderr_task, return_exceptions=True)
            self.stderr_tail = bytes(tail)
            self.ended.set()
        if not ready and self.end_reason == "app quit":
            self.end_reason = "app failed to start"

    async def stop(self) -> None:
        """Ask the app to quit, hang up its process group if it lingers, and end the relay."""
        await self.downloads.cancel_app_downloads(app_service_id=self.app_service_id)
        process = self.process
        if process is not None and process.returncode is None:
            if not self.stdin.is_closing():
                await self.send_meta({"type": "quit"})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), STOP_GRACE)
            await stop_child(process, STOP_GRACE)
        task, self.relay = self.relay, None
        if task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), STOP_GRACE)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@dataclass(eq=False)
class _Live:
    """A running web session, so that closing the server can stop it."""

    session: _Session
    handler: asyncio.Task[Any] | None = None


class WebClassroom:
    """The web server's routes under the classroom's rules: token, origin, seats, rate, idle time."""

    def __init__(self, options: ServeOptions, slots: SessionSlots) -> None:
        assert options.web is not None
        self.download_manager = DownloadManager()
        self.options = options
        self.slots = slots
        self.rate = RateLimiter(options.connections_per_minute)
        self.live: set[_Live] = set()
        self.token = options.token.encode() if options.token else None
        self.require_token = token_required(options)
        if self.require_token and self.token is None:
            raise ValueError(f"serving beyond loopback ({options.web}) needs an access token")
        self.public = urlsplit(options.public_url) if options.public_url else None

    # ----- the application -----------------------------------------------------------------------
    def application(self) -> web.Application:
        """The aiohttp application: the page, the websocket, downloads and the static files."""
        app = web.Application(client_max_size=64 * 1024)
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", STATIC_FOLDER, show_index=False, follow_symlinks=False,
                       name="static"),
        ])
        return app

    # ----- who may come in -----------------------------------------------------------------------
    def _presented_token(self, request: web.Request) -> str | None:
        return request.query.get("token") or request.cookies.get(TOKEN_COOKIE)

    def _token_valid(self, presented: str | None) -> bool:
        if self.token is None:
            return True
        return presented is not None and hmac.compare_digest(presented.encode(), self.token)

    def _host_allowed(self, request: web.Request) -> bool:
        """On loopback without a token, only loopback names (or the public URL's host) may be asked
        for: a foreign `Host` is a DNS-rebinding page reaching the server through the browser."""
        if self.require_token:
            return True
        host = (urlsplit(f"//{request.host}").hostname or "").lower()
        allowed = {"localhost", self.options.web.host.lower()}
        if self.public is not None and self.public.hostname:
            allowed.add(self.public.hostname.lower())
        if host in allowed:
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def _origin_allowed(self, request: web.Request) -> bool:
        """A browser's websocket must come from this server's own page (no cross-site hijacking).

        Clients that send no `Origin` (not browsers) are left to the token.
        """
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        netloc = urlsplit(origin).netloc.lower()
        if not netloc:
            return False
        expected = {request.host.lower()}
        if self.public is not None:
            expected.add(self.public.netloc.lower())
        return netloc in expected

    def _client_address(self, request: web.Request) -> str:
        """The student's address: behind the reverse proxy (`public_url`, proxy on this machine) the
        one the proxy saw, from the last X-Forwarded-For entry; else the connecting address. Used for
        the rate limit, so that a whole class behind one proxy does not share one allowance."""
        remote = request.remote or "?"
        if self.public is None:
            return remote
        try:
            if not ipaddress.ip_address(remote).is_loopback:
                return remote
            forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            return remote

    def _peer(self, request: web.Request) -> str:
        """Who, for log lines: address and port, or the student's address behind the proxy."""
        peername = request.transport.get_extra_info("peername") if request.transport else None
        connected = f"{peername[0]}:{peername[1]}" if peername else (request.remote or "?")
        client = self._client_address(request)
        return connected if client == request.remote else f"{client} (via {connected})"

    def _refusal(self, request: web.Request, what: str) -> web.Response | None:
        """A 403 page when `request` may not have `what`, else None."""
        if not self._host_allowed(request):
            log.info("refused %s for %s: unexpected Host %r", what, self._peer(request), request.host)
            return _message_page(403, "Unexpected address",
                                 "This server only answers to its own address. Behind a reverse "
                                 "proxy, start it with the proxy's public URL.")
        if not self._token_valid(self._presented_token(request)):
            log.info("refused %s for %s: %s token", what, self._peer(request),
                     "wrong" if self._presented_token(request) else "no")
            return _message_page(403, "Access token needed",
                                 "This class needs its access token: open the full link your "
                                 "teacher gave you (it ends in ?token=...).")
        return None

    def _base_url(self, request: web.Request) -> str:
        """Where the browser reaches this server: the public URL, else the host it asked for."""
        if self.options.public_url:
            return self.options.public_url.rstrip("/")
        host = request.host if HOST_HEADER.match(request.host) else str(self.options.web)
        return f"{request.scheme}://{host}"

    # ----- routes --------------------------------------------------------------------------------
    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page with the terminal, or why it cannot be had (no token, class full)."""
        refusal = self._refusal(request, "the page")
        if refusal is not None:
            return refusal
        if self.slots.active >= self.slots.limit:
            return _message_page(503, "The class is full",
                                 f"All {self.slots.limit} seats are taken. Try again when a "
                                 "classmate has finished, or ask your teacher.")
        base = self._base_url(request)
        websocket_url = ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1]
        page = PAGE.render(
            title=TITLE,
            font_size=child_launcher.client_number(request.query.get("fontsize"), 16, 64),
            websocket_url=f"{websocket_url}/ws",
            static=f"{base}/static/",
        )
        response = web.Response(text=page, content_type="text/html", headers=SECURITY_HEADERS)
        token = request.query.get("token")
        if token is not None and self.token is not None:  # valid: checked by _refusal above
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", path="/",
                                secure=base.startswith("https:"))
        return response

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """A file the app delivered (e.g. a screenshot), streamed from the app as it is read."""
        refusal = self._refusal(request, "a download")
        if refusal is not None:
            return refusal
        key = request.match_info["key"]
        try:
            download = await self.download_manager.get_download_metadata(key)
        except KeyError:
            raise web.HTTPNotFound(text="No such download (it may have been fetched already).",
                                   headers=SECURITY_HEADERS) from None
        content_type = download.mime_type
        if download.encoding:
            content_type += f"; charset={download.encoding}"
        disposition = "inline" if download.open_method == "browser" else "attachment"
        response = web.StreamResponse(headers={
            **SECURITY_HEADERS,
            "Content-Type": content_type,
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(download.file_name)}",
        })
        await response.prepare(request)
        async for chunk in self.download_manager.download(key):
            await response.write(chunk)
        await response.write_eof()
        return response

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """Check everything before the upgrade and before any process starts, then run a session."""
        peer = self._peer(request)
        if not self._origin_allowed(request):
            log.info("refused a session for %s: cross-origin request from %r", peer,
                     request.headers.get("Origin"))
            return _message_page(403, "Forbidden", "Sessions start only from this server's page.")
        refusal = self._refusal(request, "a session")
        if refusal is not None:
            return refusal
        address = self._client_address(request)
        if not self.rate.allow(address):
            wait = self.rate.retry_after(address)
            log.info("refused a session for %s: too many connections from this address", peer)
            response = _message_page(429, "Too many connections",
                                     f"Too many sessions from {address}; try again in {wait} s.")
            response.headers["Retry-After"] = str(wait)
            return response
        seat = self.slots.take()
        if seat is None:
            log.info("refused a session for %s: class full (%d)", peer, self.slots.limit)
            return _message_page(503, "The class is full",
                                 f"All {self.slots.limit} seats are taken; try again later.")
        try:
            return await self._run_session(request, seat, peer)
        finally:
            self.slots.release(seat)

    async def _run_session(self, request: web.Request, seat: int, peer: str) -> web.StreamResponse:
        options = self.options
        websocket = web.WebSocketResponse(heartbeat=15, timeout=STOP_GRACE,
                                          max_msg_size=MAX_MESSAGE_BYTES)
        await websocket.prepare(request)
        width, height = child_launcher.terminal_size(request.query.get("width"), request.query.get("height"))
        arguments = list(options.app_arguments)
        folder = None
        if options.files_root is not None:
            name = f"web-{time.strftime('%Y%m%d-%H%M%S')}-{seat}"
            folder = child_launcher.student_folder(options.files_root, name)
            arguments = ["--sandbox", str(folder), *arguments]
        session = _Session(child_launcher.command(options.limits, arguments, options.app_module), cwd=folder,
                           websocket=websocket, downloads=self.download_manager)
        if options.class_server is not None:
            session.channel = options.class_server.channel()
        live = _Live(session, asyncio.current_task())
        started = time.monotonic()
        reason = "client closed"
        self.live.add(live)
        try:
            try:
                await session.start(width, height)
            except OSError as error:
                reason = f"could not start the app: {error}"
                log.error("could not start the app for %s: %s", peer, error)
                await _say(websocket, "the app could not be started; tell your teacher.")
                return websocket
            self.slots.attach(seat, session.process)
            log.info("web session %d/%d for %s (pid %d, %dx%d)", self.slots.active,
                     self.slots.limit, peer, session.process.pid, width, height)
            reason = await self._relay(websocket, session)
            if self.slots.stopping:  # the server hung up every app: say so, not "stopped by SIGHUP"
                reason = "server stopped"
            if reason in ("app quit", "app failed to start"):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(session.process.wait(), STOP_GRACE)
                problem = options.limits.describe_exit(session.process.returncode or 0)
                if problem or reason != "app quit":
                    reason = f"{reason}: {problem}" if problem else reason
                    log.warning("the app of %s ended: %s; its last output: %s", peer, reason,
                                session.stderr_tail.decode(errors="replace").strip()[-500:])
                    await _say(websocket, f"{problem or 'the app could not start'}; "
                                          "if this persists, tell your teacher.")
            elif reason == "idle":
                await _say(websocket, "closing an idle session.")
            elif reason == "server stopped":
                await _say(websocket, "the server is shutting down.")
        finally:
            await session.stop()
            if report := session.take_crash_report():
                log.error("the app of %s stopped on an error:\n%s", peer, report.rstrip())
            if session.channel is not None:
                await session.channel.close()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await websocket.close(
                    code=WSCloseCode.GOING_AWAY if reason == "idle" else WSCloseCode.OK)
            self.live.discard(live)
            if folder is not None:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if the student saved nothing
            log.info("web session end for %s after %s: %s", peer,
                     duration(time.monotonic() - started), reason)
        return websocket

    async def _relay(self, websocket: web.WebSocketResponse, session: _Session) -> str:
        """Pass the browser's messages to the app until either side ends or the input goes idle."""
        idle_timeout = self.options.idle_timeout
        last_input = time.monotonic()
        ended = asyncio.ensure_future(session.ended.wait())
        receive: asyncio.Future[Any] | None = None
        try:
            while True:
                receive = asyncio.ensure_future(websocket.receive())
                remaining = (None if idle_timeout is None
                             else max(last_input + idle_timeout - time.monotonic(), 0))
                done, _ = await asyncio.wait([receive, ended], timeout=remaining,
                                             return_when=asyncio.FIRST_COMPLETED)
                if receive not in done:
                    return session.end_reason if ended in done else "idle"
                message = receive.result()
                if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED,
                                    WSMsgType.ERROR):
                    return "client closed"
                if message.type == WSMsgType.TEXT and await _handle_message(message.data, websocket,
                                                                            session):
                    last_input = time.monotonic()
        finally:
            for task in (receive, ended):
                if task is not None and not task.done():
                    task.cancel()
            await asyncio.gather(*(t for t in (receive, ended) if t is not None),
                                 return_exceptions=True)

    async def close_sessions(self) -> None:
        """Stop every live web session's app and wait for its handler to finish."""
        lives = list(self.live)
        for live in lives:
            live.session.end_reason = "server stopped"
        await asyncio.gather(*(live.session.stop() for live in lives), return_exceptions=True)
        handlers = [live.handler for live in lives if live.handler is not None]
        if handlers:
            await asyncio.wait(handlers, timeout=2 * STOP_GRACE)


async def _handle_message(text: str, websocket: web.WebSocketResponse, session: _Session) -> bool:
    """Act on one message of textual-serve's browser protocol; True when it was the student's input.

    Malformed messages are ignored: they come from the network.
    """
    try:
        envelope = json.loads(text)
    except ValueError:
        return False
    if not isinstance(envelope, list) or not envelope:
        return False
    kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
    if kind == "stdin" and isinstance(data, str):
        await session.send_bytes(data.encode("utf-8", errors="replace"))
        return True
    if kind == "resize" and isinstance(data, dict):
        await session.set_terminal_size(*child_launcher.terminal_size(data.get("width"), data.get("height")))
        return True
    if kind == "ping":
        await websocket.send_json(["pong", data])
    elif kind == "blur":
        await session.blur()
    elif kind == "focus":
        await session.focus()
    return False


async def _say(websocket: web.WebSocketResponse, text: str) -> None:
    """A line for the student, written into their terminal before it closes."""
    with contextlib.suppress(ConnectionError, RuntimeError):
        await websocket.send_bytes(f"\r\nmarl-tui: {text}\r\n".encode())




@dataclass
class WebServer:
    """A running web listener: where it is bound, the link for the class, and how to stop it."""

    classroom: WebClassroom
    runner: web.AppRunner
    site: web.TCPSite
    closed: bool = False

    @property
    def port(self) -> int:
        return self.runner.addresses[0][1]

    @property
    def url(self) -> str:
        """The link to give the class (with the token when one is needed)."""
        return url(self.classroom.options, self.port)

    async def close(self) -> None:
        """Stop listening, stop every web student's app, and close the remaining connections."""
        if self.closed:
            return
        self.closed = True
        await self.site.stop()
        await self.classroom.close_sessions()
        await self.runner.cleanup()


async def start_web(options: ServeOptions, slots: SessionSlots) -> WebServer:
    """Listen for browsers at `options.web` in the running event loop (shared with the SSH server).

    Raises ValueError when the address is beyond loopback and no token is configured.
    """
    assert options.web is not None
    classroom = WebClassroom(options, slots)
    runner = web.AppRunner(classroom.application(), access_log=None, shutdown_timeout=5)
    await runner.setup()
    site = web.TCPSite(runner, options.web.host or None, options.web.port)
    try:
        await site.start()
    except OSError:
        await runner.cleanup()
        raise
    server = WebServer(classroom, runner, site)
    log.info("web server on %s port %d (%s)", options.web.host, server.port,
             "token required" if classroom.require_token else "loopback, no token")
    return server
