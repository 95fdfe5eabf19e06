"""The envelope and every event type: round trip, strict validation, keys and headers."""

import uuid

import orjson
import pytest
from relais_contracts import (
    PAYLOAD_TYPES,
    InvalidEvent,
    UnreadableEvent,
    decode,
    encode,
    event_id_for,
    topic_of,
)
from support.samples import JEUNE, OFFER, envelope_of, sample_payloads

SAMPLES = sample_payloads()


@pytest.mark.parametrize("event_type", sorted(PAYLOAD_TYPES))
def test_every_event_type_round_trips_through_json(event_type):
    envelope = envelope_of(SAMPLES[event_type])
    data = encode(envelope)
    decoded = decode(data)
    assert decoded == envelope
    assert encode(decoded) == data  # the same bytes again: exports equal what was published
    assert orjson.loads(data)["event_type"] == event_type


def _mutated(event_type: str, change) -> bytes:
    obj = orjson.loads(encode(envelope_of(SAMPLES[event_type])))
    change(obj)
    return orjson.dumps(obj)


@pytest.mark.parametrize(
    ("event_type", "change", "field"),
    [
        ("intake.FirstWelcomeRecorded", lambda o: o["payload"]["profile"].update(sex="Z"), "payload.profile.sex"),
        ("intake.FirstWelcomeRecorded", lambda o: o["payload"]["profile"].pop("qpv"), "payload.profile.qpv"),
        ("intake.FirstWelcomeRecorded", lambda o: o["payload"]["profile"].update(qpv=1), "payload.profile.qpv"),
        (
            "intake.FirstWelcomeRecorded",
            lambda o: o["payload"]["profile"].update(education_level="3"),
            "payload.profile.education_level",
        ),
        (
            "intake.FirstWelcomeRecorded",
            lambda o: o["payload"]["profile"].update(commune_insee="Paris"),
            "payload.profile.commune_insee",
        ),
        ("intake.DossierEventRecorded", lambda o: o["payload"].update(nature="coffee"), "payload.nature"),
        ("intake.DossierEventRecorded", lambda o: o["payload"].update(note="free text"), "payload.note"),
        ("dispositifs.AllowanceRequested", lambda o: o["payload"].update(amount_cents=528.56), "payload.amount_cents"),
        ("dispositifs.AllowanceRequested", lambda o: o["payload"].update(month="2023-13"), "payload.month"),
        ("dispositifs.ProgrammeEntered", lambda o: o["payload"].update(programme="RSA"), "payload.programme"),
        ("employment.ContractSigned", lambda o: o["payload"].update(start_date="03/04/2023"), "payload.start_date"),
        ("employment.ContractSigned", lambda o: o.pop("correlation_id"), "correlation_id"),
        ("employment.ContractSigned", lambda o: o.update(occurred_at="2023-03-14T09:30:00"), "occurred_at"),
        ("employment.ContractSigned", lambda o: o.update(stream_position=0), "stream_position"),
        ("employment.ContractSigned", lambda o: o.update(event_id="not-a-uuid"), "event_id"),
    ],
)
def test_an_invalid_event_names_the_field_at_fault(event_type, change, field):
    with pytest.raises(InvalidEvent) as caught:
        decode(_mutated(event_type, change))
    assert caught.value.field == field


@pytest.mark.parametrize("data", [b"", b"not json", b"[1, 2]", b'{"event_type": 3}'])
def test_garbage_is_invalid_not_a_crash(data):
    with pytest.raises(InvalidEvent):
        decode(data)


def test_unknown_types_and_newer_versions_are_unreadable_not_invalid():
    unknown = _mutated("intake.DossierClosed", lambda o: o.update(event_type="intake.Teleported"))
    newer = _mutated("intake.DossierClosed", lambda o: o.update(schema_version=7))
    for data in (unknown, newer):
        with pytest.raises(UnreadableEvent):
            decode(data)


def test_messages_about_a_young_person_are_keyed_by_jeune_id_else_by_stream():
    referral = envelope_of(SAMPLES["employment.CandidateReferred"])
    assert referral.key == str(JEUNE).encode()  # stream is the offer, key is the young person
    offer = envelope_of(SAMPLES["employment.JobOfferReceived"])
    assert offer.key == str(OFFER).encode()
    assert dict(offer.headers) == {
        "event_type": b"employment.JobOfferReceived",
        "schema_version": b"1",
        "ml_id": b"ML-INNOVAM",
    }
    assert topic_of("employment.JobOfferReceived") == "relais.employment"


def test_event_ids_are_stable_per_stream_position():
    stream = uuid.uuid4()
    assert event_id_for("intake", stream, 3) == event_id_for("intake", stream, 3)
    assert event_id_for("intake", stream, 3) != event_id_for("intake", stream, 4)
    # intake and employment both key a young person's stream by jeune_id: ids must not collide.
    assert event_id_for("intake", stream, 2) != event_id_for("employment", stream, 2)
