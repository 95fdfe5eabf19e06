"""employment — employers, offers and situations."""

from typing import Annotated, Literal

from pydantic import Field, StrictStr, StringConstraints

from relais_contracts.envelope import Payload
from relais_contracts.events.intake import CancelReason as CancelReason
from relais_contracts.types import Bool, Day, InseeCode, Positions, Uuid, WeeklyHours

RomeDomain = Literal["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N"]
SizeBand = Literal["0-9", "10-49", "50-249", "250+"]
ContractType = Literal[
    "CDI",
    "CDD",
    "INTERIM",
    "SEASONAL",
    "APPRENTICESHIP",
    "PROFESSIONALISATION",
    "CAE",
    "CIE",
    "IAE",
]
OfferOutcome = Literal["filled", "cancelled", "expired"]
ReferralOutcome = Literal["hired", "rejected", "withdrawn", "no_answer"]
ImmersionObjective = Literal["discover", "confirm", "recruit"]
TrainingType = Literal[
    "qualifying",
    "pre_qualifying",
    "certifying",
    "language",
    "e2c",
    "epide",
    "poei",
    "poec",
    "schooling",
    "higher_education",
]
Funder = Literal["region", "state", "france_travail", "opco", "other"]
EndReason = Literal["completed", "early_termination", "dismissal", "resignation", "abandonment", "other"]
# An employer's trade name: a company, not a person, so it may travel.
EmployerName = Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]


class EmployerRegistered(Payload):
    event_type = "employment.EmployerRegistered"
    key_field = None
    employer_id: Uuid
    name: EmployerName
    sector: RomeDomain
    size_band: SizeBand
    commune_insee: InseeCode


class JobOfferReceived(Payload):
    event_type = "employment.JobOfferReceived"
    key_field = None
    offer_id: Uuid
    employer_id: Uuid
    sector: RomeDomain
    contract_type: ContractType
    positions: Positions
    commune_insee: InseeCode


class JobOfferClosed(Payload):
    event_type = "employment.JobOfferClosed"
    key_field = None
    offer_id: Uuid
    outcome: OfferOutcome


class CandidateReferred(Payload):
    event_type = "employment.CandidateReferred"
    offer_id: Uuid
    jeune_id: Uuid


class ReferralOutcomeRecorded(Payload):
    event_type = "employment.ReferralOutcomeRecorded"
    offer_id: Uuid
    jeune_id: Uuid
    outcome: ReferralOutcome


class ContractSigned(Payload):
    event_type = "employment.ContractSigned"
    jeune_id: Uuid
    contract_type: ContractType
    start_date: Day
    end_date: Day | None = Field(...)
    weekly_hours: WeeklyHours
    sector: RomeDomain
    employer_id: Uuid | None = Field(...)
    offer_id: Uuid | None = Field(...)


class ImmersionStarted(Payload):
    event_type = "employment.ImmersionStarted"
    jeune_id: Uuid
    employer_id: Uuid
    start_date: Day
    end_date: Day
    objective: ImmersionObjective


class TrainingEntered(Payload):
    event_type = "employment.TrainingEntered"
    jeune_id: Uuid
    training_type: TrainingType
    funder: Funder
    regional_plan: Bool
    start_date: Day
    end_date: Day


class CivicServiceStarted(Payload):
    event_type = "employment.CivicServiceStarted"
    jeune_id: Uuid
    start_date: Day
    end_date: Day


class SituationEnded(Payload):
    event_type = "employment.SituationEnded"
    jeune_id: Uuid
    situation_event_id: Uuid
    end_date: Day
    reason: EndReason


class RecruitmentSessionHeld(Payload):
    event_type = "employment.RecruitmentSessionHeld"
    key_field = None
    session_id: Uuid
    employer_ids: Annotated[list[Uuid], Field(max_length=20)]
    sector: RomeDomain
    date: Day
    participants: Annotated[list[Uuid], Field(max_length=500)]


class EntryCancelled(Payload):
    """v2.md, E2: an entry recorded by mistake is cancelled, on the cancelled event's own stream;
    that event counts nowhere, nor what it carries with it (a programme entry: its whole
    enrolment; a situation start: its end)."""

    event_type = "employment.EntryCancelled"
    jeune_id: Uuid
    cancelled_event_id: Uuid
    reason: CancelReason


PAYLOADS: list[type[Payload]] = [
    EmployerRegistered,
    JobOfferReceived,
    JobOfferClosed,
    CandidateReferred,
    ReferralOutcomeRecorded,
    ContractSigned,
    ImmersionStarted,
    TrainingEntered,
    CivicServiceStarted,
    SituationEnded,
    RecruitmentSessionHeld,
    EntryCancelled,
]
