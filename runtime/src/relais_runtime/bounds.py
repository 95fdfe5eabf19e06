"""What a command may say about time: business dates near today, not merely valid dates.

The contracts accept any date of 1900–2100 (history must stay readable); a counselor records
what happens now, what happened in the last years, or what is planned for the next ones. Anything
further is a typing mistake (2203 for 2023), refused with a 422 that names the field before it
reaches the domain. These checks are relative to today, so they belong to the API, never to the
contracts a replay reads years later.
"""

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator
from relais_contracts.types import Day, Instant

YEARS_BACK = 10  # a late entry (a contract signed years ago) is still welcome
YEARS_AHEAD = 5  # an apprenticeship planned now may end four years from now


def _years_from_today(years: int) -> date:
    today = date.today()
    return today.replace(year=today.year + years, day=min(today.day, 28))


def _near_today(day: date) -> date:
    if not _years_from_today(-YEARS_BACK) <= day <= _years_from_today(YEARS_AHEAD):
        raise ValueError(f"must be within {YEARS_BACK} years before and {YEARS_AHEAD} years after today")
    return day


def _recent(instant: datetime) -> datetime:
    _near_today(instant.astimezone(UTC).date())
    return instant


def _born(day: date) -> date:
    if day > date.today():
        raise ValueError("cannot be in the future")
    return day


# A business date of a new command: a start, an end, an exit, a payment month's day...
RecentDay = Annotated[Day, AfterValidator(_near_today)]
# When a new command's fact happened (`occurred_at`); the domain refuses the future itself.
RecentInstant = Annotated[Instant, AfterValidator(_recent)]
BirthDate = Annotated[Day, AfterValidator(_born)]
