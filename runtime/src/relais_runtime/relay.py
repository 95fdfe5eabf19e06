"""The outbox relay: from an event store's notification log to a Kafka topic.

The notification log is the transactional outbox: an event is in it if and only if its command
committed. The relay reads a batch after its stored position, publishes every event with an
idempotent producer, waits until the broker acknowledged all of them, and only then stores the
new position. A crash anywhere in between re-publishes the batch on restart: duplicates are
possible (same `event_id`, consumers de-duplicate), losses are not.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from anyio import to_thread
from eventsourcing.application import Application
from eventsourcing.persistence import Notification, Tracking, TrackingRecorder

from relais_contracts import Envelope, encode
from relais_runtime import metrics
from relais_runtime.published import to_envelope

log = logging.getLogger(__name__)


class Producer(Protocol):
    async def send(self, topic: str, value: bytes, key: bytes, headers: list) -> asyncio.Future: ...


class OutboxRelay:
    def __init__(
        self,
        app: Application,
        producer: Producer,
        topic: str,
        *,
        batch_size: int = 500,
        idle_seconds: float = 0.2,
        translate: Callable[[object], Envelope | None] = to_envelope,
    ):
        self.app = app
        self.producer = producer
        self.topic = topic
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.translate = translate
        # The relay's position lives in the service's own database, beside its events.
        self.tracking: TrackingRecorder = app.factory.tracking_recorder()
        self.tracking_name = f"relay:{topic}"
        # Test hook: called after the broker acknowledged a batch, before the position is stored.
        self.after_publish: Callable[[int], None] | None = None
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Publish now rather than at the next poll; safe to call from any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wakeup.set)

    def position(self) -> int:
        return self.tracking.max_tracking_id(self.tracking_name) or 0

    def _read_batch(self) -> tuple[int, Sequence[Notification], int]:
        position = self.position()
        batch = self.app.recorder.select_notifications(start=position + 1, limit=self.batch_size)
        head = self.app.recorder.max_notification_id() or 0
        return position, batch, head

    async def publish_once(self) -> int:
        """Publish the next batch; the number of notifications it covered (0: nothing new)."""
        position, batch, head = await to_thread.run_sync(self._read_batch)
        metrics.RELAY_LAG.labels(self.topic).set(head - position)
        if not batch:
            return 0
        deliveries = []
        for notification in batch:
            envelope = self.translate(self.app.mapper.to_domain_event(notification))
            if envelope is None:
                continue
            deliveries.append(
                await self.producer.send(
                    self.topic, value=encode(envelope), key=envelope.key, headers=envelope.headers
                )
            )
        # Every message of the batch is acknowledged (acks=all) before the position moves.
        await asyncio.gather(*deliveries)
        last = batch[-1].id
        if self.after_publish is not None:
            self.after_publish(last)
        await to_thread.run_sync(self.tracking.insert_tracking, Tracking(self.tracking_name, last))
        metrics.EVENTS_PUBLISHED.labels(self.topic).inc(len(deliveries))
        metrics.RELAY_POSITION.labels(self.topic).set(last)
        metrics.RELAY_LAG.labels(self.topic).set(max(0, head - last))
        return len(batch)

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set; a failed cycle is logged and retried from the position.

        Between cycles it sleeps until a commit wakes it, `stop` is set, or the idle delay passes
        (commits of other processes on the same store are seen at the next poll).
        """
        self._loop = asyncio.get_running_loop()
        backoff = self.idle_seconds
        while not stop.is_set():
            self._wakeup.clear()
            try:
                published = await self.publish_once()
                backoff = self.idle_seconds
            except Exception:  # noqa: BLE001 - the relay must survive a broker or database outage
                metrics.RELAY_ERRORS.labels(self.topic).inc()
                log.exception("relay to %s failed; retrying from the stored position", self.topic)
                published = 0
                backoff = min(backoff * 2, 5.0)
            if published < self.batch_size:
                await _first_of(stop, self._wakeup, timeout=backoff)


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
