"""One valid payload of every event type, and envelopes around them, for tests."""

import uuid
from datetime import UTC, date, datetime

from relais_contracts import PAYLOAD_TYPES, Envelope, Payload, make_envelope
from relais_contracts.events import dispositifs as d
from relais_contracts.events import employment as e
from relais_contracts.events import intake as i

JEUNE = uuid.UUID("00000000-0000-4000-8000-000000000001")
OTHER = uuid.UUID("00000000-0000-4000-8000-000000000002")
EMPLOYER = uuid.UUID("00000000-0000-4000-8000-0000000000e1")
OFFER = uuid.UUID("00000000-0000-4000-8000-0000000000f1")

PROFILE = i.Profile(
    birth_month="2005-03",
    sex="F",
    commune_insee="94003",
    qpv=True,
    zrr=False,
    education_level=3,
    diploma=False,
    rqth=False,
    housing="parents",
    driving_licence=False,
    has_car=False,
    children=0,
    nationality_zone="fr",
    france_travail_registered=True,
    neet=True,
)


def sample_payloads() -> dict[str, Payload]:
    samples: list[Payload] = [
        i.FirstWelcomeRecorded(
            jeune_id=JEUNE,
            nature="individual_interview",
            mode="on_site",
            site="ARCUEIL",
            referral_source="france_travail",
            requests=["employment", "housing"],
            profile=PROFILE,
        ),
        i.ProfileUpdated(jeune_id=JEUNE, profile=i.ProfileChange(commune_insee="94041", neet=False)),
        i.DossierEventRecorded(
            jeune_id=JEUNE,
            nature="workshop",
            mode="on_site",
            themes=["employment"],
            session_id=uuid.UUID(int=7),
            duration_minutes=90,
        ),
        i.DossierEventCancelled(jeune_id=JEUNE, cancelled_event_id=uuid.UUID(int=9), reason="duplicate"),
        i.DossierClosed(jeune_id=JEUNE, reason="autonomous"),
        i.DossierReopened(jeune_id=JEUNE),
        d.ProgrammeEntered(
            jeune_id=JEUNE,
            programme="CEJ",
            start_date=date(2023, 2, 1),
            planned_end_date=date(2024, 1, 31),
            partner=None,
            weekly_hours=15,
        ),
        d.ProgrammeSuspended(jeune_id=JEUNE, programme="CEJ", date=date(2023, 5, 1), reason="health"),
        d.ProgrammeResumed(jeune_id=JEUNE, programme="CEJ", date=date(2023, 6, 1), reason="recovered"),
        d.ProgrammeExtended(jeune_id=JEUNE, programme="CEJ", new_planned_end_date=date(2024, 7, 31)),
        d.ProgrammeExited(
            jeune_id=JEUNE,
            programme="CEJ",
            exit_date=date(2024, 3, 1),
            reason="employment",
            exit_situation="employment",
        ),
        d.AllowanceRequested(jeune_id=JEUNE, programme="CEJ", month="2023-03", amount_cents=52856),
        d.AllowancePaid(
            jeune_id=JEUNE, programme="CEJ", month="2023-03", amount_cents=52856, request_event_id=uuid.UUID(int=11)
        ),
        d.FinancialAidGranted(jeune_id=JEUNE, kind="mobility_voucher", amount_cents=5000, funder="region"),
        d.SocialReferralMade(jeune_id=JEUNE, domain="housing", partner="CLLAJ"),
        d.EntryCancelled(jeune_id=JEUNE, cancelled_event_id=uuid.UUID(int=12), reason="entry_error"),
        d.ObjectiveSet(programme="CEJ", year=2023, target=243),
        e.EmployerRegistered(
            employer_id=EMPLOYER, name="Boulangerie du Centre", sector="D", size_band="0-9", commune_insee="94003"
        ),
        e.JobOfferReceived(
            offer_id=OFFER, employer_id=EMPLOYER, sector="D", contract_type="CDD", positions=2, commune_insee="94003"
        ),
        e.JobOfferClosed(offer_id=OFFER, outcome="filled"),
        e.CandidateReferred(offer_id=OFFER, jeune_id=JEUNE),
        e.ReferralOutcomeRecorded(offer_id=OFFER, jeune_id=JEUNE, outcome="hired"),
        e.ContractSigned(
            jeune_id=JEUNE,
            contract_type="CDD",
            start_date=date(2023, 4, 3),
            end_date=date(2023, 10, 31),
            weekly_hours=35,
            sector="D",
            employer_id=EMPLOYER,
            offer_id=OFFER,
        ),
        e.ImmersionStarted(
            jeune_id=OTHER,
            employer_id=EMPLOYER,
            start_date=date(2023, 3, 6),
            end_date=date(2023, 3, 17),
            objective="discover",
        ),
        e.TrainingEntered(
            jeune_id=OTHER,
            training_type="qualifying",
            funder="region",
            regional_plan=True,
            start_date=date(2023, 9, 4),
            end_date=date(2024, 6, 28),
        ),
        e.CivicServiceStarted(jeune_id=OTHER, start_date=date(2023, 10, 1), end_date=date(2024, 5, 31)),
        e.SituationEnded(
            jeune_id=JEUNE, situation_event_id=uuid.UUID(int=21), end_date=date(2023, 9, 30), reason="early_termination"
        ),
        e.EntryCancelled(jeune_id=JEUNE, cancelled_event_id=uuid.UUID(int=22), reason="duplicate"),
        e.RecruitmentSessionHeld(
            session_id=uuid.UUID(int=31),
            employer_ids=[EMPLOYER],
            sector="D",
            date=date(2023, 6, 15),
            participants=[JEUNE, OTHER],
        ),
    ]
    by_type = {p.event_type: p for p in samples}
    assert set(by_type) == set(PAYLOAD_TYPES), "a sample is missing for a catalogue type"
    return by_type


def envelope_of(payload: Payload, position: int = 1, ml_id: str = "ML-INNOVAM") -> Envelope:
    stream_id = getattr(payload, "jeune_id", None) or getattr(payload, "offer_id", None) or uuid.uuid4()
    if isinstance(payload, (e.EmployerRegistered,)):
        stream_id = payload.employer_id
    at = datetime(2023, 3, 14, 9, 30, tzinfo=UTC)
    return make_envelope(
        payload,
        ml_id=ml_id,
        stream_id=stream_id,
        stream_position=position,
        occurred_at=at,
        recorded_at=at,
        actor_id="counselor-42",
        correlation_id=uuid.UUID(int=99),
        causation_id=None,
    )
