"""Kafka clients configured as Relais needs them."""

import logging
from collections.abc import AsyncIterator
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker

from relais_runtime.settings import Settings


def idempotent_producer(settings: Settings, client_id: str) -> AIOKafkaProducer:
    """A producer that neither loses (acks=all) nor duplicates on its own retries (idempotence)."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=30_000,
    )


def consumer_broker(settings: Settings, client_id: str) -> KafkaBroker:
    """A FastStream broker whose own log lines go through the service's JSON logging, and whose
    "Received"/"Processed" line for every message is at DEBUG: at thousands of events a second,
    INFO would be all the log says."""
    # What it publishes (dead letters) is acknowledged by every in-sync replica, like the relay's.
    return KafkaBroker(
        settings.kafka_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        logger=logging.getLogger("relais.broker"),
        log_level=logging.DEBUG,
    )


async def partitions_of(settings: Settings, topics: list[str]) -> list[TopicPartition]:
    """Every partition of these topics, as the cluster describes them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_servers)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]]


async def end_offsets(settings: Settings, topics: list[str]) -> dict[tuple[str, int], int]:
    """The next offset to be written on every partition of these topics."""
    partitions = await partitions_of(settings, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_servers)
    await consumer.start()
    try:
        return {(tp.topic, tp.partition): o for tp, o in (await consumer.end_offsets(partitions)).items()}
    finally:
        await consumer.stop()


async def batches_to_end(settings: Settings, topics: list[str]) -> AsyncIterator[tuple[list[Any], int]]:
    """Every message of these topics from offset 0 up to their end when the reading began, in
    batches as they are fetched (memory stays bounded however long the history), each with how
    many messages there are in all. LookupError when none of the topics exists."""
    partitions = await partitions_of(settings, topics)
    if not partitions:
        raise LookupError(f"no topic {', '.join(topics)} on {settings.kafka_bootstrap}")
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        group_id=None,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        total = sum(ends.values())
        remaining = {tp for tp, end in ends.items() if end > 0}
        while remaining:
            fetched = await consumer.getmany(*remaining, timeout_ms=1000, max_records=5000)
            batch: list[Any] = []
            for tp, got in fetched.items():
                batch.extend(record for record in got if record.offset < ends[tp])
                if got and got[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
            if batch:
                yield batch, total
    finally:
        await consumer.stop()


async def read_to_end(settings: Settings, topics: list[str]) -> list[Any]:
    """Every message of these topics from offset 0 up to their end when the reading began, in
    one list (for topics that stay small: the dead letters). LookupError when none exists."""
    records: list[Any] = []
    async for batch, _ in batches_to_end(settings, topics):
        records.extend(batch)
    return records
