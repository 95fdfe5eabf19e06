"""Field types shared by every event contract.

Strict scalars (no "1" → 1, no 0 → False) with the constraints of `shared/spec/events.md`;
dates and instants are parsed from their JSON strings.

Every number, date, list and string has a realistic bound: an event that passes these types can
be stored, published (well under Kafka's message limit) and folded (no date arithmetic or
integer column overflows) by every service. The bounds are wide enough for any real history.
"""

from datetime import date, datetime
from typing import Annotated, TypeVar
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, Field, StrictBool, StrictInt, StrictStr, StringConstraints

# The calendar Relais accepts at all (history included). Business dates of new commands are
# narrower (relais_runtime.bounds).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def _instant_in_range(value: datetime) -> datetime:
    # Compared on the wall-clock year: converting year 1 or 9999 to UTC would itself overflow.
    if not EARLIEST_DAY.year <= value.year <= LATEST_DAY.year:
        raise ValueError(f"must be between {EARLIEST_DAY.year} and {LATEST_DAY.year}")
    return value


Uuid = UUID
Instant = Annotated[AwareDatetime, AfterValidator(_instant_in_range)]  # RFC 3339 with an offset
Day = Annotated[date, Field(ge=EARLIEST_DAY, le=LATEST_DAY)]  # YYYY-MM-DD, Europe/Paris
Bool = StrictBool


Count = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
PositiveInt = Annotated[StrictInt, Field(ge=1, le=2_147_483_647)]  # fits a 32-bit column
SchemaVersion = Annotated[StrictInt, Field(ge=1, le=100)]
# Money: at most 10 000 € in one allowance, aid or payment (the largest aids are a few thousand).
Cents = Annotated[StrictInt, Field(ge=0, le=1_000_000, description="euro cents, at most 10 000 €")]
Children = Annotated[StrictInt, Field(ge=0, le=20)]
Minutes = Annotated[StrictInt, Field(ge=0, le=24 * 60, description="minutes, at most a day")]
WeeklyHours = Annotated[StrictInt, Field(ge=0, le=60, description="hours a week")]
Positions = Annotated[StrictInt, Field(ge=1, le=1000)]
Month = Annotated[StrictStr, StringConstraints(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")]
MlId = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
InseeCode = Annotated[StrictStr, StringConstraints(pattern=r"^[0-9][0-9AB][0-9]{3}$")]
# A short code or label (a site, a partner, a funder): bounded so that no note can hide in it.
# History may hold short labels written before `ReferenceCode`; what commands write now is one.
Code = Annotated[StrictStr, StringConstraints(min_length=1, max_length=64)]
# What a command may write in a `Code` field: a code (CLLAJ, SIEGE, mission-locale-nord), never a
# sentence. Spaces are refused, so that no name or note travels on Kafka, kept for ever.
ReferenceCode = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")]
ActorId = Annotated[StrictStr, StringConstraints(min_length=1, max_length=128)]

Item = TypeVar("Item")


def unique_items(items: list[Item]) -> list[Item]:
    if len(set(items)) != len(items):
        raise ValueError("items must be unique")
    return items


# A list of enumeration values: each at most once, so its length is bounded by the enumeration.
UniqueList = Annotated[list[Item], AfterValidator(unique_items)]
