"""End to end: the installed `marl-tui` in a real terminal (tmux), driven by keys, read off the screen.

Opens the Prisoner's Dilemma, makes mutual cooperation worth 6 each, and waits until the analysis
on screen lists (Cooperate, Cooperate) as a pure equilibrium. Polls `tmux capture-pane`; no sleeps
of fixed length decide the outcome.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.tmux import TIMEOUT, Tmux


def marl_tui_command() -> Path:
    """The console script installed next to the running interpreter."""
    return Path(sys.executable).parent / "marl-tui"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_editing_a_payoff_changes_the_equilibrium_on_screen():
    command = marl_tui_command()
    assert command.exists(), f"marl-tui is not installed next to {sys.executable}"
    tmux = Tmux([str(command), "prisoners-dilemma"])
    try:
        tmux.wait_for("Nash equilibria (1)")
        assert "pure (Defect, Defect)" in tmux.screen()
        tmux.keys("6")  # a digit on the grid edits the cursor cell, (Cooperate, Cooperate)
        tmux.wait_for("─ (Cooperate, Cooperate) ─")  # the cell editor's title
        tmux.keys(*",6")
        tmux.wait_for("│  6,6")
        tmux.keys("Enter")
        screen = tmux.wait_for("Nash equilibria (3)")  # also a mixed one: now a stag hunt
        assert "pure (Cooperate, Cooperate)" in screen
        assert "6, 6" in screen
        tmux.keys("C-q")
        tmux.wait_for("Quit anyway?")
        tmux.keys("y")
        deadline = time.monotonic() + TIMEOUT
        while "marl-tui" in tmux.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        tmux.close()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_dynamics_view_of_rock_paper_scissors_in_a_real_terminal():
    """d opens the Dynamics view: the simplex with its corners, the centre and its closed orbits;
    y switches to best response, where the centre attracts."""
    tmux = Tmux([str(marl_tui_command()), "rock-paper-scissors"])
    try:
        tmux.wait_for("Nash equilibria (1)")
        tmux.keys("d")
        screen = tmux.wait_for("(closed orbits)")
        assert "Rock 1/3, Paper 1/3, Scissors 1/3: centre" in screen
        assert "Paper" in screen and "Scissors" in screen and "◎" in screen
        assert any(ch in screen for ch in "⠁⠂⠄⡀⠈⠐⠠⢀")  # braille dots: the frame and the orbits
        tmux.keys("y")
        screen = tmux.wait_for("Rock 1/3, Paper 1/3, Scissors 1/3: sink")
        assert "best response" in screen
        tmux.keys("d")
        tmux.wait_for("Nash equilibria (1)")  # back to the analysis
        tmux.keys("C-q")
        deadline = time.monotonic() + TIMEOUT
        while "marl-tui" in tmux.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        tmux.close()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_a_payoff_typed_at_full_speed_and_one_pasted_are_committed_whole():
    """tmux delivers ``send-keys -l`` as one burst: the keys arrive while the editor is opening."""
    tmux = Tmux([str(marl_tui_command()), "prisoners-dilemma"])
    try:
        tmux.wait_for("Nash equilibria (1)")
        tmux.tmux(["send-keys", "-t", tmux.name, "Enter"])
        tmux.tmux(["send-keys", "-t", tmux.name, "-l", "4,4"])
        tmux.tmux(["send-keys", "-t", tmux.name, "Enter"])
        tmux.wait_for("(Cooperate, Cooperate) = 4, 4")
        tmux.tmux(["send-keys", "-t", tmux.name, "Right"])
        tmux.tmux(["set-buffer", "-b", tmux.name, "2, 6"])
        tmux.tmux(["paste-buffer", "-p", "-b", tmux.name, "-t", tmux.name])  # bracketed paste
        tmux.tmux(["send-keys", "-t", tmux.name, "Enter"])
        screen = tmux.wait_for("(Cooperate, Defect) = 2, 6")
        assert "4, 4" in screen and "2, 6" in screen
    finally:
        tmux.close()
