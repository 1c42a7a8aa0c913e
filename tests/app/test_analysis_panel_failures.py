"""The analysis panel when one analysis fails: that section says why, every other one shows."""

from __future__ import annotations

import games.analysis as analysis_module
from games import GameError
from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from tests.app.conftest import settle, widget_text


def fail(*args, **kwargs):
    raise GameError("the LP gave up")


async def test_a_failing_section_shows_its_reason_and_the_rest_shows(monkeypatch):
    monkeypatch.setattr(analysis_module, "correlated_equilibrium", fail)
    monkeypatch.setattr(analysis_module, "solve", fail)
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = widget_text(app, "#analysis-text")
        assert "Nash equilibria\n✗ could not be computed: the LP gave up" in text
        assert "dominance solvable" in text and "Weak dominance" in text
        await pilot.press("v")
        await settle(pilot)
        text = widget_text(app, "#analysis-text")
        assert "Correlated equilibrium (max welfare)\n✗ could not be computed: the LP gave up" in text
        assert "✗ could not be computed: needs the solution, which failed" in text
        assert "Pareto-optimal" in text and "Maxmin (security) values" in text
        assert "Analysis failed" not in text
