"""Startup: the equilibria of a 2x2 game show without loading scipy.optimize (about a second to
import); the LP-based sections follow in a second step, never computed on the UI thread."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

from games.catalogue import get_game
from marl_tui.app import MarlTuiApp
from marl_tui.screens import game as game_module
from tests.app.conftest import settle, until, widget_text


def test_the_equilibria_of_a_catalogue_game_need_no_scipy_optimize():
    code = textwrap.dedent("""
        import sys
        import marl_tui.app
        from games.catalogue import get_game
        from marl_tui.widgets.analysis_panel import compute_analysis, describe_equilibria
        game = get_game("battle-of-the-sexes")
        text = describe_equilibria(game, compute_analysis(game)).plain
        assert "Nash equilibria (3)" in text, text
        print(sorted(m for m in sys.modules if m.startswith(("scipy", "marl_tui.screens.help"))))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]", result.stdout


async def test_the_equilibria_show_first_and_the_lp_sections_follow(monkeypatch):
    gate = threading.Event()
    later = game_module.compute_parts

    def held(analysis, parts):  # the LP-based parts wait until the test has looked
        assert gate.wait(60)
        return later(analysis, parts)

    monkeypatch.setattr(game_module, "compute_parts", held)
    app = MarlTuiApp(get_game("prisoners-dilemma"))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "Nash equilibria" in widget_text(app, "#analysis-text"))
        text = widget_text(app, "#analysis-text")
        assert "pure (Defect, Defect)" in text and "computing…" in text
        assert not app.screen.marks.is_dominated(0, 0)
        gate.set()
        await settle(pilot)
        text = widget_text(app, "#analysis-text")
        assert "computing…" not in text and "Strict dominance" in text
        assert app.screen.marks.is_dominated(0, 0)  # Cooperate, once the dominance is known
