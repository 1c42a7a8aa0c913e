"""Check that every deep agent trains on CUDA: parameters live on the GPU and learning still works.

Run on a machine with a GPU: ``python scripts/cuda_check.py [AGENT ...]``. Prints one row per agent with the device its
parameters are on, episodes per second on CUDA and on CPU, and what it learned. Exits non-zero on failure.
"""

from __future__ import annotations

import sys
import time

import torch

from agents.envs import make_env
from agents.runner import Runner, make_agents

CHECKS = [  # (agent, environment, episodes, what learning looks like)
    ("qmix", "two-step", 600, {"epsilon_start": 1.0, "epsilon_end": 1.0}),
    ("vdn", "two-step", 600, {"epsilon_start": 1.0, "epsilon_end": 1.0}),
    ("maddpg", "coordination", 1500, {}),
    ("commnet", "levers:m=5,pool=10", 1500, {}),
    ("tarmac", "levers:m=5,pool=10", 1500, {}),
    ("self-play", "rock-paper-scissors", 1500, {}),
]


def modules_of(agent) -> list[torch.nn.Module]:
    return [v for v in vars(agent).values() if isinstance(v, torch.nn.Module)]


def train(name: str, env_spec: str, episodes: int, hp: dict, device: str):
    env = make_env(env_spec, **({"rounds": 1, "history": 0} if ":" not in env_spec
                                and env_spec not in {"two-step"} else {}))
    agents = make_agents(env.spec, name, seed=0, hp={**hp, "device": device})
    runner = Runner(env, agents, seed=0)
    start = time.perf_counter()
    runner.run(episodes)
    elapsed = time.perf_counter() - start
    devices = {p.device.type for a in agents for m in modules_of(a) for p in m.parameters()}
    return runner, agents, devices, episodes / elapsed


def main(names: list[str]) -> int:
    print(f"torch {torch.__version__}, CUDA available: {torch.cuda.is_available()}",
          torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
    failures = 0
    for name, env_spec, episodes, hp in CHECKS:
        if names and name not in names:
            continue
        try:
            runner, agents, devices, cuda_rate = train(name, env_spec, episodes, hp, "cuda")
            _, _, _, cpu_rate = train(name, env_spec, episodes, hp, "cpu")
            metrics = runner.metrics()
            rewards = [round(float(r), 3) for r in metrics.mean_rewards]
            policies = [[round(float(x), 2) for x in p] for p in metrics.policies][:2]
            extra = agents[0].summary()
            q = extra.get("q_tot_first_step")
            ok = devices == {"cuda"} and runner.stopped is None
            failures += not ok
            print(f"{'OK ' if ok else 'BAD'} {name:10s} {env_spec:22s} devices={sorted(devices)} "
                  f"cuda {cuda_rate:7.1f} ep/s  cpu {cpu_rate:7.1f} ep/s  mean reward {rewards} "
                  f"policies {policies}" + (f" q_tot_first_step {q}" if q is not None else ""))
        except Exception as error:  # report every agent, then fail
            failures += 1
            print(f"BAD {name:10s} {env_spec}: {type(error).__name__}: {error}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
