"""A relay in its own process, for the kill test: `relay_process.py SERVICE TOPIC [--crash]`.

With --crash the process SIGKILLs itself after Kafka acknowledged the batch and before the relay
stores its position: the worst moment to die.
"""

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from relais_runtime.kafka import idempotent_producer  # noqa: E402
from relais_runtime.relay import OutboxRelay  # noqa: E402
from relais_runtime.settings import Settings  # noqa: E402
from support.dossier import DossierApp  # noqa: E402


async def main(service: str, topic: str, crash: bool) -> None:
    settings = Settings()
    app = DossierApp(settings, service=service)
    producer = idempotent_producer(settings, "test-relay-process")
    await producer.start()
    relay = OutboxRelay(app, producer, topic, batch_size=1000)
    if crash:
        relay.after_publish = lambda _position: os.kill(os.getpid(), signal.SIGKILL)
    while await relay.publish_once():
        pass
    await producer.stop()
    app.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], "--crash" in sys.argv))
