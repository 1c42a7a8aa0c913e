"""A character canvas with braille sub-cells: lines drawn in dots, glyphs placed on top.

Each terminal cell holds a 2x4 grid of braille dots (U+2800 block), so a 40x15 widget draws at
80x60 dots, about square dots on a terminal whose cells are twice as tall as wide. A cell shows,
in order of precedence, a placed glyph (a marker or an arrow), else its dots, else a space; the
style of a cell is that of the last thing drawn in it, so later layers win.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

# Bit of each dot (column, row) in the braille pattern (ISO/TR 11548-1 numbering).
_DOT_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
BRAILLE_BASE = 0x2800


class BrailleCanvas:
    """``width`` x ``height`` cells; dot coordinates run 0..2*width-1 right, 0..4*height-1 down."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = max(1, width), max(1, height)
        self._bits = [[0] * self.width for _ in range(self.height)]
        self._glyphs: list[list[str | None]] = [[None] * self.width for _ in range(self.height)]
        self._styles: list[list[Style | None]] = [[None] * self.width for _ in range(self.height)]
        self._glyph_styles: list[list[Style | None]] = [
            [None] * self.width for _ in range(self.height)
        ]

    @property
    def dot_width(self) -> int:
        return 2 * self.width

    @property
    def dot_height(self) -> int:
        return 4 * self.height

    def dot(self, x: int, y: int, style: Style | None = None) -> None:
        """Set the dot at (x, y); dots off the canvas are ignored."""
        if 0 <= x < self.dot_width and 0 <= y < self.dot_height:
            column, row = x // 2, y // 4
            self._bits[row][column] |= _DOT_BITS[x % 2][y % 4]
            if style is not None:
                self._styles[row][column] = style

    def line(self, x0: float, y0: float, x1: float, y1: float, style: Style | None = None) -> None:
        """Dots along the segment from (x0, y0) to (x1, y1) (dot coordinates, rounded)."""
        steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for k in range(steps + 1):
            t = k / steps
            self.dot(round(x0 + t * (x1 - x0)), round(y0 + t * (y1 - y0)), style)

    def glyph(self, column: int, row: int, char: str, style: Style | None = None) -> None:
        """Place a character in a cell, over its dots; cells off the canvas are ignored."""
        if 0 <= column < self.width and 0 <= row < self.height:
            self._glyphs[row][column] = char
            self._glyph_styles[row][column] = style

    def text(self, column: int, row: int, text: str, style: Style | None = None) -> None:
        """Place a string left to right from a cell, clipped at the canvas's edge."""
        for k, char in enumerate(text):
            self.glyph(column + k, row, char, style)

    def has_glyph(self, column: int, row: int) -> bool:
        return 0 <= column < self.width and 0 <= row < self.height and (
            self._glyphs[row][column] is not None
        )

    def has_dots(self, column: int, row: int) -> bool:
        return 0 <= column < self.width and 0 <= row < self.height and self._bits[row][column] != 0

    def render(self) -> Text:
        """The canvas as rich Text, one line per row (styled runs, no markup parsed)."""
        text = Text(no_wrap=True, overflow="crop")
        for row in range(self.height):
            if row:
                text.append("\n")
            for column in range(self.width):
                glyph = self._glyphs[row][column]
                if glyph is not None:
                    text.append(glyph, self._glyph_styles[row][column] or "")
                elif self._bits[row][column]:
                    char = chr(BRAILLE_BASE + self._bits[row][column])
                    text.append(char, self._styles[row][column] or "")
                else:
                    text.append(" ")
        return text
