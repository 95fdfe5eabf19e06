"""dispositifs — programmes and aids (`stream_id` = the enrolment or aid)."""

from typing import Annotated, Literal

from pydantic import Field, StrictInt

from relais_contracts.envelope import Payload
from relais_contracts.events.intake import CancelReason as CancelReason
from relais_contracts.types import Cents, Code, Count, Day, Month, Uuid, WeeklyHours

Programme = Literal[
    "PACEA",
    "CEJ",
    "CEJ_JR",
    "PPAE",
    "PIAL",
    "PRIJ",
    "POP",
    "SPONSORSHIP",
    "TRAINING_OBLIGATION",
    "INTL_MOBILITY",
    "JUSTICE_FOLLOWUP",
    "OUTREACH",
    "RSA_SUPPORT",
]
AllowanceProgramme = Literal["PACEA", "CEJ"]
ExitReason = Literal[
    "completed",
    "employment",
    "training",
    "alternance",
    "moved",
    "abandonment",
    "age_limit",
    "sanction",
    "other",
]
ExitSituation = Literal["employment", "alternance", "training", "schooling", "volunteering", "none", "unknown"]
AidKind = Literal["mobility_voucher", "service_ticket", "faj", "housing", "other"]
ReferralDomain = Literal["housing", "emergency_housing", "health", "mental_health", "disability", "justice", "rights"]


class ProgrammeEntered(Payload):
    event_type = "dispositifs.ProgrammeEntered"
    jeune_id: Uuid
    programme: Programme
    start_date: Day
    planned_end_date: Day | None = Field(...)
    partner: Code | None = Field(...)
    weekly_hours: WeeklyHours | None = Field(...)


class ProgrammeSuspended(Payload):
    event_type = "dispositifs.ProgrammeSuspended"
    jeune_id: Uuid
    programme: Programme
    date: Day
    reason: Code


class ProgrammeResumed(Payload):
    event_type = "dispositifs.ProgrammeResumed"
    jeune_id: Uuid
    programme: Programme
    date: Day
    reason: Code


class ProgrammeExtended(Payload):
    event_type = "dispositifs.ProgrammeExtended"
    jeune_id: Uuid
    programme: Programme
    new_planned_end_date: Day


class ProgrammeExited(Payload):
    event_type = "dispositifs.ProgrammeExited"
    jeune_id: Uuid
    programme: Programme
    exit_date: Day
    reason: ExitReason
    exit_situation: ExitSituation


class AllowanceRequested(Payload):
    event_type = "dispositifs.AllowanceRequested"
    jeune_id: Uuid
    programme: AllowanceProgramme
    month: Month
    amount_cents: Cents


class AllowancePaid(Payload):
    event_type = "dispositifs.AllowancePaid"
    jeune_id: Uuid
    programme: AllowanceProgramme
    month: Month
    amount_cents: Cents
    request_event_id: Uuid


class FinancialAidGranted(Payload):
    event_type = "dispositifs.FinancialAidGranted"
    jeune_id: Uuid
    kind: AidKind
    amount_cents: Cents
    funder: Code


class SocialReferralMade(Payload):
    event_type = "dispositifs.SocialReferralMade"
    jeune_id: Uuid
    domain: ReferralDomain
    partner: Code


class EntryCancelled(Payload):
    """v2.md, E2: an entry recorded by mistake is cancelled, on the cancelled event's own stream;
    that event counts nowhere, nor what it carries with it (a programme entry: its whole
    enrolment; a situation start: its end)."""

    event_type = "dispositifs.EntryCancelled"
    jeune_id: Uuid
    cancelled_event_id: Uuid
    reason: CancelReason


class ObjectiveSet(Payload):
    """v2.md, E3: the number of entries the State (or another funder) expects from this Mission
    Locale in a programme over a calendar year, set by its director; the latest set by
    `occurred_at` counts. `stream_id` = uuid5 of (`ml_id`, `programme`, `year`)."""

    event_type = "dispositifs.ObjectiveSet"
    key_field = None
    programme: Programme
    year: Annotated[StrictInt, Field(ge=2000, le=2100)]
    target: Count


PAYLOADS: list[type[Payload]] = [
    ProgrammeEntered,
    ProgrammeSuspended,
    ProgrammeResumed,
    ProgrammeExtended,
    ProgrammeExited,
    AllowanceRequested,
    AllowancePaid,
    FinancialAidGranted,
    SocialReferralMade,
    EntryCancelled,
    ObjectiveSet,
]
