"""`marl-tui train` and `tournament` run torch on one thread unless told otherwise, as the app does."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from marl_tui.cli import main


@pytest.fixture
def two_threads():
    """torch starts each test at 2 threads (so that a change to 1 shows), and is restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _train(*extra: str) -> int:
    return main(["train", "--game", "coordination", "--algo", "maddpg", "--episodes", "2",
                 "--rounds", "1", "--json", *extra])


def test_train_sets_torch_to_one_thread_by_default(two_threads, capsys):
    assert _train() == 0
    assert torch.get_num_threads() == 1


def test_train_torch_threads_option_is_obeyed(two_threads, capsys):
    assert _train("--torch-threads", "2") == 0
    assert torch.get_num_threads() == 2


def test_an_agents_own_cpu_threads_hyperparameter_wins(two_threads, capsys):
    code = main(["train", "--game", "rock-paper-scissors", "--algo", "self-play", "--episodes",
                 "2", "--rounds", "1", "--json", "--hp", "cpu_threads=2"])
    assert code == 0
    assert torch.get_num_threads() == 2


def test_tournament_with_a_deep_entrant_sets_torch_to_one_thread(two_threads, capsys):
    code = main(["tournament", "--players", "tit-for-tat,qmix", "--rounds", "3", "--json"])
    assert code == 0
    assert torch.get_num_threads() == 1


@pytest.mark.parametrize("command", ["train", "tournament"])
def test_torch_threads_below_one_is_a_clear_error(command, capsys):
    args = ["--players", "tit-for-tat,qmix"] if command == "tournament" else [
        "--game", "coordination", "--algo", "maddpg"]
    assert main([command, *args, "--torch-threads", "0"]) == 2
    assert "--torch-threads must be >= 1, got 0" in capsys.readouterr().err


def test_tabular_training_leaves_torch_unimported():
    script = (
        "import sys\n"
        "from marl_tui.cli import main\n"
        "code = main(['train', '--game', 'coordination', '--algo', 'iql', '--episodes', '5',"
        " '--json'])\n"
        "print(code, 'torch' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split()[-2:] == ["0", "False"]
