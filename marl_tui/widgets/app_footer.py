"""The footer of every screen: Textual's compact footer that never loses the help key."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTIONS = ("help", "app.help")
"""The actions of the help key (an app binding, named with or without its namespace)."""

PALETTE_KEY_WIDTH = 11
"""Cells the command-palette key takes at the right edge ("▏^p palette"; the pinned help key
keeps that margin from the edge, in app.tcss)."""


def key_width(key: FooterKey) -> int:
    """Cells a compact footer key takes: its key, a space, its description, a margin."""
    return cell_len(key.key_display) + 1 + cell_len(key.description) + 1


class AppFooter(Footer):
    """A compact footer. When its keys do not all fit the terminal's width (a 60-column
    terminal, or a screen with many keys), the help key is pinned at the right edge (beside the
    command-palette key, where a screen shows it), where it stays visible however many keys
    are cut off before it."""

    def __init__(self) -> None:
        super().__init__(compact=True)
        self.crowded = False

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        width = self.app.size.width
        needed = sum(key_width(key) for key in keys
                     if isinstance(key, FooterKey) and not key.has_class("-command-palette"))
        palette = any(key.has_class("-command-palette") for key in keys)
        self.crowded = needed + (PALETTE_KEY_WIDTH if palette else 0) > width
        self.set_class(self.crowded, "-crowded")
        for key in keys:
            if self.crowded and isinstance(key, FooterKey) and key.action in HELP_ACTIONS:
                key.add_class("-pinned")
                key.set_class(palette, "-beside-palette")  # docked keys would overlap
            yield key

    def on_resize(self, event: events.Resize) -> None:
        """Lay the keys out again for the new width (they may now fit, or no longer)."""
        self.call_after_refresh(self.recompose)
