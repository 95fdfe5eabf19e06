"""Fold events into fresh read models and ask for the indicator document, as the service does."""

from datetime import date, datetime

from relais_cli.audit import scratch_engine
from relais_contracts import Envelope
from relais_reporting.indicators import Query, compute
from relais_reporting.projection import apply


def document(
    events: list[Envelope],
    start: str = "2023-01-01",
    end: str = "2023-12-31",
    ml_id: str | None = "ML-A",
    as_of: datetime | None = None,
    engine=None,
) -> dict:
    engine = engine or scratch_engine()
    with engine.begin() as conn:
        apply(conn, events)
    with engine.connect() as conn:
        return compute(conn, Query(date.fromisoformat(start), date.fromisoformat(end), ml_id, as_of))


def figures(events: list[Envelope], **kwargs) -> dict:
    return document(events, **kwargs)["indicators"]
