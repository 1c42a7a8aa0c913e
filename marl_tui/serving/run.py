"""Run the classroom server until the teacher stops it, then stop every student's app."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from marl_tui.serving.limits import SessionSlots
from marl_tui.serving.log import log
from marl_tui.serving.options import ServeOptions


async def serve(options: ServeOptions, on_ready: Callable[[dict[str, int]], None] | None = None,
                stop: asyncio.Event | None = None) -> None:
    """Listen on the requested addresses until SIGINT/SIGTERM (or `stop`), then close everything.

    `on_ready` receives the bound port of each listener ("ssh", "web"), which matters when port 0 was asked.
    """
    slots = SessionSlots(options.max_sessions)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    closers = []
    ports: dict[str, int] = {}
    try:
        if options.class_server is not None:
            await options.class_server.start()
            closers.append(options.class_server.close)
        if options.ssh is not None:
            from marl_tui.serving.ssh import start_ssh

            listener = await start_ssh(options, slots)
            closers.append(listener.close)
            ports["ssh"] = listener.port
        if options.web is not None:
            from marl_tui.serving.web import start_web

            site = await start_web(options, slots)
            closers.append(site.close)
            ports["web"] = site.port
        if on_ready is not None:
            on_ready(ports)
        await stop.wait()
        log.info("stopping: %d live session(s)", slots.active)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if options.class_server is not None:
            options.class_server.end_class()  # the summary, while its students are still here
        await slots.stop_all()
        for close in closers:
            await close()
