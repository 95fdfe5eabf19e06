"""The upcaster registry, with its real examples: cancellation reasons leave free text behind; a
v1 first welcome becomes an individual interview on site (v2.md, E1)."""

import orjson
import pytest
from relais_contracts import decode, encode
from relais_contracts.upcasting import upcast
from support.samples import envelope_of, sample_payloads


def _v1_cancellation(reason: str) -> bytes:
    obj = orjson.loads(encode(envelope_of(sample_payloads()["intake.DossierEventCancelled"])))
    obj["schema_version"] = 1
    obj["payload"]["reason"] = reason
    return orjson.dumps(obj)


def test_a_v1_free_text_reason_is_not_carried_into_v2():
    event = decode(_v1_cancellation("M. Dupont a appelé, erreur de saisie au 06 12 34 56 78"))
    assert event.schema_version == 2
    assert event.payload.reason == "other"
    assert b"Dupont" not in encode(event)


def test_a_v1_reason_that_already_is_a_code_is_kept():
    assert decode(_v1_cancellation("duplicate")).payload.reason == "duplicate"


def test_a_missing_link_in_the_chain_is_an_error():
    with pytest.raises(LookupError):
        upcast("intake.DossierClosed", 1, 2, {"reason": "moved"})


def test_a_v1_first_welcome_is_an_individual_interview_on_site():
    obj = orjson.loads(encode(envelope_of(sample_payloads()["intake.FirstWelcomeRecorded"])))
    obj["schema_version"] = 1
    del obj["payload"]["nature"], obj["payload"]["mode"]
    event = decode(orjson.dumps(obj))
    assert (event.schema_version, event.payload.nature, event.payload.mode) == (2, "individual_interview", "on_site")
