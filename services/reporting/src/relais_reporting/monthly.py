"""A year's monthly series (the reports' « par mois » charts): each month's value of a few
figures, by the same counting rules as the indicator document (`indicators.Filters`), in one
grouped query instead of twelve documents.

Each month's value is the figure of that month's own document: a young person accompanied in
March and in May counts in both months, once in each.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, distinct, func, select

from relais_reporting.indicators import ACCOMPANYING, SITUATION_TYPES, WORKSHOPS, Filters, Query
from relais_reporting.readmodel import events

# The series (a figure of the document, or the entries of every programme), with French captions.
SERIES = {
    "first_welcomes": "Premiers accueils par mois",
    "accompanied": "Jeunes accompagnés par mois",
    "individual_interviews": "Entretiens individuels par mois",
    "workshop_participations": "Présences en ateliers et informations collectives par mois",
    "situation_entries": "Entrées en situation par mois",
    "programme_entries": "Entrées en dispositif par mois",
}


@dataclass(frozen=True)
class MonthlySeries:
    ml_id: str | None
    year: int
    as_of: datetime | None
    series: dict[str, list[int]]  # twelve values each, January first

    def as_json(self) -> dict[str, Any]:
        return {
            "ml_id": self.ml_id,
            "year": self.year,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "series": self.series,
        }


def monthly(conn: Connection, year: int, ml_id: str | None = None, as_of: datetime | None = None) -> MonthlySeries:
    """The series of `year`, for one Mission Locale or (None) the network."""
    f = Filters.of(Query(date(year, 1, 1), date(year, 12, 31), ml_id, as_of), {ml_id} if ml_id is not None else None)
    dossier = events.c.event_type.in_(["intake.FirstWelcomeRecorded", "intake.DossierEventRecorded"])
    welcome = events.c.event_type == "intake.FirstWelcomeRecorded"

    def youths(condition: Any) -> Any:
        return func.count(distinct(case((condition, events.c.jeune_id))))

    def counted(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    month = func.substr(events.c.business_date, 6, 2).label("month")
    columns = {
        "first_welcomes": youths(welcome),
        "accompanied": youths(and_(dossier, events.c.nature.in_(ACCOMPANYING))),  # v2.md, R9
        "individual_interviews": counted(and_(dossier, events.c.nature == "individual_interview")),
        "workshop_participations": counted(and_(dossier, events.c.nature.in_(WORKSHOPS))),
        "situation_entries": counted(events.c.event_type.in_(SITUATION_TYPES)),
        "programme_entries": counted(events.c.event_type == "dispositifs.ProgrammeEntered"),
    }
    series = {key: [0] * 12 for key in SERIES}
    rows = conn.execute(select(month, *columns.values()).where(f.in_period).group_by(month)).all()
    for row in rows:
        for key, value in zip(columns, row[1:], strict=True):
            series[key][int(row[0]) - 1] = int(value or 0)
    return MonthlySeries(ml_id, year, as_of, series)
