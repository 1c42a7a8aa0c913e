"""Names are shown as plain text on every screen: a game whose names are Textual/Rich markup
(a clickable action, a style) is opened and walked through each screen and dialog.

Two checks: no string holding one of the names is ever handed to a markup parser (Textual's
`to_content`, Rich's `render`), which is what would turn `[@click=...]` into an action; and the
names appear literally, brackets included, where the screen shows them.
"""

from __future__ import annotations

import numpy as np
import pytest
import rich.console
import rich.markup
import textual.markup

from games import Game
from games.io import save
from marl_tui.app import MarlTuiApp
from marl_tui.screens.confirm import ConfirmScreen
from marl_tui.screens.game import GameScreen
from marl_tui.screens.help import HelpScreen
from marl_tui.screens.names import NamesScreen
from marl_tui.screens.picker import PickerScreen
from marl_tui.screens.prompt import PromptScreen
from tests.app.conftest import screen_text, settle, until

CLICK = "[@click=app.screenshot('x.svg')]CLICK[/]"
BOLD = "[b]bold[/b]"
SUSPEND = "[@click=app.suspend_process]Z[/]"
RED = "[red]R"
SAVED = "[reverse]saved.json"  # a file name (no slash: "[/b]" would be a folder)
RENAMED = "[u]x"
FILE = "[@click=app.quit]Q.json"
NAMES = (CLICK, BOLD, SUSPEND, RED, "[i]Game[/i]", SAVED, RENAMED, FILE)
SIZE = (120, 40)


def hostile_game() -> Game:
    return Game(np.arange(8).reshape(2, 2, 2), players=(BOLD, CLICK),
                actions=((SUSPEND, RED), (CLICK, BOLD)), name="[i]Game[/i]")


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """Every markup text that held one of the hostile names (or its start: a name cut short is
    no safer), as the parsers received it."""
    seen: list[str] = []

    def spy(original):
        def parse(markup, *args, **kwargs):
            if isinstance(markup, str) and any(name[:6] in markup for name in NAMES):
                seen.append(markup)
            return original(markup, *args, **kwargs)
        return parse

    monkeypatch.setattr(textual.markup, "to_content", spy(textual.markup.to_content))
    monkeypatch.setattr(rich.markup, "render", spy(rich.markup.render))
    monkeypatch.setattr(rich.console, "render_markup", spy(rich.console.render_markup))
    return seen


def notifications(app) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def test_every_screen_shows_hostile_names_as_plain_text(parsed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = MarlTuiApp(hostile_game())
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "[i]Game[/i]" in shown and BOLD in shown and CLICK in shown  # title, caption, grid
        assert SUSPEND in shown or SUSPEND[:20] in shown

        await pilot.press("enter")  # the cell editor: its border title names the cell's actions
        await pilot.pause()
        assert f"({SUSPEND}, {CLICK})"[:30] in screen_text(app)
        await pilot.press("escape")

        await pilot.press("n")  # rename a row action: the prompt names player and action
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen) and BOLD in screen_text(app)
        await pilot.press("escape")

        await pilot.press("N")  # rename game and players
        await pilot.pause()
        assert isinstance(app.screen, NamesScreen)
        app.screen.query_one("#name-player-0").value = RENAMED
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen) and RENAMED in screen_text(app)

        await pilot.press("S")  # save as a file whose name is markup too
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#prompt-input").value = SAVED
        await pilot.press("enter")
        await settle(pilot)
        assert (tmp_path / SAVED).is_file(), screen_text(app)
        assert f"Saved to {SAVED}" in screen_text(app)  # the status line; the file in the subtitle

        await pilot.press("r")  # an edit, so that quitting asks first, naming the game
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "[i]Game[/i]" in screen_text(app)
        await pilot.press("n")

        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")

        await pilot.press("p")  # Play: title, action list, history; a key beyond the actions
        await until(pilot, lambda: getattr(app.screen, "session", None) is not None)
        await settle(pilot)
        assert SUSPEND in screen_text(app)
        await pilot.press("9")
        await pilot.pause()
        assert f"{RENAMED} has 3 actions" in notifications(app)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("w")  # Watch: labels of the probability curves; a hostile export path
        await until(pilot, lambda: getattr(app.screen, "runner", None) is not None)
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#path-input").value = f"{CLICK}/no/such/folder/log.csv"
        await pilot.press("enter")
        await pilot.pause()
        assert f"{CLICK}/no/such" in notifications(app)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("t")  # Tournament: the game's name in its title
        await pilot.pause()
        assert RENAMED in screen_text(app) or "[i]Game[/i]" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)
    assert parsed == [], "\n".join(parsed)


async def test_the_picker_opens_hostile_file_names_as_plain_text(parsed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / FILE).write_text("{ not json")
    app = MarlTuiApp()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("ctrl+o")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = FILE
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen) and FILE in screen_text(app)  # the error
        save(hostile_game(), tmp_path / FILE)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameScreen)
        assert f"[i]Game[/i] — 2 players, 2×2 · {FILE}" in screen_text(app)
    assert parsed == [], "\n".join(parsed)


async def test_control_characters_are_refused_when_typed_and_escaped_in_file_names(tmp_path):
    """A name typed with a C1 control is refused (the dialog stays, saying which character); a
    file whose name holds one is shown with the character as an escape, never sent raw."""
    path = save(hostile_game(), tmp_path / "g\u009b2J\u202e.json")
    app = MarlTuiApp(hostile_game(), path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        assert "g\\x9b2J\\u202e.json" in shown and "\u009b" not in shown and "\u202e" not in shown
        await pilot.press("N")
        await pilot.pause()
        app.screen.query_one("#name-player-1").value = "Bob\u009d0;title\x07"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NamesScreen)
        error = str(app.screen.query_one("#names-error").content)
        assert "U+009D" in error and "\u009d" not in error
        await pilot.press("escape")
        await pilot.pause()
        assert app.game == hostile_game()
