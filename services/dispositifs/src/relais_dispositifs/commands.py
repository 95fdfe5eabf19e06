"""The commands counselors give to the dispositifs service, as typed objects: the API receives
them as request bodies (their bounds are the API's), the application handles them."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from relais_contracts.events import dispositifs as contract
from relais_contracts.types import Cents, Month, ReferenceCode, WeeklyHours
from relais_runtime.bounds import RecentDay, RecentInstant

_STRICT = ConfigDict(extra="forbid")


class EnterRequest(BaseModel):
    model_config = _STRICT
    programme: contract.Programme
    start_date: RecentDay
    planned_end_date: RecentDay | None = None
    partner: ReferenceCode | None = None
    weekly_hours: WeeklyHours | None = None
    occurred_at: RecentInstant | None = None


class DatedReason(BaseModel):
    model_config = _STRICT
    date: RecentDay
    reason: ReferenceCode
    occurred_at: RecentInstant | None = None


class ExtendRequest(BaseModel):
    model_config = _STRICT
    new_planned_end_date: RecentDay
    occurred_at: RecentInstant | None = None


class ExitRequest(BaseModel):
    model_config = _STRICT
    exit_date: RecentDay
    reason: contract.ExitReason
    exit_situation: contract.ExitSituation
    occurred_at: RecentInstant | None = None


class AllowanceRequest(BaseModel):
    model_config = _STRICT
    month: Month
    amount_cents: Annotated[Cents, Field(gt=0)]
    occurred_at: RecentInstant | None = None


class PaymentRequest(BaseModel):
    model_config = _STRICT
    amount_cents: Annotated[Cents, Field(gt=0)] | None = Field(None, description="Default: the amount requested")
    occurred_at: RecentInstant | None = None


class AidRequest(BaseModel):
    model_config = _STRICT
    kind: contract.AidKind
    amount_cents: Annotated[Cents, Field(gt=0)]
    funder: ReferenceCode
    occurred_at: RecentInstant | None = None


class ReferralRequest(BaseModel):
    model_config = _STRICT
    domain: contract.ReferralDomain
    partner: ReferenceCode
    occurred_at: RecentInstant | None = None


class CancelRequest(BaseModel):
    """v2.md, E2: an entry recorded by mistake, cancelled with one of the catalogue's reasons."""

    model_config = _STRICT
    reason: contract.CancelReason
    occurred_at: RecentInstant | None = None


class ObjectiveRequest(BaseModel):
    """v2.md, E3: how many entries the funder expects in a programme over a year."""

    model_config = _STRICT
    programme: contract.Programme
    year: int = Field(ge=2000, le=2100)
    target: int = Field(ge=0, le=100_000)
    occurred_at: RecentInstant | None = None
