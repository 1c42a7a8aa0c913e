"""A bare app that opens one screen, so screen tests don't depend on the main app's flow."""

from textual.app import App
from textual.screen import Screen


class ScreenHost(App):
    """Shows ``screen`` and nothing else."""

    TITLE = "marl-tui"

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.first = screen

    def on_mount(self) -> None:
        self.push_screen(self.first)
