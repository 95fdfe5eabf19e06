"""The transactional consumer: effects and offsets in one transaction, duplicates dropped,
invalid and unknown messages passed over without stopping the fold."""

import orjson
import pytest
import sqlalchemy.exc
from relais_contracts import encode
from relais_runtime.consumer import (
    Backoff,
    PoisonedBatch,
    Record,
    TransactionalConsumer,
    consumer_offsets,
    decode_batch,
)
from relais_runtime.settings import Settings
from relais_runtime.sql import engine_for
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from support.samples import envelope_of, sample_payloads

SAMPLES = sample_payloads()


def record(offset: int, value: bytes, partition: int = 0) -> Record:
    return Record("relais.intake", partition, offset, b"k", value)


@pytest.fixture
def consumer():
    applied: list = []
    engine = engine_for(Settings(persistence="memory"), "test")
    c = TransactionalConsumer(engine, "group-1", lambda conn, events: applied.extend(events))
    c.applied = applied
    return c


def good(n: int) -> bytes:
    return encode(envelope_of(SAMPLES["intake.DossierEventRecorded"], position=n))


def test_each_record_is_applied_once_even_when_delivered_again(consumer):
    batch = [record(0, good(1)), record(1, good(2)), record(0, good(3), partition=1)]
    assert consumer.store(decode_batch(batch)) == 3
    assert consumer.store(decode_batch(batch[1:] + [record(2, good(4))])) == 1  # redelivery + one new
    assert [e.stream_position for e in consumer.applied] == [1, 2, 3, 4]
    assert consumer.stored_offsets() == {("relais.intake", 0): 3, ("relais.intake", 1): 1}


def test_invalid_and_unknown_messages_move_the_offset_and_the_fold_goes_on(consumer):
    unknown = orjson.loads(good(1))
    unknown["event_type"] = "intake.Teleported"
    batch = [record(0, b"{not json"), record(1, orjson.dumps(unknown)), record(2, good(2))]
    decoded = decode_batch(batch)
    assert [r.offset for r, _ in decoded.invalid] == [0]
    assert [r.offset for r, _ in decoded.unreadable] == [1]
    assert consumer.store(decoded) == 1
    assert consumer.stored_offsets() == {("relais.intake", 0): 3}


def test_an_unreachable_database_stores_no_offset_and_is_retried(consumer):
    def explode(conn, events):
        raise sqlalchemy.exc.OperationalError("INSERT", {}, ConnectionError("database down"))

    consumer.apply = explode
    with pytest.raises(sqlalchemy.exc.OperationalError):
        consumer.store(decode_batch([record(0, good(1))]))
    with consumer.engine.connect() as conn:
        assert conn.execute(select(consumer_offsets)).all() == []


def test_an_event_the_fold_cannot_apply_is_named_and_the_rest_folds(consumer):
    """Fold poison: one event that decodes but cannot be applied must not freeze the fold."""
    folded = Table("folded", MetaData(), Column("position", Integer, primary_key=True))
    folded.create(consumer.engine)
    poison_position = 2

    def apply(conn, events):
        for e in events:
            conn.execute(insert(folded).values(position=e.stream_position))
            if e.stream_position == poison_position:
                raise OverflowError("date value out of range")

    def positions():
        with consumer.engine.connect() as conn:
            return sorted(conn.execute(select(folded.c.position)).scalars())

    consumer.apply = apply
    decoded = decode_batch([record(0, good(1)), record(1, good(poison_position)), record(2, good(3))])
    with pytest.raises(PoisonedBatch) as caught:
        consumer.store(decoded)
    assert [(r.offset, reason.split(":")[0]) for r, reason in caught.value.poisoned] == [(1, "fold failed")]
    assert "OverflowError" in caught.value.poisoned[0][1]
    assert positions() == [] and consumer.stored_offsets() == {}  # the probe was rolled back

    # What the subscriber does next: the poisoned events join the invalid ones, the rest folds.
    decoded.events = [(r, e) for r, e in decoded.events if r.offset != 1]
    decoded.invalid.extend(caught.value.poisoned)
    assert consumer.store(decoded) == 2
    assert positions() == [1, 3]
    assert consumer.stored_offsets() == {("relais.intake", 0): 3}


def test_retries_of_a_failing_batch_wait_longer_each_time():
    backoff = Backoff(first=0.5, longest=4)
    assert [backoff.next_delay() for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]
    backoff.reset()
    assert backoff.next_delay() == 0.5
