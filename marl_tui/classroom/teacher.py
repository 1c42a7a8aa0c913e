"""`marl-tui class`: the teacher's dashboard, a client of the hub over the teacher's private socket.

It shows what the hub sends after every change (shares against each equilibrium's prediction,
payoffs, sparklines, who has not chosen, presence, the guesses of a class game) and sends the
teacher's commands; the hub decides. ``p`` switches to a projector view with no names.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static

from marl_tui.classroom.client import ClassClient
from marl_tui.classroom.views import (
    dashboard_header,
    guesses_panel,
    legend_lines,
    payoff_line,
    roster_rows,
    shares_table,
)

Connect = Callable[[], Awaitable[ClassClient]]


class TeacherApp(App):
    """The teacher's dashboard of one class."""

    CSS_PATH = [
        Path(__file__).parent.parent / "styles" / "app.tcss",
        Path(__file__).parent.parent / "styles" / "class_teacher.tcss",
    ]
    TITLE = "marl-tui class: dashboard"
    BINDINGS = [
        Binding("s", "command('start')", "Start"),
        Binding("space", "command('pause')", "Pause"),
        Binding("n", "command('next')", "Next round"),
        Binding("e", "command('end')", "End"),
        Binding("d", "deadline", "Deadline"),
        Binding("k", "kick", "Kick"),
        Binding("a", "command('agents')", "Agents"),
        Binding("v", "command('distribution')", "Show class"),
        Binding("r", "command('reveal')", "Reveal agents"),
        Binding("p", "command('projector')", "Projector"),
        Binding("x", "export", "Export"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, connect: Connect, export_folder: Path | None = None) -> None:
        super().__init__()
        self._connect = connect
        self.client: ClassClient | None = None
        self.view: dict[str, Any] | None = None
        self.export_folder = export_folder or Path.cwd()
        self.received = time.monotonic()

    def compose(self) -> ComposeResult:
        yield Static(Text("Connecting to the class..."), id="header")
        with Horizontal(id="main"):
            with VerticalScroll(id="figures"):
                yield Static(Text(""), id="shares")
                yield Static(Text(""), id="guesses")
                yield Static(Text(""), id="payoffs")
                yield Static(Text(""), id="legend")
            with Vertical(id="people"):
                yield Static(Text(""), id="waiting")
                yield DataTable(id="roster", cursor_type="row", zebra_stripes=True)
        yield Static(Text(""), id="notice")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#roster", DataTable)
        table.add_columns("id", "name", "status", "total", "round")
        table.focus()  # the arrow keys pick the student `k` kicks
        self.set_interval(0.5, self._countdown)
        self.run_worker(self._talk(), exclusive=True, group="hub")

    async def _talk(self) -> None:
        try:
            self.client = await self._connect()
        except (ConnectionError, OSError) as error:
            self._say(f"cannot reach the class: {error}")
            return
        while (message := await self.client.receive()) is not None:
            self.handle(message)
        self._say("The class server closed the connection.")

    def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "dashboard":
            self.view = message
            self.received = time.monotonic()
            self._render()
        elif kind == "result":
            self._say(str(message.get("message", "")), error=not message.get("ok"))
        elif kind == "export":
            path = self.export_folder / f"class-rounds-{time.strftime('%Y%m%d-%H%M%S')}.csv"
            try:
                path.write_text(message["csv"], encoding="utf-8")
                self._say(f"exported the round table to {path}")
            except OSError as error:
                self._say(f"cannot write {path}: {error.strerror or error}", error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.query_one("#notice", Static).update(Text(text, style="bold red" if error else ""))

    async def _send(self, message: dict[str, Any]) -> None:
        if self.client is None:
            self._say("not connected", error=True)
            return
        try:
            await self.client.send(message)
        except (ConnectionError, OSError):
            self._say("the class server is gone", error=True)

    # ----- actions -----------------------------------------------------------------------------
    async def action_command(self, name: str) -> None:
        await self._send({"type": "command", "command": name})

    async def action_export(self) -> None:
        await self._send({"type": "command", "command": "export"})

    async def action_kick(self) -> None:
        table = self.query_one("#roster", DataTable)
        if self.view is None or self.view["projector"] or table.row_count == 0:
            self._say("select a student in the roster first (not in the projector view)")
            return
        row = table.get_row_at(table.cursor_row)
        await self._send({"type": "command", "command": "kick", "player": str(row[0])})

    def action_deadline(self) -> None:
        from games import GameError
        from marl_tui.screens.prompt import PromptScreen

        def parse(text: str) -> float:
            try:
                return float(text)
            except ValueError:
                raise GameError(f"{text!r} is not a number of seconds") from None

        async def chosen(seconds: float | None) -> None:
            if seconds is not None:
                await self._send({"type": "command", "command": "deadline", "seconds": seconds})

        current = self.view["settings"]["deadline"] if self.view else 30
        self.push_screen(PromptScreen("Seconds per round", parse, value=f"{current:g}"), chosen)

    # ----- drawing -----------------------------------------------------------------------------
    def _countdown(self) -> None:
        if self.view is not None and self.view["remaining"] is not None and not self.view["paused"]:
            view = dict(self.view)
            view["remaining"] = max(0.0, view["remaining"] - (time.monotonic() - self.received))
            self.query_one("#header", Static).update(dashboard_header(view))

    def _render(self) -> None:
        view = self.view
        assert view is not None
        self.query_one("#header", Static).update(dashboard_header(view))
        aggregate = view["aggregate"] is not None
        self.query_one("#shares", Static).display = not aggregate
        self.query_one("#legend", Static).display = not aggregate
        self.query_one("#guesses", Static).display = aggregate
        if aggregate:
            self.query_one("#guesses", Static).update(guesses_panel(view))
        else:
            self.query_one("#shares", Static).update(shares_table(view))
            self.query_one("#legend", Static).update(legend_lines(view))
        self.query_one("#payoffs", Static).update(payoff_line(view))
        waiting = view["waiting"]
        if view["phase"] != "round":
            line = Text("")
        elif isinstance(waiting, int):
            line = Text(f"{waiting} still to choose")
        else:
            line = Text(f"{len(waiting)} still to choose: " + ", ".join(waiting[:12])
                        + (" ..." if len(waiting) > 12 else ""))
        self.query_one("#waiting", Static).update(line)
        people = self.query_one("#people", Vertical)
        people.display = not view["projector"]
        table = self.query_one("#roster", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in roster_rows(view):
            table.add_row(*row, key=row[0])
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))


def run_dashboard(socket_path: str | None) -> int:
    """Open the dashboard on the class served from this account (CommandError if none is)."""
    from marl_tui.classroom.server import teacher_socket_path
    from marl_tui.cli import CommandError

    path = Path(socket_path) if socket_path else teacher_socket_path()
    if not path.is_socket():
        raise CommandError(
            f"no class is being served from this account (no socket at {path}); start one with "
            "`marl-tui serve --ssh PORT --class GAME`"
        )

    async def connect() -> ClassClient:
        return await ClassClient.unix(path)

    TeacherApp(connect).run()
    return 0
