"""`marl-tui tournament`: ranking table with bars, JSON, bad input."""

from __future__ import annotations

import json

from marl_tui.cli import main


def test_json_ranking(capsys):
    code = main(["tournament", "--players", "tit-for-tat,always-defect,grim-trigger",
                 "--rounds", "50", "--json"])
    out, _ = capsys.readouterr()
    assert code == 0
    result = json.loads(out)
    assert result["game"] == "Prisoner's Dilemma" and result["rounds"] == 50
    ranking = result["ranking"]
    assert [r["rank"] for r in ranking] == [1, 2, 3]
    assert ranking[-1]["agent"] == "always-defect"
    assert len(result["matches"]) == 6  # three pairs and three twins


def test_table_with_bars(capsys):
    assert main(["tournament", "--rounds", "30", "--no-twins"]) == 0
    out, _ = capsys.readouterr()
    assert "tit-for-tat" in out and "win-stay-lose-shift" in out and "█" in out


def test_bad_input_exits_2(capsys):
    for args in (["--players", "tit-for-tat"], ["--players", "tit-for-tat,ghost"],
                 ["--game", "public-goods"], ["--rounds", "0"], ["--players", "human,random"]):
        assert main(["tournament", *args]) == 2
        _, err = capsys.readouterr()
        assert err.startswith("marl-tui tournament: error:") and err.count("\n") == 1
