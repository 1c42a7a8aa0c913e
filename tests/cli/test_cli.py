"""The `marl-tui` entry point: help, version, and bad arguments without starting the app."""

from __future__ import annotations

import pytest

from marl_tui import __version__
from marl_tui.cli import COMMANDS, main


def test_version_and_help_list_every_command(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"marl-tui {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "GAME_OR_FILE" in out
    assert all(name in out for name in COMMANDS)


def test_command_usage_names_the_command(capsys):
    with pytest.raises(SystemExit) as done:
        main(["solve"])
    assert done.value.code == 2
    assert capsys.readouterr().err.startswith("usage: marl-tui solve ")


def test_unknown_game_for_the_app_is_one_line_and_exit_2(capsys):
    assert main(["no-such-game-anywhere"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "neither a file nor a known game" in err


def test_stray_arguments_for_the_app_are_refused(capsys):
    assert main(["prisoners-dilemma", "extra"]) == 2
    assert "unexpected arguments extra" in capsys.readouterr().err
