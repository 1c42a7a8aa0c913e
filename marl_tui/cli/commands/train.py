"""`marl-tui train`: train learning agents on a game or environment, headless.

Prints a progress bar on stderr, then a summary table (or, with ``--json``, exactly one JSON
object on stdout). Bad input exits with code 2 and one line on stderr; a run stopped by a
diverging loss prints the reason and exits with code 1 after the summary of the restored agents.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from agents.base import jsonable

#: Exit code of a run stopped because a loss diverged (bad input is 2, see marl_tui.cli).
EXIT_DIVERGED = 1
#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--game", required=True, metavar="GAME_OR_FILE_OR_ENV",
                        help="a catalogue game, a game file, or an environment "
                        "(two-step, levers:m=5,pool=50)")
    parser.add_argument("--algo", required=True, help="learning algorithm (a registry agent name)")
    parser.add_argument("--vs", default=None,
                        help="agent for the other player(s); --algo then plays player 1 only")
    parser.add_argument("--episodes", type=int, default=1000, help="episodes to train (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--rounds", type=int, default=10,
                        help="rounds per episode of a repeated game (default 10)")
    parser.add_argument("--history", type=int, default=1,
                        help="past rounds each player observes in a repeated game (default 1)")
    parser.add_argument("--hp", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                        help="hyper-parameters of --algo, e.g. --hp lr=0.05 epsilon=0.2")
    parser.add_argument("--csv", type=Path, default=None, help="write the per-episode log here")
    parser.add_argument("--save", type=Path, default=None, help="save the trained agents here")
    parser.add_argument("--json", action="store_true", help="print one JSON object, no progress bar")
    parser.add_argument("--torch-threads", type=int, default=1, metavar="N",
                        help="torch threads for deep agents (default 1: their small networks "
                        "run fastest on one, and more thrash a loaded machine)")


def parse_hyperparameters(items: list[str]) -> dict[str, Any]:
    """``["lr=0.1", "strategy=0.2,0.8"]`` -> ``{"lr": 0.1, "strategy": "0.2,0.8"}`` (JSON values)."""
    from marl_tui.cli import CommandError

    result: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise CommandError(f"--hp expects KEY=VALUE, got {item!r}")
        try:
            result[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            result[key.strip()] = value.strip()
    return result


def run(args: argparse.Namespace) -> int:
    """Train, summarise, save; Ctrl-C outside the training loop (or twice) exits cleanly too."""
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("marl-tui train: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    from marl_tui.cli import CommandError

    if args.episodes < 0:
        raise CommandError(f"--episodes must be >= 0, got {args.episodes}")
    if args.rounds < 1:
        raise CommandError(f"--rounds must be >= 1, got {args.rounds}")
    if args.history < 0:
        raise CommandError(f"--history must be >= 0, got {args.history}")
    if args.seed < 0:
        raise CommandError(f"--seed must be >= 0, got {args.seed}")
    if args.torch_threads < 1:
        raise CommandError(f"--torch-threads must be >= 1, got {args.torch_threads}")
    hp = parse_hyperparameters(args.hp)
    from agents.envs import make_env
    from agents.registry import limit_torch_threads
    from agents.runner import Runner, make_agents

    if "human" in (args.algo, args.vs):
        raise CommandError("the human agent plays in the app, not in headless training")
    # before the agents are built, so that an agent's own cpu_threads hyper-parameter wins
    limit_torch_threads([args.algo, args.vs], args.torch_threads)
    try:
        env = make_env(args.game, history=args.history, rounds=args.rounds)
        agents = make_agents(env.spec, args.algo, vs=args.vs, seed=args.seed, hp=hp)
        runner = Runner(env, agents, seed=args.seed)
    except ValueError as error:  # GameError is a ValueError
        raise CommandError(str(error)) from None
    _prepare_outputs(args)  # before training: a bad path must not cost the run
    last_rewards, interrupted = _train(runner, args)
    summary = build_summary(runner, args, last_rewards)
    summary["interrupted"] = interrupted
    if args.save is not None:
        try:
            for i, agent in enumerate(runner.agents):
                agent.save(args.save / f"agent_{i}")
        except OSError as error:
            raise CommandError(f"--save {args.save}: {_os_reason(error)}") from None
    if args.json:
        print(json.dumps(finite_or_null(summary), default=jsonable, allow_nan=False))
    else:
        from marl_tui.plain import plain_console

        plain_console().print(summary_table(runner, summary))
    if interrupted:
        print(f"marl-tui train: interrupted after {runner.episode} of {args.episodes} episodes",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    if runner.stopped:
        print(f"marl-tui train: {runner.stopped}", file=sys.stderr)
        return EXIT_DIVERGED
    return 0


def _prepare_outputs(args: argparse.Namespace) -> None:
    """Create the --csv file and the --save folder (and their parents) up front, or refuse."""
    from marl_tui.cli import CommandError

    for option, path, is_dir in (("--csv", args.csv, False), ("--save", args.save, True)):
        if path is None:
            continue
        try:
            if is_dir:
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("")  # the header comes with the first rows
        except OSError as error:
            raise CommandError(f"{option} {path}: {_os_reason(error)}") from None


def _os_reason(error: OSError) -> str:
    """``[Errno 13] Permission denied: 'x'`` -> ``permission denied``."""
    reason = error.strerror or str(error)
    return reason[:1].lower() + reason[1:]


def _train(runner, args: argparse.Namespace) -> tuple[list[float], bool]:
    """Run all episodes in chunks (progress, CSV streaming).

    Returns the mean rewards over the last 10% of the episodes and whether Ctrl-C stopped the
    run. The first Ctrl-C asks the runner to stop between two rounds, so the agents are whole
    and the summary, CSV and --save describe the episodes played; a second one aborts at once.
    """
    import signal

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    n = runner.spec.n_players
    last_start = args.episodes - max(args.episodes // 10, 1)
    totals, count = np.zeros(n), 0
    chunk = max(1, min(args.episodes // 100, 1000))
    progress = Progress("{task.description}", BarColumn(), MofNCompleteColumn(),
                        TimeRemainingColumn(), console=Console(stderr=True),
                        disable=args.json, transient=False)
    interrupted = False

    def on_interrupt(signum, frame) -> None:
        nonlocal interrupted
        interrupted = True
        runner.interrupt()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C aborts

    previous = signal.signal(signal.SIGINT, on_interrupt)
    csv = CsvLog(args.csv) if args.csv is not None else None
    try:
        with progress:
            task = progress.add_task(f"training {args.algo}", total=args.episodes)
            done = 0
            while done < args.episodes and not runner.stopped and not interrupted:
                rows = runner.run(min(chunk, args.episodes - done))
                done += len(rows)
                if rows.empty:
                    break
                if csv is not None:
                    csv.append(rows)
                tail = rows[rows["episode"] >= last_start]
                totals += tail[[f"reward_{p}" for p in range(n)]].sum().to_numpy()
                count += len(tail)
                progress.update(task, completed=done)
    finally:
        signal.signal(signal.SIGINT, previous)
    return ((totals / count).tolist() if count else [None] * n), interrupted


class CsvLog:
    """The per-episode log streamed to a CSV file, chunk by chunk, under one header.

    A loss column can first appear in a later chunk (QMIX logs ``loss`` only once its replay
    buffer has filled), so when a chunk brings new columns the file written so far is rewritten
    with the widened header (earlier rows get empty cells); that happens a few times per run.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.columns: list[str] | None = None

    def append(self, rows) -> None:
        if self.columns is None:
            self.columns = list(rows.columns)
            rows.to_csv(self.path, index=False)
            return
        new = [column for column in rows.columns if column not in self.columns]
        if new:
            import pandas as pd

            self.columns += new
            written = pd.read_csv(self.path)
            written.reindex(columns=self.columns).to_csv(self.path, index=False)
        rows.reindex(columns=self.columns).to_csv(self.path, mode="a", header=False, index=False)


def build_summary(runner, args: argparse.Namespace, last_rewards: list[float]) -> dict[str, Any]:
    """The facts of the train summary (also the --json object)."""
    metrics = runner.metrics()
    spec = runner.spec
    greedy = [int(np.argmax(p)) for p in metrics.policies] if metrics.policies else []
    summary: dict[str, Any] = {}
    for agent in runner.agents:
        _merge(summary, agent.summary())
    game = spec.game
    core: dict[str, Any] = {
        "algo": args.algo,
        "vs": args.vs,
        "game": game.name if game is not None else spec.name,
        "env": args.game,
        "episodes": runner.episode,
        "rounds_per_episode": spec.episode_length,
        "seed": args.seed,
        "agents": [runner.agent_of(p).name for p in range(spec.n_players)],
        "final_policies": [p.round(6).tolist() for p in metrics.policies],
        "average_policies": [p.round(6).tolist() for p in metrics.average_policies],
        "mean_rewards_last_10pct": last_rewards,
        "greedy_joint_action": greedy,
        "exploitability": metrics.exploitability,
        "current_exploitability": metrics.current_exploitability,
        "distance_to_nash": metrics.distance_to_nash,
        "nearest_equilibrium": None if metrics.nearest_equilibrium is None
        else [e.round(6).tolist() for e in metrics.nearest_equilibrium],
        "stopped": runner.stopped,
    }
    if game is not None:
        core["greedy_joint_labels"] = [game.actions[p][a] for p, a in enumerate(greedy)]
        core["greedy_is_nash"] = _is_pure_nash(game, greedy)
    summary.update(core)
    return summary


def _is_pure_nash(game, joint: list[int]) -> bool:
    from games.equilibria import deviation_gains

    profile = [np.eye(k)[a] for k, a in zip(game.num_actions, joint, strict=True)]
    return bool(max(deviation_gains(game, profile)) <= 1e-9)


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    """Agents' summaries: nested dicts merge (per-player entries), other clashes become lists."""
    for key, value in extra.items():
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            into[key] = {**into[key], **value}
        else:
            into[key] = [*(into[key] if isinstance(into[key], list) else [into[key]]), value]


def summary_table(runner, summary: dict[str, Any]):
    """A rich renderable: one row per player, then the outcome against the equilibria."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    spec = runner.spec
    game = spec.game
    table = Table(title=f"{summary['algo']} on {summary['game']} — {summary['episodes']} episodes "
                  f"(seed {summary['seed']})")
    for column in ("player", "agent", "final policy", "average policy", "reward (last 10%)"):
        table.add_column(column, justify="right" if column.startswith("reward") else "left")
    for p in range(spec.n_players):
        labels = game.actions[p] if game is not None else [str(a) for a in range(spec.n_actions[p])]
        name = game.players[p] if game is not None else f"player {p + 1}"
        table.add_row(
            name,
            summary["agents"][p],
            _policy_text(labels, summary["final_policies"][p], "\n"),
            _policy_text(labels, summary["average_policies"][p], "\n"),
            _number(summary["mean_rewards_last_10pct"][p], 3),
        )
    lines = []
    if game is not None:
        outcome = ", ".join(summary["greedy_joint_labels"])
        verdict = "a pure Nash equilibrium" if summary["greedy_is_nash"] else "not an equilibrium"
        lines.append(f"greedy outcome: ({outcome}) — {verdict}")
        lines.append(f"exploitability (NashConv of the average policies): "
                     f"{_number(summary['exploitability'], 4)}")
        if summary["distance_to_nash"] is not None:
            nearest = " | ".join(
                _policy_text(game.actions[p], s) for p, s in enumerate(summary["nearest_equilibrium"])
            )
            lines.append(f"distance to the nearest Nash equilibrium: "
                         f"{summary['distance_to_nash']:.4f}  ({nearest})")
    texts = [Text(line) for line in lines]
    if summary["stopped"]:
        texts.append(Text(summary["stopped"], style="bold red"))
    if summary.get("interrupted"):
        texts.append(Text(f"interrupted (Ctrl-C) after {summary['episodes']} episodes",
                          style="bold yellow"))
    return Group(table, *texts)


def _number(value: float | None, digits: int) -> str:
    """A summary number, or "n/a" where there is none (no episodes, no stage game)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}"


def _policy_text(labels, probs, separator: str = "  ") -> str:
    """``Rock 0.20  Paper 0.50 ...``; in table cells one action per line, so that a narrow
    terminal never wraps a label away from its probability."""
    return separator.join(f"{label} {p:.2f}" for label, p in zip(labels, probs, strict=True))


def finite_or_null(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by ``None`` (JSON has no NaN)."""
    if isinstance(value, dict):
        return {key: finite_or_null(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(item) for item in value]
    if isinstance(value, np.ndarray):
        return finite_or_null(value.tolist())
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value

