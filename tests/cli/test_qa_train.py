"""QA of `marl-tui train` as a demanding user meets it: strict JSON, hyper-parameter typos, bad
output paths, a CSV whose columns grow, divergence with --save, Ctrl-C, narrow colourless
terminals and bit-for-bit reproducible runs."""

from __future__ import annotations

import json
import signal

import numpy as np
import pandas as pd
import pytest
from rich.cells import cell_len

from agents.envs import make_env
from agents.iql import LeanIQL
from agents.registry import load_agent
from agents.runner import Runner
from marl_tui.cli import main
from marl_tui.cli.commands.train import EXIT_DIVERGED, EXIT_INTERRUPTED, CsvLog

PD = ["--game", "prisoners-dilemma"]


def strict_json(text: str) -> dict:
    """Parse as a strict JSON reader would: NaN and Infinity are not JSON."""
    def refuse(constant: str):
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


def one_error_line(capsys, args: list[str], message: str) -> None:
    assert main(["train", *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_zero_episodes_gives_null_rewards_not_nan(capsys):
    assert main(["train", *PD, "--algo", "iql", "--episodes", "0", "--json"]) == 0
    summary = strict_json(capsys.readouterr().out)
    assert summary["mean_rewards_last_10pct"] == [None, None] and summary["episodes"] == 0
    assert main(["train", *PD, "--algo", "iql", "--episodes", "0"]) == 0
    assert "n/a" in capsys.readouterr().out


@pytest.mark.parametrize(
    "algo, hp, message",
    [
        ("iql", "lr=[1,2]", "hyper-parameter lr must be a number"),
        ("iql", "lr=fast", "hyper-parameter lr must be a number"),
        ("iql", "lr=true", "hyper-parameter lr must be a number"),
        ("iql", "epsilon=NaN", "hyper-parameter epsilon must be finite"),
        ("iql", "lr=-0.5", "lr must be >= 0"),
        ("iql", "gamma=1.5", "gamma must be in [0, 1]"),
        ("wolf-phc", "epsilon=2", "epsilon must be in [0, 1]"),
        ("wolf-phc", "alpha=-1", "alpha must be >= 0"),
        ("mixed", 'strategy={"a":1}', "is not a list of numbers"),
    ],
)
def test_wrong_hyper_parameter_values_exit_2_naming_the_parameter(capsys, algo, hp, message):
    one_error_line(capsys, [*PD, "--algo", algo, "--episodes", "1", "--hp", hp], message)


def test_bad_seed_and_unknown_environment_parameters_exit_2(capsys):
    one_error_line(capsys, [*PD, "--algo", "iql", "--seed", "-1"], "--seed must be >= 0")
    one_error_line(capsys, ["--game", "levers:m=3,poool=9", "--algo", "random"],
                   "unknown parameter(s) poool; known: m, pool")


def test_unusable_output_paths_are_refused_before_training(capsys, tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep me")
    one_error_line(capsys, [*PD, "--algo", "iql", "--csv", str(a_file / "log.csv")], "--csv")
    one_error_line(capsys, [*PD, "--algo", "iql", "--csv", str(tmp_path)], "--csv")
    one_error_line(capsys, [*PD, "--algo", "iql", "--save", str(a_file)], "--save")
    assert a_file.read_text() == "keep me"


def test_nested_output_paths_are_created(capsys, tmp_path):
    csv, save = tmp_path / "a" / "b" / "log.csv", tmp_path / "c" / "d"
    assert main(["train", *PD, "--algo", "wolf-phc", "--episodes", "7", "--csv", str(csv),
                 "--save", str(save), "--json"]) == 0
    capsys.readouterr()
    assert list(pd.read_csv(csv)["episode"]) == list(range(7))
    assert load_agent(save / "agent_1", make_env("prisoners-dilemma").spec).players == (1,)


def test_csv_log_keeps_one_header_when_a_loss_column_appears_late(tmp_path):
    path = tmp_path / "log.csv"
    log = CsvLog(path)
    log.append(pd.DataFrame({"episode": [0, 1], "reward_0": [0.1, 1 / 3]}))
    log.append(pd.DataFrame({"episode": [2], "reward_0": [2.0], "loss": [0.25]}))
    log.append(pd.DataFrame({"episode": [3], "loss": [0.5], "reward_0": [3.0]}))  # new order
    written = pd.read_csv(path)
    assert list(written.columns) == ["episode", "reward_0", "loss"]
    assert written["reward_0"].tolist() == [0.1, 1 / 3, 2.0, 3.0]  # exact after the rewrite
    assert np.isnan(written["loss"][:2]).all() and written["loss"][2:].tolist() == [0.25, 0.5]


def test_divergence_exits_1_with_strict_json_and_saves_the_restored_agents(capsys, tmp_path):
    code = main(["train", *PD, "--algo", "iql", "--episodes", "300", "--hp", "lr=1e12",
                 "--save", str(tmp_path), "--json"])
    out, err = capsys.readouterr()
    assert code == EXIT_DIVERGED
    summary = strict_json(out)
    assert "diverged" in summary["stopped"] and "diverged" in err and "Traceback" not in err
    agent = load_agent(tmp_path / "agent_0", make_env("prisoners-dilemma").spec)
    assert all(np.isfinite(row).all() for row in agent.q[0].values())


@pytest.mark.parametrize("lean", [True, False])
def test_ctrl_c_stops_between_rounds_and_keeps_what_was_trained(
    capsys, tmp_path, monkeypatch, lean
):
    step, act = Runner.step, LeanIQL._act_one
    rounds = []

    def step_then_ctrl_c(self):
        if self.rounds == 25 * 10 + 3:  # mid-episode 26
            signal.raise_signal(signal.SIGINT)
        return step(self)

    def act_then_ctrl_c(self, joint, s):  # the lean path (train's default) plays without step
        if self.players == (0,):
            rounds.append(s)
            if len(rounds) == 25 * 10 + 4:  # mid-episode 26
                signal.raise_signal(signal.SIGINT)
        return act(self, joint, s)

    monkeypatch.setattr(Runner, "step", step_then_ctrl_c)
    monkeypatch.setattr(LeanIQL, "_act_one", act_then_ctrl_c)
    if not lean:
        monkeypatch.setattr(Runner, "_lean_path", lambda self: None)
    before = signal.getsignal(signal.SIGINT)
    csv, save = tmp_path / "log.csv", tmp_path / "agents"
    code = main(["train", *PD, "--algo", "iql", "--episodes", "5000", "--csv", str(csv),
                 "--save", str(save), "--json"])
    out, err = capsys.readouterr()
    assert code == EXIT_INTERRUPTED
    summary = strict_json(out)
    assert summary["interrupted"] and 25 <= summary["episodes"] < 5000
    assert "interrupted after" in err and "Traceback" not in err
    assert len(pd.read_csv(csv)) == summary["episodes"]
    assert (save / "agent_1" / "state.json").exists()
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back
    assert bool(rounds) == lean


def test_ctrl_c_before_training_exits_130_without_a_traceback(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("agents.envs.make_env", interrupted)
    assert main(["train", *PD, "--algo", "iql"]) == EXIT_INTERRUPTED
    out, err = capsys.readouterr()
    assert err == "marl-tui train: interrupted\n"


def test_table_fits_80_columns_without_colour_and_keeps_labels_with_numbers(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["train", "--game", "rpsls", "--algo", "hedge", "--episodes", "5"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert max(cell_len(line) for line in out.splitlines()) <= 80
    table_lines = [line for line in out.splitlines() if line.startswith("│")]
    for label in ("Rock", "Paper", "Scissors", "Lizard", "Spock"):
        assert sum(line.count(f"{label} 0.") for line in table_lines) == 4  # 2 players x 2 columns


def test_identical_seeded_runs_are_bit_for_bit_identical(capsys, tmp_path):
    outputs = []
    for run in range(2):
        csv = tmp_path / f"run{run}.csv"
        assert main(["train", *PD, "--algo", "iql", "--vs", "wolf-phc", "--episodes", "120",
                     "--seed", "5", "--csv", str(csv), "--json"]) == 0
        outputs.append((capsys.readouterr().out, csv.read_bytes()))
    assert outputs[0] == outputs[1]


def test_every_player_must_be_trainable_headless(capsys):
    one_error_line(capsys, [*PD, "--algo", "iql", "--vs", "human"], "human agent plays in the app")


def test_tournament_refuses_a_single_distinct_entrant_and_a_negative_seed(capsys):
    for args, message in (
        (["--players", "tit-for-tat,tit-for-tat"], "at least two different"),
        (["--seed", "-3"], "--seed must be >= 0"),
    ):
        assert main(["tournament", *args, "--rounds", "5"]) == 2
        out, err = capsys.readouterr()
        assert out == "" and message in err and err.count("\n") == 1


def test_ctrl_c_during_a_tournament_exits_130_without_a_traceback(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("agents.tournament.play_match", interrupted)
    assert main(["tournament", "--rounds", "5"]) == 130
    assert capsys.readouterr().err == "marl-tui tournament: interrupted\n"
