"""The student's screen in a class: nickname, lobby, the game from their side with a countdown,
their choice, the round's result and their running total, and the class's last distribution.

The app is a thin client: it shows what the hub sends and sends back a nickname and choices; the
hub decides rounds, deadlines and kicks. Every string from the hub (game and action names,
nicknames) is shown as plain text.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from marl_tui.classroom.client import ClassClient
from marl_tui.classroom.views import histogram, percent

Connect = Callable[[], Awaitable[ClassClient]]


#: Seconds a session stays open after the class has ended it or let it go (a kick, the end).
LEAVE_AFTER = 20.0


class StudentApp(App):
    """One student's view of the class."""

    CSS_PATH = Path(__file__).parent.parent / "styles" / "class_student.tcss"
    TITLE = "marl-tui class"
    BINDINGS = [Binding("ctrl+q", "quit", "Leave")]

    def __init__(self, connect: Connect = ClassClient.inherited,
                 leave_after: float = LEAVE_AFTER) -> None:
        super().__init__()
        self._connect = connect
        self.leave_after = leave_after
        self.client: ClassClient | None = None
        self.game: dict[str, Any] | None = None
        self.name_: str = ""
        self.state: dict[str, Any] | None = None
        self.received = time.monotonic()
        self.notice = Text("")

    def compose(self) -> ComposeResult:
        yield Static(Text("Joining the class..."), id="title")
        yield Static(Text(""), id="status")
        yield Input(placeholder="your nickname, then Enter", id="nickname", max_length=24)
        yield Input(placeholder="your number, then Enter", id="guess", type="integer")
        with VerticalScroll(id="body"):
            yield Static(Text(""), id="game")
            yield Static(Text(""), id="result")
            yield Static(Text(""), id="distribution")
        yield Static(Text(""), id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#guess", Input).display = False
        self.query_one("#nickname", Input).focus()
        self.set_interval(0.25, self._tick)
        self.run_worker(self._talk(), exclusive=True, group="hub")

    # ----- the hub -----------------------------------------------------------------------------
    async def _talk(self) -> None:
        try:
            self.client = await self._connect()
        except (ConnectionError, OSError) as error:
            self._say(f"cannot reach the class: {error}")
            return
        self._say("Type a nickname and press Enter.")
        reason = "The connection to the class closed"
        while (message := await self.client.receive()) is not None:
            self.handle(message)
            if message.get("type") == "bye":  # the end, or a kick: its reason stays on the screen
                reason = str(message.get("reason", "goodbye"))
        self.query_one("#guess", Input).display = False
        self.query_one("#nickname", Input).display = False
        # the session ends by itself, so that a kicked student's seat is free for the next one
        self._say(f"{reason}. This session closes in {self.leave_after:g} s (Ctrl+Q: now).")
        self.set_timer(self.leave_after, self.exit)

    async def _send(self, message: dict[str, Any]) -> None:
        if self.client is not None:
            try:
                await self.client.send(message)
            except (ConnectionError, OSError):
                self._say("The connection to the class closed.")

    def handle(self, message: dict[str, Any]) -> None:
        """Apply one message from the hub to the screen."""
        kind = message.get("type")
        if kind == "known":
            self.query_one("#nickname", Input).value = str(message.get("name", ""))
            self._say("Welcome back: press Enter to take your seat again.")
        elif kind == "welcome":
            self.game = message["game"]
            self.name_ = str(message.get("name", ""))
            self.query_one("#nickname", Input).display = False
            self._say("")
        elif kind == "state":
            self.state = message
            self.received = time.monotonic()
        elif kind == "error":
            self._say(str(message.get("message", "")))
        self._render()

    # ----- input -------------------------------------------------------------------------------
    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "nickname":
            if event.value.strip():
                await self._send({"type": "hello", "name": event.value})
        elif event.input.id == "guess":
            seat = self._seat()
            if seat is None or self.game is None:
                return
            event.input.value = ""
            try:
                value = int(event.value)
            except ValueError:
                self._say("type a whole number")
                return
            low, high = self.game["low"], self.game["high"]
            if not low <= value <= high:
                self._say(f"choose a number from {low} to {high}")
                return
            await self._send({"type": "choose", "round": self.state["round"],
                              "action": value - low})

    async def on_key(self, event) -> None:
        seat = self._seat()
        if seat is None or self.game is None or self.game["aggregate"] or seat["chosen"]:
            return
        labels = self.game["roles"][seat["role"]]["labels"]
        if event.character and event.character.isdigit() and 1 <= int(event.character) <= len(labels):
            event.stop()
            await self._send({"type": "choose", "round": self.state["round"],
                              "action": int(event.character) - 1})

    def _seat(self) -> dict[str, Any] | None:
        state = self.state
        if state is None or state.get("phase") != "round" or state.get("paused"):
            return None
        return state.get("seat")

    # ----- drawing -----------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.notice = Text(text)
        self.query_one("#notice", Static).update(self.notice)

    def _tick(self) -> None:
        if self.state is not None and self.state.get("phase") == "round":
            self.query_one("#status", Static).update(status_text(self.state, self._remaining()))

    def _remaining(self) -> float | None:
        left = self.state.get("remaining") if self.state else None
        if left is None or self.state.get("paused"):
            return left
        return max(0.0, left - (time.monotonic() - self.received))

    def _render(self) -> None:
        game, state = self.game, self.state
        if game is None:
            return
        title = Text(game["name"], style="bold")
        title.append(f"   {self.name_}", style="italic")
        if state is not None:
            title.append(f"   total {state['total']:g}")
        self.query_one("#title", Static).update(title)
        if state is None:
            return
        self.query_one("#status", Static).update(status_text(state, self._remaining()))
        seat = state.get("seat") if state.get("phase") == "round" else None
        self.query_one("#game", Static).update(game_panel(game, seat))
        guess = self.query_one("#guess", Input)
        guess.display = bool(game["aggregate"] and seat and not seat["chosen"])
        if guess.display and not guess.has_focus:
            guess.focus()
        self.query_one("#result", Static).update(result_text(game, state.get("last")))
        self.query_one("#distribution", Static).update(
            distribution_panel(game, state.get("distribution")))


def status_text(state: dict[str, Any], remaining: float | None) -> Text:
    """One line: lobby count, round and countdown, pause, or the end."""
    phase = state["phase"]
    online = state.get("online", 0)
    if state.get("status") == "kicked":
        return Text("You were removed from the class.")
    if phase == "lobby":
        return Text(f"Waiting for the teacher to start: {online} in the class.")
    if phase == "ended":
        return Text(f"The class has ended. Your total: {state['total']:g}.")
    if phase == "results":
        return Text(f"Round {state['round']} is over. Waiting for the next round ({online} here).")
    if state.get("paused"):
        return Text(f"Round {state['round']}: paused by the teacher.")
    seat = state.get("seat")
    if seat is None and state.get("sitting_out"):
        return Text(f"Round {state['round']}: you sit this round out (no partner is left for you, "
                    "and the teacher has agents off).")
    if seat is None:
        return Text(f"Round {state['round']} is being played; you join at the next round.")
    left = "" if remaining is None else f" {remaining:.0f} s left."
    partners = seat["partners"]
    if partners and len(partners) <= 3:
        left += " You play with " + " and ".join(partners) + "."
    elif partners:
        agents = partners.count("an agent")
        left += f" Your group: {len(partners) + 1} players" + (
            f", {agents} of them agents." if agents else ".")
    if seat["chosen"]:
        return Text(f"Round {state['round']}: you chose {seat['chosen']}; waiting for the others.{left}")
    return Text(f"Round {state['round']}: make your choice.{left}", style="bold")


def game_panel(game: dict[str, Any], seat: dict[str, Any] | None) -> Table | Text:
    """The game from the student's side: for two-player matrix games, the matrix with their own
    payoff first in each cell; otherwise the actions or the range of numbers."""
    if game["aggregate"]:
        lines = Text(game.get("description", ""))
        if seat is not None:
            lines.append(f"\n\nYou are in a group of {seat['seats']}. Type a number from "
                         f"{game['low']} to {game['high']} and press Enter.")
        return lines
    role = seat["role"] if seat else 0
    mine = game["roles"][role]
    if mine["matrix"] is None:
        text = Text("Your actions: ")
        text.append(", ".join(f"{k + 1} {label}" for k, label in enumerate(mine["labels"])))
        return text
    other = game["roles"][1 - role]["labels"]
    table = Table(box=box.SQUARE, title=Text("You choose a row; cells: (you, partner)"),
                  show_header=True)
    table.add_column(Text(""))
    for label in other:
        table.add_column(Text(f"partner: {label}"), justify="center")
    for k, (label, row) in enumerate(zip(mine["labels"], mine["matrix"], strict=True)):
        chosen = seat is not None and seat["chosen"] == label
        head = Text(f"{k + 1} {label}", style="reverse" if chosen else "bold")
        table.add_row(head, *(Text(f"{a:g}, {b:g}") for a, b in row))
    return table


def result_text(game: dict[str, Any], last: dict[str, Any] | None) -> Text:
    """Last round: the student's choice, their partners', and the payoff."""
    if not last:
        return Text("")
    text = Text(f"\nRound {last['round']}: you chose {last['action']}")
    if last["timed_out"]:
        text.append(" (time ran out: chosen for you)")
    for partner in last["partners"]:
        text.append(f"; {partner['who']} chose {partner['action']}")
    if game["aggregate"] and "target" in last:
        text.append(f". The mean was {last['mean']:.2f}, the target {last['target']:.2f}")
        text.append(": you won!" if last["won"] else ": not this time")
    text.append(f". You got {last['payoff']:g}.", style="bold")
    return text


def distribution_panel(game: dict[str, Any], distribution: dict[str, Any] | None) -> Text:
    """The class's choices in the last round (when the teacher shows them)."""
    if not distribution:
        return Text("")
    if game["aggregate"]:
        lines = [Text("\nThe class's numbers last round:")]
        lines += [Text(line) for line in histogram(distribution["values"], game["low"], game["high"],
                                                   bins=10, width=24)]
        return Text("\n").join(lines)
    lines = [Text("\nThe class last round:")]
    for labels, shares in zip(distribution["labels"], distribution["shares"], strict=True):
        for label, share in zip(labels, shares, strict=True):
            line = Text(f"  {label}: ")
            line.append("█" * int(round(share * 20)))
            line.append(f" {percent(share)}")
            lines.append(line)
    return Text("\n").join(lines)
