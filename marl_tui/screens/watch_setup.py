"""The Watch screen's set-up modal: which environment, and which agent plays each player.

Dismisses with a :class:`WatchSetup` (or None when cancelled). A team agent (QMIX, VDN, ...) chosen
for player 1 controls every player, so the other players' choices are then ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select

from marl_tui.widgets.app_footer import AppFooter


@dataclass(frozen=True)
class WatchSetup:
    """An environment ("game" for the current game, or a special one) and one agent per slot."""

    env: str
    agents: tuple[str, ...]


class WatchSetupModal(ModalScreen[WatchSetup | None]):
    """Pick the environment and the agents; ``n_players`` maps each environment to its size."""

    DEFAULT_CSS = """
    WatchSetupModal { align: center middle; }
    WatchSetupModal > VerticalScroll {
        width: 60; max-width: 100%; height: auto; max-height: 90%; border: round $accent;
        background: $surface; padding: 0 1;
    }
    WatchSetupModal Horizontal { height: auto; }
    WatchSetupModal Horizontal > Label { width: 14; padding: 1 0 0 0; }
    WatchSetupModal Horizontal > Select { width: 1fr; }
    WatchSetupModal .setup-hint { width: 1fr; color: $text-muted; }
    WatchSetupModal #setup-buttons { align-horizontal: right; }
    """
    BINDINGS = [Binding("ctrl+s", "apply", "Apply"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: WatchSetup, envs: dict[str, int], names: Sequence[str]) -> None:
        super().__init__()
        self.current = current
        self.envs = envs
        self.names = list(names)

    def compose(self) -> ComposeResult:
        slots = max(self.envs.values())
        with VerticalScroll():
            yield Label("Watch: environment and agents", classes="dialog-title")
            yield Label("tab/shift+tab move; enter opens a list, type a name's first letters, "
                        "enter picks; ctrl+s applies, escape cancels. A team agent (qmix, "
                        "maddpg…) chosen for Player 1 plays for every player.",
                        classes="setup-hint")
            with Horizontal():
                yield Label("Environment")
                yield Select(((label, label) for label in self.envs), value=self.current.env,
                             allow_blank=False, id="setup-env")
            for slot in range(slots):
                value = self.current.agents[min(slot, len(self.current.agents) - 1)]
                with Horizontal(id=f"slot-{slot}"):
                    yield Label(f"Player {slot + 1}")
                    yield Select(((n, n) for n in self.names), value=value, allow_blank=False,
                                 id=f"setup-agent-{slot}")
            with Horizontal(id="setup-buttons"):
                yield Button("Apply", variant="primary", id="setup-apply")
                yield Button("Cancel", id="setup-cancel")
        yield AppFooter()

    def on_mount(self) -> None:
        self._show_slots(self.current.env)
        # Dialogs focus their first field: the environment (tab moves on to the players).
        self.query_one("#setup-env", Select).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "setup-env":
            self._show_slots(str(event.value))

    def _show_slots(self, env: str) -> None:
        wanted = self.envs.get(env, 2)
        for slot in range(max(self.envs.values())):
            self.query_one(f"#slot-{slot}").display = slot < wanted

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "setup-apply":
            self.action_apply()
        else:
            self.action_cancel()

    def action_apply(self) -> None:
        env = str(self.query_one("#setup-env", Select).value)
        agents = tuple(
            str(self.query_one(f"#setup-agent-{slot}", Select).value)
            for slot in range(self.envs[env])
        )
        self.dismiss(WatchSetup(env, agents))

    def action_cancel(self) -> None:
        self.dismiss(None)
