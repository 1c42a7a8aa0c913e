"""The dependency direction `marl_tui` -> `agents` -> `games`, and torch only where a deep agent is built."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _modules_after(code: str) -> set[str]:
    script = textwrap.dedent(code) + "\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(output.stdout.split())


def test_games_imports_neither_torch_nor_textual_nor_agents():
    loaded = _modules_after(
        """
        import pkgutil, importlib, games
        for module in pkgutil.iter_modules(games.__path__):
            importlib.import_module(f"games.{module.name}")
        """
    )
    assert not {"torch", "textual", "agents", "marl_tui", "pandas"} & loaded


def test_agents_never_import_textual_and_tabular_agents_not_torch():
    loaded = _modules_after(
        """
        from agents.envs import make_env
        from agents.runner import Runner, make_agents
        from agents.tournament import tournament
        env = make_env("prisoners-dilemma")
        Runner(env, make_agents(env.spec, "iql", seed=0), seed=0).run(3)
        """
    )
    assert "textual" not in loaded and "marl_tui" not in loaded
    assert "torch" not in loaded


def test_deep_agent_modules_never_import_textual():
    loaded = _modules_after(
        """
        import agents.qmix, agents.vdn, agents.maddpg, agents.commnet, agents.tarmac
        import agents.self_play
        """
    )
    assert "textual" not in loaded and "marl_tui" not in loaded
