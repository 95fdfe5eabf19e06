"""One event that cannot be published never stops the outbox: refused before its command
commits, or — if it is in the store anyway — set aside as a dead letter while the relay goes on."""

import asyncio
import uuid
from unittest.mock import ANY

import orjson
import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from relais_contracts import decode
from relais_runtime import eventstore
from relais_runtime.kernel import events as published
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.relay import OutboxRelay
from relais_runtime.settings import Settings
from support.dossier import Dossier, DossierApp
from support.samples import PROFILE
from unit.runtime.test_relay import MemoryProducer


@pytest.fixture
def app():
    return DossierApp(Settings(persistence="memory"))


def stored(app: DossierApp) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_command_whose_event_breaks_its_contract_records_nothing(app):
    with pytest.raises(DomainRuleBroken) as refused:
        app.welcome_with_interviews(1, ml_id="ML TEST*")  # outside the contract's ml_id pattern
    assert refused.value.rule == "event-not-publishable"
    assert refused.value.extra["errors"][0]["field"] == "ml_id"
    assert stored(app) == 0


def test_a_command_whose_payload_its_contract_refuses_records_nothing_and_names_the_field(app):
    ctx = CommandContext(ml_id="ML-TEST", actor_id="counselor-1", correlation_id=uuid.uuid4())
    with pytest.raises(DomainRuleBroken) as refused:
        app.create(
            ctx,
            "dossier",
            lambda _: [
                Dossier.welcome(ctx.metadata(None), site="", referral_source="self", requests=[], profile=PROFILE)
            ],
        )
    assert refused.value.rule == "event-not-publishable"
    assert refused.value.extra["errors"] == [{"field": "payload.site", "message": ANY}]
    assert stored(app) == 0


def test_a_command_whose_event_is_too_large_to_publish_records_nothing(app, monkeypatch):
    monkeypatch.setattr(published, "MAX_ENVELOPE_BYTES", 600)  # a welcome envelope is ~900 bytes
    with pytest.raises(DomainRuleBroken) as refused:
        app.welcome_with_interviews(0)
    assert "bytes" in refused.value.detail
    assert stored(app) == 0


def _store_unpublishable_then_good(app: DossierApp, monkeypatch) -> None:
    """An event stored by an older version, before commands were checked, then a good one."""
    with monkeypatch.context() as m:
        m.setattr(eventstore, "publishable", lambda event: None)
        app.welcome_with_interviews(0, ml_id="ML TEST*")
    app.welcome_with_interviews(1)


async def test_the_relay_sets_aside_a_stored_event_it_cannot_publish_and_goes_on(app, monkeypatch):
    _store_unpublishable_then_good(app, monkeypatch)
    producer = MemoryProducer()
    relay = OutboxRelay(app, producer, "relais.intake")
    assert await relay.publish_once() == 3
    letters = [(value, dict(headers)) for topic, value, _, headers in producer.sent if topic == "relais.intake.dlq"]
    published_events = [decode(value) for topic, value, _, _ in producer.sent if topic == "relais.intake"]
    assert len(letters) == 1 and len(published_events) == 2
    value, headers = letters[0]
    assert orjson.loads(value)["notification_id"] == 1  # names the stored event, not its content
    assert headers["original_offset"] == b"1" and headers["error"].startswith(b"not publishable: ml_id")
    assert relay.position() == 3
    assert relay.health.problem() is None


class RefusingProducer(MemoryProducer):
    """A broker that refuses one message as too large (the producer raises at send time)."""

    def __init__(self, refuse_position: int):
        super().__init__()
        self.refuse_position = refuse_position

    async def send(self, topic, value, key, headers):
        if topic == "relais.intake" and decode(value).stream_position == self.refuse_position:
            raise MessageSizeTooLargeError("The message is 2000000 bytes when serialized")
        return await super().send(topic, value, key, headers)


async def test_a_message_the_broker_refuses_is_set_aside_and_the_rest_published(app):
    app.welcome_with_interviews(2)
    producer = RefusingProducer(refuse_position=2)
    relay = OutboxRelay(app, producer, "relais.intake")
    assert await relay.publish_once() == 3
    topics = [topic for topic, _, _, _ in producer.sent]
    assert topics.count("relais.intake") == 2 and topics.count("relais.intake.dlq") == 1
    assert relay.position() == 3


class DownProducer(MemoryProducer):
    async def send(self, topic, value, key, headers):
        raise KafkaConnectionError("Unable to bootstrap from 127.0.0.1:19092")


async def test_a_relay_that_keeps_failing_says_why_and_gives_up_its_producer(app):
    app.welcome_with_interviews(0)
    relay = OutboxRelay(app, DownProducer(), "relais.intake", idle_seconds=0.001, recreate_after=4)
    await asyncio.wait_for(relay.run(asyncio.Event()), timeout=30)  # returns: the caller makes a new producer
    assert relay.health.consecutive_failures == 4
    assert "KafkaConnectionError" in relay.health.problem()
    assert relay.position() == 0  # nothing lost: the event waits in the store

    relay.producer = MemoryProducer()
    assert await relay.publish_once() == 1


def test_a_relay_with_events_waiting_and_no_progress_is_stuck(app):
    relay = OutboxRelay(app, MemoryProducer(), "relais.intake")
    relay.health.lag = 12
    relay.health.last_progress -= 120
    assert "12 événements en attente" in relay.health.problem()
