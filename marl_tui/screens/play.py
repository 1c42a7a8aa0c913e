"""Play: a human against an agent from the registry, or two humans hot-seat, on the current game.

The human is player 1 (the row player). Every round the human picks an action (a number key, or
arrows + enter, or a click); the opponent acts through the same :class:`~agents.runner.Runner` the
trainer uses, so it learns as you play. Hot-seat mode gives every player to a human: each picks in
turn while the others' choices stay hidden, then the round is revealed.

Building an agent can import torch (deep agents), so it happens in a thread worker behind a
"loading…" line; the screen keeps answering keys meanwhile.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from agents.base import Agent, Decision
from games import Game
from marl_tui.plain import notify_plain, plain
from marl_tui.screens.agent_picker import AgentPicker
from marl_tui.widgets.app_footer import AppFooter
from marl_tui.widgets.belief_bars import BeliefBars

HUMAN = "human"
HOT_SEAT = "hot-seat"
DEFAULT_OPPONENT = "iql"
# Rounds per episode of the repeated game: long, so that history-based agents (tit-for-tat) see
# the previous round; the runner starts a new episode by itself when one ends.
PLAY_ROUNDS = 1000


@dataclass
class RoundRecord:
    """One played round: the joint action and every player's payoff."""

    number: int
    actions: tuple[int, ...]
    rewards: tuple[float, ...]


@dataclass
class Belief:
    """What one opponent player believes: its Q-values and/or its action probabilities."""

    player: int
    q_values: np.ndarray | None
    probs: np.ndarray | None


@dataclass
class PlaySession:
    """The game being played: the runner, the human agents and the record of rounds (no UI)."""

    game: Game
    opponent: str  # a registry name, or HOT_SEAT
    runner: object
    agents: list[Agent]
    humans: dict[int, Agent]  # player -> the Human agent that plays it
    history: list[RoundRecord] = field(default_factory=list)
    last_done: bool = False  # the last round ended an episode (the next starts afresh)
    played: list[Belief] = field(default_factory=list)  # what the agents acted on last round
    played_state: str = ""  # the state those beliefs belong to (see :meth:`state_label`)

    @property
    def scores(self) -> np.ndarray:
        """Total payoff of each player so far."""
        if not self.history:
            return np.zeros(self.game.n_players)
        return np.sum([r.rewards for r in self.history], axis=0)

    def play(self, choices: dict[int, int]) -> RoundRecord:
        """Play one round with the humans' ``choices`` (player -> action); the agents learn."""
        for player, human in self.humans.items():
            human.choose(choices[player])
        state = self.state_label()
        result = self.runner.step()
        self.played = _beliefs_of(self.agents, result.decisions, self.runner.env.spec.n_actions)
        self.played_state = state
        record = RoundRecord(
            len(self.history) + 1,
            tuple(int(a) for a in result.actions),
            tuple(float(r) for r in result.rewards),
        )
        self.history.append(record)
        self.last_done = bool(result.done)
        return record

    def beliefs(self) -> list[Belief]:
        """The opponents' current beliefs, after their latest update, at the next observation.

        Each opponent is asked to act greedily on a deep copy of itself, so looking never changes
        it (deep agents draw random numbers and track episode starts when they act). In a repeated
        game every player observes the global state, which is all-zero at an episode's start.
        """
        env = self.runner.env
        fresh = not self.history or self.last_done
        state = np.zeros(env.spec.state_dim, np.float32) if fresh else np.asarray(env.state())
        obs = tuple(state.copy() for _ in range(env.spec.n_players))
        opponents = [agent for agent in self.agents if agent.name != HUMAN]
        decisions = [copy.deepcopy(agent).act(obs, state, explore=False) for agent in opponents]
        return _beliefs_of(opponents, decisions, env.spec.n_actions)

    def state_label(self) -> str:
        """The state the agents see at the next round, in words: the last rounds they observe
        (a repeated game shows each player the last ``history`` joint actions), or none."""
        env = self.runner.env
        remembered = getattr(env, "history", 0)
        if not self.history or self.last_done:
            return "round 1 of an episode (no history yet)"
        if not remembered:
            return "any round (the agents observe no history)"
        recent = self.history[-remembered:]
        joint = " ".join(
            "(" + ", ".join(self.game.actions[p][a] for p, a in enumerate(r.actions)) + ")"
            for r in recent)
        return f"after {joint}"


def _beliefs_of(agents: Sequence[Agent], decisions: Sequence[Decision],
                n_actions: Sequence[int]) -> list[Belief]:
    """What each non-human agent's ``decision`` says it believes, one :class:`Belief` per player."""
    found: list[Belief] = []
    for agent, decision in zip(agents, decisions, strict=True):
        if agent.name == HUMAN:
            continue
        for k, player in enumerate(agent.players):
            q = None if decision.q_values is None else np.asarray(decision.q_values[k], float)
            probs = None if decision.probs is None else np.asarray(decision.probs[k], float)
            if q is None and probs is None:  # a pure rule: it plays its action for sure
                probs = np.eye(n_actions[player])[decision.actions[k]]
            found.append(Belief(player, q, probs))
    return found


def build_session(game: Game, opponent: str, seed: int | None = 0) -> PlaySession:
    """Build the environment, the agents and the runner (may import torch: call it off the UI thread).

    Player 1 is a human; with ``opponent == HOT_SEAT`` every player is. Otherwise a team agent
    controls all other players jointly and an independent learner gets one copy per player.
    """
    from agents.envs.repeated import RepeatedGameEnv
    from agents.registry import EVERY_PLAYER_AGENTS, limit_torch_threads
    from agents.runner import Runner, make_agents

    if opponent in EVERY_PLAYER_AGENTS:
        raise ValueError(
            f"{opponent} is a team agent that controls every player at once, so it cannot take "
            "one seat against a human; press o to choose another opponent")
    limit_torch_threads([opponent])  # one core for the agent, one for the UI
    env = RepeatedGameEnv(game, rounds=PLAY_ROUNDS)
    if opponent == HOT_SEAT:
        agents = make_agents(env.spec, HUMAN, seed=seed)
    else:
        agents = make_agents(env.spec, HUMAN, vs=opponent, seed=seed)
    humans = {a.players[0]: a for a in agents if a.name == HUMAN}
    return PlaySession(game, opponent, Runner(env, agents, seed=seed), agents, humans)


def playable_opponents() -> list[str]:
    """Registry names a human can play against: agents that can take one seat (not the human
    itself, nor a team agent that must control every player)."""
    from agents.registry import EVERY_PLAYER_AGENTS, agent_names

    return [name for name in agent_names() if name != HUMAN and name not in EVERY_PLAYER_AGENTS]


class PlayScreen(Screen):
    """Play the current game against an agent, or hot-seat against another human."""

    CSS_PATH = "../styles/play.tcss"
    HELP = """\
## Play

You are **player 1** (rows). Each round choose your action; the opponent answers and learns.

| Key | Action |
|-----|--------|
| `1`–`9` | choose that action |
| `↑` `↓` + `enter` | choose the highlighted action (a click works too) |
| `o` | choose the opponent agent |
| `h` | hot-seat: two humans on one keyboard (choices hidden until both picked) |
| `n` | new match (scores and history cleared, a fresh agent) |
| `v` | hide / show the agent's policy for the next round (hidden: its beliefs when it chose the round just played) |
| `escape` | back to the game |
"""
    BINDINGS = [
        Binding("1", "choose(0)", "Choose", key_display="1-9"),
        *(Binding(str(k + 1), f"choose({k})", show=False) for k in range(1, 9)),
        Binding("o", "pick_opponent", "Opponent"),
        Binding("h", "toggle_hot_seat", "Hot-seat"),
        Binding("n", "new_match", "New match"),
        Binding("v", "toggle_policy", "Policy"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, game: Game, opponent: str = DEFAULT_OPPONENT, seed: int | None = 0,
                 hide_policy: bool = False) -> None:
        super().__init__()
        self.game = game
        self.opponent = opponent
        self.seed = seed
        self.hide_policy = hide_policy
        self.session: PlaySession | None = None
        self.pending: dict[int, int] = {}
        self.last_record: RoundRecord | None = None
        self.error: str | None = None

    # ----- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="play-title")
        yield Static("", id="play-error")
        with Horizontal(id="play-body"):
            with Vertical(id="play-left"):
                yield Label("", id="prompt")
                yield OptionList(id="actions")
                yield Static("", id="last-round")
                yield Static("", id="scores")
            with Vertical(id="play-right"):
                yield VerticalScroll(id="beliefs")
                yield DataTable(id="history", cursor_type="none", zebra_stripes=True)
        yield AppFooter()

    def on_mount(self) -> None:
        self._setup_history()
        self._start_build()

    # ----- building the match (thread worker) -------------------------------------------------
    def _start_build(self) -> None:
        self.session = None
        self.pending = {}
        self.last_record = None
        self.error = None
        self._setup_history()
        self.query_one("#beliefs", VerticalScroll).remove_children()
        self._refresh_all()
        self._build(self.opponent)

    @work(thread=True, exclusive=True, group="play-build", exit_on_error=False)
    def _build(self, opponent: str) -> PlaySession:
        return build_session(self.game, opponent, self.seed)

    @on(Worker.StateChanged)
    async def _built(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "play-build":
            return
        if event.state == WorkerState.SUCCESS:
            session = event.worker.result
            if session.opponent != self.opponent:
                return  # built for an opponent the user has since replaced
            self.session = session
            await self._mount_beliefs()
            self._refresh_all()
        elif event.state == WorkerState.ERROR:
            self.error = f"Could not start {self.opponent}: {event.worker.error}"
            self._refresh_all()

    async def _mount_beliefs(self) -> None:
        container = self.query_one("#beliefs", VerticalScroll)
        await container.remove_children()
        if self.session is None or self.opponent == HOT_SEAT:
            return
        await container.mount_all(
            BeliefBars(id=f"belief-{p}") for p in range(1, self.game.n_players)
        )
        self.call_after_refresh(self._refresh_beliefs)

    # ----- choosing ---------------------------------------------------------------------------
    @property
    def chooser(self) -> int | None:
        """The human player who chooses next (None while loading)."""
        if self.session is None:
            return None
        waiting = [p for p in sorted(self.session.humans) if p not in self.pending]
        return waiting[0] if waiting else None

    def action_choose(self, index: int) -> None:
        player = self.chooser
        if player is None:
            notify_plain(self, "The opponent is still loading…" if self.error is None else self.error,
                         severity="warning", timeout=2)
            return
        if not 0 <= index < self.game.num_actions[player]:
            self.notify(
                f"{self.game.players[player]} has {self.game.num_actions[player]} actions "
                f"(1–{self.game.num_actions[player]})", severity="warning", timeout=2, markup=False)
            return
        self.pending[player] = index
        if self.chooser is None:
            self._play_round()
        self._refresh_all()

    @on(OptionList.OptionSelected, "#actions")
    def _option_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose(event.option_index)

    def _play_round(self) -> None:
        assert self.session is not None
        choices, self.pending = self.pending, {}
        try:
            self.last_record = self.session.play(choices)
        except Exception as error:  # an agent failing must not take the app down
            self.error = f"{self.opponent} failed: {error}"
            return
        row = [str(self.last_record.number)]
        row += [plain(self.game.actions[p][a]) for p, a in enumerate(self.last_record.actions)]
        row.append(" / ".join(_number(r) for r in self.last_record.rewards))
        table = self.query_one("#history", DataTable)
        table.add_row(*row)
        table.scroll_end(animate=False)
        self._refresh_beliefs()

    # ----- other actions ----------------------------------------------------------------------
    def action_pick_opponent(self) -> None:
        current = None if self.opponent == HOT_SEAT else self.opponent

        def chosen(name: str | None) -> None:
            if name and name != self.opponent:
                self.opponent = name
                self._start_build()

        self.app.push_screen(AgentPicker("Play against…", playable_opponents(), current), chosen)

    def action_toggle_hot_seat(self) -> None:
        if self.opponent == HOT_SEAT:
            self.opponent = getattr(self, "_previous_opponent", DEFAULT_OPPONENT)
        else:
            self._previous_opponent = self.opponent
            self.opponent = HOT_SEAT
        self._start_build()

    def action_new_match(self) -> None:
        self._start_build()

    def action_toggle_policy(self) -> None:
        """Hide the agent's next-round policy (so it cannot give its move away), or show it."""
        self.hide_policy = not self.hide_policy
        self._refresh_all()
        self._refresh_beliefs()

    def action_back(self) -> None:
        self.app.pop_screen()

    # ----- drawing ----------------------------------------------------------------------------
    def _setup_history(self) -> None:
        table = self.query_one("#history", DataTable)
        table.clear(columns=True)
        table.add_column("#", key="round")
        for p, name in enumerate(self.game.players):
            table.add_column(plain(_short(name, 12)), key=f"p{p}")
        table.add_column("payoffs", key="payoffs")

    def _refresh_all(self) -> None:
        game = self.game
        who = "hot-seat (humans only)" if self.opponent == HOT_SEAT else f"vs {self.opponent}"
        hidden = " · policy hidden" if self.hide_policy and self.opponent != HOT_SEAT else ""
        self.query_one("#play-title", Static).update(
            Text.assemble((f"Play · {game.name or 'game'} ", "bold"), who, hidden))
        # An error spans the whole width, wrapped, never cut to the move column.
        error = self.query_one("#play-error", Static)
        error.update(plain(self.error or ""))
        error.set_class(self.error is not None, "has-error")
        self._refresh_prompt()
        self._refresh_last_round()
        self._refresh_scores()

    def _refresh_prompt(self) -> None:
        prompt = self.query_one("#prompt", Label)
        options = self.query_one("#actions", OptionList)
        player = self.chooser
        if self.error is not None:
            prompt.update(Text("Press o to choose an opponent.", style="bold"))
            options.clear_options()
            return
        if player is None:
            prompt.update(plain(f"Loading {self.opponent}…"))
            options.clear_options()
            return
        name = self.game.players[player]
        lead = f"{name}, your move" if self.opponent == HOT_SEAT else f"Your move ({name})"
        hidden = [self.game.players[p] for p in sorted(self.pending)]
        text = Text(lead, style="bold")
        if hidden:
            text.append(f"\n{', '.join(hidden)} chose (hidden)")
        prompt.update(text)
        labels = self.game.actions[player]
        options.clear_options()
        options.add_options(
            Option(Text(f"{k + 1}  {label}" if k < 9 else f"   {label}"), id=f"a{k}")
            for k, label in enumerate(labels)
        )
        options.highlighted = 0

    def _refresh_last_round(self) -> None:
        record = self.last_record
        widget = self.query_one("#last-round", Static)
        if record is None:
            widget.update(Text("No rounds yet.", style="dim"))
            return
        text = Text(f"Round {record.number}", style="bold")
        for p, (a, r) in enumerate(zip(record.actions, record.rewards, strict=True)):
            text.append(f"\n{_short(self._role(p), 12):<12} {_short(self.game.actions[p][a], 9):<9} "
                        f"{_number(r):>5}")
        widget.update(text)

    def _refresh_scores(self) -> None:
        widget = self.query_one("#scores", Static)
        if self.session is None:
            widget.update("")
            return
        rounds = len(self.session.history)
        text = Text(f"Scores after {rounds} round{'s' if rounds != 1 else ''}", style="bold")
        for p, score in enumerate(self.session.scores):
            text.append(f"\n{_short(self._role(p), 14):<14} {_number(float(score)):>8}")
        widget.update(text)

    def _refresh_beliefs(self) -> None:
        if self.session is None or self.opponent == HOT_SEAT:
            return
        session = self.session
        if self.hide_policy:
            # Only what the agent believed when it chose the round just played: nothing ahead.
            rounds = len(session.history)
            beliefs = session.played
            when = f"when it chose round {rounds}, {session.played_state}"
            if not beliefs:
                for bars in self.query(BeliefBars):
                    player = int(str(bars.id).removeprefix("belief-"))
                    bars.show(f"{self.opponent} ({self.game.players[player]}) — policy hidden "
                              "until you choose (v shows it)", self.game.actions[player])
                return
        else:
            try:
                beliefs = session.beliefs()
            except Exception as error:  # display only: never let it break the match
                notify_plain(self, f"Cannot read the agent's beliefs: {error}", severity="warning")
                return
            when = f"next round: {session.state_label()}"
        for belief in beliefs:
            bars = self.query(f"#belief-{belief.player}")
            if bars:
                what = ("action probabilities" if belief.q_values is None
                        else "Q-values" if belief.probs is None else "Q-values, policy")
                caption = f"{self.opponent} ({self.game.players[belief.player]}) — {what}\n{when}"
                bars.first(BeliefBars).show(
                    caption, self.game.actions[belief.player], belief.q_values, belief.probs)

    def _role(self, player: int) -> str:
        """Who plays ``player``'s seat: "You", the opponent agent (with its seat, P2, P3..., where
        it plays several, so their rows tell apart), or in hot-seat the player's name."""
        if self.opponent == HOT_SEAT or player == 0:
            return self.game.players[player] if self.opponent == HOT_SEAT else "You"
        return self.opponent if self.game.n_players == 2 else f"{self.opponent} · P{player + 1}"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _number(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"

