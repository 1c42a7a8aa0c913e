"""A class over real OpenSSH clients in tmux: the teacher's dashboard and three students play three
rounds of the Prisoner's Dilemma; one student times out, one drops and comes back. The CSV holds
exactly the decisions made."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving.server_process import ServerProcess
from tests.tmux import Tmux

pytestmark = pytest.mark.slow  # needs tmux and the OpenSSH client: `make test` installs both


def ssh(port: int) -> list[str]:
    """A plain OpenSSH client (the server runs with --open: no key, no password)."""
    return ["ssh", "-t", "-F", "/dev/null", "-p", str(port), "-o", "UserKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=no", "-o", "LogLevel=ERROR", "-o", "IdentityAgent=none",
            "-o", "PubkeyAuthentication=no", "-o", "BatchMode=yes", "student@127.0.0.1"]


def join(home: Path, port: int, nickname: str) -> Tmux:
    student = Tmux(ssh(port), width=90, height=26)
    student.wait_for("your nickname")
    student.keys(*nickname, "Enter")
    student.wait_for(f"   {nickname}   total")
    return student


def test_three_students_three_rounds_timeout_and_reconnect(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    data = tmp_path / "class.csv"
    sock = tmp_path / "run" / "class.sock"
    server = ServerProcess(home, "--ssh", "127.0.0.1:0", "--open", "--rate", "1000",
                           "--class", "prisoners-dilemma", "--deadline", "12", "--agent",
                           "always-cooperate", "--csv", str(data), "--teacher-socket", str(sock))
    screens: list[Tmux] = []
    try:
        teacher = Tmux([sys.executable, "-m", "marl_tui", "class", "--socket", str(sock)],
                       width=110, height=30)
        screens.append(teacher)
        teacher.wait_for("0 online")
        ann = join(home, server.port, "ann")
        bob = join(home, server.port, "bob")
        cy = join(home, server.port, "cy")
        screens += [ann, bob, cy]
        teacher.wait_for("3 online, 0 idle, 0 dropped")
        cy.wait_for("3 in the class")

        # round 1: ann cooperates, bob defects, cy lets the deadline pass
        teacher.keys("s")
        for s in (ann, bob, cy):
            s.wait_for("Round 1: make your choice")
        ann.keys("1")
        bob.keys("2")
        ann.wait_for("you chose Cooperate; waiting")
        teacher.wait_for("1 still to choose: cy")
        cy.wait_for("Round 1: you chose", timeout=30)  # the deadline's default
        cy.wait_for("(time ran out: chosen for you)")
        teacher.wait_for("round 1 closed")
        teacher.wait_for("1 idle")

        # round 2: ann drops before choosing; an agent takes her seat; she comes back
        teacher.keys("n")
        for s in (ann, bob, cy):
            s.wait_for("Round 2: make your choice")
        ann.close()
        screens.remove(ann)
        teacher.wait_for("1 dropped")
        bob.keys("2")
        cy.keys("2")
        teacher.wait_for("round 2 closed")
        ann = join(home, server.port, "ann")
        screens.append(ann)
        teacher.wait_for("3 online, 0 idle, 0 dropped")

        # round 3: everyone chooses
        teacher.keys("n")
        for s in (ann, bob, cy):
            s.wait_for("Round 3: make your choice")
        ann.keys("2")
        bob.keys("1")
        cy.keys("1")
        teacher.wait_for("round 3 closed")
        ann.wait_for("Round 3: you chose Defect")
        teacher.keys("e")
        teacher.wait_for("ended")
    finally:
        for s in screens:
            s.close()
        server.stop()

    with data.open() as f:
        rows = list(csv.DictReader(f))
    ids = {"ann": "s01", "bob": "s02", "cy": "s03"}
    students = [(r["round"], r["player"], r["action"], r["timed_out"]) for r in rows
                if r["agent"] == "false"]
    assert sorted(students) == sorted([
        ("1", ids["ann"], "Cooperate", "false"), ("1", ids["bob"], "Defect", "false"),
        ("1", ids["cy"], rows_action(rows, "1", ids["cy"]), "true"),
        ("2", ids["bob"], "Defect", "false"), ("2", ids["cy"], "Defect", "false"),
        ("3", ids["ann"], "Defect", "false"), ("3", ids["bob"], "Cooperate", "false"),
        ("3", ids["cy"], "Cooperate", "false"),
    ])
    agents = [r for r in rows if r["agent"] == "true"]
    # one agent for the odd student each round, and one more in ann's seat in round 2
    assert [r["round"] for r in agents].count("1") == 1
    assert [r["round"] for r in agents].count("2") == 2
    assert [r["round"] for r in agents].count("3") == 1
    assert all(r["action"] == "Cooperate" for r in agents)
    for r in rows:  # payoffs are the game's
        partner = next(p for p in rows if p["round"] == r["round"] and p["group"] == r["group"]
                       and p["player"] != r["player"])
        table = {("Cooperate", "Cooperate"): 3, ("Cooperate", "Defect"): 0,
                 ("Defect", "Cooperate"): 5, ("Defect", "Defect"): 1}
        assert float(r["payoff"]) == table[(r["action"], partner["action"])]
    summary = data.with_suffix(".summary.json")
    assert summary.exists()


def rows_action(rows, round_number: str, player: str) -> str:
    return next(r["action"] for r in rows if r["round"] == round_number and r["player"] == player)


def test_serve_class_refuses_a_bad_game_or_agent_in_one_line(tmp_path):
    for extra, message in ((["--class", "no-such-game"], "--class: 'no-such-game' is neither"),
                           (["--class", "guess-average", "--agent", "fictitious-play"],
                            "cannot play"),
                           (["--class", "prisoners-dilemma", "--deadline", "0"], "deadline")):
        done = subprocess.run(
            [sys.executable, "-m", "marl_tui", "serve", "--ssh", "127.0.0.1:0", "--open",
             "--csv", str(tmp_path / "c.csv"), "--allow-root", *extra],
            capture_output=True, text=True, timeout=60, cwd=tmp_path,
            env={**os.environ, "HOME": str(tmp_path)})
        assert done.returncode == 2, done.stderr
        assert message in done.stderr and done.stderr.count("\n") == 1
