"""Each published domain event against its contract: every event type of the catalogue has its
domain event, each builds its contract's envelope from the contract's own values, and a class
that leaves out a field of its contract is refused when it is defined."""

import dataclasses
import uuid
from datetime import UTC, datetime

import pytest
import relais_dispositifs.domain
import relais_employment.domain
import relais_intake.domain
from eventsourcing.domain import Aggregate
from relais_contracts import PAYLOAD_TYPES
from relais_contracts.events import intake
from relais_runtime.kernel.events import CommandEvent, Published
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


def test_every_event_type_of_the_catalogue_has_one_domain_event():
    types = [e.contract.event_type for e in published_events()]
    assert sorted(types) == sorted(PAYLOAD_TYPES)


@pytest.mark.parametrize("event_class", published_events(), ids=lambda e: e.__qualname__)
def test_a_domain_event_builds_the_envelope_of_its_contract(event_class):
    sample = SAMPLES[event_class.contract.event_type]
    values = sample.model_dump()
    stream_id = values.pop(event_class.stream_field) if event_class.stream_field else uuid.uuid4()
    now = datetime(2024, 5, 2, 9, tzinfo=UTC)
    internal = {f.name: None for f in dataclasses.fields(event_class) if f.name not in METADATA | set(values)}
    event = event_class(
        originator_id=stream_id,
        originator_version=1,
        timestamp=now,
        ml_id="ML-A",
        occurred_at=now,
        actor_id="counselor-1",
        correlation_id=None,
        causation_id=None,
        command_key=None,
        command_hash=None,
        **values,
        **internal,
    )
    envelope = event.to_envelope()
    assert envelope.event_type == event_class.contract.event_type
    assert envelope.payload.model_dump() == {
        **values,
        **({event_class.stream_field: stream_id} if event_class.stream_field else {}),
    }


def test_a_domain_event_that_forgets_a_field_of_its_contract_is_refused_at_once():
    with pytest.raises(TypeError, match=r"does not declare \['mode'\]"):

        class Careless(Aggregate):
            class Recorded(CommandEvent):
                contract = intake.DossierEventRecorded
                stream_field = "jeune_id"
                nature: str
                themes: list[str]
                session_id: uuid.UUID | None
                duration_minutes: int | None
