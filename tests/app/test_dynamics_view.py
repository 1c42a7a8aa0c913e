"""Pilot tests of the Dynamics view on the Game screen: drawn, switched, redrawn on an edit."""

from __future__ import annotations

from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.widgets.dynamics_panel import DynamicsPanel
from marl_tui.widgets.phase_portrait import MARKERS, PhasePortrait
from tests.app.conftest import screen_text, settle, type_text, widget_text

SIZE = (80, 24)


async def open_dynamics(pilot) -> DynamicsPanel:
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)
    return pilot.app.screen.query_one(DynamicsPanel)


async def test_d_shows_matching_pennies_centre_and_d_again_the_analysis():
    app = MarlTuiApp(get_game("matching-pennies"))
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_dynamics(pilot)
        assert panel.display and not app.screen.query_one("#analysis").display
        text = screen_text(app)
        assert MARKERS["centre"] in text and MARKERS["saddle"] in text
        assert "across: Matcher plays Heads" in widget_text(app, "#dynamics-caption")
        assert "Heads 1/2, Tails 1/2 | Heads 1/2, Tails 1/2: centre (closed orbits)" in (
            widget_text(app, "#dynamics-rest"))
        assert "Dynamics" in text  # the footer lists the key
        await pilot.press("d")
        await settle(pilot)
        assert not panel.display and app.screen.query_one("#analysis").display


async def test_dynamic_and_temperature_are_selectable():
    app = MarlTuiApp(get_game("stag-hunt"))
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_dynamics(pilot)
        assert panel.picture.system.dynamic == "replicator"
        await pilot.press("y")
        await settle(pilot)
        assert panel.picture.system.dynamic == "best-response"
        assert "best response" in widget_text(app, "#dynamics-caption")
        await pilot.press("y")
        await settle(pilot)
        assert panel.picture.system.dynamic == "logit"
        await pilot.press("minus")
        await settle(pilot)
        assert panel.picture.system.temperature == 0.05
        await pilot.press("T")
        await pilot.pause()
        box = app.screen.query_one("Input")
        box.value = ""
        await type_text(pilot, "-2")
        await pilot.press("enter")
        await pilot.pause()
        assert "between" in screen_text(app)  # refused, the prompt explains and stays
        box.value = ""
        await type_text(pilot, "0.01")
        await pilot.press("enter")
        await settle(pilot)
        assert panel.picture.system.temperature == 0.01
        assert "T = 0.01" in widget_text(app, "#dynamics-caption")


async def test_editing_a_payoff_redraws_the_portrait():
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_dynamics(pilot)
        before = panel.picture
        assert [r.stability for r in before.rest if r.nash] == ["sink"]
        await pilot.press("tab")  # back to the grid, the portrait stays
        app.screen.query_one("#grid").focus()
        await pilot.pause()
        # Cooperate against Cooperate pays 6 each: mutual cooperation becomes an equilibrium too
        await pilot.press("enter")
        box = app.screen.query_one("#cell-input")
        box.value = ""
        await type_text(pilot, "6, 6")
        await pilot.press("enter")
        await settle(pilot)
        assert app.game.payoffs[0, 0, 0] == 6, screen_text(app)
        assert panel.picture is not before
        assert sum(r.nash and r.stability == "sink" for r in panel.picture.rest) == 2
        assert MARKERS["saddle"] in screen_text(app)  # the mixed equilibrium between them


async def test_rps_draws_the_simplex_and_a_four_player_game_is_explained():
    app = MarlTuiApp(get_game("rock-paper-scissors"))
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_dynamics(pilot)
        assert panel.picture.system.single
        text = screen_text(app)
        assert "Rock" in text and "Paper" in text and "Scissors" in text
        assert MARKERS["centre"] in text
    app = MarlTuiApp(get_game("public-goods"))
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_dynamics(pilot)
        assert panel.picture is None
        assert "draws two-player" in str(pilot.app.screen.query_one(PhasePortrait).render())


async def test_no_color_still_tells_stable_from_unstable(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = MarlTuiApp(get_game("stag-hunt"))
    async with app.run_test(size=SIZE) as pilot:
        await open_dynamics(pilot)
        text = screen_text(app)
        assert MARKERS["sink"] in text and MARKERS["saddle"] in text and MARKERS["source"] in text


async def test_the_legend_follows_the_theme():
    app = MarlTuiApp(get_game("stag-hunt"))
    async with app.run_test(size=SIZE) as pilot:
        await open_dynamics(pilot)
        legend = app.screen.query_one("#dynamics-legend")
        before = [span.style for span in legend.content.spans]
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert [span.style for span in legend.content.spans] != before
