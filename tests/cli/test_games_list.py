"""`marl-tui games`: the catalogue as a table."""

from __future__ import annotations

from games.catalogue import catalogue
from marl_tui.cli import main


def test_games_lists_the_whole_catalogue(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["games"]) == 0
    text = capsys.readouterr().out
    entries = catalogue()
    assert len(entries) >= 20
    for entry in entries:
        assert entry.slug in text and entry.name in text
    assert "size=4" in text  # parameters with their defaults
    assert "2×2×2" in text  # an n-player game's shape
