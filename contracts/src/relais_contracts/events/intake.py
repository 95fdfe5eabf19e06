"""intake — the dossier of a young person (`stream_id` = `jeune_id`)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from relais_contracts.envelope import Payload
from relais_contracts.types import Bool, Children, Code, InseeCode, Minutes, Month, UniqueList, Uuid

ReferralSource = Literal[
    "self",
    "family_friends",
    "france_travail",
    "school",
    "cio_psad",
    "social_services",
    "justice",
    "prij",
    "housing_partner",
    "association",
    "employer",
    "city_services",
    "other",
]
Request = Literal[
    "employment",
    "training",
    "orientation",
    "housing",
    "health",
    "mobility",
    "finance",
    "rights_access",
    "citizenship_leisure",
]
Sex = Literal["F", "M", "X"]
Housing = Literal["parents", "own", "hosted", "precarious", "homeless", "collective_residence", "other"]
NationalityZone = Literal["fr", "eu", "non_eu"]
EducationLevel = Literal[1, 2, 3, 4, 5, 6, 7, 8]
Nature = Literal[
    "individual_interview",
    "workshop",
    "group_information",
    "phone",
    "email",
    "sms",
    "letter",
    "visit",
    "administrative",
    "correction",
]
Mode = Literal["on_site", "remote", "outreach"]
# v2.md, E1: the natures a first welcome takes in the national system.
WelcomeNature = Literal["individual_interview", "group_information", "workshop", "phone", "visit"]
Theme = Literal[
    "employment",
    "training",
    "project",
    "health",
    "housing",
    "mobility",
    "finance",
    "rights_access",
    "citizenship",
    "leisure_culture_sport",
]
CloseReason = Literal["moved", "age_limit", "no_contact", "autonomous", "other"]
CancelReason = Literal["entry_error", "duplicate", "did_not_happen", "wrong_youth", "other"]


class Profile(BaseModel):
    """The coarse profile reporting needs: never a name, a birth date or an address."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    birth_month: Month
    sex: Sex
    commune_insee: InseeCode
    qpv: Bool
    zrr: Bool
    education_level: EducationLevel
    diploma: Bool
    rqth: Bool
    housing: Housing
    driving_licence: Bool
    has_car: Bool
    children: Children
    nationality_zone: NationalityZone
    france_travail_registered: Bool
    neet: Bool


class ProfileChange(BaseModel):
    """A Profile with only the changed fields (the others absent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    birth_month: Month | None = None
    sex: Sex | None = None
    commune_insee: InseeCode | None = None
    qpv: Bool | None = None
    zrr: Bool | None = None
    education_level: EducationLevel | None = None
    diploma: Bool | None = None
    rqth: Bool | None = None
    housing: Housing | None = None
    driving_licence: Bool | None = None
    has_car: Bool | None = None
    children: Children | None = None
    nationality_zone: NationalityZone | None = None
    france_travail_registered: Bool | None = None
    neet: Bool | None = None

    @model_serializer(mode="wrap")
    # Unannotated on purpose: pydantic would publish a return annotation as the JSON Schema.
    def _only_changed(self, handler):  # type: ignore[no-untyped-def]
        # the fields left out stay out of the JSON
        return {k: v for k, v in handler(self).items() if v is not None}


class FirstWelcomeRecorded(Payload):
    """Version 2 (v2.md, E1): the welcome has a `nature` and a `mode`, like any événement dossier
    (a collective welcome is a group_information; the mobile office's, mode outreach). A version 1
    payload is upcast to an individual interview on site (`upcasting.py`)."""

    event_type = "intake.FirstWelcomeRecorded"
    schema_version = 2
    jeune_id: Uuid
    nature: WelcomeNature
    mode: Mode
    site: Code
    referral_source: ReferralSource
    requests: UniqueList[Request]
    profile: Profile


class ProfileUpdated(Payload):
    event_type = "intake.ProfileUpdated"
    jeune_id: Uuid
    profile: ProfileChange


class DossierEventRecorded(Payload):
    event_type = "intake.DossierEventRecorded"
    jeune_id: Uuid
    nature: Nature
    mode: Mode
    themes: UniqueList[Theme]
    session_id: Uuid | None = Field(...)
    duration_minutes: Minutes | None = Field(...)


class DossierEventCancelled(Payload):
    """Version 2: `reason` is a code. Version 1 allowed free text, which could carry personal
    details onto Kafka; `upcasting.py` turns a version 1 payload into this one."""

    event_type = "intake.DossierEventCancelled"
    schema_version = 2
    jeune_id: Uuid
    cancelled_event_id: Uuid
    reason: CancelReason


class DossierClosed(Payload):
    event_type = "intake.DossierClosed"
    jeune_id: Uuid
    reason: CloseReason


class DossierReopened(Payload):
    event_type = "intake.DossierReopened"
    jeune_id: Uuid


PAYLOADS: list[type[Payload]] = [
    FirstWelcomeRecorded,
    ProfileUpdated,
    DossierEventRecorded,
    DossierEventCancelled,
    DossierClosed,
    DossierReopened,
]
