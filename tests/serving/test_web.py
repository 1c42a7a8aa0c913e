"""The web server: a real aiohttp client against a real server on loopback, running the real app."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import aiohttp
import pytest

from marl_tui.serving.limits import SessionSlots
from marl_tui.serving.options import Address, ServeOptions
from marl_tui.serving.web import (
    LOCAL_WARNING,
    PLAIN_HTTP_WARNING,
    TOKEN_COOKIE,
    child_environment,
    exposure_warning,
    start_web,
    url,
)
from tests.serving.processes import alive, children_of, eventually

TOKEN = "class-token-123"


async def _read_until(ws: aiohttp.ClientWebSocketResponse, text: bytes,
                      timeout: float = 20) -> tuple[bytes, list]:
    """What the browser gets up to `text`: the terminal bytes for xterm.js and the JSON messages."""
    seen, messages = b"", []

    async def read() -> None:
        nonlocal seen
        while text not in seen:
            message = await ws.receive()
            if message.type == aiohttp.WSMsgType.TEXT:
                messages.append(json.loads(message.data))
            elif message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
            else:
                raise AssertionError(f"session ended before {text!r}: {message.type}; saw {seen!r}")

    await asyncio.wait_for(read(), timeout)
    return seen, messages


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    async for _ in ws:
        pass


@pytest.fixture
async def serve(tmp_path):
    """Start servers with the given options on a free loopback port; close them afterwards.
    Students' apps are sandboxed in `tmp_path` unless a test says otherwise."""
    servers = []

    async def start(**fields):
        fields.setdefault("files_root", tmp_path / "files")
        options = ServeOptions(web=Address("127.0.0.1", 0), **fields)
        slots = SessionSlots(options.max_sessions)
        server = await start_web(options, slots)
        servers.append(server)
        return server, slots, f"127.0.0.1:{server.port}"

    yield start
    for server in servers:
        await server.close()


async def test_page_is_served_with_a_websocket_url_for_the_host_asked_for(serve):
    server, _, host = await serve()
    async with aiohttp.ClientSession() as client:
        async with client.get(f"http://{host}/") as response:
            assert response.status == 200
            page = await response.text()
            assert f'data-session-websocket-url="ws://{host}/ws"' in page
            assert response.headers["X-Frame-Options"] == "DENY"
        local = f"localhost:{server.port}"
        async with client.get(f"http://{host}/", headers={"Host": local}) as response:
            assert f'data-session-websocket-url="ws://{local}/ws"' in await response.text()
        async with client.get(f"http://{host}/static/js/textual.js") as response:
            assert response.status == 200
        async with client.get(f"http://{host}/static/js/") as response:
            assert response.status in (403, 404)  # no directory index
        # On loopback without a token, a page from another name (DNS rebinding) is refused.
        rebound = {"Host": f"evil.example:{server.port}"}
        async with client.get(f"http://{host}/", headers=rebound) as response:
            assert response.status == 403
    assert server.url == f"http://{host}/"


async def test_public_url_is_used_for_the_page_and_the_link(serve):
    _, _, host = await serve(public_url="https://class.example.org/", token=TOKEN)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async with client.get(f"http://{host}/?token={TOKEN}") as response:
            page = await response.text()
            assert 'data-session-websocket-url="wss://class.example.org/ws"' in page
            assert "https://class.example.org/static/js/textual.js" in page
            assert "Secure" in response.headers["Set-Cookie"]


async def test_token_guards_the_page_the_download_and_the_websocket(serve):
    _, slots, host = await serve(token=TOKEN)
    before = set(children_of(os.getpid()))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        for path in ("/", "/?token=wrong", "/download/some-key"):
            async with client.get(f"http://{host}{path}") as response:
                assert response.status == 403
                assert "token" in await response.text()
        for query in ("", "?token=wrong"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(f"http://{host}/ws{query}")
            assert refused.value.status == 403
        assert slots.active == 0 and not set(children_of(os.getpid())) - before  # refused before any process started
        async with client.get(f"http://{host}/?token={TOKEN}") as response:
            assert response.status == 200
            cookie = response.cookies[TOKEN_COOKIE]
            assert cookie.value == TOKEN
            assert cookie["httponly"] and cookie["samesite"] == "Strict"
        async with client.get(f"http://{host}/") as response:  # the cookie now suffices
            assert response.status == 200
        async with client.get(f"http://{host}/download/unknown-key") as response:
            assert response.status == 404  # past the token check, no such download


async def test_session_runs_the_app_in_a_seat_and_ends_it_on_close(serve, tmp_path):
    _, slots, host = await serve(token=TOKEN, max_sessions=1, files_root=tmp_path)
    origin = {"Origin": f"http://{host}"}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        async with client.get(f"http://{host}/?token={TOKEN}") as response:
            assert response.status == 200
        ws = await client.ws_connect(f"http://{host}/ws?width=100&height=30", headers=origin)
        # Malformed messages from the network are ignored; the protocol's own ones are relayed.
        await ws.send_str("not json")
        await ws.send_str(json.dumps(["stdin", 5]))
        await ws.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
        await ws.send_str(json.dumps(["ping", "p1"]))
        output, messages = await _read_until(ws, b"marl-tui")
        assert b"\x1b[" in output
        assert ["pong", "p1"] in messages
        (seat, process), = slots.children.items()
        assert alive(process.pid)
        (folder,) = tmp_path.iterdir()
        assert folder.name.startswith("web-")
        # The class is full: the page says so and a second websocket is refused before upgrading.
        async with client.get(f"http://{host}/") as response:
            assert response.status == 503
            assert "class is full" in await response.text()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(f"http://{host}/ws", headers=origin)
        assert refused.value.status == 503
        assert list(slots.children) == [seat]
        await ws.close()
    await eventually(lambda: slots.active == 0, "the seat's release")
    assert not alive(process.pid)
    assert not Path(f"/proc/{process.pid}").exists()
    assert list(tmp_path.iterdir()) == []  # the student saved nothing, so no folder is left


async def test_keystrokes_reach_the_app_and_quitting_ends_the_session(serve):
    _, slots, host = await serve()
    async with aiohttp.ClientSession() as client:
        ws = await client.ws_connect(f"http://{host}/ws?width=80&height=24",
                                     headers={"Origin": f"http://{host}"})
        await _read_until(ws, b"marl-tui")
        (process,) = slots.children.values()
        await ws.send_str(json.dumps(["stdin", "\x11"]))  # ctrl+q: the app's quit binding
        message = await asyncio.wait_for(ws.receive(), 10)
        while message.type == aiohttp.WSMsgType.BINARY:
            message = await asyncio.wait_for(ws.receive(), 10)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    await eventually(lambda: slots.active == 0, "the seat's release")
    assert process.returncode == 0


async def test_app_that_cannot_start_is_reported_to_the_student(serve):
    _, slots, host = await serve(app_arguments=["--no-such-option"])
    async with aiohttp.ClientSession() as client:
        ws = await client.ws_connect(f"http://{host}/ws")
        seen = b"".join([message.data async for message in ws
                         if message.type == aiohttp.WSMsgType.BINARY])
        assert b"the app ended unexpectedly (exit status 2)" in seen
    await eventually(lambda: slots.active == 0, "the seat's release")


async def test_idle_session_is_closed_and_its_app_stopped(serve):
    _, slots, host = await serve(idle_timeout=1.0)
    before = set(children_of(os.getpid()))
    async with aiohttp.ClientSession() as client:
        ws = await client.ws_connect(f"http://{host}/ws")
        seen = b""
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
        assert b"closing an idle session" in seen
        assert ws.close_code == aiohttp.WSCloseCode.GOING_AWAY
    await eventually(lambda: slots.active == 0, "the seat's release")
    assert not set(children_of(os.getpid())) - before


async def test_closing_the_server_stops_live_sessions_and_listening(serve):
    server, slots, host = await serve()
    async with aiohttp.ClientSession() as client:
        ws = await client.ws_connect(f"http://{host}/ws")
        await _read_until(ws, b"marl-tui")
        (process,) = slots.children.values()
        browser = asyncio.ensure_future(_drain(ws))  # a browser answers the close at once
        await asyncio.wait_for(server.close(), 15)
        assert not alive(process.pid) and slots.active == 0
        await asyncio.wait_for(browser, 5)
        assert ws.closed
        with pytest.raises(aiohttp.ClientConnectionError):
            await client.get(f"http://{host}/")


async def test_stopping_the_server_tells_students_why(serve):
    server, slots, host = await serve()
    async with aiohttp.ClientSession() as client:
        ws = await client.ws_connect(f"http://{host}/ws")
        await _read_until(ws, b"marl-tui")
        (process,) = slots.children.values()
        await slots.stop_all()  # what `serve` does first on SIGTERM, before closing the listeners
        seen, _ = await _read_until(ws, b"the server is shutting down", timeout=15)
        assert b"SIGHUP" not in seen
        await asyncio.wait_for(server.close(), 15)
        assert not alive(process.pid)


async def test_cross_origin_websocket_is_refused(serve):
    server, slots, host = await serve()
    before = set(children_of(os.getpid()))
    async with aiohttp.ClientSession() as client:
        for origin in ("http://evil.example", f"http://evil.example:{server.port}", "null"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(f"http://{host}/ws", headers={"Origin": origin})
            assert refused.value.status == 403
    assert slots.active == 0 and not set(children_of(os.getpid())) - before


async def test_sessions_are_rate_limited_per_address(serve):
    # No seats at all, so no app starts: the first attempt spends the address's one token.
    _, _, host = await serve(max_sessions=0, connections_per_minute=1)
    async with aiohttp.ClientSession() as client:
        statuses = []
        for _ in range(2):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await client.ws_connect(f"http://{host}/ws")
            statuses.append((refused.value.status, refused.value.headers.get("Retry-After")))
    assert statuses == [(503, None), (429, "60")]


async def test_beyond_loopback_needs_a_token_and_warns():
    options = ServeOptions(web=Address("0.0.0.0", 8000))
    with pytest.raises(ValueError, match="token"):
        await start_web(options, SessionSlots(1))
    assert exposure_warning(options) == PLAIN_HTTP_WARNING
    assert exposure_warning(ServeOptions(web=Address("127.0.0.1", 8000))) == LOCAL_WARNING
    assert exposure_warning(ServeOptions(web=Address("127.0.0.1", 8000), token="t" * 20)) is None
    proxied = ServeOptions(web=Address("127.0.0.1", 8000), public_url="https://class.example.org")
    with pytest.raises(ValueError, match="token"):  # behind a proxy, loopback means anyone
        await start_web(proxied, SessionSlots(1))
    proxied.token = "t" * 20
    assert exposure_warning(proxied) is None
    options.token = "a/b"
    link = url(options)
    assert link.startswith("http://") and link.endswith(":8000/?token=a%2Fb")
    assert "0.0.0.0" not in link
    options.public_url = "https://class.example.org/"
    assert url(options) == "https://class.example.org/?token=a%2Fb"
    assert url(ServeOptions(web=Address("::1", 8080))) == "http://[::1]:8080/"


def test_behind_the_proxy_each_student_has_their_own_rate_allowance():
    from aiohttp.test_utils import make_mocked_request

    from marl_tui.serving.web import WebClassroom

    def address(options: ServeOptions, remote: str, forwarded: str | None) -> str:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        request = make_mocked_request("GET", "/ws", headers=headers)
        request = request.clone(remote=remote)
        return WebClassroom(options, SessionSlots(1))._client_address(request)

    proxied = ServeOptions(web=Address("127.0.0.1", 8000), public_url="https://c.example.org", token="t" * 20)
    assert address(proxied, "127.0.0.1", "203.0.113.9, 198.51.100.7") == "198.51.100.7"
    assert address(proxied, "127.0.0.1", "not an address") == "127.0.0.1"
    assert address(proxied, "192.0.2.1", "198.51.100.7") == "192.0.2.1"  # not from the proxy: not trusted
    direct = ServeOptions(web=Address("0.0.0.0", 8000), token="t" * 20)
    assert address(direct, "127.0.0.1", "198.51.100.7") == "127.0.0.1"


def test_child_environment_keeps_only_what_the_app_needs(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    env = child_environment(120, 40)
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert env["TEXTUAL_DRIVER"] == "textual.drivers.web_driver:WebDriver"
    assert (env["COLUMNS"], env["ROWS"]) == ("120", "40")
    assert env["PATH"] == os.environ["PATH"]


async def test_an_uncaught_error_in_a_web_app_is_logged_not_shown(serve, tmp_path, monkeypatch, caplog):
    """The real app, made to raise MemoryError on a key in the browser: the student gets one line
    (no traceback, no path), the seat is freed at once, and the traceback is in the server log."""
    from tests.serving.test_ssh import CRASHING_APP

    caplog.set_level("INFO", logger="marl_tui.serve")
    (tmp_path / "crashing_app.py").write_text(CRASHING_APP)
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    _, slots, host = await serve(app_module="crashing_app", app_arguments=["prisoners-dilemma"])
    async with aiohttp.ClientSession() as client:
        ws = await client.ws_connect(f"http://{host}/ws?width=100&height=30",
                                     headers={"Origin": f"http://{host}"})
        await _read_until(ws, b"Nash equilibria", timeout=60)
        await ws.send_str(json.dumps(["stdin", "v"]))
        seen = b"".join([message.data async for message in ws
                         if message.type == aiohttp.WSMsgType.BINARY])
    text = seen.decode(errors="replace")
    assert "the app stopped on an internal error (the details are in the server's log)" in text
    for leak in ("Traceback", "MemoryError", 'File "', "site-packages"):
        assert leak not in text, leak
    await eventually(lambda: slots.active == 0, "the seat's release")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "stopped on an error:\nTraceback" in logged
    assert "MemoryError: simulated: the session ran out of memory" in logged
