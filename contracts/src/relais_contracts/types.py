"""Field types shared by every event contract.

Strict scalars (no "1" → 1, no 0 → False) with the constraints of `shared/spec/events.md`;
dates and instants are parsed from their JSON strings.
"""

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, Field, StrictBool, StrictInt, StrictStr, StringConstraints

Uuid = UUID
Instant = AwareDatetime  # RFC 3339 with an offset
CalendarDate = date  # YYYY-MM-DD, Europe/Paris
Bool = StrictBool
Count = Annotated[StrictInt, Field(ge=0)]
PositiveInt = Annotated[StrictInt, Field(ge=1)]
Cents = Annotated[StrictInt, Field(ge=0, description="euro cents")]
Month = Annotated[StrictStr, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
MlId = Annotated[StrictStr, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
InseeCode = Annotated[StrictStr, StringConstraints(pattern=r"^[0-9][0-9AB][0-9]{3}$")]
# A short code or label (a site, a partner, a funder): bounded so that no note can hide in it.
Code = Annotated[StrictStr, StringConstraints(min_length=1, max_length=64)]
ActorId = Annotated[StrictStr, StringConstraints(min_length=1, max_length=128)]
