"""The learning agents' policies drawn over the phase portrait of the game, as they learn.

Watch feeds :meth:`PolicyPortrait.record` each snapshot's current and time-averaged policies;
this widget keeps their trails and draws them over the replicator flow of the stage game: on the
unit square for a 2x2 game, on each player's simplex for a 3x3 one (there each player's flow is
drawn against the other's current policy, the field that player actually faces). The flow and
rest points are computed once per game in a thread worker.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from functools import partial

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from games import Game
from marl_tui.widgets.phase_portrait import (
    Palette,
    PhasePortrait,
    Picture,
    Track,
    compute_picture,
    drawable,
    drawing_refusal,
    legend_text,
)

#: Points kept per trail; older ones are dropped (the picture shows where play went lately).
TRAIL = 1500
#: Points drawn per trail at most (evenly thinned), so a redraw stays cheap.
DRAWN = 300


class PolicyTrail:
    """The current and time-averaged joint policies seen so far, oldest first."""

    def __init__(self, maxlen: int = TRAIL) -> None:
        self.current: deque[tuple[np.ndarray, ...]] = deque(maxlen=maxlen)
        self.average: deque[tuple[np.ndarray, ...]] = deque(maxlen=maxlen)

    def record(self, current: Sequence[np.ndarray], average: Sequence[np.ndarray]) -> None:
        self.current.append(tuple(np.asarray(p, dtype=float) for p in current))
        self.average.append(tuple(np.asarray(p, dtype=float) for p in average))

    def clear(self) -> None:
        self.current.clear()
        self.average.clear()

    def tracks(self, square: bool) -> list[Track]:
        """Tracks for the portrait: one per role on the square, one per role and player else."""
        tracks: list[Track] = []
        for role, points in (("average", self.average), ("current", self.current)):
            if not points:
                continue
            kept = _thinned(list(points), DRAWN)
            if square:
                tracks.append(Track(0, np.array([np.concatenate(p) for p in kept]), role))
            else:
                for player in range(len(kept[0])):
                    tracks.append(Track(player, np.array([p[player] for p in kept]), role))
        return tracks


def _thinned(points: list, limit: int) -> list:
    if len(points) <= limit:
        return points
    index = np.linspace(0, len(points) - 1, limit).round().astype(int)
    return [points[i] for i in index]


class PolicyPortrait(Vertical):
    """Caption, the portrait with the agents' trails, and the legend."""

    DEFAULT_CSS = """
    PolicyPortrait { width: 3fr; height: 1fr; padding: 0 1; }
    PolicyPortrait > #policy-caption { height: auto; color: $text-muted; }
    PolicyPortrait > #policy-legend { height: auto; max-height: 2; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.game: Game | None = None
        self.picture: Picture | None = None
        self.trail = PolicyTrail()

    def compose(self) -> ComposeResult:
        yield Static(id="policy-caption", markup=False)
        yield PhasePortrait(id="policy-phase")
        yield Static(id="policy-legend", markup=False)

    def on_mount(self) -> None:
        self.watch(self.app, "theme", self._retheme, init=False)

    def _retheme(self, _theme: str) -> None:
        if self.picture is not None:  # after the refresh that installs the theme's variables
            self.call_after_refresh(self._caption)

    def reset(self, game: Game | None) -> None:
        """Start over for ``game`` (None: not a matrix game, nothing to draw)."""
        self.trail.clear()
        self.game = game
        self.picture = None
        portrait = self.query_one(PhasePortrait)
        portrait.set_tracks(())
        if game is None or not drawable(game):
            portrait.show(None, "The policy portrait needs a matrix game. "
                          + (drawing_refusal(game) if game is not None else ""))
            return
        portrait.show(None, "computing the flow…")
        self.run_worker(partial(compute_picture, game, "replicator", population="two", orbits=False),
                        thread=True, exclusive=True, group="policy-portrait", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "policy-portrait":
            return
        event.stop()
        if event.state == WorkerState.SUCCESS:
            self.picture = event.worker.result
            self.query_one(PhasePortrait).show(self.picture)
            self._caption()
            self._redraw()
        elif event.state == WorkerState.ERROR:
            self.query_one(PhasePortrait).show(None, f"Cannot draw the flow: {event.worker.error}")

    def record(self, current: Sequence[np.ndarray], average: Sequence[np.ndarray]) -> None:
        """Add the agents' latest current and time-averaged policies (one per player)."""
        if self.game is None or len(current) != 2:
            return
        self.trail.record(current, average)
        if self.display:
            self._redraw()

    def on_show(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if self.picture is None:
            return
        references = self.trail.current[-1] if self.trail.current else None
        square = self.picture.square
        self.query_one(PhasePortrait).set_tracks(
            self.trail.tracks(square), None if square or references is None else references)

    def _caption(self) -> None:
        picture = self.picture
        sys = picture.system
        text = Text("replicator flow", style="bold")
        if picture.square:
            text.append(f" · across: {sys.names[0]} plays {sys.labels[0][0]}, "
                        f"up: {sys.names[1]} plays {sys.labels[1][0]}")
        else:
            text.append(" · each player's mix; each flow against the other's current policy")
        self.query_one("#policy-caption", Static).update(text)
        self.query_one("#policy-legend", Static).update(
            legend_text(picture, Palette.from_app(self.app), tracks=True))
