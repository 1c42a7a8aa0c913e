"""`marl-tui serve --web` in a real browser: headless Chromium (Debian's `chromium` and
`chromium-driver`, installed by scripts/install-system-tools.sh) driven by selenium against the real
`marl-tui serve` command, as a student would use it.

The terminal's text is read from xterm.js's buffer in the page. textual.js keeps its xterm.js
`Terminal` in a closure, so a script that runs before the page's own (`TERMINAL_HOOK`) notes the
terminal when textual.js stores it as `this.terminal`; the test then reads it through xterm.js's
public buffer API. Waits are generous (the machine may be slow and shared) but all finite.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.serving.server_process import ServerProcess

pytestmark = pytest.mark.slow

TOKEN = "browser-test-token"
LIST_WIDTH = 30  # the picker's left column (filter and list), as picker.tcss lays it out
WAIT = 90.0  # seconds for anything the app draws or the server does; ample on a loaded machine

TERMINAL_HOOK = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true,
                                             enumerable: true});
    if (value && value.buffer && typeof value.write === "function") { window.__terminal = value; }
  },
});
"""
READ_TERMINAL = """
const terminal = window.__terminal;
if (!terminal) { return null; }
const buffer = terminal.buffer.active, lines = [];
for (let y = 0; y < terminal.rows; y++) {
  // Up to the terminal's width: after a narrowing resize, a line keeps cells it no longer shows.
  lines.push(buffer.getLine(y).translateToString(true, 0, terminal.cols));
}
return {cols: terminal.cols, rows: terminal.rows, lines: lines};
"""
CELL_GEOMETRY = """
const terminal = window.__terminal;
const box = terminal.element.querySelector(".xterm-screen").getBoundingClientRect();
return {left: box.left, top: box.top, width: box.width / terminal.cols,
        height: box.height / terminal.rows};
"""


def _executable(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run scripts/install-system-tools.sh")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    """One `marl-tui serve --web` for the module, with a token, as a teacher would start it."""
    home = tmp_path_factory.mktemp("teacher")
    served = ServerProcess(home, "--web", "127.0.0.1:0", "--token", TOKEN,
                           "--files", str(home / "files"), "--rate", "1000", timeout=WAIT)
    yield served
    served.stop()


class Browser:
    """A headless Chromium with a fresh profile, its network log on, reading the page's terminal."""

    def __init__(self) -> None:
        options = webdriver.ChromeOptions()
        options.binary_location = _executable("chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--disable-gpu", "--window-size=1280,800", "--no-first-run"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(options=options,
                                       service=Service(_executable("chromedriver")))
        self.driver.set_page_load_timeout(WAIT)
        self.driver.set_script_timeout(WAIT)
        self._hook_terminal()

    def _hook_terminal(self) -> None:
        """Run `TERMINAL_HOOK` before the scripts of every page this tab loads from now on."""
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                    {"source": TERMINAL_HOOK})

    def new_tab(self) -> None:
        """Open a tab and switch to it."""
        self.driver.switch_to.new_window("tab")
        self._hook_terminal()

    def open(self, url: str) -> None:
        self.driver.get(url)

    def terminal(self) -> dict | None:
        """The terminal's size and its lines as text, or None before textual.js made it."""
        return self.driver.execute_script(READ_TERMINAL)

    def screen(self) -> str:
        terminal = self.terminal()
        return "" if terminal is None else "\n".join(terminal["lines"])

    def wait_for(self, condition: Callable[[dict], bool], what: str) -> dict:
        """The terminal once `condition(terminal)` holds; fail showing the screen after `WAIT` s."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            terminal = self.terminal()
            if terminal is not None and condition(terminal):
                return terminal
            time.sleep(0.25)
        raise AssertionError(f"{what} did not happen within {WAIT} s; the page's terminal shows:\n"
                             + self.screen())

    def wait_for_text(self, *texts: str) -> dict:
        return self.wait_for(lambda t: all(text in "\n".join(t["lines"]) for text in texts),
                             f"the terminal showing {texts}")

    def click_cell(self, column: int, row: int) -> None:
        """A mouse click in the middle of the terminal cell at (`column`, `row`)."""
        cell = self.driver.execute_script(CELL_GEOMETRY)
        x = cell["left"] + (column + 0.5) * cell["width"]
        y = cell["top"] + (row + 0.5) * cell["height"]
        body = self.driver.find_element("tag name", "body")
        rect = body.rect
        ActionChains(self.driver).move_to_element_with_offset(
            body, int(x - rect["x"] - rect["width"] / 2), int(y - rect["y"] - rect["height"] / 2),
        ).click().perform()

    def type(self, keys: str) -> None:
        ActionChains(self.driver).send_keys(keys).perform()

    def press_ctrl(self, key: str) -> None:
        ActionChains(self.driver).key_down(Keys.CONTROL).send_keys(key).key_up(Keys.CONTROL).perform()

    def requested_urls(self) -> list[str]:
        """Every URL the page requested so far (documents, scripts, fonts, websockets...)."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
            elif message["method"] == "Network.webSocketCreated":
                urls.append(message["params"]["url"])
        return urls

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture
def browser() -> Iterator[Browser]:
    opened = Browser()
    yield opened
    opened.quit()


def _link(server: ServerProcess, token: str | None = TOKEN) -> str:
    base = f"http://127.0.0.1:{server.ports['web']}/"
    return base if token is None else f"{base}?token={token}"


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {WAIT} s"
        time.sleep(0.1)


def _no_session_left(server: ServerProcess) -> None:
    """Every session this test started has ended, so the next test starts from none."""
    _wait_until(lambda: not server.children(), "the end of every app process")


def _picker_drawn(browser: Browser) -> dict:
    return browser.wait_for_text("pick a game", "Prisoner's Dilemma", "type to filter")


def _games(terminal: dict) -> str:
    """The picker's left column (the filter and the list of games), without the preview."""
    return "\n".join(line[:LIST_WIDTH] for line in terminal["lines"])


def _filter_row(terminal: dict) -> int:
    return next(y for y, line in enumerate(terminal["lines"]) if "type to filter" in line)


def test_the_link_opens_the_app_typing_filters_and_a_game_shows_its_equilibria(server, browser):
    browser.open(_link(server))
    picker = _picker_drawn(browser)
    browser.click_cell(5, _filter_row(picker))
    browser.type("stag")
    filtered = browser.wait_for(
        lambda t: "Stag Hunt" in _games(t) and "Prisoner's Dilemma" not in _games(t),
        "the picker filtered to 'stag'")
    assert any("stag" in line for line in filtered["lines"][:4])  # typed into the filter box
    browser.type(Keys.ENTER)
    game = browser.wait_for_text("Stag Hunt", "Nash equilibria", "Stag, Stag")
    assert "Hare, Hare" in "\n".join(game["lines"])  # both pure equilibria, read from the page
    browser.press_ctrl("q")
    _wait_until(lambda: server.count(r"web session end .*: app quit") >= 1,
                "the app quitting on ctrl+q")
    _no_session_left(server)


def test_the_page_loads_nothing_from_another_host(server, browser):
    browser.open(_link(server))
    _picker_drawn(browser)
    loaded = browser.driver.execute_script(
        "return [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
    assert "Roboto Mono" in [family.strip('"') for family in loaded], "the page's font did not load"
    urls = browser.requested_urls()
    own = urlsplit(_link(server)).netloc
    assert any(url.startswith(f"ws://{own}/ws") for url in urls)
    assert any(url.endswith(".ttf") for url in urls)  # the font, from this server
    foreign = [url for url in urls
               if urlsplit(url).netloc != own and not url.startswith("data:")]
    assert not foreign, f"the page requested other hosts: {foreign}"
    refused = [entry["message"] for entry in browser.driver.get_log("browser")
               if "Content Security Policy" in entry["message"]]
    assert not refused, f"the page's own policy blocked some of it: {refused}"
    browser.quit()
    _no_session_left(server)


@pytest.mark.parametrize("token", [None, "wrong-token-123"])
def test_without_the_token_no_session_starts(server, browser, token):
    sessions_before = server.count(r"web session \d+/")
    apps_before = set(server.children())
    browser.open(_link(server, token))
    body = browser.driver.find_element("tag name", "body").text
    assert "Access token needed" in body and "?token=" in body
    time.sleep(2)  # what would have started a session has had its chance
    assert browser.terminal() is None
    assert set(server.children()) <= apps_before  # no app process started
    assert server.count(r"web session \d+/") == sessions_before
    assert not any(url.startswith("ws:") for url in browser.requested_urls())


def test_a_window_resize_resizes_the_app(server, browser):
    browser.open(_link(server))

    def drawn_at_its_size(terminal: dict) -> bool:
        """The app fills the terminal: the footer on the last row and the panels' bottom border
        ending in the last column, so the app's size is the terminal's."""
        lines = terminal["lines"]
        return ("Quit" in lines[-1] and len(lines[-2]) == terminal["cols"]
                and lines[-2].endswith("╯") and "pick a game" in lines[0])

    before = browser.wait_for(drawn_at_its_size, "the picker drawn at the window's size")
    browser.driver.set_window_size(900, 560)
    after = browser.wait_for(
        lambda t: t["cols"] < before["cols"] and t["rows"] < before["rows"] and drawn_at_its_size(t),
        "the picker redrawn at the smaller window's size")
    assert (after["cols"], after["rows"]) != (before["cols"], before["rows"])
    browser.quit()
    _no_session_left(server)


def test_closing_the_tab_ends_the_app(server, browser):
    ends_before = server.count(r"web session end .*: client closed")
    first = browser.driver.current_window_handle
    browser.new_tab()
    browser.open(_link(server))
    _picker_drawn(browser)
    _wait_until(lambda: len(server.children()) == 1, "the app's process starting")
    (child,) = server.children()
    browser.driver.close()
    browser.driver.switch_to.window(first)
    _wait_until(lambda: child not in server.children(), "the app's process ending")
    _wait_until(lambda: server.count(r"web session end .*: client closed") > ends_before,
                "the session's end in the log")


def test_typing_after_a_click_on_a_panel_still_filters(server, browser):
    browser.open(_link(server))
    picker = _picker_drawn(browser)
    row = _filter_row(picker) + 6  # inside the preview pane, right of the list
    browser.click_cell(picker["cols"] - 10, row)
    browser.type("hawk")
    filtered = browser.wait_for(
        lambda t: "Hawk-Dove" in _games(t) and "Prisoner's Dilemma" not in _games(t),
        "the list filtered by the letters typed after the click")
    assert any("hawk" in line for line in filtered["lines"][:4])  # they are in the filter box
    browser.quit()
    _no_session_left(server)
