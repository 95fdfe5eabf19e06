"""From an eventsourcing application in PostgreSQL, through the outbox relay, to Kafka, and back
through a FastStream subscriber: what was stored is what is consumed, and a relay killed between
the broker's acknowledgement and storing its position loses nothing."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker, KafkaMessage
from relais_contracts import Envelope, decode
from relais_runtime.kafka import idempotent_producer
from relais_runtime.kernel.events import to_envelope
from relais_runtime.relay import OutboxRelay
from support.dossier import DossierApp

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

RELAY_PROCESS = Path(__file__).parent / "relay_process.py"


def stored_envelopes(app: DossierApp) -> list[Envelope]:
    notifications = app.recorder.select_notifications(start=1, limit=10_000)
    return [to_envelope(app.mapper.to_domain_event(n)) for n in notifications]


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(values) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            values += [m.value for msgs in batch.values() for m in msgs]
        # Linger briefly to catch anything beyond the expected count (duplicates).
        batch = await consumer.getmany(timeout_ms=500)
        values += [m.value for msgs in batch.values() for m in msgs]
    finally:
        await consumer.stop()
    return values


async def test_events_stored_in_postgres_are_consumed_from_kafka_equal(pg_store, new_topic):
    settings = pg_store.settings
    app = DossierApp(settings, service=pg_store.service)
    for interviews in (0, 2, 5):
        app.welcome_with_interviews(interviews)
    expected = stored_envelopes(app)
    assert len(expected) == 10

    producer = idempotent_producer(settings, "test-relay")
    await producer.start()
    try:
        relay = OutboxRelay(app, producer, new_topic, batch_size=4)
        while await relay.publish_once():
            pass
        assert relay.position() == 10
    finally:
        await producer.stop()

    received: list[tuple[Envelope, dict]] = []
    broker = KafkaBroker(settings.kafka_bootstrap)

    @broker.subscriber(new_topic, group_id="test-consumer", auto_offset_reset="earliest")
    async def collect(body: Any, message: KafkaMessage) -> None:
        # FastStream parsed the JSON already; decode the raw bytes with the contract's codec.
        received.append((decode(message.body), dict(message.headers)))

    async with broker:
        await broker.start()
        for _ in range(200):
            if len(received) >= len(expected):
                break
            await asyncio.sleep(0.1)

    assert sorted(e.event_id for e, _ in received) == sorted(e.event_id for e in expected)
    by_id = {e.event_id: e for e in expected}
    for envelope, headers in received:
        assert envelope == by_id[envelope.event_id]
        assert headers["event_type"] == envelope.event_type
        assert headers["ml_id"] == "ML-TEST"
    # One young person's events keep their order (same key, same partition).
    for jeune in {e.stream_id for e in expected}:
        positions = [e.stream_position for e, _ in received if e.stream_id == jeune]
        assert positions == sorted(positions)
    app.close()


def run_relay_process(store, topic: str, crash: bool) -> subprocess.CompletedProcess:
    settings = store.settings
    env = {
        **os.environ,
        "RELAIS_PERSISTENCE": "postgres",
        "RELAIS_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "RELAIS_PG_PORT": str(settings.pg_port),
    }
    args = [sys.executable, str(RELAY_PROCESS), store.service, topic]
    return subprocess.run(args + (["--crash"] if crash else []), env=env, timeout=120, capture_output=True, text=True)


async def test_relay_killed_after_publish_before_storing_position_loses_nothing(pg_store, new_topic):
    settings = pg_store.settings
    app = DossierApp(settings, service=pg_store.service)
    for _ in range(4):
        app.welcome_with_interviews(4)
    expected = {e.event_id for e in stored_envelopes(app)}
    assert len(expected) == 20

    killed = run_relay_process(pg_store, new_topic, crash=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    relay = OutboxRelay(app, producer=None, topic=new_topic)  # only to read its position
    assert relay.position() == 0, "the killed relay must not have stored a position"

    restarted = run_relay_process(pg_store, new_topic, crash=False)
    assert restarted.returncode == 0, restarted.stderr
    assert relay.position() == 20

    values = await read_topic(settings.kafka_bootstrap, new_topic, expected=40)
    ids = [decode(v).event_id for v in values]
    assert set(ids) == expected  # nothing missing
    assert len(ids) == 40  # the first batch twice: duplicates the consumers will drop by event_id
    app.close()
