"""A class with a student in a real browser beside a student on real OpenSSH: one `marl-tui serve
--ssh --web --class` process, the teacher's dashboard in tmux, and one round of the Prisoner's
Dilemma played by both; the CSV holds exactly their two decisions."""

from __future__ import annotations

import csv
import sys

import pytest
from selenium.webdriver.common.keys import Keys

from tests.serving.server_process import ServerProcess
from tests.serving.test_browser import WAIT, browser  # noqa: F401 - the fixture
from tests.serving.test_class_openssh import join
from tests.tmux import Tmux

pytestmark = pytest.mark.slow

TOKEN = "class-browser-token"


def test_a_browser_student_plays_a_round_beside_an_ssh_student(tmp_path, browser):  # noqa: F811
    home = tmp_path / "home"
    home.mkdir()
    data = tmp_path / "class.csv"
    sock = tmp_path / "run" / "class.sock"
    server = ServerProcess(home, "--ssh", "127.0.0.1:0", "--web", "127.0.0.1:0", "--open",
                           "--token", TOKEN, "--rate", "1000", "--class", "prisoners-dilemma",
                           "--deadline", "60", "--csv", str(data), "--teacher-socket", str(sock),
                           timeout=WAIT)
    screens: list[Tmux] = []
    try:
        ssh_port = int(server.wait_for(r"ssh listening on .*:(\d+)$", WAIT).group(1))
        web_port = int(server.wait_for(r"web listening on .*:(\d+)$", WAIT).group(1))
        teacher = Tmux([sys.executable, "-m", "marl_tui", "class", "--socket", str(sock)],
                       width=110, height=30)
        screens.append(teacher)
        teacher.wait_for("0 online")

        browser.open(f"http://127.0.0.1:{web_port}/?token={TOKEN}")
        form = browser.wait_for_text("your nickname")
        field = next(y for y, line in enumerate(form["lines"]) if "your nickname" in line)
        browser.click_cell(5, field)  # the page's terminal takes the keys once clicked
        browser.type("web")
        browser.type(Keys.ENTER)
        browser.wait_for_text("   web   total")
        ann = join(home, ssh_port, "ann")
        screens.append(ann)
        teacher.wait_for("2 online, 0 idle, 0 dropped")

        teacher.keys("s")
        ann.wait_for("Round 1: make your choice")
        browser.wait_for_text("Round 1: make your choice")
        browser.type("2")  # Defect, from the browser
        ann.keys("1")  # Cooperate, over SSH
        teacher.wait_for("round 1 closed")
        browser.wait_for_text("Round 1: you chose Defect")
        ann.wait_for("Round 1: you chose Cooperate")
        teacher.keys("e")
        teacher.wait_for("ended")
    finally:
        for screen in screens:
            screen.close()
        server.stop()

    with data.open() as f:
        rows = list(csv.DictReader(f))
    assert sorted((r["round"], r["action"], r["agent"], r["timed_out"], float(r["payoff"]))
                  for r in rows) == [("1", "Cooperate", "false", "false", 0.0),
                                     ("1", "Defect", "false", "false", 5.0)]
    assert len({r["player"] for r in rows}) == 2
