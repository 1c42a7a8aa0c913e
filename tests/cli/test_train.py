"""`marl-tui train`: the JSON schema, the table, files written, exit codes for bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from agents.envs import make_env
from agents.registry import load_agent
from marl_tui.cli import main

CORE_KEYS = {"algo", "game", "episodes", "seed", "final_policies", "average_policies",
             "mean_rewards_last_10pct", "greedy_joint_action", "exploitability"}


def train_json(capsys, *args: str) -> dict:
    code = main(["train", *args, "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == ""  # no progress bar with --json
    return json.loads(out)  # exactly one JSON object


def test_json_summary_has_the_documented_schema(capsys):
    summary = train_json(capsys, "--game", "prisoners-dilemma", "--algo", "iql", "--episodes",
                         "2000", "--seed", "1", "--rounds", "1", "--history", "0")
    assert CORE_KEYS <= set(summary)
    assert summary["algo"] == "iql" and summary["episodes"] == 2000 and summary["seed"] == 1
    assert summary["greedy_joint_action"] == [1, 1]
    assert summary["greedy_joint_labels"] == ["Defect", "Defect"] and summary["greedy_is_nash"]
    assert len(summary["final_policies"]) == 2 and len(summary["mean_rewards_last_10pct"]) == 2
    assert all(abs(sum(p) - 1) < 1e-6 for p in summary["average_policies"])
    assert 0.0 <= summary["exploitability"] and summary["distance_to_nash"] >= 0.0
    assert "q_values" in summary and set(summary["q_values"]) == {"0", "1"}  # merged summaries


def test_same_seed_same_summary_and_vs_sets_the_other_player(capsys):
    args = ("--game", "matching-pennies", "--algo", "wolf-phc", "--vs", "mixed", "--episodes",
            "30", "--hp", "alpha=0.2", "delta_win=0.01")
    first, second = train_json(capsys, *args), train_json(capsys, *args)
    assert first == second
    assert first["agents"] == ["wolf-phc", "mixed"]
    assert first["final_policies"][1] == [0.5, 0.5]


def test_table_output_csv_and_saved_agents(capsys, tmp_path):
    csv, save = tmp_path / "log.csv", tmp_path / "agents"
    code = main(["train", "--game", "rock-paper-scissors", "--algo", "regret-matching",
                 "--episodes", "250", "--csv", str(csv), "--save", str(save)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "regret-matching" in out and "Rock" in out and "exploitability" in out
    log = pd.read_csv(csv)
    assert list(log["episode"]) == list(range(250)) and "reward_1" in log
    env = make_env("rock-paper-scissors")
    agent = load_agent(save / "agent_1", env.spec)
    assert agent.name == "regret-matching" and agent.players == (1,)


def test_non_matrix_environment_trains_with_null_game_metrics(capsys):
    summary = train_json(capsys, "--game", "two-step", "--algo", "random", "--episodes", "20")
    assert summary["exploitability"] is None and summary["episodes"] == 20


@pytest.mark.parametrize(
    "args, message",
    [
        (["--game", "nowhere-game", "--algo", "iql"], "neither a file nor a known game"),
        (["--game", "prisoners-dilemma", "--algo", "sarsa"], "unknown agent 'sarsa'"),
        (["--game", "prisoners-dilemma", "--algo", "iql", "--episodes", "-5"], "--episodes"),
        (["--game", "prisoners-dilemma", "--algo", "iql", "--hp", "lr"], "KEY=VALUE"),
        (["--game", "prisoners-dilemma", "--algo", "iql", "--hp", "alpha=1"], "unknown hyper"),
        (["--game", "prisoners-dilemma", "--algo", "mixed", "--hp", "strategy=2,3"], "strategy"),
        (["--game", "prisoners-dilemma", "--algo", "iql", "--rounds", "0"], "--rounds"),
        (["--game", "two-step", "--algo", "hedge"], "needs a repeated normal-form game"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(capsys, args, message):
    assert main(["train", *args, "--episodes", "1", "--json"] if "--episodes" not in args
                else ["train", *args, "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
