"""Calendar arithmetic the rules and the indicators share."""

from datetime import date


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
