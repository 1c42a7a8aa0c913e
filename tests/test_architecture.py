"""The dependency direction `marl_tui` -> `agents` -> `games`, and torch only where a deep agent is built."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path


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
        import agents.deep.qmix, agents.deep.vdn, agents.deep.maddpg, agents.deep.commnet, agents.deep.tarmac
        import agents.deep.self_play
        """
    )
    assert "textual" not in loaded and "marl_tui" not in loaded


# ----- the import contract, checked statically over every module file ------------------------
# The runtime checks above see only what one run imports; this walks every ``import`` statement
# of every module (inside functions too, since a lazy import still runs), so a rule broken on a
# code path no test takes still fails here.

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("games", "agents", "marl_tui")
DEEP = "agents.deep"
#: Third-party top-level packages that ``games`` may import: the solvers are numpy/scipy only.
GAMES_THIRD_PARTY = {"numpy", "scipy"}
#: Modules of ``agents.deep`` that import no torch, so that other modules may import them eagerly.
TORCH_FREE_DEEP = {"agents.deep", "agents.deep.per_player"}


@dataclass(frozen=True)
class Import:
    """One imported module, as written in ``importer`` (relative imports resolved)."""

    importer: str
    target: str
    line: int
    lazy: bool  # inside a function: runs only when that function is called


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, importer: str, is_package: bool) -> list[Import]:
    """Every module that ``source`` imports (``from a import b`` counts ``a`` and ``a.b``)."""
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(child, ast.Import):
                found.extend(Import(importer, alias.name, child.lineno, lazy)
                             for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = importer.split(".")
                    package = package if is_package else package[:-1]
                    package = package[: len(package) - (child.level - 1)]
                    base = ".".join([*package, base] if base else package)
                found.append(Import(importer, base, child.lineno, lazy))
                found.extend(Import(importer, f"{base}.{alias.name}", child.lineno, lazy)
                             for alias in child.names if alias.name != "*")
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def violations(imports: list[Import], local: set[str]) -> list[str]:
    """The contract's broken rules, one line each (``local``: every module of the project)."""
    broken = []
    for imp in imports:
        top = imp.target.split(".")[0]
        where = f"{imp.importer} (line {imp.line}) imports {imp.target}"
        if top == "__future__":
            continue
        if top == "torch" and not _within(imp.importer, DEEP):
            broken.append(f"{where}: torch only inside {DEEP}")
        if _within(imp.importer, "games"):
            allowed = top == "games" or top in GAMES_THIRD_PARTY or top in sys.stdlib_module_names
            if not allowed:
                broken.append(f"{where}: games imports only numpy, scipy and the standard library")
        if _within(imp.importer, "agents") and top in {"textual", "marl_tui"}:
            broken.append(f"{where}: agents never imports textual or the app")
        if (_within(imp.target, DEEP) and not _within(imp.importer, DEEP) and not imp.lazy
                and imp.target not in TORCH_FREE_DEEP and imp.target in local):
            broken.append(f"{where}: outside {DEEP}, import deep agents lazily (they load torch)")
    return broken


def project_imports() -> tuple[list[Import], set[str]]:
    files = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))
    local = {module_name(path, ROOT) for path in files}
    imports = [
        imp
        for path in files
        for imp in imports_of(path.read_text(), module_name(path, ROOT), path.name == "__init__.py")
    ]
    return imports, local


def test_every_module_keeps_the_import_contract():
    imports, local = project_imports()
    assert len(local) > 80 and {"games.model", "agents.runner", "marl_tui.app"} <= local
    assert violations(imports, local) == []


def test_the_contract_catches_each_kind_of_violation():
    bad = {
        "games.bad": "import pandas\nfrom agents import runner\n",
        "agents.bad": "from textual.app import App\nimport torch\nfrom agents.deep.qmix import QMIX\n",
        "marl_tui.bad": "def f():\n    import torch\n",
    }
    local = {"agents.deep.qmix", "agents.runner", "agents"}
    found = [imp for name, source in bad.items() for imp in imports_of(source, name, False)]
    broken = "\n".join(violations(found, local))
    assert "games.bad (line 1) imports pandas: games imports only" in broken
    assert "games.bad (line 2) imports agents: games imports only" in broken
    assert "agents.bad (line 1) imports textual.app: agents never imports" in broken
    assert "agents.bad (line 2) imports torch: torch only inside agents.deep" in broken
    assert "agents.bad (line 3) imports agents.deep.qmix: outside agents.deep" in broken
    assert "marl_tui.bad (line 2) imports torch: torch only inside agents.deep" in broken
    lazy = imports_of("def f():\n    from agents.deep.qmix import QMIX\n", "agents.ok", False)
    assert violations(lazy, local) == []


def test_relative_imports_resolve_to_the_module_they_name():
    found = imports_of("from . import x\nfrom ..y import z\n", "agents.deep.qmix", False)
    assert [imp.target for imp in found] == ["agents.deep", "agents.deep.x", "agents.y",
                                             "agents.y.z"]
