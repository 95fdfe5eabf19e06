"""Live indicators: Server-Sent Events that push the document again each time it changes.

The projection bumps a version after every commit that changed the read models; each stream
waits for a newer version (or a heartbeat), recomputes its document and sends it only if it
differs from the last one sent. Nothing polls the database while nothing happens.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from anyio import to_thread
from relais_runtime.consumer import GroupPosition


class ReadModelVersion:
    """A counter the projection bumps from its worker thread; streams await it."""

    def __init__(self) -> None:
        self.value = 0
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._changed = asyncio.Event()

    def bump(self) -> None:
        """Thread-safe: called after each commit of the projection."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._advance)

    def _advance(self) -> None:
        self.value += 1
        assert self._changed is not None
        self._changed.set()
        self._changed = asyncio.Event()

    async def watch(self, position: GroupPosition, stop: asyncio.Event, interval: float = 1.0) -> None:
        """Bump also when another replica's projection moved the read models: their position
        lives in the same database (one cheap query a second, whatever the number of streams)."""
        last = None
        while not stop.is_set():
            try:
                current = await to_thread.run_sync(position.watermark)
                if last is not None and current != last:
                    self._advance()
                last = current
            except Exception:  # noqa: BLE001 - the database may be briefly away; try again
                pass
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except TimeoutError:
                pass

    async def wait_newer(self, seen: int, timeout: float) -> None:
        if self.value != seen or self._changed is None:
            return
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            pass


async def indicator_events(
    compute: Callable[[], Any],
    version: ReadModelVersion,
    disconnected: Callable[[], Any],
    heartbeat: float = 15.0,
    min_interval: float = 0.2,
    expires_at: float = float("inf"),
) -> AsyncIterator[str]:
    """The SSE stream: the document now, then again whenever it changes, until the client goes
    or its token expires (then an `expired` event says so and the stream ends: the figures of a
    token that is no longer valid are not pushed any more)."""
    last = None
    seen = -1
    while not await disconnected():
        if time.time() >= expires_at:
            yield "event: expired\ndata: {}\n\n"
            return
        current = version.value
        if current != seen:
            seen = current
            doc = await compute()
            payload = orjson.dumps(doc).decode()  # a network's document is large: orjson, not json
            if payload != last:
                last = payload
                yield f"event: indicators\nid: {current}\ndata: {payload}\n\n"
        else:
            yield ": heartbeat\n\n"
        await asyncio.sleep(min_interval)  # coalesce bursts of commits
        await version.wait_newer(seen, max(0.0, min(heartbeat, expires_at - time.time())))
