"""`marl-tui solve` on class games: a payoff rule described, no matrix built."""

from __future__ import annotations

import json

from marl_tui.cli import main


def test_guess_average_json(capsys):
    assert main(["solve", "guess-average", "--param", "players=3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["symmetric_equilibria"] == [0]
    assert out["equilibrium_payoff"] == "1/3"
    assert out["levels"][:3] == ["50", "100/3", "200/9"]


def test_public_goods_table(capsys):
    assert main(["solve", "linear-public-goods", "--param", "multiplier=2"]) == 0
    out = capsys.readouterr().out
    assert "symmetric pure Nash equilibria for 4 players: everyone plays 0" in out
    assert "social optimum: everyone plays 10, 20 per player" in out


def test_bad_parameter_is_one_line(capsys):
    assert main(["solve", "guess-average:p=2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "p must be between 0 and 1" in err
