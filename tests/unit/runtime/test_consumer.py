"""The transactional consumer: effects and offsets in one transaction, duplicates dropped,
invalid and unknown messages passed over without stopping the fold."""

import orjson
import pytest
from sqlalchemy import select

from relais_contracts import encode
from relais_runtime.consumer import Record, TransactionalConsumer, consumer_offsets, decode_batch
from relais_runtime.settings import Settings
from relais_runtime.sql import engine_for
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


def test_a_failing_apply_stores_no_offset(consumer):
    def explode(conn, events):
        raise RuntimeError("database down")

    consumer.apply = explode
    with pytest.raises(RuntimeError):
        consumer.store(decode_batch([record(0, good(1))]))
    with consumer.engine.connect() as conn:
        assert conn.execute(select(consumer_offsets)).all() == []
