"""Calendar arithmetic the rules and the indicators share: one definition of each."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Business dates are Paris dates (events.md): a fact of 00:30 on 2 January in Paris is of 2 January.
PARIS = ZoneInfo("Europe/Paris")


def paris_date(instant: datetime) -> date:
    return instant.astimezone(PARIS).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or the month's last day when it has no such day:
    31 January + 1 month = 29 February 2024."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def last_day_of(start: date, months: int) -> date:
    """The last day of a period of `months` months that starts on `start`: a 6-month contract
    from 15 March ends on 14 September at the latest."""
    return add_months(start, months) - timedelta(days=1)


def age_on(birth_date: date, day: date) -> int:
    """Age in completed years on `day`."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
