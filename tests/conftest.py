"""Suite-wide settings: hypothesis profiles, per-test timeouts, one torch thread per process.

Hypothesis profiles (pick one with ``HYPOTHESIS_PROFILE=NAME``):
- ``ci`` (the default): derandomized, so every run tries the same examples and CI is reproducible;
- ``explore``: fresh random examples on every run, to find what the fixed ones miss. A failure
  prints a ``@reproduce_failure`` blob; turn the example it finds into an ``@example``.
Neither has a per-example deadline (CI machines are slow and shared).

Timeouts (pytest-timeout): ``timeout`` in pyproject.toml bounds every test; tests marked ``slow``
get ``SLOW_TIMEOUT`` unless they carry their own ``@pytest.mark.timeout``.
"""

import os

import pytest
from hypothesis import settings

# One torch thread per test process: with two xdist workers on two cores, more threads only contend
# (measured: TarMAC training 36 s with 2 threads, 4 s with 1). Must be set before torch is imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")

#: Seconds a test marked ``slow`` may take (learning runs, UI fuzz, tmux and SSH end-to-end).
SLOW_TIMEOUT = 1200

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True, database=None)
settings.register_profile("explore", derandomize=False, deadline=None, print_blob=True,
                          database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT))
