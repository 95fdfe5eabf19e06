"""The outbox relay on the in-memory event store: order, position, crash between publish and
position (tests/integration repeats this on PostgreSQL and Kafka)."""

import asyncio

import pytest
from relais_contracts import decode
from relais_runtime.relay import OutboxRelay
from relais_runtime.settings import Settings
from support.dossier import DossierApp


class MemoryProducer:
    """Records what was sent; `fail` makes the broker refuse the next acknowledgements."""

    def __init__(self):
        self.sent: list[tuple[str, bytes, bytes, list]] = []
        self.fail = False

    async def send(self, topic, value, key, headers):
        fut = asyncio.get_running_loop().create_future()
        if self.fail:
            fut.set_exception(ConnectionError("broker unavailable"))
        else:
            self.sent.append((topic, value, key, headers))
            fut.set_result(None)
        return fut


class Crash(Exception):
    pass


@pytest.fixture
def app():
    return DossierApp(Settings(persistence="memory"))


async def test_relay_publishes_in_order_and_stores_its_position(app):
    jeune = app.welcome_with_interviews(3)
    producer = MemoryProducer()
    relay = OutboxRelay(app, producer, "relais.intake", batch_size=2)
    while await relay.publish_once():
        pass
    events = [decode(value) for _, value, _, _ in producer.sent]
    assert [e.stream_position for e in events] == [1, 2, 3, 4]
    assert {key for _, _, key, _ in producer.sent} == {str(jeune).encode()}
    assert relay.position() == 4
    assert await relay.publish_once() == 0  # nothing new: nothing sent again


async def test_crash_after_publish_before_position_republishes_nothing_lost(app):
    app.welcome_with_interviews(2)
    producer = MemoryProducer()
    relay = OutboxRelay(app, producer, "relais.intake")

    def crash(_position):
        raise Crash

    relay.after_publish = crash
    with pytest.raises(Crash):
        await relay.publish_once()
    assert relay.position() == 0

    restarted = OutboxRelay(app, producer, "relais.intake")
    await restarted.publish_once()
    ids = [decode(value).event_id for _, value, _, _ in producer.sent]
    assert len(ids) == 6 and len(set(ids)) == 3  # each event twice, same event_id: de-duplicable
    assert restarted.position() == 3


async def test_position_does_not_move_when_the_broker_does_not_acknowledge(app):
    app.welcome_with_interviews(1)
    producer = MemoryProducer()
    producer.fail = True
    relay = OutboxRelay(app, producer, "relais.intake")
    with pytest.raises(ConnectionError):
        await relay.publish_once()
    assert relay.position() == 0
    producer.fail = False
    assert await relay.publish_once() == 2
    assert relay.position() == 2


async def test_a_commit_wakes_the_relay_before_its_idle_delay(app):
    producer = MemoryProducer()
    relay = OutboxRelay(app, producer, "relais.intake", idle_seconds=30)
    app.commit_listeners.append(relay.wake)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    await asyncio.sleep(0.05)  # the relay found nothing and sleeps for up to 30 s
    app.welcome_with_interviews(0)
    for _ in range(100):
        if producer.sent:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert len(producer.sent) == 1
