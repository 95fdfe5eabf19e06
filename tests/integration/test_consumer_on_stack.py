"""The shared transactional consumer on real Kafka and PostgreSQL: garbage goes to the .dlq with
its error (and `relais dlq` shows it to the operator), valid events are applied once, offsets
live in the database."""

import asyncio
import json
import subprocess
import sys
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker
from relais_contracts import dlq_topic, encode
from relais_runtime.consumer import TransactionalConsumer, subscribe
from relais_runtime.settings import PROJECT_ROOT
from relais_runtime.sql import engine_for
from support.samples import envelope_of, sample_payloads
from support.topics import read_all
from support.youth_facts_cases import a_table_from_before_the_profile_facts_gains_them

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


async def test_undecodable_messages_go_to_the_dead_letter_topic_and_the_fold_goes_on(pg_store, new_topic):
    settings = pg_store.settings
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(dlq_topic(new_topic), 1, 1)])
    await admin.close()

    events = [envelope_of(sample_payloads()["intake.DossierEventRecorded"], position=n) for n in (1, 2, 3)]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    for value in (
        encode(events[0]),
        b"\xff garbage",
        encode(events[1]),
        b'{"event_type": 1}',
        encode(events[2]),
        encode(events[0]),
    ):
        await producer.send_and_wait(new_topic, value, key=b"same-key")
    await producer.stop()

    applied: list = []
    consumer = TransactionalConsumer(
        engine_for(settings, pg_store.service),
        f"test-{uuid.uuid4().hex[:6]}",
        lambda conn, batch: applied.extend(batch),
    )
    broker = KafkaBroker(settings.kafka_bootstrap)
    subscribe(broker, consumer, [new_topic])
    async with broker:
        await broker.start()
        for _ in range(150):
            if sum(consumer.stored_offsets().values()) >= 6:
                break
            await asyncio.sleep(0.1)

    # Offsets say every message was handled; the re-sent first event counted once per offset.
    assert sum(consumer.stored_offsets().values()) == 6
    assert [e.event_id for e in applied] == [
        events[0].event_id,
        events[1].event_id,
        events[2].event_id,
        events[0].event_id,
    ]
    dead = await read_all(settings.kafka_bootstrap, dlq_topic(new_topic), until=lambda ms: len(ms) >= 2)
    assert [m.value for m in dead] == [b"\xff garbage", b'{"event_type": 1}']
    errors = [dict(m.headers)["error"].decode() for m in dead]
    assert "not JSON" in errors[0] and errors[1].startswith("event_type")
    assert dict(dead[0].headers)["original_offset"] == b"1"

    # What the operator sees: each dead letter with its origin, its consumer and its error,
    # the message itself only when asked.
    relais = [sys.executable, "-m", "relais_cli.main", "dlq", "--topic", new_topic]
    listed = subprocess.run(relais, capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[-1] == f"2 message(s) en lettre morte sur {new_topic}.dlq"
    assert (
        f"{new_topic}[" in lines[0] and "]@1 " in lines[0] and consumer.group_id in lines[0] and "not JSON" in lines[0]
    )
    assert "garbage" not in listed.stdout
    as_json = subprocess.run([*relais, "--json", "--show-value"], capture_output=True, text=True, cwd=PROJECT_ROOT)
    letters = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [d["original"].rsplit("@", 1)[1] for d in letters] == ["1", "3"]
    assert letters[1]["value"] == '{"event_type": 1}'


def test_relais_dlq_on_a_topic_that_does_not_exist_says_so_in_one_line(stack):
    done = subprocess.run(
        [sys.executable, "-m", "relais_cli.main", "dlq", "--topic", "relais.nothing"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"relais: no topic relais.nothing.dlq on {stack.kafka_bootstrap}"]


def test_youth_facts_from_an_older_version_gain_their_columns_on_postgresql(pg_store):
    a_table_from_before_the_profile_facts_gains_them(engine_for(pg_store.settings, pg_store.service))
