"""Environments, and :func:`make_env` to build one from a short spec string.

Spec strings: ``"two-step"`` (the QMIX paper's game), ``"levers"`` or ``"levers:m=5,pool=50"``
(the CommNet lever game), anything else is a game (a catalogue key or a game file, resolved by
:func:`games.io.resolve`) played repeatedly in a :class:`RepeatedGameEnv`. The keyword arguments
(``history``, ``rounds``, ``include_round``) configure the repeated game and are ignored by the
special environments, which have fixed episodes.
"""

from __future__ import annotations

from typing import Any

from agents.envs.base import MultiAgentEnv
from agents.envs.repeated import RepeatedGameEnv

SPECIAL_ENVS = {
    "two-step": "agents.envs.two_step:TwoStepEnv",
    "levers": "agents.envs.levers:LeversEnv",
}

__all__ = ["MultiAgentEnv", "RepeatedGameEnv", "SPECIAL_ENVS", "make_env", "parse_env_spec"]


def parse_env_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split ``"name:key=value,key=value"`` into the name and its (int/float/str) parameters."""
    name, _, rest = spec.strip().partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"environment {spec!r}: expected key=value, got {item!r}")
        params[key.strip()] = _number(value.strip())
    return name.strip(), params


def _number(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def make_env(spec: str, **kwargs: Any) -> MultiAgentEnv:
    """Build the environment a spec string names; unknown names raise ``games.GameError``."""
    import importlib
    import inspect

    name, params = parse_env_spec(spec)
    if name in SPECIAL_ENVS:
        module, cls = SPECIAL_ENVS[name].split(":")
        env_class = getattr(importlib.import_module(module), cls)
        known = [p for p in inspect.signature(env_class).parameters if p != "self"]
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ValueError(
                f"environment {name!r}: unknown parameter(s) {', '.join(unknown)}; "
                f"known: {', '.join(known) or 'none'}"
            )
        return env_class(**params)
    from games.io import resolve

    return RepeatedGameEnv(resolve(spec), **kwargs)
