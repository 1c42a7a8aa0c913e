"""Registry names -> agent classes, imported lazily so that torch loads only when a deep agent is built."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from agents.base import Agent, EnvSpec

# name -> "module:Class". Deep agents live in agents.deep, whose modules import torch at top level.
AGENTS: dict[str, str] = {
    "iql": "agents.iql:IQL",
    "fictitious-play": "agents.fictitious_play:FictitiousPlay",
    "regret-matching": "agents.regret_matching:RegretMatching",
    "wolf-phc": "agents.wolf_phc:WoLFPHC",
    "phc": "agents.phc:PHC",
    "hedge": "agents.hedge:Hedge",
    "replicator": "agents.replicator:Replicator",
    "vdn": "agents.deep.vdn:VDN",
    "qmix": "agents.deep.qmix:QMIX",
    "maddpg": "agents.deep.maddpg:MADDPG",
    "commnet": "agents.deep.commnet:CommNet",
    "tarmac": "agents.deep.tarmac:TarMAC",
    "self-play": "agents.deep.self_play:SelfPlay",
    "always-cooperate": "agents.scripted:AlwaysCooperate",
    "always-defect": "agents.scripted:AlwaysDefect",
    "tit-for-tat": "agents.scripted:TitForTat",
    "grim-trigger": "agents.scripted:GrimTrigger",
    "win-stay-lose-shift": "agents.scripted:WinStayLoseShift",
    "random": "agents.scripted:RandomAgent",
    "mixed": "agents.scripted:FixedMixed",
    "human": "agents.human:Human",
}

#: The agents built on torch: those whose class lives in the ``agents.deep`` package.
DEEP_AGENTS = frozenset(name for name, target in AGENTS.items() if target.startswith("agents.deep."))

# Team agents that must control every player of the environment (their critics, communication or
# seat-swapping need them all): they cannot take one seat beside a human or another agent.
EVERY_PLAYER_AGENTS = frozenset({"maddpg", "commnet", "tarmac", "self-play"})


def limit_torch_threads(names: Iterable[str | None], threads: int = 1) -> None:
    """Set torch to ``threads`` intra-op threads when any of ``names`` is a deep agent.

    These networks are tiny: one thread runs them as fast as many, and torch's default (every
    core) makes a loaded machine thrash (a 15 s MADDPG run has taken 640 s). Tabular agents
    leave torch unimported.
    """
    if any(name in DEEP_AGENTS for name in names):
        from agents.deep.torch_support import set_threads

        set_threads(threads)


def agent_names() -> list[str]:
    """Every registry name, in display order."""
    return list(AGENTS)


def agent_class(name: str) -> type[Agent]:
    """The class registered under ``name`` (imports its module on first use)."""
    try:
        target = AGENTS[name]
    except KeyError:
        raise ValueError(
            f"unknown agent {name!r}; choose from: {', '.join(AGENTS)}"
        ) from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)


def make_agent(
    name: str,
    spec: EnvSpec,
    players: Sequence[int],
    seed: int | None = None,
    **hyperparameters: Any,
) -> Agent:
    """Build the agent registered under ``name`` for ``players`` of an environment."""
    return agent_class(name)(spec, players, seed=seed, **hyperparameters)


def load_agent(directory: str | Path, spec: EnvSpec) -> Agent:
    """Rebuild an agent saved with :meth:`Agent.save`."""
    directory = Path(directory)
    meta = json.loads((directory / "agent.json").read_text())
    retired = agent_class(meta["name"]).retired
    hyperparameters = {k: v for k, v in meta["hyperparameters"].items() if k not in retired}
    agent = make_agent(meta["name"], spec, meta["players"], meta["seed"], **hyperparameters)
    agent.load_state(directory)
    return agent
