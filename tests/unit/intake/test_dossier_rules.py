"""The dossier's rules, on the aggregate alone (no database, no HTTP)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from relais_contracts import event_id_for
from relais_contracts.events import intake
from relais_intake.domain import Dossier
from relais_runtime.kernel.calendar import age_on
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.errors import DomainRuleBroken

NOW = datetime(2024, 6, 15, 10, 0, tzinfo=UTC)
CTX = CommandContext(ml_id="ML-A", actor_id="c1", correlation_id=uuid.uuid4(), received_at=NOW)
PROFILE = {
    "sex": "M",
    "commune_insee": "10387",
    "qpv": False,
    "zrr": True,
    "education_level": 4,
    "diploma": True,
    "rqth": False,
    "housing": "parents",
    "driving_licence": True,
    "has_car": False,
    "children": 0,
    "nationality_zone": "fr",
    "france_travail_registered": False,
    "neet": True,
}


def welcome(birth_date=date(2004, 1, 20), occurred_at=None, rqth=False) -> Dossier:
    welcomed = intake.FirstWelcomeRecorded(
        jeune_id=uuid.uuid4(),
        nature="individual_interview",
        mode="on_site",
        site="TROYES",
        referral_source="self",
        requests=["employment"],
        profile=intake.Profile.model_validate({**PROFILE, "rqth": rqth, "birth_month": birth_date.strftime("%Y-%m")}),
    )
    return Dossier.welcome(CTX, welcomed, birth_date=birth_date, occurred_at=occurred_at, sealed_personal_data="sealed")


def rule_of(action) -> str:
    with pytest.raises(DomainRuleBroken) as caught:
        action()
    return caught.value.rule


def test_age_is_in_completed_years():
    assert age_on(date(2008, 6, 15), date(2024, 6, 15)) == 16
    assert age_on(date(2008, 6, 16), date(2024, 6, 15)) == 15


@pytest.mark.parametrize(
    ("birth_date", "rqth", "accepted"),
    [
        (date(2008, 6, 15), False, True),  # 16 today
        (date(2008, 6, 16), False, False),  # 16 tomorrow
        (date(1998, 6, 16), False, True),  # 25, turns 26 tomorrow
        (date(1998, 6, 15), False, False),  # 26 today
        (date(1994, 6, 16), True, True),  # 29 with RQTH
        (date(1994, 6, 15), True, False),  # 30 with RQTH
    ],
)
def test_first_welcome_age_limits(birth_date, rqth, accepted):
    if accepted:
        assert welcome(birth_date, rqth=rqth).profile["birth_month"] == birth_date.strftime("%Y-%m")
    else:
        assert rule_of(lambda: welcome(birth_date, rqth=rqth)) == "age-out-of-range"


def test_age_is_taken_at_the_date_of_the_welcome_not_today():
    # 26 today, but 25 on the day of a welcome entered late.
    dossier = welcome(date(1998, 6, 15), occurred_at=NOW - timedelta(days=2))
    assert dossier.welcomed_at == NOW - timedelta(days=2)


def interview(dossier: Dossier, nature: str, mode: str, minutes: int | None = None) -> intake.DossierEventRecorded:
    return intake.DossierEventRecorded(
        jeune_id=dossier.id, nature=nature, mode=mode, themes=[], session_id=None, duration_minutes=minutes
    )


def test_nothing_happens_in_the_future_or_before_the_first_welcome():
    assert rule_of(lambda: welcome(occurred_at=NOW + timedelta(days=1))) == "occurred-in-future"
    dossier = welcome(occurred_at=NOW - timedelta(days=10))
    record = interview(dossier, "individual_interview", "on_site")
    assert (
        rule_of(lambda: dossier.record_event(CTX, record, occurred_at=NOW - timedelta(days=11)))
        == "occurred-before-first-welcome"
    )
    assert (
        rule_of(lambda: dossier.record_event(CTX, record, occurred_at=NOW + timedelta(hours=1))) == "occurred-in-future"
    )
    dossier.record_event(CTX, record, occurred_at=NOW + timedelta(minutes=2))  # clock skew tolerated
    assert dossier.version == 2


def test_a_cancellation_names_an_existing_event_not_yet_cancelled():
    dossier = welcome()
    dossier.record_event(CTX, interview(dossier, "phone", "remote", minutes=5), occurred_at=None)
    recorded = event_id_for("intake", dossier.id, dossier.version)
    welcome_event = event_id_for("intake", dossier.id, 1)
    assert (
        rule_of(lambda: dossier.cancel_event(CTX, event_id=uuid.uuid4(), reason="duplicate"))
        == "cancelled-event-unknown"
    )
    assert (
        rule_of(lambda: dossier.cancel_event(CTX, event_id=welcome_event, reason="duplicate"))
        == "cancelled-event-unknown"
    )
    dossier.cancel_event(CTX, event_id=recorded, reason="duplicate")
    assert dossier.recorded_events[recorded] is True
    assert (
        rule_of(lambda: dossier.cancel_event(CTX, event_id=recorded, reason="duplicate")) == "event-already-cancelled"
    )


def test_a_closed_dossier_only_reopens():
    dossier = welcome()
    assert rule_of(lambda: dossier.reopen(CTX, occurred_at=None)) == "dossier-not-closed"
    dossier.close(CTX, occurred_at=None, reason="moved")
    assert rule_of(lambda: dossier.close(CTX, occurred_at=None, reason="moved")) == "dossier-closed"
    assert (
        rule_of(lambda: dossier.record_event(CTX, interview(dossier, "sms", "remote"), occurred_at=None))
        == "dossier-closed"
    )
    assert (
        rule_of(
            lambda: dossier.update_profile(CTX, occurred_at=None, profile={"neet": False}, sealed_personal_data=None)
        )
        == "dossier-closed"
    )
    dossier.reopen(CTX, occurred_at=None)
    dossier.record_event(CTX, interview(dossier, "sms", "remote"), occurred_at=None)
    assert not dossier.closed


def test_profile_update_publishes_only_what_changed():
    dossier = welcome()
    assert (
        rule_of(
            lambda: dossier.update_profile(CTX, occurred_at=None, profile={"neet": True}, sealed_personal_data=None)
        )
        == "nothing-to-update"
    )
    dossier.update_profile(CTX, occurred_at=None, profile={"neet": False, "sex": "M"}, sealed_personal_data=None)
    envelope = dossier.timeline[-1].to_envelope()
    assert envelope.payload.model_dump(mode="json") == {"jeune_id": str(dossier.id), "profile": {"neet": False}}


def test_published_events_carry_the_envelope_and_no_sealed_data():
    dossier = welcome()
    envelope = dossier.timeline[0].to_envelope()
    assert envelope.event_type == "intake.FirstWelcomeRecorded"
    assert envelope.stream_id == envelope.payload.jeune_id == dossier.id
    assert (envelope.ml_id, envelope.actor_id, envelope.correlation_id) == ("ML-A", "c1", CTX.correlation_id)
    assert "sealed" not in envelope.model_dump_json()
