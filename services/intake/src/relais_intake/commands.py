"""The commands counselors and directors give to the intake service, as typed objects: the API
receives them as request bodies (their bounds are the API's), the application handles them.
Personal fields (names, birth date, contacts, address) are sealed by the application, never
stored in clear."""

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model, field_validator
from relais_contracts.events import intake as contract
from relais_contracts.types import Minutes, ReferenceCode, UniqueList
from relais_runtime.bounds import BirthDate, RecentInstant

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=30, pattern=r"^\+?[0-9 .()-]{6,30}$")]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]

_STRICT = ConfigDict(extra="forbid")
# The profile a counselor enters: the contract's, less birth_month (derived from birth_date).
WelcomeProfile = create_model(
    "WelcomeProfile",
    __config__=_STRICT,
    **{n: (f.annotation, f) for n, f in contract.Profile.model_fields.items() if n != "birth_month"},
)
ProfilePatch = create_model(
    "ProfilePatch",
    __config__=_STRICT,
    **{n: (f.annotation, f) for n, f in contract.ProfileChange.model_fields.items() if n != "birth_month"},
)


class WelcomeRequest(BaseModel):
    model_config = _STRICT
    first_name: Name
    last_name: Name
    birth_date: BirthDate
    email: Email | None = None
    phone: Phone | None = None
    address: Address | None = None
    # v2.md, E1: how the welcome took place; an individual interview on site when not said.
    nature: contract.WelcomeNature = "individual_interview"
    mode: contract.Mode = "on_site"
    site: ReferenceCode
    referral_source: contract.ReferralSource
    requests: UniqueList[contract.Request] = Field(min_length=1)
    profile: WelcomeProfile  # type: ignore[valid-type]
    occurred_at: RecentInstant | None = None


class UpdateRequest(BaseModel):
    model_config = _STRICT
    first_name: Name | None = None
    last_name: Name | None = None
    birth_date: BirthDate | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Address | None = None
    profile: ProfilePatch | None = None  # type: ignore[valid-type]
    occurred_at: RecentInstant | None = None

    @field_validator("first_name", "last_name", "birth_date", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Left out: unchanged. A name or a birth date cannot be removed, only corrected.
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep it")
        return value


class DossierEventRequest(BaseModel):
    model_config = _STRICT
    nature: contract.Nature
    mode: contract.Mode
    themes: UniqueList[contract.Theme] = []
    session_id: uuid.UUID | None = None
    duration_minutes: Minutes | None = None
    occurred_at: RecentInstant | None = None


class CancelRequest(BaseModel):
    model_config = _STRICT
    reason: contract.CancelReason


class CloseRequest(BaseModel):
    model_config = _STRICT
    reason: contract.CloseReason
    occurred_at: RecentInstant | None = None


class ReopenRequest(BaseModel):
    model_config = _STRICT
    occurred_at: RecentInstant | None = None


class EraseRequest(BaseModel):
    model_config = _STRICT
    reason: Literal["youth_request", "retention_period_expired", "other"] = Field(
        description="À la demande du jeune (RGPD, art. 17), fin de la durée de conservation, ou autre"
    )
