"""A check list drawn as ``[x]`` / ``[ ]`` text, so it reads the same with and without colour.

(Textual's SelectionList marks both states with the same glyph and tells them apart by colour
only, which NO_COLOR terminals lose.) Space, enter or a click toggles the highlighted item.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class CheckList(OptionList):
    """Options that toggle between ticked and unticked; :attr:`selected` lists the ticked ones."""

    BINDINGS = [Binding("space", "select", "Tick", show=False)]

    def __init__(self, names: Iterable[str], ticked: Iterable[str] = (), *,
                 id: str | None = None) -> None:
        self.names = list(names)
        self.ticked = {name for name in ticked if name in self.names}
        super().__init__(*(self._option(name) for name in self.names), id=id)

    @property
    def selected(self) -> list[str]:
        """Ticked names, in list order."""
        return [name for name in self.names if name in self.ticked]

    def _option(self, name: str) -> Option:
        return Option(Text(f"[{'x' if name in self.ticked else ' '}] {name}"), id=name)

    def toggle(self, name: str) -> None:
        """Tick ``name`` if it was unticked, and the other way round."""
        self.ticked ^= {name}
        self.replace_option_prompt(name, self._option(name).prompt)

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.toggle(event.option.id)
