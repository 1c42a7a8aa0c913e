"""Pilot tests of the Play screen: a human against registry agents, and hot-seat, at 80x24."""

from __future__ import annotations

import numpy as np
import pytest
from textual.widgets import DataTable, Label, OptionList, Static

from games import Game
from games.catalogue import get_game
from marl_tui.screens.agent_picker import AgentPicker
from marl_tui.screens.play import HOT_SEAT, PlayScreen
from marl_tui.widgets.belief_bars import BeliefBars
from tests.app.conftest import screen_text, until
from tests.app.hosting import ScreenHost

SIZE = (80, 24)




async def _ready(pilot) -> PlayScreen:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, PlayScreen)
    assert screen.session is not None, screen.error
    return screen


def _text(widget) -> str:
    return str(widget.render())


def cells(row: list) -> list[str]:
    """A history row's cells as the text they show (names are plain-text cells)."""
    return [str(cell) for cell in row]


async def test_ten_rounds_against_iql_by_number_keys() -> None:
    game = get_game("prisoners-dilemma")
    app = ScreenHost(PlayScreen(game, opponent="iql", seed=3))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        bars = screen.query_one("#belief-1", BeliefBars)
        before = bars.values
        assert bars.kind == "q" and before == (0.0, 0.0)  # IQL starts knowing nothing
        keys = "1211111211"
        for key in keys:
            await pilot.press(key)
        await pilot.pause()

        history = screen.session.history
        assert [r.number for r in history] == list(range(1, 11))
        assert [r.actions[0] for r in history] == [int(k) - 1 for k in keys]
        for record in history:  # every payoff is the stage game's payoff of the joint action
            assert record.rewards == game.payoff(record.actions)
        expected = np.sum([game.payoff(r.actions) for r in history], axis=0)
        assert np.allclose(screen.session.scores, expected)

        table = screen.query_one("#history", DataTable)
        assert table.row_count == 10
        last = table.get_row_at(9)
        assert cells(last[1:3]) == [game.actions[p][a] for p, a in enumerate(history[-1].actions)]
        scores = _text(screen.query_one("#scores", Static))
        assert "after 10 rounds" in scores
        assert f"{expected[0]:g}" in scores and f"{expected[1]:g}" in scores
        assert "Round 10" in _text(screen.query_one("#last-round", Static))
        assert bars.values != before  # the agent learned from the match


async def test_arrows_and_enter_or_a_click_choose_an_action() -> None:
    game = get_game("prisoners-dilemma")
    app = ScreenHost(PlayScreen(game, opponent="always-cooperate"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        assert screen.query_one("#actions", OptionList).has_focus
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.session.history[-1].actions == (1, 0)
        assert screen.session.history[-1].rewards == (5.0, 0.0)
        await pilot.click("#actions", offset=(4, 1))  # the mouse: the first option, below the border
        await pilot.pause()
        assert [r.actions[0] for r in screen.session.history] == [1, 0]


async def test_a_number_beyond_the_actions_plays_nothing() -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="iql"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("7")
        await pilot.pause()
        assert screen.session.history == []


async def test_tit_for_tat_chosen_from_the_picker_copies_your_last_move() -> None:
    game = get_game("prisoners-dilemma")
    app = ScreenHost(PlayScreen(game, opponent="iql"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("o")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, AgentPicker)
        picker.query_one(OptionList).highlighted = picker.names.index("tit-for-tat")
        await pilot.press("enter")
        screen = await _ready(pilot)
        assert screen.opponent == "tit-for-tat"
        assert "tit-for-tat" in _text(screen.query_one("#play-title", Static))
        for key in "2211":
            await pilot.press(key)
        await pilot.pause()
        opponent_moves = [r.actions[1] for r in screen.session.history]
        assert opponent_moves == [0, 1, 1, 0]  # cooperate first, then copy the human


async def test_hot_seat_hides_the_first_choice_until_both_have_chosen() -> None:
    game = Game.from_bimatrix([[3, 0], [5, 1]], [[3, 5], [0, 1]], name="PD",
                              players=("Ann", "Bob"), actions=(("C", "D"), ("c", "d")))
    app = ScreenHost(PlayScreen(game, opponent="iql"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("h")
        screen = await _ready(pilot)
        assert screen.opponent == HOT_SEAT
        assert "Ann, your move" in _text(screen.query_one("#prompt", Label))

        await pilot.press("2")  # Ann defects ...
        await pilot.pause()
        prompt = _text(screen.query_one("#prompt", Label))
        assert "Bob, your move" in prompt and "Ann chose (hidden)" in prompt
        options = screen.query_one("#actions", OptionList)
        assert [str(options.get_option_at_index(k).prompt) for k in range(2)] == ["1  c", "2  d"]
        assert options.highlighted == 0  # nothing hints at Ann's choice
        assert screen.query_one("#history", DataTable).row_count == 0
        assert "No rounds yet" in _text(screen.query_one("#last-round", Static))
        assert screen.session.history == []

        await pilot.press("1")  # ... Bob cooperates: reveal
        await pilot.pause()
        assert screen.session.history[-1].actions == (1, 0)
        assert cells(screen.query_one("#history", DataTable).get_row_at(0)[1:3]) == ["D", "c"]
        assert "Ann, your move" in _text(screen.query_one("#prompt", Label))
        assert np.allclose(screen.session.scores, [5, 0])


async def test_three_players_one_human_and_two_learners() -> None:
    game = get_game("public-goods:n_players=3")
    app = ScreenHost(PlayScreen(game, opponent="wolf-phc"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("1", "2")
        await pilot.pause()
        assert [a.name for a in screen.session.agents] == ["human", "wolf-phc", "wolf-phc"]
        assert len(screen.query(BeliefBars)) == 2
        for record in screen.session.history:
            assert len(record.actions) == 3 and record.rewards == game.payoff(record.actions)
        row = screen.query_one("#history", DataTable).get_row_at(1)
        assert cells(row[1:4]) == [game.actions[p][a] for p, a in enumerate(screen.session.history[1].actions)]


async def test_new_match_clears_the_score_and_history() -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="iql"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("1", "2")
        await pilot.press("n")
        screen = await _ready(pilot)
        assert screen.session.history == []
        assert screen.query_one("#history", DataTable).row_count == 0


async def test_deep_opponent_loads_in_a_worker_and_plays() -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="qmix"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        if screen.session is None:  # still building: the screen says so and ignores moves
            assert "Loading qmix" in _text(screen.query_one("#prompt", Label))
            await pilot.press("1")
        screen = await _ready(pilot)
        await pilot.press("1", "2")
        await pilot.pause()
        assert len(screen.session.history) == 2
        bars = screen.query_one("#belief-1", BeliefBars)
        assert bars.kind == "q" and len(bars.values) == 2


async def test_escape_goes_back() -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma")))
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PlayScreen)


async def test_the_app_opens_play_watch_and_tournament_on_its_current_game() -> None:
    from marl_tui.app import MarlTuiApp
    from marl_tui.screens.game import GameScreen
    from marl_tui.screens.tournament import TournamentScreen
    from marl_tui.screens.watch import WatchScreen

    game = get_game("stag-hunt")
    app = MarlTuiApp(game)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, GameScreen)
        for key, screen_class in (("p", PlayScreen), ("w", WatchScreen), ("t", TournamentScreen)):
            await pilot.press(key)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, screen_class) and app.screen.game is app.game
            assert screen_class.HELP.startswith("## ")
            if key == "p":
                await pilot.press("2")
                assert app.screen.session.history[-1].actions[0] == 1
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, GameScreen)


def test_bars_are_drawn_in_eighths_and_clipped() -> None:
    from marl_tui.widgets.belief_bars import bar, bar_fractions

    assert bar(0.5, 4) == "██  "
    assert bar(1 / 16, 2) == "▏ "  # one eighth of two cells
    assert bar(2.0, 3) == "███" and bar(-1.0, 3) == "   " and bar(float("nan"), 2) == "  "
    assert bar_fractions([0.2, 0.8], "probs") == [0.2, 0.8]
    q = bar_fractions([-1.0, 0.0, 3.0], "q")  # Q-values: scaled from the lowest to the highest
    assert q[0] < q[1] < q[2] == 1.0 and q[0] > 0
    assert bar_fractions([2.0, 2.0], "q") == [1.0, 1.0]


def test_every_opponent_offered_can_take_one_seat_and_no_other_is_offered() -> None:
    from agents.envs.repeated import RepeatedGameEnv
    from agents.registry import EVERY_PLAYER_AGENTS, agent_names
    from agents.runner import make_agents
    from marl_tui.screens.play import playable_opponents

    spec = RepeatedGameEnv(get_game("prisoners-dilemma")).spec
    offered = playable_opponents()
    assert "human" not in offered and {"iql", "vdn", "qmix", "tit-for-tat"} <= set(offered)
    for name in agent_names():
        if name == "human":
            continue
        if name in offered:
            agents = make_agents(spec, "human", vs=name, seed=0)
            assert [a.players for a in agents] == [(0,), (1,)]
        else:
            assert name in EVERY_PLAYER_AGENTS
            with pytest.raises(ValueError):
                make_agents(spec, "human", vs=name, seed=0)


async def test_the_opponent_picker_lists_no_team_agent_that_needs_every_seat() -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="iql"))
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("o")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, AgentPicker)
        for name in ("maddpg", "commnet", "tarmac", "self-play", "human"):
            assert name not in picker.names
        assert "qmix" in picker.names


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=str)
async def test_an_opponent_that_cannot_play_says_why_in_full(size) -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="maddpg"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await until(pilot, lambda: pilot.app.screen.error is not None, timeout=30.0)
        await pilot.pause()
        screen = app.screen
        assert screen.session is None
        shown = " ".join(screen_text(app).split())
        assert " ".join(screen.error.split()) in shown  # every word, none cut off
        assert "cannot take one seat against a human" in screen.error
        await pilot.press("1")  # a move with no match is refused, not raised
        assert screen.session is None


async def test_the_policy_can_be_hidden_so_it_never_gives_the_next_move_away() -> None:
    game = get_game("prisoners-dilemma")
    app = ScreenHost(PlayScreen(game, opponent="tit-for-tat"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        bars = screen.query_one("#belief-1", BeliefBars)
        await pilot.press("2")  # shown: tit-for-tat's next move copies this defection
        await pilot.pause()
        assert bars.probs == (0.0, 1.0) and "next round: after (Defect, Cooperate)" in bars.caption
        await pilot.press("v")
        await pilot.pause()
        assert "policy hidden" in _text(screen.query_one("#play-title", Static))
        # hidden: only what it played on, for the round already played (it cooperated first)
        assert bars.probs == (1.0, 0.0)
        assert "when it chose round 1, round 1 of an episode (no history yet)" in bars.caption
        await pilot.press("1")
        await pilot.pause()
        assert screen.session.history[-1].actions == (0, 1)  # it defected, as it had to
        assert bars.probs == (0.0, 1.0)
        assert "when it chose round 2, after (Defect, Cooperate)" in bars.caption
        await pilot.press("v")
        await pilot.pause()
        assert bars.probs == (1.0, 0.0) and "next round: after (Cooperate, Defect)" in bars.caption


async def test_a_hidden_policy_shows_nothing_before_the_first_round() -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="iql", hide_policy=True))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        bars = screen.query_one("#belief-1", BeliefBars)
        assert bars.values == () and "hidden until you choose" in bars.caption
        assert "nothing to show yet" in _text(bars)


async def test_the_q_value_panel_names_its_state() -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="iql", seed=3))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        bars = screen.query_one("#belief-1", BeliefBars)
        assert "next round: round 1 of an episode (no history yet)" in bars.caption
        await pilot.press("1", "2")
        await pilot.pause()
        last = screen.session.history[-1].actions
        state = f"({game_action(screen, 0, last[0])}, {game_action(screen, 1, last[1])})"
        assert bars.kind == "q" and f"next round: after {state}" in bars.caption
        assert f"after {state}" in screen_text(app)


def game_action(screen: PlayScreen, player: int, action: int) -> str:
    return screen.game.actions[player][action]


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (160, 45)], ids=str)
async def test_play_fits_every_size(size) -> None:
    app = ScreenHost(PlayScreen(get_game("prisoners-dilemma"), opponent="iql", seed=0))
    async with app.run_test(size=size) as pilot:
        screen = await _ready(pilot)
        await pilot.press("1", "2")
        await pilot.pause()
        text = screen_text(app)
        for line in _text(screen.query_one("#last-round", Static)).splitlines():
            assert line.strip() in text  # uncut, unwrapped
        for line in _text(screen.query_one("#belief-1", BeliefBars)).splitlines()[2:]:
            assert " ".join(line.split()) in " ".join(text.split())
        assert "palette" in text.splitlines()[-1]
        for widget in screen.query("#play-left, #play-right, #beliefs"):
            assert widget.region.right <= size[0]


async def test_an_agent_in_several_seats_is_named_by_seat() -> None:
    """In a three-player game one agent kind takes two seats: the last round and the scores
    name each seat (P2, P3), so the two rows tell apart."""
    app = ScreenHost(PlayScreen(get_game("public-goods"), opponent="iql", seed=0))
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await pilot.press("1")
        await pilot.pause()
        for widget in ("#last-round", "#scores"):
            rows = [line.split("  ")[0] for line in _text(screen.query_one(widget)).splitlines()]
            assert {"You", "iql · P2", "iql · P3"} <= set(rows), rows
