"""What `marl_tui/serving/web.py` takes from textual-serve, checked so that a new textual-serve fails
here, loudly and by name, rather than in a classroom.

web.py uses textual-serve's `AppService` packet methods (subclassed, with its own process handling),
its `DownloadManager`, and its static files (textual.js, xterm.css, the Roboto Mono font) with a page
of its own. When a test here fails after an upgrade, read the new textual-serve's `app_service.py`,
`download_manager.py` and `static/js/textual.js` against web.py, then move `TEXTUAL_SERVE_SERIES` and
the pin in pyproject.toml together.
"""

from __future__ import annotations

import asyncio
import json
import os
import tomllib
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from marl_tui.serving import web as web_module
from marl_tui.serving.limits import SessionSlots
from marl_tui.serving.options import Address, ServeOptions
from marl_tui.serving.web import STATIC_FOLDER, TEXTUAL_SERVE_SERIES, _Session, start_web

ROOT = Path(__file__).resolve().parents[2]
UPGRADE = ("marl_tui/serving/web.py was written against textual-serve {series}; see this module's "
           "docstring for what to review before changing TEXTUAL_SERVE_SERIES and the pin")


def _textual_serve_requirement() -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = [Requirement(r) for r in project["dependencies"] if r.startswith("textual-serve")]
    assert len(found) == 1, "pyproject.toml should declare textual-serve once"
    return found[0]


def test_the_pin_is_the_series_web_py_was_written_for():
    series = Version(TEXTUAL_SERVE_SERIES)
    pin = _textual_serve_requirement().specifier
    assert Version(f"{series.major}.{series.minor}.0") in pin or \
        Version(f"{series.major}.{series.minor}.99") in pin, UPGRADE.format(series=series)
    assert Version(f"{series.major}.{series.minor + 1}.0") not in pin, \
        "pin textual-serve below its next minor version: " + UPGRADE.format(series=series)
    installed = Version(version("textual-serve"))
    assert (installed.major, installed.minor) == (series.major, series.minor), \
        f"textual-serve {installed} is installed; " + UPGRADE.format(series=series)


def test_the_static_files_the_page_names_exist():
    page = (ROOT / "marl_tui" / "serving" / "page.html").read_text()
    for name in ("js/textual.js", "css/xterm.css", "fonts/RobotoMono-VariableFont_wght.ttf",
                 "fonts/RobotoMono-Italic-VariableFont_wght.ttf"):
        assert "{{ static }}" + name in page
        assert (STATIC_FOLDER / name).is_file(), f"textual-serve no longer ships static/{name}"


def test_textual_js_reads_the_page_and_speaks_the_protocol_web_py_relays():
    script = (STATIC_FOLDER / "js" / "textual.js").read_text()
    # What it reads from the page (page.html) and the classes it sets there.
    for needle in ('querySelectorAll(".textual-terminal")', "dataset.sessionWebsocketUrl",
                   "dataset.fontSize", '"-first-byte"', '"-closed"', "'Roboto Mono'"):
        assert needle in script, f"textual.js no longer has {needle!r}: check page.html"
    # The messages it sends, which web._handle_message understands.
    for kind in ("stdin", "resize", "ping", "focus", "blur"):
        assert f'JSON.stringify(["{kind}"' in script, \
            f"textual.js no longer sends {kind!r}: check web._handle_message"
    assert '"?width="' in script and '"&height="' in script  # the first size, in the websocket URL


class _Writer:
    """Stands for the app's stdin: what `AppService`'s packet methods write."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data.extend(data)

    async def drain(self) -> None:
        pass

    def is_closing(self) -> bool:
        return False

    def packets(self) -> list[tuple[bytes, bytes]]:
        out, data = [], bytes(self.data)
        while data:
            size = int.from_bytes(data[1:5], "big")
            out.append((data[:1], data[5:5 + size]))
            data = data[5 + size:]
        return out


async def test_the_packet_methods_write_through_the_stdin_property():
    browser = SimpleNamespace(send_bytes=None, send_str=None)
    session = _Session(["true"], cwd=None, websocket=browser,
                       downloads=web_module.DownloadManager())
    writer = _Writer()
    session.process = SimpleNamespace(stdin=writer)
    assert await session.send_bytes(b"q")
    await session.set_terminal_size(100, 30)
    await session.focus()
    await session.blur()
    assert await session.send_meta({"type": "quit"})
    packets = writer.packets()
    assert packets[0] == (b"D", b"q")
    assert [(kind, json.loads(payload)) for kind, payload in packets[1:]] == [
        (b"M", {"type": "resize", "width": 100, "height": 30}),
        (b"M", {"type": "focus"}),
        (b"M", {"type": "blur"}),
        (b"M", {"type": "quit"}),
    ]


DELIVERING_APP = '''
import io
from textual.app import App
from textual.widgets import Static


class Delivering(App):
    def compose(self):
        yield Static("ready")

    def on_mount(self):
        self.deliver_text(io.StringIO("payoffs: 3, 0, 5, 1"), save_filename="notes é.txt")


Delivering().run()
'''


@pytest.fixture
def delivering_app(tmp_path, monkeypatch) -> str:
    (tmp_path / "delivering_app.py").write_text(DELIVERING_APP)
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    return "delivering_app"


async def test_a_file_the_app_delivers_reaches_the_browser(tmp_path, delivering_app):
    """The app's `deliver_file_start` meta packet, its chunk requests (`send_meta`), its packed
    chunks (`on_packed`) and the download manager, end to end through a real Textual app."""
    options = ServeOptions(web=Address("127.0.0.1", 0), app_module=delivering_app,
                           files_root=tmp_path / "files")
    server = await start_web(options, SessionSlots(options.max_sessions))
    host = f"127.0.0.1:{server.port}"
    try:
        async with aiohttp.ClientSession() as client:
            async with client.ws_connect(f"ws://{host}/ws?width=80&height=24") as ws:
                async def delivery_key() -> str:
                    async for message in ws:
                        if message.type == aiohttp.WSMsgType.TEXT:
                            kind, data = json.loads(message.data)[:2]
                            if kind == "deliver_file_start":
                                return data
                    raise AssertionError("the session ended before the app delivered its file")

                key = await asyncio.wait_for(delivery_key(), 60)
                reading = asyncio.ensure_future(ws.receive())  # keep the websocket served
                async with client.get(f"http://{host}/download/{key}") as response:
                    assert response.status == 200
                    assert response.headers["Content-Type"].startswith("text/plain")
                    assert "filename*=UTF-8''notes%20%C3%A9.txt" in \
                        response.headers["Content-Disposition"]
                    assert await response.text() == "payoffs: 3, 0, 5, 1"
                reading.cancel()
    finally:
        await server.close()
