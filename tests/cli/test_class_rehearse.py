"""`marl-tui class rehearse`: a whole class of simulated students through the hub."""

from __future__ import annotations

import csv
import json

from marl_tui.cli import main


def rehearse_json(capsys, *args: str) -> dict:
    assert main(["class", "rehearse", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_prisoners_dilemma_rounds_shares_and_prediction(capsys, tmp_path):
    path = tmp_path / "pd.csv"
    out = rehearse_json(capsys, "prisoners-dilemma", "--students", "5", "--rounds", "4",
                        "--late", "0.3", "--csv", str(path))
    assert [r["round"] for r in out["rounds"]] == [1, 2, 3, 4]
    first = out["rounds"][0]
    assert first["students"] == 5 and first["agents"] == 1  # the odd student's partner
    assert sum(first["shares"]["students"][0].values()) == 1
    assert first["predictions"] == [{"label": "Nash (pure): Defect / Defect",
                                     "shares": [{"Cooperate": 0.0, "Defect": 1.0}], "payoff": 1.0}]
    assert first["optimum"]["shares"] == [{"Cooperate": 1.0, "Defect": 0.0}]
    with path.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 * 6
    assert sum(r["agent"] == "true" for r in rows) == 4
    assert sum(r["timed_out"] == "true" for r in rows) == sum(r["timed_out"] for r in out["rounds"])
    assert sum(r["timed_out"] == "true" for r in rows) > 0  # --late 0.3 makes some miss it
    summary = json.loads(path.with_suffix(".summary.json").read_text())
    assert summary["rounds"] == 4 and len(summary["students"]) == 5


def test_regret_matching_students_learn_to_defect(capsys):
    out = rehearse_json(capsys, "prisoners-dilemma", "--students", "8", "--rounds", "40",
                        "--student-agent", "regret-matching", "--seed", "3")
    late = [r["shares"]["students"][0]["Defect"] for r in out["rounds"][-10:]]
    assert min(late) == 1.0


def test_guess_average_whole_class_with_targets(capsys):
    out = rehearse_json(capsys, "guess-average", "--students", "12", "--rounds", "3",
                        "--student-agent", "random")
    for r in out["rounds"]:
        assert r["students"] == 12 and r["agents"] == 0
        assert abs(r["targets"][0] - 2 / 3 * r["mean"]) < 1e-9
    # for 12 whole-number guessers, everyone at 1 is an equilibrium too (2/3 is nearer 1 than 0)
    assert [p["label"] for p in out["rounds"][0]["predictions"]] == [
        "Nash: everyone plays 0", "Nash: everyone plays 1"]


def test_partners_and_table(capsys):
    assert main(["class", "rehearse", "linear-public-goods", "--students", "6", "--rounds", "2",
                 "--matching", "partners"]) == 0
    text = capsys.readouterr().out
    assert "Linear public goods" in text and "Nash 1: everyone plays 0" in text


def test_bad_input_is_one_line(capsys):
    assert main(["class", "rehearse", "no-such-game"]) == 2
    assert "neither a file nor a known game" in capsys.readouterr().err
    assert main(["class", "rehearse", "guess-average", "--students", "0"]) == 2
    assert "--students must be" in capsys.readouterr().err
    assert main(["class", "rehearse", "guess-average", "--agent", "fictitious-play"]) == 2
    assert "cannot play" in capsys.readouterr().err


def test_a_role_nobody_of_a_kind_played_has_no_shares(capsys):
    """Battle of the Sexes with one student: the agent plays the other role, so each kind has one
    role it never played; its shares there are null, not 0 for every action."""
    out = rehearse_json(capsys, "battle-of-the-sexes", "--students", "1", "--rounds", "2")
    for r in out["rounds"]:
        students, agents = r["shares"]["students"], r["shares"]["agents"]
        assert sorted(s is None for s in students) == [False, True]
        assert [s is None for s in agents] == [s is not None for s in students]
        assert all(sum(s.values()) == 1 for s in students + agents if s is not None)
