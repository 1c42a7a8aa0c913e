"""The Dynamics view of the Game screen: a live phase portrait of the game being edited.

The Game screen mounts one of these and calls :meth:`DynamicsPanel.show` with every new game;
the picture (rest points, orbits) is computed in a thread worker, a newer game or dynamic
cancelling an unfinished one, so typing never waits. With the panel focused, ``y`` cycles the
dynamic and ``+``/``-``/``T`` set the logit temperature.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from games import Game, GameError
from games.dynamics import DEFAULT_TEMPERATURE, DYNAMICS
from marl_tui.rest_points import STABILITY_STYLE, position_texts
from marl_tui.widgets.phase_portrait import (
    MARKERS,
    Palette,
    PhasePortrait,
    Picture,
    compute_picture,
    drawable,
    drawing_refusal,
    legend_text,
)

DYNAMIC_NAMES = {
    "replicator": "replicator",
    "best-response": "best response (fictitious play)",
    "logit": "logit (Boltzmann-Q)",
}
MIN_TEMPERATURE, MAX_TEMPERATURE = 1e-3, 1e3


def parse_temperature(text: str) -> float:
    """A typed temperature; GameError (shown in the prompt) unless a positive finite number."""
    try:
        value = float(text.strip())
    except ValueError:
        raise GameError(f"{text.strip()!r} is not a number; type e.g. 0.1") from None
    if not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
        raise GameError(f"the temperature must lie between {MIN_TEMPERATURE:g} and {MAX_TEMPERATURE:g}")
    return value


def caption_text(picture: Picture) -> Text:
    """What the picture shows: the dynamic and what the axes or corners are."""
    sys = picture.system
    text = Text(DYNAMIC_NAMES[sys.dynamic], style="bold")
    if sys.dynamic == "logit":
        text.append(f", T = {sys.temperature:g}")
    if picture.square:
        text.append(f" · across: {sys.names[0]} plays {sys.labels[0][0]}, "
                    f"up: {sys.names[1]} plays {sys.labels[1][0]}")
    elif sys.single:
        text.append(" · one population playing itself")
    else:
        text.append(" · each player's mix; lines: orbits")
    return text


def rest_point_lines(picture: Picture) -> Text:
    """The rest points that are Nash equilibria, one per line (the others are on the picture)."""
    points = [r for r in picture.rest if r.nash] or list(picture.rest)
    text = Text()
    for point in points:
        if text:
            text.append("\n")
        text.append(MARKERS[point.stability], STABILITY_STYLE[point.stability])
        text.append(" " + " | ".join(position_texts(picture.system, point)))
        text.append(f": {point.stability}")
        if point.conserved:
            text.append(" (closed orbits)")
        if not point.nash:
            text.append(" (not Nash)")
    return text


class DynamicsPanel(Vertical, can_focus=True):
    """Caption, portrait, legend and rest points of the current game's learning dynamic."""

    DEFAULT_CSS = """
    DynamicsPanel { width: 60%; min-width: 36; height: 1fr; border: round $primary; padding: 0 1; }
    DynamicsPanel:focus-within { border: round $accent; }
    DynamicsPanel.computing { border: round $warning; }
    DynamicsPanel > #dynamics-caption { height: auto; color: $text-muted; }
    DynamicsPanel > #dynamics-legend { height: auto; max-height: 2; }
    DynamicsPanel > #dynamics-rest { height: auto; max-height: 3; }
    """
    BINDINGS = [
        Binding("y", "next_dynamic", "Dynamic", id="dynamics-next"),
        Binding("plus,equals_sign", "temperature(2)", "Logit temperature x2", key_display="+",
                show=False, id="dynamics-hotter"),
        Binding("minus", "temperature(0.5)", "Logit temperature /2", key_display="-", show=False,
                id="dynamics-cooler"),
        Binding("T", "type_temperature", "Temperature", id="dynamics-temperature"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.game: Game | None = None
        self.dynamic = "replicator"
        self.temperature = DEFAULT_TEMPERATURE
        self.picture: Picture | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="dynamics-caption", markup=False)
        yield PhasePortrait(id="dynamics-portrait")
        yield Static(id="dynamics-legend", markup=False)
        yield Static(id="dynamics-rest", markup=False)

    def on_mount(self) -> None:
        self.border_title = "Dynamics"
        self.watch(self.app, "theme", self._retheme, init=False)

    def _retheme(self, _theme: str) -> None:
        """The legend takes the new theme's colours (the portrait reads them as it renders)."""
        if self.picture is not None:  # after the refresh that installs the theme's variables
            self.call_after_refresh(self._draw, self.picture)

    def show(self, game: Game) -> None:
        """Draw ``game``'s dynamic (computed in a worker; the old picture stays until then)."""
        self.game = game
        if not drawable(game):
            self.workers.cancel_group(self, "dynamics")  # a picture of the previous game
            self.remove_class("computing")
            self.border_subtitle = ""
            self.picture = None
            self.query_one(PhasePortrait).show(None, drawing_refusal(game))
            for part in ("#dynamics-caption", "#dynamics-legend", "#dynamics-rest"):
                self.query_one(part, Static).update("")
            return
        self.add_class("computing")
        self.border_subtitle = "computing…"
        self.run_worker(
            partial(compute_picture, game, self.dynamic, self.temperature),
            thread=True, exclusive=True, group="dynamics", name=f"dynamics of {game.name}",
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "dynamics":
            return
        event.stop()
        if event.state not in (WorkerState.ERROR, WorkerState.SUCCESS):
            return
        self.remove_class("computing")
        self.border_subtitle = ""
        if event.state == WorkerState.ERROR:
            self.query_one(PhasePortrait).show(None, f"Could not draw the dynamics: {worker.error}")
        else:
            self._draw(worker.result)

    def _draw(self, picture: Picture) -> None:
        self.picture = picture
        palette = Palette.from_app(self.app)
        self.query_one("#dynamics-caption", Static).update(caption_text(picture))
        self.query_one(PhasePortrait).show(picture)
        self.query_one("#dynamics-legend", Static).update(legend_text(picture, palette))
        self.query_one("#dynamics-rest", Static).update(rest_point_lines(picture))

    # ----- controls --------------------------------------------------------------------------
    def action_next_dynamic(self) -> None:
        self.dynamic = DYNAMICS[(DYNAMICS.index(self.dynamic) + 1) % len(DYNAMICS)]
        self._redo()

    def action_temperature(self, factor: float) -> None:
        value = min(max(self.temperature * factor, MIN_TEMPERATURE), MAX_TEMPERATURE)
        self.set_temperature(value)

    def action_type_temperature(self) -> None:
        from marl_tui.screens.prompt import PromptScreen

        self.app.push_screen(
            PromptScreen("Logit temperature", parse_temperature, value=f"{self.temperature:g}",
                         hint="Lower is greedier (towards best response); higher is more random."),
            callback=lambda value: value is not None and self.set_temperature(value),
        )

    def set_temperature(self, value: float) -> None:
        """Use ``value`` for the logit dynamic (switching to it) and redraw."""
        self.temperature = value
        self.dynamic = "logit"
        self._redo()

    def _redo(self) -> None:
        if self.game is not None:
            self.show(self.game)
