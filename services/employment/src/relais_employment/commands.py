"""The commands counselors give to the employment service, as typed objects: the API receives
them as request bodies (their bounds are the API's), the application handles them."""

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from relais_contracts.events import employment as contract
from relais_contracts.types import InseeCode, Positions, WeeklyHours
from relais_runtime.bounds import RecentDay, RecentInstant

_STRICT = ConfigDict(extra="forbid")


class Command(BaseModel):
    model_config = _STRICT
    occurred_at: RecentInstant | None = None


class EmployerRequest(Command):
    name: contract.EmployerName
    sector: contract.RomeDomain
    size_band: contract.SizeBand
    commune_insee: InseeCode


class OfferRequest(Command):
    employer_id: uuid.UUID
    sector: contract.RomeDomain
    contract_type: contract.ContractType
    positions: Positions
    commune_insee: InseeCode


class CloseOfferRequest(Command):
    outcome: contract.OfferOutcome


class ReferralRequest(Command):
    jeune_id: uuid.UUID


class OutcomeRequest(Command):
    outcome: contract.ReferralOutcome


class ContractRequest(Command):
    contract_type: contract.ContractType
    start_date: RecentDay
    end_date: RecentDay | None = None
    weekly_hours: Annotated[WeeklyHours, Field(ge=1, le=48)]
    sector: contract.RomeDomain
    employer_id: uuid.UUID | None = None
    offer_id: uuid.UUID | None = None


class ImmersionRequest(Command):
    employer_id: uuid.UUID
    start_date: RecentDay
    end_date: RecentDay
    objective: contract.ImmersionObjective


class TrainingRequest(Command):
    training_type: contract.TrainingType
    funder: contract.Funder
    regional_plan: bool
    start_date: RecentDay
    end_date: RecentDay


class CivicServiceRequest(Command):
    start_date: RecentDay
    end_date: RecentDay


class EndRequest(Command):
    end_date: RecentDay
    reason: contract.EndReason


class CancelRequest(Command):
    """v2.md, E2: an entry recorded by mistake, cancelled with one of the catalogue's reasons."""

    reason: contract.CancelReason


class SessionRequest(Command):
    employer_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    sector: contract.RomeDomain
    date: RecentDay
    participants: list[uuid.UUID] = Field(min_length=1, max_length=500)


# What a young person may begin: each command its situation.
SituationCommand = ContractRequest | ImmersionRequest | TrainingRequest | CivicServiceRequest
