"""Load a demo network into the running system: a simulated year of several Missions Locales,
published to the service topics as if imported from a previous information system.

Only the reporting service sees them (the services' own stores keep what counselors record):
it is a way to show dashboards full of realistic figures on a fresh machine, not a data path.
The events are deterministic, so loading twice publishes the same event ids and changes no figure.
"""

import asyncio

from aiokafka import AIOKafkaProducer
from relais_contracts import encode, topic_of
from relais_runtime.settings import Settings
from rich.console import Console
from rich.progress import Progress

from relais_cli.simulation.generator import MissionLocaleYear
from relais_cli.simulation.profiles import PROFILES

NETWORK = [
    ("innovam", "ML-CACHAN"),
    ("nord-ouest-aubeois", "ML-ROMILLY"),
    ("innovam", "ML-IVRY"),
    ("nord-ouest-aubeois", "ML-NOGENT"),
    ("innovam", "ML-VITRY"),
    ("nord-ouest-aubeois", "ML-TROYES"),
]


async def load(settings: Settings, mls: int, year: int, scale: float, seed: int = 1, until=None) -> int:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_servers,
        enable_idempotence=True,
        acks="all",
        linger_ms=20,
        max_batch_size=512 * 1024,
    )
    await producer.start()
    sent = 0
    console = Console(stderr=True)
    try:
        with Progress(console=console, disable=not console.is_terminal) as bar:
            task = bar.add_task("Réseau de démonstration", total=mls)
            for profile, ml_id in NETWORK[:mls]:
                events = MissionLocaleYear(PROFILES[profile], ml_id, year, seed, scale, until).generate()
                futures = [
                    await producer.send(topic_of(e.event_type), encode(e), key=e.key, headers=e.headers) for e in events
                ]
                await asyncio.gather(*futures)
                sent += len(events)
                bar.advance(task)
    finally:
        await producer.stop()
    return sent
