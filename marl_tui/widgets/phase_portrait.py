"""Phase portraits of learning dynamics in the terminal: the flow, the rest points, the orbits.

A 2x2 game is drawn on the unit square (across: player 1's probability of their first action; up:
player 2's); a three-action population on its simplex (a triangle, one action at each corner);
the two populations of a 3x3 game on two triangles side by side, with orbits of the joint
dynamic, and in Watch each one's field drawn against the opponent's current policy.
The field is a grid of arrows pointing along the flow, brighter where it is faster ("·" where
play barely moves); rest points are marked by stability; sample orbits and the agents' paths are
braille lines. Every mark is a distinct glyph, so the picture still reads without colour.

:func:`compute_picture` does the numeric work (rest points, orbits: milliseconds to a second)
and is meant for a worker thread; :func:`draw` only lays it out and is cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.color import Color, ColorParseError
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from games import Game
from games.dynamics import RestPoint, System, rest_points, system, trajectory
from marl_tui.widgets.braille import BrailleCanvas

ARROWS = "→↗↑↖←↙↓↘"
STILL = "·"
MARKERS = {"sink": "●", "source": "○", "saddle": "×", "centre": "◎", "non-hyperbolic": "◌"}
NASH_MARK = "+"
HEAD_CURRENT = "◆"
HEAD_AVERAGE = "◇"
#: Cells between field arrows, across and down.
ARROW_SPACING = (4, 2)
_SIMPLEX_STARTS = ((0.7, 0.2, 0.1), (0.1, 0.7, 0.2), (0.2, 0.1, 0.7), (0.45, 0.3, 0.25))
_SEGMENT_STARTS = ((0.8, 0.2), (0.2, 0.8), (0.35, 0.65), (0.6, 0.4))
_SQUARE_STARTS = ((0.15, 0.4), (0.85, 0.6), (0.4, 0.85), (0.6, 0.15), (0.3, 0.3), (0.7, 0.7))


def drawable(game: Game) -> bool:
    """Whether the view can draw this game: two players with two or three actions each."""
    return game.n_players == 2 and all(k in (2, 3) for k in game.num_actions)


def drawing_refusal(game: Game) -> str:
    """Why a game cannot be drawn, in one sentence."""
    shape = "×".join(str(k) for k in game.num_actions)
    return (
        f"The dynamics view draws two-player games with two or three actions each (2×2 on the "
        f"unit square, three actions on a simplex); this game is {game.n_players}-player {shape}."
    )


@dataclass(frozen=True)
class Track:
    """A path to draw over the flow: points in one panel's coordinates, oldest first.

    ``panel`` is the panel index; a point is a full state on the square, a mix on a simplex.
    ``role`` is "current" (what the agents play now) or "average" (their time-averaged play).
    """

    panel: int
    points: np.ndarray
    role: str = "current"
    label: str = ""


@dataclass(frozen=True)
class Picture:
    """Everything numeric a portrait needs; built once per game and dynamic, off the UI thread.

    On two triangles each population's field depends on the other's mix, so it is drawn only
    when :func:`draw` is given the mixes to draw it against (Watch: the agents' current policies).
    """

    system: System
    rest: tuple[RestPoint, ...]
    nash: tuple[np.ndarray, ...]
    orbits: tuple[np.ndarray, ...]

    @property
    def square(self) -> bool:
        return self.system.sizes == (2, 2)


def compute_picture(
    game: Game, dynamic: str = "replicator", temperature: float = 0.1, population: str = "auto",
    orbits: bool = True,
) -> Picture:
    """Rest points, Nash equilibria and a few sample orbits of a drawable game's dynamic."""
    sys = system(game, dynamic, temperature, population)
    rest = rest_points(sys)
    nash = tuple(r.state for r in rest if r.nash)
    if dynamic == "logit":  # logit rest points are not equilibria: mark the equilibria too
        replicator = system(game, "replicator", population=population)
        nash = tuple(r.state for r in rest_points(replicator) if r.nash)
    paths: list[np.ndarray] = []
    if orbits:
        spread = max(float(np.ptp(m)) for m in sys.matrices) or 1.0
        duration = 12.0 / spread if dynamic == "replicator" else 8.0
        for start in _starts(sys):
            _, states = trajectory(sys, start, duration=duration, samples=240)
            paths.append(states)
    return Picture(sys, rest, nash, tuple(paths))


def _starts(sys: System) -> list[np.ndarray]:
    if sys.sizes == (2, 2):
        return [np.array([p, 1 - p, q, 1 - q]) for p, q in _SQUARE_STARTS]
    if sys.single:
        return [np.array(s) for s in _SIMPLEX_STARTS]
    first, second = (_SIMPLEX_STARTS if k == 3 else _SEGMENT_STARTS for k in sys.sizes)
    return [np.array([*a, *b]) for a, b in zip(first, second[1:] + second[:1], strict=True)]


# ----- colours -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Palette:
    """Styles for each layer; ``mono`` drops colour and leans on glyphs and bold alone."""

    foreground: str = "#e0e0e0"
    background: str = "#1e1e1e"
    primary: str = "#0178d4"
    accent: str = "#ffa62b"
    success: str = "#4ebf71"
    warning: str = "#ffa62b"
    error: str = "#ba3c5b"
    secondary: str = "#004578"
    mono: bool = False

    @classmethod
    def from_app(cls, app) -> Palette:
        """The current theme's colours (NO_COLOR: monochrome)."""
        variables = getattr(app, "theme_variables", {}) or {}
        values = {}
        for name in ("foreground", "background", "primary", "accent", "success", "warning",
                     "error", "secondary"):
            value = variables.get(name)
            if value:
                try:
                    Color.parse(value)
                    values[name] = value
                except ColorParseError:
                    pass
        return cls(**values, mono=bool(getattr(app, "no_color", False)))

    def style(self, colour: str, bold: bool = False) -> Style:
        if self.mono:
            return Style(bold=bold)
        return Style(color=colour, bold=bold)

    def speed(self, level: float) -> Style:
        """Arrows: from near the background (slow) to the primary colour (fast)."""
        if self.mono:
            return Style(bold=level > 0.66, dim=level < 0.2)
        low, high = Color.parse(self.background).get_truecolor(), Color.parse(self.primary).get_truecolor()
        mix = 0.35 + 0.65 * level
        rgb = [round(a + (b - a) * mix) for a, b in zip(low, high, strict=True)]
        return Style(color=Color.from_rgb(*rgb), bold=level > 0.66)

    def marker(self, stability: str) -> Style:
        colour = {"sink": self.success, "source": self.error, "saddle": self.warning,
                  "centre": self.accent}.get(stability, self.foreground)
        return self.style(colour, bold=True)


# ----- geometry ------------------------------------------------------------------------------
class _Panel:
    """Maps a panel's coordinates (a state on the square, a mix on a simplex) to dots and back."""

    def to_dots(self, point: np.ndarray) -> tuple[float, float]:
        raise NotImplementedError

    def from_dots(self, x: float, y: float) -> np.ndarray | None:
        raise NotImplementedError

    def screen_velocity(self, velocity: np.ndarray) -> tuple[float, float]:
        raise NotImplementedError


@dataclass
class _Square(_Panel):
    left: float
    top: float
    side: float

    def to_dots(self, point):
        return self.left + point[0] * self.side, self.top + (1 - point[2]) * self.side

    def from_dots(self, x, y):
        p, q = (x - self.left) / self.side, 1 - (y - self.top) / self.side
        if not (0 <= p <= 1 and 0 <= q <= 1):
            return None
        return np.array([p, 1 - p, q, 1 - q])

    def screen_velocity(self, velocity):
        return velocity[0] * self.side, -velocity[2] * self.side


@dataclass
class _Simplex(_Panel):
    vertices: np.ndarray  # 3 x 2 dot coordinates: first action top, second bottom left, third right

    def to_dots(self, point):
        x, y = np.asarray(point, dtype=float) @ self.vertices
        return float(x), float(y)

    def from_dots(self, x, y):
        a, b, c = self.vertices
        matrix = np.array([[a[0] - c[0], b[0] - c[0]], [a[1] - c[1], b[1] - c[1]]])
        l1, l2 = np.linalg.solve(matrix, [x - c[0], y - c[1]])
        mix = np.array([l1, l2, 1 - l1 - l2])
        return mix if np.all(mix >= -1e-9) else None

    def screen_velocity(self, velocity):
        dx, dy = np.asarray(velocity, dtype=float) @ self.vertices
        return float(dx), float(dy)


@dataclass
class _Segment(_Panel):
    """A two-action population: its probability of the first action, left (0) to right (1);
    the line lies on the bottom dots of a cell row, its arrows in the row above."""

    left: float
    line: float
    length: float

    def to_dots(self, point):
        return self.left + point[0] * self.length, self.line

    def from_dots(self, x, y):
        p = (x - self.left) / self.length
        if not (0 <= p <= 1 and self.line - 6 <= y <= self.line - 2):
            return None
        return np.array([p, 1 - p])

    def screen_velocity(self, velocity):
        return velocity[0] * self.length, 0.0


def _layout(picture: Picture, canvas: BrailleCanvas) -> list[_Panel]:
    """Panels fitted to the canvas: one row kept below (and above a triangle) for labels."""
    width, height = canvas.dot_width, canvas.dot_height
    if picture.square:
        side = max(4, min(width - 8, height - 5) - 1)
        left = (width - side) // 2
        return [_Square(left, 0, side)]
    count = len(picture.system.sizes)
    panel_width = width // count
    panels: list[_Panel] = []
    for k in range(count):
        if picture.system.sizes[k] == 2:
            length = max(6, panel_width - 12)
            row = ARROW_SPACING[1] * (canvas.height // (2 * ARROW_SPACING[1])) + 1  # arrows above
            panels.append(_Segment(k * panel_width + 6, 4 * row + 3, length))
            continue
        base = min(panel_width - 6, (height - 9) / 0.866)
        base = max(6, base)
        tall = base * 0.866
        centre = k * panel_width + panel_width / 2
        top = 4 + max(0, (height - 9 - tall) / 2)
        panels.append(_Simplex(np.array([
            [centre, top], [centre - base / 2, top + tall], [centre + base / 2, top + tall],
        ])))
    return panels


def _panel_point(picture: Picture, panel: int, state: np.ndarray) -> np.ndarray:
    """The part of a full state that a panel draws."""
    if picture.square:
        return state
    return picture.system.split(state)[panel]


# ----- drawing -------------------------------------------------------------------------------
def draw(
    picture: Picture,
    width: int,
    height: int,
    palette: Palette | None = None,
    tracks: Sequence[Track] = (),
    references: Sequence[np.ndarray] | None = None,
) -> Text:
    """The portrait at ``width`` x ``height`` cells: frame, field, orbits, tracks, rest points."""
    palette = palette or Palette()
    canvas = BrailleCanvas(width, height)
    panels = _layout(picture, canvas)
    frame = palette.style(palette.foreground)
    for panel in panels:
        _frame(canvas, panel, frame)
    if picture.square or picture.system.single or references is not None:
        _field(canvas, picture, panels, palette, references)
    orbit_style = palette.style(palette.secondary if not palette.mono else palette.foreground)
    for orbit in picture.orbits:
        for k, panel in enumerate(panels):
            _polyline(canvas, panel, [_panel_point(picture, k, s) for s in orbit], orbit_style)
    for track in tracks:
        if track.panel >= len(panels) or not len(track.points):
            continue
        colour = palette.warning if track.role == "current" else palette.accent
        style = palette.style(colour, bold=True)
        _polyline(canvas, panels[track.panel], list(track.points), style)
        head = HEAD_CURRENT if track.role == "current" else HEAD_AVERAGE
        _mark(canvas, panels[track.panel], track.points[-1], head, style)
    for state in picture.nash:
        for k, panel in enumerate(panels):
            _mark(canvas, panel, _panel_point(picture, k, state), NASH_MARK,
                  palette.style(palette.foreground, bold=True))
    for point in picture.rest:
        for k, panel in enumerate(panels):
            if picture.system.single or picture.square or _rest_shown_on(picture, point, k):
                _mark(canvas, panel, _panel_point(picture, k, point.state),
                      MARKERS[point.stability], palette.marker(point.stability))
    _labels(canvas, picture, panels, palette)
    return canvas.render()


def _rest_shown_on(picture: Picture, point: RestPoint, panel: int) -> bool:
    """On two triangles only Nash rest points are marked (the boundary ones would crowd them)."""
    return point.nash


def _frame(canvas: BrailleCanvas, panel: _Panel, style: Style) -> None:
    if isinstance(panel, _Square):
        x, y, s = panel.left, panel.top, panel.side
        for a, b in (((x, y), (x + s, y)), ((x + s, y), (x + s, y + s)),
                     ((x + s, y + s), (x, y + s)), ((x, y + s), (x, y))):
            canvas.line(*a, *b, style)
    elif isinstance(panel, _Segment):
        canvas.line(panel.left, panel.line, panel.left + panel.length, panel.line, style)
    else:
        v = panel.vertices
        for i in range(3):
            canvas.line(*v[i], *v[(i + 1) % 3], style)


def _field(canvas, picture, panels, palette, references) -> None:
    """Arrows on a grid of cells inside each panel, scaled by the fastest one."""
    step_c, step_r = ARROW_SPACING
    samples = []
    for k, panel in enumerate(panels):
        for row in range(0, canvas.height, step_r):
            for column in range(1 + (row // step_r) % 2 * (step_c // 2), canvas.width, step_c):
                point = panel.from_dots(2 * column + 1, 4 * row + 2)
                if point is None or canvas.has_dots(column, row):
                    continue
                state = _full_state(picture, k, point, references)
                velocity = picture.system.velocity(state)
                if not picture.square:
                    velocity = picture.system.split(velocity)[k]
                samples.append((column, row, panel.screen_velocity(velocity)))
    if not samples:
        return
    fastest = max(math.hypot(dx, dy) for _, _, (dx, dy) in samples) or 1.0
    for column, row, (dx, dy) in samples:
        level = math.hypot(dx, dy) / fastest
        if level < 0.03:
            canvas.glyph(column, row, STILL, palette.speed(0.0))
            continue
        canvas.glyph(column, row, arrow(dx, dy), palette.speed(math.sqrt(level)))


def arrow(dx: float, dy: float) -> str:
    """The arrow nearest in direction to a screen displacement (dy grows downwards)."""
    return ARROWS[round(math.atan2(-dy, dx) / (math.pi / 4)) % 8]


def _full_state(picture: Picture, panel: int, point: np.ndarray, references) -> np.ndarray:
    """A panel point as a full state: on a triangle, the other population at its reference mix."""
    if picture.square or picture.system.single:
        return point
    mixes = list(references)
    mixes[panel] = point
    return np.concatenate(mixes)


def _polyline(canvas: BrailleCanvas, panel: _Panel, points, style: Style) -> None:
    previous = None
    for point in points:
        here = panel.to_dots(point)
        if previous is not None:
            canvas.line(*previous, *here, style)
        previous = here


def _mark(canvas: BrailleCanvas, panel: _Panel, point, glyph: str, style: Style) -> None:
    x, y = panel.to_dots(point)
    column = min(max(int(x // 2), 0), canvas.width - 1)
    row = min(max(int(y // 4), 0), canvas.height - 1)
    canvas.glyph(column, row, glyph, style)


def _labels(canvas: BrailleCanvas, picture: Picture, panels, palette: Palette) -> None:
    """Corner labels: probabilities on the square's axes, action names at a triangle's corners."""
    style = palette.style(palette.foreground, bold=True)
    labels = picture.system.labels
    if picture.square:
        panel = panels[0]
        left, bottom = int(panel.left // 2), int((panel.top + panel.side) // 4)
        right = int((panel.left + panel.side) // 2)
        row = min(bottom + 1, canvas.height - 1)
        canvas.text(left, row, "0", style)
        canvas.text(right, row, "1", style)
        across = f"{labels[0][0]} →"
        canvas.text(max(left + 2, (left + right - len(across)) // 2), row, across[: max(0, right - left - 3)], style)
        canvas.text(max(0, left - 2), 0, "1", style)
        canvas.text(max(0, left - 2), bottom, "0", style)
        return
    half = canvas.width // len(panels)
    for k, panel in enumerate(panels):
        names = labels[k]
        if not picture.system.single:
            canvas.text(k * half, 0, picture.system.names[k][: max(1, half - 1)],
                        palette.style(palette.primary, bold=True))
        if isinstance(panel, _Segment):
            row = int(panel.line // 4) + 1
            span = max(1, half // 2 - 1)
            canvas.text(int(panel.left // 2), row, names[1][:span], style)
            right = names[0][:span]
            canvas.text(int((panel.left + panel.length) // 2) - len(right) + 1, row, right, style)
            continue
        top = panel.vertices[0]
        row_top = max(0, int(top[1] // 4) - 1)
        column = int(top[0] // 2) - len(names[0]) // 2
        canvas.text(max(0, column), row_top, names[0], style)
        bottom = min(canvas.height - 1, int(panel.vertices[1][1] // 4) + 1)
        span = max(1, half // 2 - 1)
        canvas.text(k * half, bottom, names[1][:span], style)
        right_label = names[2][:span]
        canvas.text((k + 1) * half - len(right_label) - 1, bottom, right_label, style)


# ----- the widget ----------------------------------------------------------------------------
class PhasePortrait(Widget):
    """Draws a :class:`Picture` at whatever size it is given, with optional tracks over it."""

    DEFAULT_CSS = """
    PhasePortrait { width: 1fr; height: 1fr; min-height: 8; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.picture: Picture | None = None
        self.tracks: tuple[Track, ...] = ()
        self.references: tuple[np.ndarray, ...] | None = None
        self.message = "computing…"

    def show(self, picture: Picture | None, message: str = "") -> None:
        """Draw ``picture`` (or, when None, the message in its place)."""
        self.picture = picture
        self.message = message
        self.refresh()

    def set_tracks(self, tracks: Sequence[Track], references: Sequence[np.ndarray] | None = None) -> None:
        """Paths to draw over the flow and, on triangles, the mixes each field is drawn against."""
        self.tracks = tuple(tracks)
        self.references = None if references is None else tuple(references)
        self.refresh()

    def render(self) -> Text:
        if self.picture is None:
            return Text(self.message)
        size = self.content_region.size if self.content_region.width else self.size
        return draw(self.picture, size.width, size.height, Palette.from_app(self.app),
                    self.tracks, self.references)

    def on_resize(self) -> None:
        self.refresh()


def legend_text(picture: Picture, palette: Palette | None = None, tracks: bool = False) -> Text:
    """One or two lines saying what each mark means."""
    palette = palette or Palette()
    text = Text()
    shown = [r for r in picture.rest
             if picture.square or picture.system.single or _rest_shown_on(picture, r, 0)]
    for stability, glyph in MARKERS.items():
        if any(r.stability == stability for r in shown):
            text.append(glyph, palette.marker(stability))
            text.append(f" {stability}  ")
    if picture.system.dynamic == "logit":  # elsewhere every equilibrium is a marked rest point
        text.append(NASH_MARK, palette.style(palette.foreground, bold=True))
        text.append(" Nash  ")
    text.append("→", palette.speed(1.0))
    text.append(" flow  ")
    text.append(STILL, palette.speed(0.0))
    text.append(" slow")
    if tracks:
        text.append("  ")
        text.append(HEAD_CURRENT, palette.style(palette.warning, bold=True))
        text.append(" current policy  ")
        text.append(HEAD_AVERAGE, palette.style(palette.accent, bold=True))
        text.append(" time average")
    return text

