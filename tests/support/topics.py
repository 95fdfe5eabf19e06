"""Read what is really on a Kafka topic."""

import asyncio
import time

from aiokafka import AIOKafkaConsumer


async def read_all(bootstrap: str, topic: str, until=lambda values: False, timeout: float = 20) -> list:
    """Every message of `topic` from the beginning, waiting up to `timeout` for `until(messages)`."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    messages: list = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idle_rounds = 0
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            got = [m for msgs in batch.values() for m in msgs]
            messages += got
            idle_rounds = 0 if got else idle_rounds + 1
            if until(messages) and idle_rounds >= 1:
                break
    finally:
        await consumer.stop()
    return messages


def caught_up(consumer, settings, timeout: float = 120) -> bool:
    """Whether `consumer` (a TransactionalConsumer) comes to hold, in its database, the end offset
    of every partition of the three service topics within `timeout` seconds."""
    from relais_contracts import ALL_TOPICS
    from relais_runtime.kafka import end_offsets

    ends = asyncio.run(end_offsets(settings, list(ALL_TOPICS)))
    deadline = time.monotonic() + timeout
    while True:
        stored = consumer.stored_offsets()
        if all(stored.get(k, 0) >= v for k, v in ends.items()):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)
