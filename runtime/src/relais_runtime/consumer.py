"""Consume Relais topics into SQL tables, exactly once in effect.

Kafka delivers at least once; the effect is made exactly once here: each batch's changes and
the next offset of every partition it covers are written in one database transaction, and a
record at or below a stored offset is dropped as a duplicate. The database is where a consumer
starts from: on each partition assignment it seeks to the offset stored there, or to the
beginning of a partition it never folded (a new or restored database catches up on its own).
Kafka's committed offset is moved after that transaction too (FastStream `NACK_ON_ERROR`: a
failed batch is rewound and delivered again), for the operators' lag tools.

An undecodable or invalid message goes to `<topic>.dlq` with its error before the batch
commits (it may land there twice after a crash, never zero times); an event of an unknown type
or of a newer schema version is skipped and counted. Both advance the offset: the fold goes on.

A valid event that the fold itself cannot apply (a value the read model cannot hold) must not
freeze everyone's figures: when a batch fails for any reason but an unreachable database, each
event is tried alone in a savepoint of a transaction that is then rolled back; those that fail
go to the `.dlq` with their reason, and the batch is stored without them. An unreachable
database is retried with a growing delay.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import ConsumerRebalanceListener, TopicPartition
from anyio import to_thread
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from relais_contracts import Envelope, InvalidEvent, UnreadableEvent, decode, dlq_topic
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    tuple_,
)

from relais_runtime import metrics
from relais_runtime.sql import DATABASE_UNAVAILABLE, dialect_of

log = logging.getLogger(__name__)

metadata = MetaData()
consumer_offsets = Table(
    "consumer_offsets",
    metadata,
    Column("group_id", String(128), primary_key=True),
    Column("topic", String(255), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("next_offset", BigInteger, nullable=False),
)

# What a consumer does with a batch of valid events, inside the transaction that stores offsets.
Apply = Callable[[Connection, list[Envelope]], None]
# What it does with the raw bytes of events it skipped (unknown type, newer version), and why.
OnSkipped = Callable[[Connection, list[tuple[bytes, str]]], None]


@dataclass(frozen=True)
class Record:
    """One Kafka message, independent of the client library."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Decoded:
    events: list[tuple[Record, Envelope]] = field(default_factory=list)
    invalid: list[tuple[Record, str]] = field(default_factory=list)
    unreadable: list[tuple[Record, str]] = field(default_factory=list)


def decode_batch(records: Sequence[Record]) -> Decoded:
    decoded = Decoded()
    for record in records:
        try:
            decoded.events.append((record, decode(record.value)))
        except InvalidEvent as exc:
            decoded.invalid.append((record, str(exc)))
        except UnreadableEvent as exc:
            decoded.unreadable.append((record, exc.reason))
    return decoded


def _upsert_offsets(conn: Connection, group_id: str, next_offsets: dict[tuple[str, int], int]) -> None:
    dialect = dialect_of(conn)
    rows = [{"group_id": group_id, "topic": t, "partition": p, "next_offset": o} for (t, p), o in next_offsets.items()]
    stmt = dialect.insert(consumer_offsets).values(rows)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["group_id", "topic", "partition"],
            set_={"next_offset": stmt.excluded.next_offset},
        )
    )


class GroupPosition:
    """Where a consumer group stands, as its own database says: the one thing other processes of
    the same read models may ask (a replica's live stream watches it) or reset (a rebuild)."""

    def __init__(self, engine: Engine, group_id: str):
        self.engine = engine
        self.group_id = group_id
        metadata.create_all(engine)

    def offsets(self) -> dict[tuple[str, int], int]:
        """The next offset to fold on each (topic, partition)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(consumer_offsets.c.topic, consumer_offsets.c.partition, consumer_offsets.c.next_offset).where(
                    consumer_offsets.c.group_id == self.group_id
                )
            )
            return {(t, p): o for t, p, o in rows}

    def watermark(self) -> int:
        """A number that grows whenever the group folds anything, in any process."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.coalesce(func.sum(consumer_offsets.c.next_offset), 0)).where(
                        consumer_offsets.c.group_id == self.group_id
                    )
                ).scalar_one()
            )

    def forget(self, conn: Connection) -> None:
        """Start again from the beginning of every partition (in the caller's transaction)."""
        conn.execute(delete(consumer_offsets).where(consumer_offsets.c.group_id == self.group_id))


class PoisonedBatch(Exception):
    """Events of a batch that the fold cannot apply, each with its reason."""

    def __init__(self, poisoned: list[tuple[Record, str]]):
        super().__init__(f"{len(poisoned)} events cannot be folded")
        self.poisoned = poisoned


class TransactionalConsumer:
    """Applies batches of records to SQL tables with their offsets, in one transaction each."""

    def __init__(self, engine: Engine, group_id: str, apply: Apply, on_skipped: OnSkipped | None = None):
        self.engine = engine
        self.apply = apply
        self.on_skipped = on_skipped
        # Called (from the worker thread) after a transaction that changed something committed.
        self.after_commit: list[Callable[[], None]] = []
        self.position = GroupPosition(engine, group_id)

    @property
    def group_id(self) -> str:
        """Where its offsets are stored; set once, with the position that reads them back."""
        return self.position.group_id

    def stored_offsets(self) -> dict[tuple[str, int], int]:
        return self.position.offsets()

    def store(self, decoded: Decoded) -> int:
        """Apply the valid events not applied before and move the offsets; the count applied.

        Raises `PoisonedBatch` naming the events that cannot be applied, if that is why the
        batch failed (nothing is stored then); the database's own unavailability propagates."""
        try:
            return self._store(decoded)
        except DATABASE_UNAVAILABLE:
            raise
        except Exception:
            poisoned = self._poisoned(decoded)
            if not poisoned:
                raise
            raise PoisonedBatch(poisoned) from None

    def _poisoned(self, decoded: Decoded) -> list[tuple[Record, str]]:
        """The events that fail when applied alone (in savepoints, all rolled back)."""
        poisoned = []
        with self.engine.connect() as conn, conn.begin() as outer:
            try:
                for record, envelope in decoded.events:
                    savepoint = conn.begin_nested()
                    try:
                        self.apply(conn, [envelope])
                        savepoint.commit()
                    except DATABASE_UNAVAILABLE:
                        raise
                    except Exception as exc:  # noqa: BLE001 - any failure of one event is its own
                        savepoint.rollback()
                        poisoned.append((record, f"fold failed: {type(exc).__name__}: {exc}"[:1000]))
            finally:
                outer.rollback()
        return poisoned

    def _store(self, decoded: Decoded) -> int:
        started = time.perf_counter()
        records = [r for r, _ in decoded.events] + [r for r, _ in decoded.invalid] + [r for r, _ in decoded.unreadable]
        if not records:
            return 0
        partitions = {(r.topic, r.partition) for r in records}
        with self.engine.begin() as conn:
            query = select(
                consumer_offsets.c.topic, consumer_offsets.c.partition, consumer_offsets.c.next_offset
            ).where(
                consumer_offsets.c.group_id == self.group_id,
                tuple_(consumer_offsets.c.topic, consumer_offsets.c.partition).in_(list(partitions)),
            )
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            stored = {(t, p): o for t, p, o in conn.execute(query)}
            fresh = [(r, e) for r, e in decoded.events if r.offset >= stored.get((r.topic, r.partition), 0)]
            for record, _ in decoded.events:
                if record.offset < stored.get((record.topic, record.partition), 0):
                    metrics.DUPLICATES_DROPPED.labels(self.group_id, record.topic).inc()
            if fresh:
                self.apply(conn, [e for _, e in fresh])
            if self.on_skipped and decoded.unreadable:
                self.on_skipped(
                    conn,
                    [
                        (r.value, reason)
                        for r, reason in decoded.unreadable
                        if r.offset >= stored.get((r.topic, r.partition), 0)
                    ],
                )
            next_offsets: dict[tuple[str, int], int] = {}
            for r in records:
                key = (r.topic, r.partition)
                next_offsets[key] = max(next_offsets.get(key, 0), r.offset + 1, stored.get(key, 0))
            _upsert_offsets(conn, self.group_id, next_offsets)
        for record, _ in fresh:
            metrics.EVENTS_CONSUMED.labels(self.group_id, record.topic).inc()
        if fresh:
            for listener in self.after_commit:
                listener()
        for record, reason in decoded.unreadable:
            metrics.EVENTS_SKIPPED.labels(self.group_id, record.topic, reason.split(" ")[0]).inc()
        metrics.FOLD_SECONDS.labels(self.group_id).observe(time.perf_counter() - started)
        return len(fresh)


def _as_records(raw: Any) -> list[Record]:
    raws = raw if isinstance(raw, tuple) else (raw,)
    return [Record(r.topic, r.partition, r.offset, r.key, r.value or b"", tuple(r.headers or ())) for r in raws]


async def _raw_body(message: Any) -> Any:
    # Leave the bytes alone: the contract's codec decodes (and refuses) them, not FastStream.
    return message.body


class StartFromStoredOffsets(ConsumerRebalanceListener):
    """On assignment, move the Kafka consumer to where the database says this group stands.
    FastStream's listener is not given the consumer: it is read from the subscriber once started."""

    def __init__(self, consumer: TransactionalConsumer) -> None:
        self.consumer = consumer
        self.subscriber: Any = None

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        kafka = self.subscriber.consumer
        stored = await to_thread.run_sync(self.consumer.stored_offsets)
        never_folded = []
        for tp in assigned:
            if (tp.topic, tp.partition) in stored:
                kafka.seek(tp, stored[(tp.topic, tp.partition)])
            else:
                never_folded.append(tp)
        if never_folded:
            await kafka.seek_to_beginning(*never_folded)
        log.info(
            "%s starts from the offsets in its database (%d partitions, %d from the beginning)",
            self.consumer.group_id,
            len(assigned),
            len(never_folded),
        )


def subscribe(
    broker: KafkaBroker, consumer: TransactionalConsumer, topics: Sequence[str], *, max_records: int = 500
) -> None:
    """Register `consumer` on `broker` as one FastStream batch subscriber of `topics`."""
    listener = StartFromStoredOffsets(consumer)

    subscriber = broker.subscriber(
        *topics,
        group_id=consumer.group_id,
        batch=True,
        max_records=max_records,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        decoder=_raw_body,
        title=f"{consumer.group_id}",
        listener=listener,
    )
    listener.subscriber = subscriber

    async def dead_letter(record: Record, error: str) -> None:
        await broker.publish(
            record.value,
            topic=dlq_topic(record.topic),
            key=record.key,
            headers={
                "error": error[:1000],
                "original_topic": record.topic,
                "original_partition": str(record.partition),
                "original_offset": str(record.offset),
                "consumer_group": consumer.group_id,
            },
        )
        metrics.DEAD_LETTERS.labels(consumer.group_id, record.topic).inc()
        log.warning("dead-lettered %s[%s]@%s: %s", record.topic, record.partition, record.offset, error)

    retry = Backoff()

    @subscriber
    async def fold(bodies: list[Any], message: KafkaMessage) -> None:
        records = _as_records(message.raw_message)
        decoded = decode_batch(records)
        for record, error in decoded.invalid:
            await dead_letter(record, error)
        while True:
            try:
                await to_thread.run_sync(consumer.store, decoded)
                break
            except PoisonedBatch as poison:
                # Set aside (acknowledged) before the offsets move past them; then the rest.
                bad = {id(r) for r, _ in poison.poisoned}
                for record, reason in poison.poisoned:
                    await dead_letter(record, reason)
                decoded.events = [(r, e) for r, e in decoded.events if id(r) not in bad]
                decoded.invalid.extend(poison.poisoned)
            except Exception:
                # The batch is delivered again (NACK): not at once and for ever, but after a pause
                # that grows while the cause (a database away) lasts.
                await asyncio.sleep(retry.next_delay())
                raise
        retry.reset()
        _observe_lag(consumer.group_id, message, records)


class Backoff:
    """Delays between retries of a failing batch: 0.5 s doubling up to 30 s."""

    def __init__(self, first: float = 0.5, longest: float = 30.0):
        self.first, self.longest = first, longest
        self.delay = 0.0

    def next_delay(self) -> float:
        self.delay = min(self.longest, self.delay * 2 or self.first)
        return self.delay

    def reset(self) -> None:
        self.delay = 0.0


def _observe_lag(group_id: str, message: KafkaMessage, records: list[Record]) -> None:
    """Messages left on each partition of the batch after it: the consumer lag an operator watches."""
    client = getattr(message, "consumer", None)
    highwater = getattr(client, "highwater", None)
    if highwater is None:
        return
    last: dict[tuple[str, int], int] = {}
    for r in records:
        last[(r.topic, r.partition)] = max(last.get((r.topic, r.partition), -1), r.offset)
    for (topic_name, partition), offset in last.items():
        end = highwater(TopicPartition(topic_name, partition))
        if end is not None:
            metrics.CONSUMER_LAG.labels(group_id, topic_name, str(partition)).set(max(0, end - offset - 1))
