"""A class over the web: a browser tab's app reaches the same hub as SSH sessions, by its own
socket pair."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from games.catalogue import get_game
from marl_tui.classroom.hub import Hub, Settings
from marl_tui.classroom.server import ClassServer
from marl_tui.classroom.stage import stage_for
from marl_tui.serving.limits import SessionSlots
from marl_tui.serving.options import Address, ServeOptions
from marl_tui.serving.web import start_web
from tests.serving.processes import eventually


async def screen_until(ws, text: bytes, timeout: float = 30) -> None:
    seen = b""

    async def read() -> None:
        nonlocal seen
        while text not in seen:
            message = await ws.receive()
            if message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
            elif message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"session ended before {text!r}")

    await asyncio.wait_for(read(), timeout)


async def test_a_browser_student_joins_the_class_hub(tmp_path):
    hub = Hub(stage_for(get_game("prisoners-dilemma")), Settings(deadline=30, interval=None))
    classroom = ClassServer(hub)
    await classroom.start()
    options = ServeOptions(web=Address("127.0.0.1", 0), files_root=tmp_path,
                           class_server=classroom, app_module="marl_tui.classroom.student")
    slots = SessionSlots(options.max_sessions)
    server = await start_web(options, slots)
    host = f"127.0.0.1:{server.port}"
    try:
        async with aiohttp.ClientSession() as client:
            ws = await client.ws_connect(f"http://{host}/ws?width=80&height=24",
                                         headers={"Origin": f"http://{host}"})
            await screen_until(ws, b"nickname")
            for key in "Ada\r":
                await ws.send_str(json.dumps(["stdin", key]))
            await eventually(lambda: [s.name for s in hub.students.values()] == ["Ada"],
                             "the browser student in the hub", timeout=20)
            await screen_until(ws, b"Waiting for the teacher")
            await ws.close()
        await eventually(lambda: hub.students["s01"].status == "dropped", "the drop", timeout=20)
    finally:
        await server.close()
        await classroom.close()
