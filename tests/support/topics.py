"""Read what is really on a Kafka topic."""

import asyncio

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
