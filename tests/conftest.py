"""Suite-wide settings: deterministic hypothesis runs, no per-example deadline (CI machines are slow)."""

import os

from hypothesis import settings

# One torch thread per test process: with two xdist workers on two cores, more threads only contend
# (measured: TarMAC training 36 s with 2 threads, 4 s with 1). Must be set before torch is imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")

settings.register_profile("marl-tui", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("marl-tui")
