"""The game editor: the payoff grid, the live analysis panel and every structural edit.

The current game, its last saved state and its path belong to the app (``MarlTuiApp.game``,
one copy, reactive); this screen reads them from there. Edits never change a game in place: each
accepted edit pushes the previous ``Game`` value on the undo stack, sets the app's game, and
re-analyses in an exclusive thread
worker (the LPs take milliseconds for a 2x2 game but seconds for big ones), with "solving…"
shown when it takes long, so typing never waits for the solver.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Header, Input, Static
from textual.worker import Worker, WorkerState

from games import Game, GameError, parse_payoff_entry
from games.text import printable
from marl_tui.files import check_room, may_write, resolve_user_path, sandbox_of
from marl_tui.plain import plain
from marl_tui.screens.confirm import ConfirmScreen
from marl_tui.screens.names import NamesScreen
from marl_tui.screens.prompt import PromptScreen
from marl_tui.text import format_cell, format_entry
from marl_tui.widgets.analysis_panel import (
    LATER_PARTS,
    AnalysisPanel,
    compute_analysis,
    compute_parts,
    is_complete,
    marks_from_analysis,
)
from marl_tui.widgets.app_footer import AppFooter
from marl_tui.widgets.dynamics_panel import DynamicsPanel
from marl_tui.widgets.legend import Legend
from marl_tui.widgets.payoff_grid import GAP, GridMarks, PayoffGrid, abbreviate

STYLES = Path(__file__).resolve().parent.parent / "styles"

# Seconds an analysis may take before the panel says "solving…" (shorter ones never flicker).
SOLVING_NOTICE_DELAY = 0.25
# Keys that start editing the cell under the cursor, the key becoming the first character.
EDIT_START_KEYS = {**{d: d for d in "0123456789"}, "minus": "-", "full_stop": "."}
# Terminals at least this big (columns, lines) are a projector: presentation grid, wide analysis.
WIDE_TERMINAL = (140, 40)
# Narrower terminals get the short legend and a footer without the palette hint.
NARROW_TERMINAL = 80
GRID_MARGIN = 4  # the grid's margins and scrollbar
MAX_PRESENTATION_GAP = 10
# The analysis folded under the grid keeps at least this many lines (its min-height in game.tcss).
STACKED_ANALYSIS_LINES = 5
STACKED_GRID_SHARE = 0.6  # of the terminal's lines, at most, for a grid with the analysis under it
MIN_GRID_LINES = 4  # the header row and three rows
EDITOR_LINES = 5  # the open cell editor: its margin, its box and one line of error


def analysis_width(width: int, wide: bool) -> int:
    """The analysis panel's width beside the grid, as game.tcss sizes it."""
    if wide:
        return min(max(width * 45 // 100, 36), 100)
    return min(max(width * 54 // 100, 36), 56)


# Seconds a priority key waits for earlier keys to be handled (they take microseconds).
DRAIN_TIMEOUT = 1.0


class Drained(Message):
    """Sent through a widget to this screen: every event delivered before it has been handled."""

    def __init__(self, done: asyncio.Event) -> None:
        super().__init__()
        self.done = done


class GameScreen(Screen):
    """Edit one game and watch its equilibria, best responses and dominated actions update."""

    CSS_PATH = STYLES / "game.tcss"
    BINDING_GROUP_TITLE = "Game"
    BINDINGS = [
        Binding("ctrl+z,u", "undo", "Undo", id="undo"),
        Binding("ctrl+y,ctrl+r", "redo", "Redo", show=False, id="redo"),
        Binding("ctrl+s", "save", "Save", id="save"),
        Binding("S", "save_as", "Save as", show=False, id="save-as"),
        Binding("d", "toggle_dynamics", "Dynamics", show=False, id="dynamics"),
        Binding("r", "add_action(0)", "Add row", show=False, id="add-row"),
        Binding("c", "add_action(1)", "Add column", show=False, id="add-column"),
        Binding("R", "remove_action(0)", "Remove row", show=False, id="remove-row"),
        Binding("C", "remove_action(1)", "Remove column", show=False, id="remove-column"),
        Binding("n", "rename_action(0)", "Rename row", show=False, id="rename-row"),
        Binding("m", "rename_action(1)", "Rename column", show=False, id="rename-column"),
        Binding("N", "rename_players", "Rename game/players", show=False, id="rename-players"),
        Binding("a", "add_slice_action", "Add action (slice player)", show=False,
                id="add-slice-action"),
        Binding("A", "add_player", "Add player", show=False, id="add-player"),
        Binding("X", "remove_player", "Remove slice player", show=False, id="remove-player"),
        Binding("right_square_bracket", "slice(1)", "Next slice action", show=False,
                key_display="]", id="slice-next"),
        Binding("left_square_bracket", "slice(-1)", "Previous slice action", show=False,
                key_display="[", id="slice-previous"),
        Binding("greater_than_sign", "slice_player(1)", "Next slice player", show=False,
                key_display=">", id="slice-player-next"),
        Binding("less_than_sign", "slice_player(-1)", "Previous slice player", show=False,
                key_display="<", id="slice-player-previous"),
        Binding("p", "open('play')", "Play", id="play"),
        Binding("w", "open('watch')", "Watch", id="watch"),
        Binding("t", "open('tournament')", "Tournament", id="tournament"),
        Binding("escape", "back", "Back", id="back"),
        Binding("v", "flip_analysis", "Analysis: equilibria / more", show=False,
                id="analysis-page"),
        Binding("pageup", "scroll_analysis(-1)", "Scroll analysis up", show=False,
                id="analysis-up"),
        Binding("pagedown", "scroll_analysis(1)", "Scroll analysis down", show=False,
                id="analysis-down"),
        Binding("e", "export", "Export (.tex/.md)", show=False, id="export"),
        Binding("y", "copy('.tex')", "Copy as LaTeX", show=False, id="copy-latex"),
        Binding("Y", "copy('.md')", "Copy as Markdown", show=False, id="copy-markdown"),
        Binding("plus", "toggle_presentation", "Presentation (bigger grid)", show=False,
                key_display="+", id="presentation"),
        # Editing keys are priority bindings: they act when the app reads the key, before the
        # keys typed after it are delivered, so none is lost or lands in the wrong widget.
        Binding("enter", "edit_cell", "Edit cell", show=False, priority=True, id="edit-cell"),
        *(Binding(key, f"edit_cell({char!r})", show=False, priority=True)
          for key, char in EDIT_START_KEYS.items()),
        Binding("enter", "commit_cell(0)", "Commit cell", show=False, priority=True,
                id="commit-cell"),
        Binding("tab", "commit_cell(1)", "Commit, next cell", show=False, priority=True,
                id="next-cell"),
        Binding("shift+tab", "commit_cell(-1)", "Commit, previous cell", show=False,
                priority=True, id="previous-cell"),
        Binding("escape", "cancel_edit", "Cancel edit", priority=True, id="cancel-edit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.undo_stack: list[Game] = []
        self.redo_stack: list[Game] = []
        self.fixed: list[int] = []  # actions of players 3..n shown in the slice
        self.slice_player = 2  # which of players 3..n the [ ] keys move
        self.editing: tuple[int, ...] | None = None  # the cell being edited
        self.analysis = None
        self.marks: GridMarks | None = None
        self.presentation: bool | None = None  # None: on for big terminals only
        self._solving_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="game-body"):
            with Vertical(id="grid-pane"):
                yield Static(id="grid-caption", markup=False)
                yield PayoffGrid(id="grid")
                yield Static(id="slice-bar", markup=False)
                with Vertical(id="editor"):
                    yield Input(id="cell-input", placeholder="payoffs, e.g. 3, 3 or -1.5 2/3",
                                select_on_focus=False)
                    yield Static(id="cell-error", classes="error", markup=False)
                yield Static(id="status", markup=False)
            yield AnalysisPanel(id="analysis")
            yield DynamicsPanel(id="dynamics")
        yield Legend(id="legend")
        yield AppFooter()

    # ----- the current game: the app owns it (one copy); this screen edits it ----------------
    @property
    def game(self) -> Game:
        return self.app.game

    @property
    def path(self) -> Path | None:
        return self.app.path

    def on_mount(self) -> None:
        self.fixed = [0] * (self.game.n_players - 2)
        self.query_one("#editor").display = False
        self.query_one(DynamicsPanel).display = False
        self.watch(self.query_one(PayoffGrid), "cursor", self._update_caption, init=False)
        # The equilibria are solved in a worker while the grid is drawn: their first part needs
        # no scipy.optimize (see analysis_panel.FIRST_PARTS), so they follow within a frame or two.
        self.refresh_view()
        self.query_one(PayoffGrid).focus()

    # ----- state changes ---------------------------------------------------------------------
    def commit(self, game: Game, status: str = "") -> None:
        """Accept an edit: remember the old game for undo, tell the app, redraw and re-analyse."""
        if game == self.game:
            self.set_status(status or "No change.")
            return
        self.undo_stack.append(self.game)
        self.redo_stack.clear()
        self._replace(game, status)

    def _replace(self, game: Game, status: str) -> None:
        self.app.game = game
        extra = game.n_players - 2
        self.fixed = [min(a, k - 1) for a, k in zip(self.fixed[:extra], game.num_actions[2:],
                                                      strict=False)]
        self.fixed += [0] * (extra - len(self.fixed))
        self.slice_player = min(max(self.slice_player, 2), max(game.n_players - 1, 2))
        self.set_status(status)
        self.refresh_view()

    def refresh_view(self, analyse: bool = True) -> None:
        """Redraw the grid and (unless told not to) re-run the analysis for the current game."""
        game = self.game
        self.title = game.name
        self.sub_title = self._subtitle()
        self._update_slice_bar()
        self.marks = None  # until the analysis of this game arrives
        self.query_one(PayoffGrid).show(game, self.fixed, None)
        self._update_caption()
        self.fit_layout()
        dynamics = self.query_one(DynamicsPanel)
        if dynamics.display:
            dynamics.show(game)
        if analyse:
            self._analyse()

    def action_toggle_dynamics(self) -> None:
        """Show the phase portrait of the game's learning dynamics in place of the analysis."""
        dynamics = self.query_one(DynamicsPanel)
        dynamics.display = not dynamics.display
        self.query_one(AnalysisPanel).display = not dynamics.display
        if dynamics.display:
            dynamics.show(self.game)
            dynamics.focus()
        else:
            self.query_one(PayoffGrid).focus()

    def _update_caption(self) -> None:
        """Who plays rows and columns; when labels are abbreviated, the cursor cell in full."""
        game = self.game
        text = Text(f"Rows: {game.players[0]}   Columns: {game.players[1]}")
        labels = [label for p in (0, 1) for label in game.actions[p]]
        if any(abbreviate(label) != label for label in labels):
            text.append(f"   at {format_cell(game, self.query_one(PayoffGrid).cell_at_cursor())}",
                        style="bold")
        self.query_one("#grid-caption", Static).update(text)

    # ----- layout ------------------------------------------------------------------------------
    def on_resize(self) -> None:
        self.fit_layout()

    def fit_layout(self) -> None:
        """Fit the screen to the terminal and the game: the analysis beside the grid when both
        fit, under it otherwise; on a big terminal (a projector) a wider analysis and, unless
        switched off, the presentation grid; on a narrow one a shorter legend and footer."""
        width, height = self.app.size
        wide = width >= WIDE_TERMINAL[0] and height >= WIDE_TERMINAL[1]
        grid = self.query_one(PayoffGrid)
        panel = analysis_width(width, wide)
        stacked = grid.natural_width() + GRID_MARGIN > width - panel
        room = width - GRID_MARGIN - (0 if stacked else panel) - grid.natural_width()
        columns = self.game.num_actions[1]
        grid.presentation_gap = min(max(GAP + room // columns, GAP + 1), MAX_PRESENTATION_GAP)
        grid.presentation = wide if self.presentation is None else self.presentation
        self.set_class(wide, "wide")
        self.set_class(stacked, "stacked")
        grid.styles.max_height = self._stacked_grid_lines(height) if stacked else None
        self.set_class(width < NARROW_TERMINAL, "narrow")
        self.query_one(Legend).compact = width < NARROW_TERMINAL
        self.query_one(AppFooter).show_command_palette = width >= NARROW_TERMINAL

    def _stacked_grid_lines(self, height: int) -> int:
        """Lines the grid may take with the analysis folded under it: a share of the terminal,
        and never so many that the analysis, the caption, the status, the slice bar and an open
        editor no longer fit. In lines, not vh: Textual sizes the auto-height grid pane from the
        grid's whole content, past a vh maximum, which pushed the analysis off a 20x20 game's
        screen."""
        chrome = 3  # the header, the legend, the footer
        pane = 2 + (self.game.n_players > 2) + (EDITOR_LINES if self.editing is not None else 0)
        room = height - chrome - pane - STACKED_ANALYSIS_LINES
        return max(MIN_GRID_LINES, min(int(height * STACKED_GRID_SHARE), room))

    def action_toggle_presentation(self) -> None:
        """Switch the presentation grid (wider columns, a blank line between rows) on or off."""
        self.presentation = not self.query_one(PayoffGrid).presentation
        self.fit_layout()

    def _subtitle(self) -> str:
        path = self.path
        shape = "×".join(str(k) for k in self.game.num_actions)
        where = f" · {printable(path.name)}" if path else ""
        dirty = " · modified" if self.app.dirty else ""
        return f"{self.game.n_players} players, {shape}{where}{dirty}"

    def _update_slice_bar(self) -> None:
        bar = self.query_one("#slice-bar", Static)
        if self.game.n_players <= 2:
            bar.display = False
            return
        bar.display = True
        text = Text("Slice: ")
        for p in range(2, self.game.n_players):
            label = self.game.actions[p][self.fixed[p - 2]]
            part = f"{self.game.players[p]} = {label}"
            if p == self.slice_player:
                text.append(f"▸{part}", style="reverse")
            else:
                text.append(part)
            text.append("  ")
        text.append(" ([ ] action, < > player)", style="dim")
        bar.update(text)

    def set_status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.set_class(error, "error")
        status.update(plain(("✗ " if error and text else "") + text))

    # ----- analysis --------------------------------------------------------------------------
    def _analyse(self) -> None:
        """Analyse the current game in a worker; a newer edit cancels an unfinished analysis."""
        game = self.game
        if self._solving_timer is not None:
            self._solving_timer.stop()
        # Most games finish within a frame; only say "solving…" when one does not.
        self._solving_timer = self.set_timer(SOLVING_NOTICE_DELAY, self._notice_solving)
        self.run_worker(partial(compute_analysis, game), thread=True, exclusive=True,
                        group="analysis", name=f"analyse {game.name}", exit_on_error=False)

    def action_flip_analysis(self) -> None:
        self.query_one(AnalysisPanel).flip()

    def action_scroll_analysis(self, direction: int) -> None:
        panel = self.query_one(AnalysisPanel)
        if direction > 0:
            panel.scroll_page_down(animate=False)
        else:
            panel.scroll_page_up(animate=False)

    def _notice_solving(self) -> None:
        self.query_one(AnalysisPanel).show_solving()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "analysis" or event.state not in (WorkerState.SUCCESS,
                                                             WorkerState.ERROR):
            return
        if self._solving_timer is not None:
            self._solving_timer.stop()
        if event.state == WorkerState.ERROR:
            self._show_analysis(self.game, None, str(worker.error))
        elif worker.result.game is self.game:  # a stale result for an earlier edit is dropped
            self._show_analysis(self.game, worker.result, None)
            if not is_complete(worker.result):  # the equilibria first, the LPs a moment later
                self.run_worker(partial(compute_parts, worker.result, LATER_PARTS), thread=True,
                                exclusive=True, group="analysis", exit_on_error=False,
                                name=f"analyse {self.game.name} (dominance, LPs)")

    def _show_analysis(self, game: Game, analysis, error: str | None) -> None:
        self.analysis = analysis
        self.marks = None if analysis is None else marks_from_analysis(game, analysis)
        self.query_one(AnalysisPanel).show(game, analysis, error)
        self.query_one(PayoffGrid).show(game, self.fixed, self.marks)
        self.fit_layout()  # the marks widen the cells
        if analysis is not None and self.app.exit_after_equilibria:
            self.call_after_refresh(self.app.exit, 0)

    # ----- cell editing ----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The editing keys act on the grid and in the cell editor only (elsewhere these keys
        reach the focused widget as usual)."""
        grid, box = self.query_one(PayoffGrid), self.query_one("#cell-input")
        if action == "edit_cell":
            return self.focused is grid
        if action in ("commit_cell", "cancel_edit"):
            on_grid = action == "commit_cell" and parameters and parameters[0] != 0
            return self.focused is box or (bool(on_grid) and self.focused is grid)
        return True

    async def action_edit_cell(self, first: str | None = None) -> None:
        """Enter or a digit on the grid: open the editor on the cursor cell."""
        await self._drain(self.query_one(PayoffGrid))
        if self.editing is None:
            self.start_edit(first)
            return
        box = self.query_one("#cell-input", Input)  # a paste still on its way opened it
        if first is None:
            self.commit_edit(box.value)
        else:
            box.insert_text_at_cursor(first)

    async def action_commit_cell(self, step: int) -> None:
        """Enter (step 0), Tab (1) or shift+Tab (-1): commit the editor's text once it holds every
        key typed before this one; then Tab moves to the next cell, row by row (on the grid,
        Tab just moves)."""
        if self.editing is not None:
            box = self.query_one("#cell-input", Input)
            await self._drain(box)
            if not self.commit_edit(box.value):
                return
        if step:
            self.query_one(PayoffGrid).step_cursor(step)

    def action_cancel_edit(self) -> None:
        if self.editing is not None:
            self.stop_edit()
            self.set_status("Edit cancelled; the cell is unchanged.")

    async def _drain(self, widget: Widget) -> None:
        """Wait until ``widget`` (and this screen, where its events bubble) has handled every
        event already delivered to it. Called from a priority binding, this holds back the keys
        typed later, so they are handled in the order they were typed."""
        done = asyncio.Event()
        widget.post_message(Drained(done))
        with suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), DRAIN_TIMEOUT)

    @on(Drained)
    def _drained(self, message: Drained) -> None:
        message.stop()
        message.done.set()

    @on(PayoffGrid.CellSelected, "#grid")
    def _cell_selected(self, event: PayoffGrid.CellSelected) -> None:
        event.stop()
        self.start_edit()

    def on_paste(self, event: events.Paste) -> None:
        """A paste on the grid opens the editor on the cursor cell with the pasted text."""
        if self.focused is self.query_one(PayoffGrid):
            event.stop()
            self.start_edit(pasted_entry(event.text))

    def start_edit(self, first: str | None = None) -> None:
        """Open the cell editor on the cursor cell: prefilled with its payoffs (selected, so
        typing replaces them), or with ``first``.

        Focus moves at once (not after the next refresh), so keys typed right after the one that
        opened the editor land in it."""
        grid = self.query_one(PayoffGrid)
        cell = grid.cell_at_cursor()
        self.editing = cell
        values = self.game.exact_payoffs[(slice(None), *cell)]
        self.query_one("#editor").display = True
        box = self.query_one("#cell-input", Input)
        box.border_title = plain(format_cell(self.game, cell))
        box.value = format_entry(values) if first is None else first
        box.cursor_position = len(box.value)
        if first is None:
            box.select_all()  # the payoffs shown are replaced by typing, kept by arrow keys
        self.query_one("#cell-error", Static).update("")
        self.set_status("")
        self.set_focus(box)
        self.fit_layout()  # a big grid gives the editor room

    def commit_edit(self, text: str) -> bool:
        """Write ``text`` into the cell being edited and close the editor; on bad input keep the
        editor open on that cell with the text and say what is wrong. True when committed."""
        cell = self.editing
        if cell is None:
            return False
        try:
            values = parse_payoff_entry(text, self.game.n_players)
            game = self.game.with_payoffs(cell, values)
        except GameError as error:
            self.query_one("#cell-error", Static).update(f"✗ {error}; the cell is unchanged")
            return False
        self.stop_edit()
        self.commit(game, f"{format_cell(self.game, cell)} = {format_entry(values)}")
        return True

    @on(events.DescendantBlur, "#cell-input")
    def _cell_input_blurred(self) -> None:
        # Focus left the editor for another widget of this screen (a click on the grid): the
        # edit is abandoned, so a later entry can never land in a cell other than the one shown.
        if self.editing is not None and self.is_current and self.focused is not None:
            self.action_cancel_edit()

    def stop_edit(self) -> None:
        self.editing = None
        self.query_one("#editor").display = False
        self.set_focus(self.query_one(PayoffGrid))
        self.fit_layout()

    # ----- undo / redo -----------------------------------------------------------------------
    def action_undo(self) -> None:
        if not self.undo_stack:
            self.set_status("Nothing to undo.")
            return
        self.redo_stack.append(self.game)
        self._replace(self.undo_stack.pop(), "Undone.")

    def action_redo(self) -> None:
        if not self.redo_stack:
            self.set_status("Nothing to redo.")
            return
        self.undo_stack.append(self.game)
        self._replace(self.redo_stack.pop(), "Redone.")

    # ----- structure -------------------------------------------------------------------------
    def _try(self, edit, status: str) -> None:
        try:
            game = edit()
        except GameError as error:
            self.set_status(str(error), error=True)
            return
        self.commit(game, status)

    def _cursor_action(self, player: int) -> int:
        cell = self.query_one(PayoffGrid).cell_at_cursor()
        return cell[player]

    def action_add_action(self, player: int) -> None:
        self._try(lambda: self.game.with_action_added(player),
                  f"Added an action for {self.game.players[player]}.")

    def action_remove_action(self, player: int) -> None:
        index = self._cursor_action(player)
        label = self.game.actions[player][index]
        self._try(lambda: self.game.with_action_removed(player, index),
                  f"Removed {self.game.players[player]}'s action {label}.")

    def action_rename_action(self, player: int) -> None:
        index = self._cursor_action(player)
        game = self.game
        label = game.actions[player][index]
        self.app.push_screen(
            PromptScreen(
                f"Rename {game.players[player]}'s action {label!r}",
                lambda text: game.with_action_renamed(player, index, text),
                value=label,
            ),
            callback=lambda result: result is not None
            and self.commit(result, f"Renamed {label} to {result.actions[player][index]}."),
        )

    def action_rename_players(self) -> None:
        self.app.push_screen(
            NamesScreen(self.game),
            callback=lambda result: result is not None and self.commit(result, "Renamed."),
        )

    def action_add_player(self) -> None:
        self._try(self.game.with_player_added, "Added a player (one action, payoffs 0).")

    def action_add_slice_action(self) -> None:
        if self.game.n_players <= 2:
            self.set_status("Two-player game: use r and c to add rows and columns.")
            return
        self.action_add_action(self.slice_player)

    def action_remove_player(self) -> None:
        if self.game.n_players <= 2:
            self.set_status("a game needs at least two players", error=True)
            return
        player = self.slice_player
        keep = self.fixed[player - 2]
        name = self.game.players[player]
        label = self.game.actions[player][keep]
        self._try(lambda: self.game.with_player_removed(player, keep),
                  f"Removed {name} (kept the slice where they play {label}).")

    def action_slice(self, step: int) -> None:
        if self.game.n_players <= 2:
            self.set_status("Two-player game: the grid shows the whole game.")
            return
        k = self.slice_player - 2
        self.fixed[k] = (self.fixed[k] + step) % self.game.num_actions[self.slice_player]
        self._update_slice_bar()
        self.query_one(PayoffGrid).show(self.game, self.fixed, self.marks)

    def action_slice_player(self, step: int) -> None:
        if self.game.n_players <= 2:
            self.set_status("Two-player game: the grid shows the whole game.")
            return
        extra = self.game.n_players - 2
        self.slice_player = 2 + (self.slice_player - 2 + step) % extra
        self._update_slice_bar()

    # ----- files -----------------------------------------------------------------------------
    def action_save(self) -> None:
        path = self.path
        if path is None or not may_write(path, sandbox_of(self.app)):
            self.action_save_as()  # a new game, or (in a sandbox) a file from outside the folder
            return
        try:
            self._write(path)
        except (GameError, OSError) as error:
            self.set_status(f"not saved: {error}", error=True)

    def _write(self, path: Path) -> Path:
        from games import io

        check_room(self.app)
        io.save(self.game, path)
        self.app.mark_saved(path)
        self.sub_title = self._subtitle()
        self.set_status(f"Saved to {path}.")
        return path

    def action_save_as(self) -> None:
        path, sandbox = self.path, sandbox_of(self.app)
        if path is None:
            suggestion = f"{slug(self.game.name)}.json"
        else:
            suggestion = str(path) if may_write(path, sandbox) else path.name
        self.app.push_screen(
            PromptScreen(
                "Save as (.json or .nfg)",
                lambda text: self._write(resolve_user_path(text.strip(), sandbox)),
                value=suggestion,
                hint="The extension picks the format; the file is replaced atomically.",
            ),
        )

    # ----- export ----------------------------------------------------------------------------
    def _solution(self):
        """The equilibria of the current game when solved already (exports wait for nothing)."""
        analysis = self.analysis
        return analysis.solution if analysis is not None and analysis.game is self.game else None

    def action_export(self) -> None:
        """Write the game and its equilibria to a LaTeX (.tex) or Markdown (.md) file."""
        sandbox = sandbox_of(self.app)

        def write(text: str) -> Path:
            from marl_tui.export import export_text

            path = resolve_user_path(text.strip(), sandbox)
            try:
                document = export_text(self.game, self._solution(), path.suffix.lower())
            except ValueError as error:
                raise GameError(str(error)) from error
            path.write_text(document, encoding="utf-8")
            return path

        self.app.push_screen(
            PromptScreen("Export as (.tex for LaTeX, .md for Markdown)", write,
                         value=f"{slug(self.game.name)}.tex",
                         hint="The game and its equilibria; y / Y copy them instead."),
            callback=lambda path: path is not None and self.set_status(f"Exported to {path}."),
        )

    def action_copy(self, suffix: str) -> None:
        """Copy the game and its equilibria to the terminal's clipboard (OSC 52: works over SSH
        in terminals that allow it)."""
        from marl_tui.export import FORMATS, export_text

        self.app.copy_to_clipboard(export_text(self.game, self._solution(), suffix))
        missing = "" if self._solution() is not None else " (without equilibria: still solving)"
        self.set_status(f"Copied as {FORMATS[suffix]}{missing}.")

    # ----- other screens ---------------------------------------------------------------------
    def action_open(self, which: str) -> None:
        """Open Play, Watch or Tournament on the current game (imported only now: torch is heavy)."""
        import importlib

        names = {"play": "PlayScreen", "watch": "WatchScreen", "tournament": "TournamentScreen"}
        try:
            module = importlib.import_module(f"marl_tui.screens.{which}")
            screen_class = getattr(module, names[which])
        except (ImportError, AttributeError, MemoryError) as error:  # MemoryError: a served session's limit
            self.set_status(f"{which} is not available: {error or 'out of memory'}", error=True)
            return
        self.app.push_screen(screen_class(self.game))

    def action_back(self) -> None:
        if self.editing is not None:
            self.action_cancel_edit()
            return
        if self.app.dirty:
            self.app.push_screen(
                ConfirmScreen(f"Discard unsaved edits to {self.game.name!r}?", "Discard", "Keep"),
                callback=lambda ok: ok and self.app.close_game(),
            )
            return
        self.app.close_game()


def pasted_entry(text: str) -> str:
    """Pasted text as one editor line: tabs and line breaks (a row copied from a spreadsheet)
    become spaces, other control characters are dropped."""
    printable = "".join(c for c in text if c.isprintable() or c.isspace())
    return " ".join(printable.split())


def slug(name: str) -> str:
    """A file-name-friendly version of a game name: "Battle of the Sexes" -> "battle-of-the-sexes"."""
    words = "".join(c.lower() if c.isalnum() else " " for c in name).split()
    return "-".join(words) or "game"
