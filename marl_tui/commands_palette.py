"""Command palette entries for every key binding active on the current screen.

The palette (ctrl+p) then lists the same actions as the footer and the help screen, searchable
by their descriptions, for users who do not remember a key.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.app import SystemCommand
from textual.screen import Screen


def binding_commands(screen: Screen) -> Iterator[SystemCommand]:
    """One command per described binding of ``screen`` (and the app), running its action."""
    seen: set[str] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description or binding.description in seen or not active.enabled:
            continue
        seen.add(binding.description)
        keys = screen.app.get_key_display(binding)
        yield SystemCommand(
            binding.description,
            f"{binding.description} (key: {keys})",
            partial(screen.app.run_action, binding.action, active.node),
        )
