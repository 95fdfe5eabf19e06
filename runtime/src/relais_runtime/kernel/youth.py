"""What a service knows of a young person without calling intake, and the ages Missions Locales
serve."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from relais_runtime.kernel.calendar import add_months, age_on, last_day_of

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
    """What the dispositifs and employment services know of a young person.

    Only the birth month travels (events.md: no birth date on Kafka), so an age is known to within
    a month. Every age limit is decided in the young person's favour within the birthday's month:
    a lower limit with the oldest age they may have (born on the 1st), an upper limit with the
    youngest (born on the month's last day). A 25-year-old is therefore never refused a programme
    up to a month early, and a 16-year-old is never refused a month late."""

    jeune_id: uuid.UUID
    ml_id: str
    birth_month: str
    rqth: bool
    closed: bool
    # From the profile; None when not known yet (a fact is then decided in the young person's favour).
    neet: bool | None = None
    education_level: int | None = None
    diploma: bool | None = None

    @property
    def earliest_birthday(self) -> date:
        return birthday_of_month(self.birth_month)

    @property
    def latest_birthday(self) -> date:
        return last_day_of(self.earliest_birthday, 1)

    def oldest_age_on(self, day: date) -> int:
        """For a lower limit ("from 16")."""
        return age_on(self.earliest_birthday, day)

    def youngest_age_on(self, day: date) -> int:
        """For an upper limit ("up to 25")."""
        return age_on(self.latest_birthday, day)

    def within_ages(self, day: date, lowest: int, highest: int) -> bool:
        """`lowest` to `highest` years old on `day` (in completed years), in the young person's favour."""
        return self.oldest_age_on(day) >= lowest and self.youngest_age_on(day) <= highest

    @property
    def without_qualification(self) -> bool:
        """Has not completed upper secondary education nor holds a vocational diploma (Code du
        travail, L6325-1-1): no diploma at level 3 (CAP, BEP) or above. Unknown counts as without."""
        return not (self.diploma and (self.education_level or 0) >= 3)

    def eve_of_birthday(self, age: int) -> date:
        """The last day before the `age`-th birthday, at the latest it may be (an end "by the eve
        of the 26th birthday")."""
        return add_months(self.latest_birthday, 12 * age) - timedelta(days=1)
