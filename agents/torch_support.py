"""Small torch helpers shared by the deep agents (this module imports torch; import it lazily)."""

from __future__ import annotations

import random

import numpy as np
import torch
from torch import nn


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(device: str | None) -> torch.device:
    """``None`` or "auto" picks :func:`default_device`; otherwise the named device."""
    return default_device() if device in (None, "auto") else torch.device(device)


def seed_everything(seed: int | None) -> torch.Generator:
    """Seed torch, numpy and random for bit-reproducible CPU runs; returns a torch generator."""
    generator = torch.Generator()
    if seed is not None:
        torch.manual_seed(seed)
        np.random.seed(seed % 2**32)
        random.seed(seed)
        generator.manual_seed(seed)
    return generator


def mlp(sizes: list[int], activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """A plain multi-layer perceptron: Linear layers with ``activation`` between them."""
    layers: list[nn.Module] = []
    for k in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[k], sizes[k + 1]))
        if k < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def to_tensor(array: np.ndarray, device: torch.device, dtype: torch.dtype = torch.float32):
    return torch.as_tensor(np.asarray(array), dtype=dtype, device=device)
