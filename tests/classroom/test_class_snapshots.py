"""SVG snapshots of the student's screen and the teacher's dashboard after two rounds.

Both apps are fed the hub's own messages for a class played on a virtual clock, so the pictures
are the real views of a real class. Regenerate with ``--snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

import asyncio

from games.catalogue import get_class_game, get_game
from marl_tui.classroom.client import ClassClient
from marl_tui.classroom.hub import Hub, Settings
from marl_tui.classroom.protocol import encode
from marl_tui.classroom.stage import stage_for
from marl_tui.classroom.state_messages import dashboard_view, game_view, student_view
from marl_tui.classroom.student_app import StudentApp
from marl_tui.classroom.teacher import TeacherApp


class _Nowhere:
    """A writer that drops what the app sends (these pictures need no answers)."""

    def write(self, data: bytes) -> None:
        pass

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        pass

    async def wait_closed(self) -> None:
        pass


def canned(messages: list[dict]):
    async def connect() -> ClassClient:
        reader = asyncio.StreamReader(limit=1 << 22)
        for message in messages:
            reader.feed_data(encode(message))
        return ClassClient(reader, _Nowhere())
    return connect


def played(stage, choices: list[list[int]]) -> Hub:
    hub = Hub(stage, Settings(deadline=30, interval=None, agent="always-cooperate"), session="s")
    for name in ("Ada", "Bob", "[b]Cy[/b]"):
        hub.join(name, 0.0)
    now = 0.0
    for picks in choices:
        hub.next(now) if hub.phase != "lobby" else hub.start(now)
        for sid, action in zip(sorted(hub.present()), picks, strict=True):
            if action is not None:
                hub.submit(sid, action, now + 3)
        if hub.phase == "round":
            hub.next(now + 30)
        now += 40
    return hub


async def settle(pilot) -> None:
    await pilot.pause(0.3)


def test_student_after_two_rounds(snap_compare):
    hub = played(stage_for(get_game("prisoners-dilemma")), [[1, 0, 0], [1, 1, None]])
    sid = "s01"
    messages = [{"type": "welcome", "player": sid, "name": "Ada", "game": game_view(hub.stage)},
                student_view(hub, sid, 100.0)]
    assert snap_compare(StudentApp(connect=canned(messages)), terminal_size=(80, 24),
                        run_before=settle)


def test_dashboard_after_two_rounds(snap_compare):
    hub = played(stage_for(get_game("prisoners-dilemma")), [[1, 0, 0], [1, 1, None]])
    app = TeacherApp(canned([dashboard_view(hub, 100.0)]))
    assert snap_compare(app, terminal_size=(100, 24), run_before=settle)


def test_dashboard_guess_average(snap_compare):
    hub = played(stage_for(get_class_game("guess-average"), class_size=4), [[50, 30, 22]])
    app = TeacherApp(canned([dashboard_view(hub, 100.0)]))
    assert snap_compare(app, terminal_size=(100, 24), run_before=settle)
