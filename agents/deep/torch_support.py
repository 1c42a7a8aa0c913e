"""Small torch helpers shared by the deep agents (this module imports torch; import it lazily)."""

from __future__ import annotations

import torch
from torch import nn


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(device: str | None) -> torch.device:
    """``None`` or "auto" picks :func:`default_device`; otherwise the named device."""
    return default_device() if device in (None, "auto") else torch.device(device)


def set_threads(threads: int) -> None:
    """torch's intra-op thread count (``torch.set_num_threads``), checked to be at least 1."""
    if threads < 1:
        raise ValueError(f"torch threads must be >= 1, got {threads}")
    torch.set_num_threads(threads)


def mlp(sizes: list[int], activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """A plain multi-layer perceptron: Linear layers with ``activation`` between them."""
    layers: list[nn.Module] = []
    for k in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[k], sizes[k + 1]))
        if k < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)
