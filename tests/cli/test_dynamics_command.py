"""`marl-tui dynamics`: rest points with their stability in words, one JSON object, exit-2 errors."""

from __future__ import annotations

import json

import pytest

from marl_tui.cli import main


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")


def dynamics_json(capsys, *args: str) -> dict:
    assert main(["dynamics", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_matching_pennies_centre_in_json(capsys):
    data = dynamics_json(capsys, "matching-pennies")
    assert data["dynamic"] == "replicator" and data["population"] == "two"
    nash = [p for p in data["rest_points"] if p["nash"]]
    assert nash == [{
        "strategies": [["1/2", "1/2"], ["1/2", "1/2"]],
        "nash": True,
        "stability": "centre",
        "constant_of_motion": True,
        "eigenvalues": nash[0]["eigenvalues"],
    }]
    assert sorted(abs(im) for _, im in nash[0]["eigenvalues"]) == pytest.approx([1, 1])
    assert {p["stability"] for p in data["rest_points"] if not p["nash"]} == {"saddle"}


def test_single_population_hawk_dove_ess_is_a_sink(capsys):
    data = dynamics_json(capsys, "hawk-dove", "--population", "single")
    assert data["population"] == "single"
    (ess,) = [p for p in data["rest_points"] if p["nash"]]
    assert ess["stability"] == "sink" and ess["strategies"] == [["2/3", "1/3"]]  # V/C = 4/6


def test_logit_and_best_response(capsys):
    data = dynamics_json(capsys, "stag-hunt", "--dynamic", "logit", "--temperature", "0.01")
    assert data["temperature"] == 0.01 and len(data["rest_points"]) == 3
    assert sorted(p["stability"] for p in data["rest_points"]) == ["saddle", "sink", "sink"]
    data = dynamics_json(capsys, "stag-hunt", "--dynamic", "best-response")
    assert [p["stability"] for p in data["rest_points"]] == ["sink", "saddle", "sink"]


def test_table_names_stability_in_words_and_labels_as_plain_text(capsys):
    assert main(["dynamics", "rock-paper-scissors"]) == 0
    out = capsys.readouterr().out
    assert "Rock 1/3, Paper 1/3, Scissors 1/3" in out
    assert "centre" in out and "closed orbits" in out and "saddle" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-game"], "neither a file nor a known game"),
        (["public-goods"], "two-player games"),
        (["prisoners-dilemma", "--temperature", "-1"], "--temperature expects a positive number"),
        (["prisoners-dilemma", "--temperature", "warm"], "--temperature expects a positive number"),
        (["battle-of-the-sexes", "--population", "single"], "not symmetric"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, args, message):
    assert main(["dynamics", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
