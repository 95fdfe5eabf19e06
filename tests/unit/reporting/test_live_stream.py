"""The SSE stream sends the document at once, again when the read models change, never twice
the same, and stops when the client goes away."""

import asyncio
import json
import time

from relais_reporting.live import ReadModelVersion, indicator_events


async def test_the_stream_pushes_each_new_document_once():
    version = ReadModelVersion()
    version.bind(asyncio.get_running_loop())
    figures = {"first_welcomes": 1}
    gone = asyncio.Event()

    async def compute():
        return {"indicators": dict(figures)}

    async def disconnected():
        return gone.is_set()

    stream = indicator_events(compute, version, disconnected, heartbeat=0.3, min_interval=0.01)
    first = await asyncio.wait_for(anext(stream), 2)
    assert json.loads(first.split("data: ")[1]) == {"indicators": {"first_welcomes": 1}}

    version.bump()  # a commit that changed nothing the query sees: no new document
    assert await asyncio.wait_for(anext(stream), 2) == ": heartbeat\n\n"

    figures["first_welcomes"] = 2
    version.bump()
    pushed = await asyncio.wait_for(anext(stream), 2)
    while pushed.startswith(":"):
        pushed = await asyncio.wait_for(anext(stream), 2)
    assert json.loads(pushed.split("data: ")[1])["indicators"]["first_welcomes"] == 2

    gone.set()
    rest = [chunk async for chunk in stream]
    assert all(chunk.startswith(":") for chunk in rest)


async def test_the_stream_ends_when_its_token_expires():
    """A stolen or forgotten dashboard stops receiving figures when its token runs out."""
    version = ReadModelVersion()
    version.bind(asyncio.get_running_loop())

    async def compute():
        return {"indicators": {"first_welcomes": 1}}

    async def disconnected():
        return False

    stream = indicator_events(
        compute, version, disconnected, heartbeat=30, min_interval=0.01, expires_at=time.time() + 0.3
    )
    chunks = await asyncio.wait_for(_all(stream), 5)  # ends by itself, well before the heartbeat
    assert chunks[0].startswith("event: indicators")
    assert chunks[-1] == "event: expired\ndata: {}\n\n"


async def _all(stream):
    return [chunk async for chunk in stream]
