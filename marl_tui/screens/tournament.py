"""Tournament: an Axelrod-style round robin of scripted and learning agents on the current game.

Tick the entrants, set the rounds per match, run: the round robin
(:func:`agents.tournament.tournament`) runs in a thread worker, and the ranking comes back as a table
with a bar per entrant showing where its mean score per round lies in the game's payoff range.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Label, Static
from textual.worker import Worker, WorkerState

from games import Game
from marl_tui.plain import plain
from marl_tui.widgets.app_footer import AppFooter
from marl_tui.widgets.belief_bars import bar
from marl_tui.widgets.checklist import CheckList

DEFAULT_ENTRANTS = (
    "always-cooperate", "always-defect", "tit-for-tat", "grim-trigger", "win-stay-lose-shift",
    "random", "iql", "fictitious-play", "wolf-phc",
)
DEFAULT_ROUNDS = 200
MAX_ROUNDS = 100_000
BAR_WIDTH = 10


def entrant_names() -> list[str]:
    """Every registry agent that can enter (all but the human)."""
    from agents.registry import agent_names

    return [name for name in agent_names() if name != "human"]


def score_fraction(score: float, game: Game) -> float:
    """Where ``score`` lies between the game's smallest and largest payoff (0..1)."""
    low, high = float(game.payoffs.min()), float(game.payoffs.max())
    return 1.0 if high <= low else (score - low) / (high - low)


class TournamentScreen(Screen):
    """Pick entrants and rounds, run the round robin off the UI thread, read the ranking."""

    CSS_PATH = "../styles/tournament.tcss"
    HELP = """\
## Tournament

An Axelrod-style round robin on the current (two-player) game: every pair of entrants plays a
match, and each entrant also meets its own twin. Learning agents learn during each match.
Entrants are ranked by mean payoff per round.

| Key | Action |
|-----|--------|
| `↑` `↓` + `space` | tick or untick an entrant (a click works too) |
| `tab` | move to the rounds field; `enter` there runs |
| `r` | run the tournament |
| `escape` | back to the game |
"""
    BINDINGS = [
        Binding("r", "run", "Run"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, game: Game, entrants: tuple[str, ...] = DEFAULT_ENTRANTS,
                 rounds: int = DEFAULT_ROUNDS, seed: int | None = 0) -> None:
        super().__init__()
        self.game = game
        self.chosen = entrants
        self.rounds = rounds
        self.seed = seed
        self.result = None

    def compose(self) -> ComposeResult:
        yield Static(Text.assemble(("Tournament · ", "bold"), self.game.name or "game"),
                     id="tournament-title")
        with Horizontal(id="tournament-body"):
            with Vertical(id="tournament-left"):
                yield CheckList(entrant_names(), self.chosen, id="entrants")
                with Horizontal(id="rounds-row"):
                    yield Label("Rounds")
                    yield Input(str(self.rounds), type="integer", id="rounds")
                yield Button("Run", variant="primary", id="run")
            yield DataTable(id="ranking", cursor_type="row", zebra_stripes=True)
        yield Static("", id="tournament-status")
        yield AppFooter()

    def on_mount(self) -> None:
        table = self.query_one("#ranking", DataTable)
        table.add_columns("#", "agent", "score", "", "wins")
        self.query_one("#entrants", CheckList).border_title = "Entrants"
        if self.game.n_players != 2:
            self._status(f"A tournament needs a two-player game; {self.game.name!r} has "
                         f"{self.game.n_players} players.")
        else:
            self._status("Tick entrants, set the rounds, press r to run.")

    # ----- running ----------------------------------------------------------------------------
    def action_run(self) -> None:
        entrants = self.query_one("#entrants", CheckList).selected
        text = self.query_one("#rounds", Input).value.strip()
        problem = None
        if self.game.n_players != 2:
            problem = f"A tournament needs a two-player game ({self.game.n_players} players here)."
        elif not entrants:
            problem = "Tick at least one entrant."
        elif not text.isdigit() or not 1 <= int(text) <= MAX_ROUNDS:
            problem = f"Rounds must be a whole number from 1 to {MAX_ROUNDS:,}, got {text!r}."
        if problem:
            self._status(problem, error=True)
            return
        self.rounds = int(text)
        self.query_one("#ranking", DataTable).loading = True
        self._status(f"Running {len(entrants)} entrants × {self.rounds} rounds…")
        self._run(tuple(entrants), self.rounds)

    @work(thread=True, exclusive=True, group="tournament", exit_on_error=False)
    def _run(self, entrants: tuple[str, ...], rounds: int):
        from agents.tournament import tournament

        return tournament(entrants, self.game, rounds=rounds, seed=self.seed)

    @on(Worker.StateChanged)
    def _finished(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "tournament" or event.state not in (
            WorkerState.SUCCESS, WorkerState.ERROR
        ):
            return
        self.query_one("#ranking", DataTable).loading = False
        if event.state == WorkerState.ERROR:
            self._status(f"The tournament failed: {event.worker.error}", error=True)
            return
        self.result = event.worker.result
        self._show_ranking()
        matches = len(self.result.matches)
        self._status(f"{matches} matches of {self.rounds} rounds; scores are mean payoff per round.")

    @on(Input.Submitted, "#rounds")
    def _rounds_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed, "#run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    def action_back(self) -> None:
        self.app.pop_screen()

    # ----- drawing ----------------------------------------------------------------------------
    def _show_ranking(self) -> None:
        table = self.query_one("#ranking", DataTable)
        table.clear()
        for row in self.result.ranking.itertuples(index=False):
            fraction = score_fraction(row.mean_score, self.game)
            table.add_row(
                str(row.rank), row.agent, f"{row.mean_score:.3f}",
                Text(bar(fraction, BAR_WIDTH), style="bold" if row.rank == 1 else ""),
                str(row.wins), key=row.agent,
            )

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#tournament-status", Static)
        status.update(plain(text, style="bold" if error else ""))
        status.set_class(error, "error")
