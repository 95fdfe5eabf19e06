"""What a service knows of a young person without calling intake, and the ages Missions Locales
serve."""

import uuid
from dataclasses import dataclass
from datetime import date

from relais_runtime.kernel.calendar import age_on

# Missions Locales serve 16–25 year olds, up to 29 with a recognised disability (RQTH):
# Code du travail L5314-2 (missions locales) and the programmes' own texts (see each domain).
MIN_AGE, MAX_AGE, MAX_AGE_RQTH = 16, 25, 29


def birthday_of_month(birth_month: str) -> date:
    """The 1st of the birth month stands for the birthday when only the month travels
    (indicators.md, rule 7)."""
    year, month = map(int, birth_month.split("-"))
    return date(year, month, 1)


@dataclass(frozen=True)
class YouthFacts:
    jeune_id: uuid.UUID
    ml_id: str
    birth_month: str
    rqth: bool
    closed: bool

    @property
    def birthday(self) -> date:
        return birthday_of_month(self.birth_month)

    def age_on(self, day: date) -> int:
        return age_on(self.birthday, day)
