"""The outbox relay: from an event store's notification log to a Kafka topic.

The notification log is the transactional outbox: an event is in it if and only if its command
committed. The relay reads a batch after its stored position, publishes every event with an
idempotent producer, waits until the broker acknowledged all of them, and only then stores the
new position. A crash anywhere in between re-publishes the batch on restart: duplicates are
possible (same `event_id`, consumers de-duplicate), losses are not.

One event never stops the relay for everyone. Commands check that their events publish before
they commit (`RelaisApplication._record`), but an event that still cannot be published (stored
by an older version, refused by the broker) is set aside: a dead letter naming the stored event
goes to `<topic>.dlq` (`relais dlq` lists it; the event itself stays in the store), and the
relay goes on. Failures of the broker or the database are retried with a growing delay; after
`recreate_after` failures in a row the relay returns so that its caller makes a new producer.
Its `health` is what `/readyz` reports.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import orjson
from aiokafka.errors import CorruptRecordException, KafkaError, MessageSizeTooLargeError, RecordTooLargeError
from anyio import to_thread
from eventsourcing.application import Application
from eventsourcing.persistence import Notification, Tracking, TrackingRecorder
from relais_contracts import dlq_topic

from relais_runtime import metrics
from relais_runtime.kernel.events import UnpublishableEvent, publishable

log = logging.getLogger(__name__)


class Producer(Protocol):
    async def send(self, topic: str, value: bytes, key: bytes, headers: list) -> asyncio.Future: ...


@dataclass
class RelayHealth:
    """What an operator needs to know of a relay: is it moving, and if not, why."""

    consecutive_failures: int = 0
    last_error: str | None = None
    leader: bool = False  # this replica holds the store's leader lock and relays (leader.py)
    last_progress: float = 0.0  # monotonic time of the last cycle that worked
    lag: int = 0

    def problem(self, *, failing_after: int = 3, stuck_after: float = 60.0) -> str | None:
        """None when healthy, else a one-line reason (French, for /readyz)."""
        if self.consecutive_failures >= failing_after:
            return f"relais en échec ({self.consecutive_failures} essais) : {self.last_error}"
        if self.lag > 0 and self.last_progress and time.monotonic() - self.last_progress > stuck_after:
            return f"relais bloqué : {self.lag} événements en attente depuis plus de {stuck_after:.0f} s"
        return None


# Refusals of one message (as opposed to an outage, which retrying the batch gets past).
MESSAGE_FAULTS = (MessageSizeTooLargeError, RecordTooLargeError, CorruptRecordException)


def _is_message_fault(exc: BaseException) -> bool:
    return isinstance(exc, MESSAGE_FAULTS)


class OutboxRelay:
    def __init__(
        self,
        app: Application,
        producer: Producer | None,
        topic: str,
        *,
        batch_size: int = 500,
        idle_seconds: float = 0.2,
        recreate_after: int = 5,
        translate: Callable[[object], tuple[object, bytes] | None] = publishable,
    ):
        self.app = app
        self.producer = producer
        self.topic = topic
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.recreate_after = recreate_after
        self.translate = translate
        self.health = RelayHealth(last_progress=time.monotonic())
        # The relay's position lives in the service's own database, beside its events.
        self.tracking: TrackingRecorder = app.factory.tracking_recorder()
        self.tracking_name = f"relay:{topic}"
        # Test hook: called after the broker acknowledged a batch, before the position is stored.
        self.after_publish: Callable[[int], None] | None = None
        # Whether this replica still leads (`leader.py`); checked before each cycle.
        self.still_leader: Callable[[], bool] = lambda: True
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
        self._observe_lag(head - position)
        if not batch:
            return 0
        deliveries: list[tuple[Notification, object, bytes, asyncio.Future]] = []
        for notification in batch:
            try:
                translated = self.translate(self.app.mapper.to_domain_event(notification))
            except (UnpublishableEvent, ValueError, TypeError) as exc:
                await self._set_aside(notification, f"not publishable: {exc}")
                continue
            if translated is None:
                continue
            envelope, value = translated
            try:
                deliveries.append((notification, envelope, value, await self._send(envelope, value)))
            except KafkaError as exc:
                if not _is_message_fault(exc):
                    raise
                await self._set_aside(notification, f"refused by the producer: {exc!r}")
        # Every message of the batch is acknowledged (acks=all) before the position moves.
        results = await asyncio.gather(*(d[3] for d in deliveries), return_exceptions=True)
        for (notification, envelope, value, _), result in zip(deliveries, results, strict=True):
            if isinstance(result, BaseException):
                if not _is_message_fault(result):
                    raise result
                # The broker refuses a whole record batch for one message too many: each is
                # tried again alone, and only the one refused alone is set aside.
                try:
                    await (await self._send(envelope, value))
                except KafkaError as exc:
                    if not _is_message_fault(exc):
                        raise
                    await self._set_aside(notification, f"refused by the broker: {exc!r}")
        last = batch[-1].id
        if self.after_publish is not None:
            self.after_publish(last)
        await to_thread.run_sync(self.tracking.insert_tracking, Tracking(self.tracking_name, last))
        metrics.EVENTS_PUBLISHED.labels(self.topic).inc(len(deliveries))  # set-aside ones included: rare
        metrics.RELAY_POSITION.labels(self.topic).set(last)
        self._observe_lag(max(0, head - last))
        return len(batch)

    async def _send(self, envelope: object, value: bytes) -> asyncio.Future:
        assert self.producer is not None, "run_relay gives the relay its producer"
        return await self.producer.send(
            self.topic,
            value=value,
            key=envelope.key,  # type: ignore[attr-defined]
            headers=envelope.headers,
        )  # type: ignore[attr-defined]

    async def _set_aside(self, notification: Notification, reason: str) -> None:
        """A dead letter that names the stored event (not its content: it may be what was wrong),
        acknowledged by the broker before the relay moves past it."""
        letter = {
            "notification_id": notification.id,
            "originator_id": str(notification.originator_id),
            "originator_version": notification.originator_version,
            "topic": notification.topic,
        }
        headers = [
            ("error", reason[:1000].encode()),
            ("original_topic", f"{self.topic} (outbox)".encode()),
            ("original_partition", b"-"),
            ("original_offset", str(notification.id).encode()),
            ("consumer_group", f"relay:{self.topic}".encode()),
        ]
        assert self.producer is not None
        future = await self.producer.send(
            dlq_topic(self.topic),
            value=orjson.dumps(letter),
            key=str(notification.originator_id).encode(),
            headers=headers,
        )
        await future
        metrics.DEAD_LETTERS.labels(f"relay:{self.topic}", self.topic).inc()
        log.error("outbox event %s set aside on %s: %s", notification.id, dlq_topic(self.topic), reason)

    def _observe_lag(self, lag: int) -> None:
        self.health.lag = lag
        metrics.RELAY_LAG.labels(self.topic).set(lag)

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set, or until `recreate_after` cycles failed in a row (the
        caller then makes a new producer). A failed cycle is logged and retried from the stored
        position after a growing delay.

        Between cycles it sleeps until a commit wakes it, `stop` is set, or the idle delay passes
        (commits of other processes on the same store are seen at the next poll).
        """
        self._loop = asyncio.get_running_loop()
        backoff = self.idle_seconds
        failures_here = 0
        while not stop.is_set():
            self._wakeup.clear()
            if not await to_thread.run_sync(self.still_leader):
                return  # another replica may lead now: the caller waits for the lock again
            try:
                published = await self.publish_once()
                backoff = self.idle_seconds
                failures_here = 0
                self.health.consecutive_failures = 0
                self.health.last_progress = time.monotonic()
            except Exception as exc:  # noqa: BLE001 - the relay must survive a broker or database outage
                metrics.RELAY_ERRORS.labels(self.topic).inc()
                log.exception("relay to %s failed; retrying from the stored position", self.topic)
                self.health.consecutive_failures += 1
                self.health.last_error = f"{type(exc).__name__}: {exc}"[:300]
                failures_here += 1
                if failures_here >= self.recreate_after:
                    log.warning("relay to %s: %d failures in a row, recreating its producer", self.topic, failures_here)
                    return
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
