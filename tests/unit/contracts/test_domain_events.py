"""Each published domain event against its contract.

A published domain event declares its contract's payload model as its one field, `payload`:
every event type of the catalogue has such an event (a correction, several), none repeats a field of its
contract, each builds its contract's envelope, goes through the event store and back unchanged,
and an event stored before `payload` existed (fields flat, class version 1) reads back the same.
"""

import dataclasses
import uuid
from datetime import UTC, datetime

import orjson
import pytest
import relais_dispositifs.domain
import relais_employment.domain
import relais_intake.domain
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from relais_contracts import PAYLOAD_TYPES
from relais_runtime.eventstore import RelaisApplication
from relais_runtime.kernel.events import Published
from relais_runtime.settings import Settings
from support.samples import sample_payloads

DOMAINS = (relais_intake.domain, relais_dispositifs.domain, relais_employment.domain)
SAMPLES = sample_payloads()
METADATA = {
    "originator_id",
    "originator_version",
    "timestamp",
    "ml_id",
    "occurred_at",
    "actor_id",
    "correlation_id",
    "causation_id",
    "command_key",
    "command_hash",
}
NOW = datetime(2024, 5, 2, 9, tzinfo=UTC)


def published_events() -> list[type[Published]]:
    found = []
    for module in DOMAINS:
        for aggregate in vars(module).values():
            if isinstance(aggregate, type) and issubclass(aggregate, Aggregate):
                # eventsourcing re-creates each nested event class as a subclass of itself: the
                # contract is inherited there.
                found += [
                    e
                    for e in vars(aggregate).values()
                    if isinstance(e, type) and issubclass(e, Published) and getattr(e, "contract", None)
                ]
    return found


def test_every_event_type_of_the_catalogue_has_a_domain_event_and_no_other_type_is_published():
    types = [e.contract.event_type for e in published_events()]
    assert set(types) == set(PAYLOAD_TYPES)
    # Only a correction is recorded by several aggregates (an enrolment, an aid, a referral...),
    # and an objective by the event that creates its stream and the one that revises it.
    several = {"dispositifs.EntryCancelled", "employment.EntryCancelled", "dispositifs.ObjectiveSet"}
    assert {t for t in types if types.count(t) > 1} <= several


@pytest.mark.parametrize("event_class", published_events(), ids=lambda e: e.__qualname__)
def test_a_domain_event_declares_none_of_its_contract_fields_again(event_class):
    own = {f.name for f in dataclasses.fields(event_class)} - METADATA - {"payload"}
    assert not own & set(event_class.contract.model_fields)


def sample_event(event_class: type[Published]) -> Published:
    payload = SAMPLES[event_class.contract.event_type]
    stream_id = getattr(payload, event_class.stream_field) if event_class.stream_field else uuid.uuid4()
    internal = {f.name: None for f in dataclasses.fields(event_class) if f.name not in METADATA | {"payload"}}
    return event_class(
        originator_id=stream_id,
        originator_version=1,
        timestamp=NOW,
        ml_id="ML-A",
        occurred_at=NOW,
        actor_id="counselor-1",
        correlation_id=None,
        causation_id=None,
        command_key=None,
        command_hash=None,
        payload=payload,
        **internal,
    )


@pytest.fixture(scope="module")
def store() -> RelaisApplication:
    return RelaisApplication(Settings(persistence="memory"), "test")


@pytest.mark.parametrize("event_class", published_events(), ids=lambda e: e.__qualname__)
def test_a_domain_event_builds_its_envelope_and_survives_the_event_store(event_class, store):
    event = sample_event(event_class)
    envelope = event.to_envelope()
    assert envelope.event_type == event_class.contract.event_type
    assert envelope.payload == SAMPLES[event_class.contract.event_type]
    if event_class.stream_field:
        assert getattr(envelope.payload, event_class.stream_field) == envelope.stream_id

    read_back = store.mapper.to_domain_event(store.mapper.to_stored_event(event))
    assert type(read_back) is event_class
    assert read_back.payload == event.payload
    assert read_back.to_envelope() == envelope


@pytest.mark.parametrize("event_class", published_events(), ids=lambda e: e.__qualname__)
def test_an_event_stored_with_flat_fields_reads_back_with_its_payload(event_class, store):
    event = sample_event(event_class)
    state = {k: v for k, v in vars(event).items() if k not in {"originator_id", "originator_version", "payload"}}
    flat = event.payload.model_dump()
    if event_class.stream_field:
        del flat[event_class.stream_field]  # version 1 took it from the stream id
    stored = StoredEvent(
        originator_id=event.originator_id,
        originator_version=1,
        topic=store.mapper.to_stored_event(event).topic,
        state=store.mapper.transcoder.encode({**state, **flat}),
    )
    assert store.mapper.to_domain_event(stored).to_envelope() == event.to_envelope()


def test_a_first_welcome_stored_before_it_had_a_nature_reads_back_as_an_interview(store):
    """An event stored before v2 (its payload at schema version 1) goes through the catalogue's
    upcasters on the way out of the store, as a v1 message does on the way out of Kafka."""
    welcomed = next(e for e in published_events() if e.contract.event_type == "intake.FirstWelcomeRecorded")
    event = sample_event(welcomed)
    stored = store.mapper.to_stored_event(event)
    state = orjson.loads(stored.state)
    del state["payload"]["_data_"]["nature"], state["payload"]["_data_"]["mode"]
    del state["payload"]["_data_"]["schema_version"]  # none recorded: version 1
    stored = dataclasses.replace(stored, state=orjson.dumps(state))
    read = store.mapper.to_domain_event(stored)
    assert (read.payload.nature, read.payload.mode) == ("individual_interview", "on_site")
