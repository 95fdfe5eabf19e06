"""The reporting HTTP API (shared/spec/api.md, "reporting")."""

import re
import uuid
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any

import orjson
from anyio import to_thread
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import AfterValidator, AwareDatetime, BaseModel, Field
from relais_runtime.auth import Principal, Role, current_principal, require
from relais_runtime.kernel.errors import Forbidden, NotFound, Problem
from sqlalchemy import Engine, select

from relais_reporting import report as activity
from relais_reporting.cache import IndicatorCache
from relais_reporting.catalogue import CATALOGUE, CHAPTERS, ROME_DOMAINS, VALUE_LABELS, IndicatorDocument
from relais_reporting.directory import Directory
from relais_reporting.indicators import Query as IndicatorQuery
from relais_reporting.live import ReadModelVersion, indicator_events
from relais_reporting.monthly import SERIES, monthly
from relais_reporting.readmodel import events
from relais_reporting.spreadsheet import to_csv

INDICATOR_READERS = {Role.COUNSELOR, Role.DIRECTOR, Role.NETWORK_ANALYST, Role.AUDITOR, Role.ADMIN}
# The counselor's desk shows it on the dossier page (#18): no personal data, one Mission Locale.
TIMELINE = require(Role.COUNSELOR, Role.AUDITOR, Role.DIRECTOR, Role.ADMIN)
CATALOGUE_READERS = require(*INDICATOR_READERS, tenant=False)


class BadPeriod(Problem):
    status = 422
    rule = "validation"


class CatalogueFigure(BaseModel):
    key: str
    label: str
    chapter: str
    unit: str | None
    definition: str
    report_lines: tuple[str, ...]
    keys: str | None
    whole: str | None  # the figure its young people are a part of (`*`: the same value as the key's)


class CatalogueAnswer(BaseModel):
    chapters: dict[str, str]
    figures: list[CatalogueFigure]
    value_labels: dict[str, str]


class MonthlyAnswer(BaseModel):
    ml_id: str | None
    year: int
    as_of: str | None
    series: dict[str, list[int]]  # twelve values each, January first (monthly.SERIES)
    captions: dict[str, str] = dict(SERIES)


class TimelineEntry(BaseModel):
    event_id: uuid.UUID
    event_type: str
    stream_id: uuid.UUID = Field(description="The aggregate it belongs to: an aid, a referral, an enrolment…")
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    actor_id: str
    payload: dict[str, Any]


def indicator_query(
    who: Principal,
    ml_id: str | None,
    date_from: date | None,
    date_to: date | None,
    as_of: datetime | None,
) -> IndicatorQuery:
    """Check who may see what, and fill the defaults (the current calendar year)."""
    if who.role not in INDICATOR_READERS:
        raise Forbidden(f"Le rôle « {who.role} » ne permet pas de lire les indicateurs.")
    if ml_id is None and "*" not in who.ml_ids:
        raise Forbidden("Les indicateurs du réseau demandent un jeton pour toutes les Missions Locales.")
    if ml_id is not None and not who.may_access(ml_id):
        raise Forbidden(f"Ce jeton ne donne pas accès à la Mission Locale {ml_id}.")
    today = date.today()
    date_from = date_from or date(today.year, 1, 1)
    date_to = date_to or date(today.year, 12, 31)
    if date_from > date_to:
        raise BadPeriod(
            "La date de début est postérieure à la date de fin.",
            errors=[{"field": "query.from", "message": "after `to`", "type": "value_error"}],
        )
    return IndicatorQuery(date_from, date_to, ml_id, as_of)


def _realistic_instant(instant: datetime | None) -> datetime | None:
    # Years 1 or 9999 with an offset overflow once moved to UTC or to Paris time.
    if instant is not None and not 2000 <= instant.year <= 2100:
        raise ValueError("un instant entre l'an 2000 et l'an 2100")
    return instant


# Figures as the events recorded up to this instant made them (indicators.md, rule 2).
AsOf = Annotated[
    AwareDatetime | None,
    Query(description="Les événements enregistrés jusqu'à cet instant (entre 2000 et 2100)"),
    AfterValidator(_realistic_instant),
]


def asked(
    ml_id: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    as_of: AsOf = None,
    who: Principal = Depends(current_principal),
) -> IndicatorQuery:
    """The query of an indicator request, its reader allowed to see it."""
    return indicator_query(who, ml_id, date_from, date_to, as_of)


def build_router(
    engine: Engine, version: ReadModelVersion, cache: IndicatorCache, directory: Directory | None = None
) -> APIRouter:
    directory = directory or Directory()
    r = APIRouter(tags=["reporting"])

    def run(q: IndicatorQuery) -> dict[str, Any]:
        with engine.connect() as conn:
            return cache.compute(conn, q)

    @r.get(
        "/v1/indicators/stream",
        summary="Le document d'indicateurs, poussé à chaque changement (SSE)",
        response_class=StreamingResponse,
    )
    async def indicators_stream(
        request: Request,
        ml_id: Annotated[str | None, Query(max_length=64)] = None,
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        who: Principal = Depends(current_principal),
    ) -> StreamingResponse:
        q = indicator_query(who, ml_id, date_from, date_to, None)
        events = indicator_events(
            lambda: to_thread.run_sync(run, q), version, request.is_disconnected, expires_at=who.expires_at
        )
        return StreamingResponse(
            events, media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    # Declared, not validated on the way out: the computed document is checked against the
    # catalogue's model by the tests, and a network's is tens of thousands of figures.
    @r.get(
        "/v1/indicators",
        summary="Le document d'indicateurs (indicators.md)",
        response_model=None,
        responses={200: {"model": IndicatorDocument, "description": "Le document d'indicateurs"}},
    )
    async def indicators(q: IndicatorQuery = Depends(asked)) -> Response:
        # Serialised by orjson: a network's document is tens of thousands of figures, which
        # FastAPI's generic encoder took tens of milliseconds to walk (bench/README.md, query).
        return Response(orjson.dumps(await to_thread.run_sync(run, q)), media_type="application/json")

    @r.get(
        "/v1/indicators/monthly",
        summary="Les séries mois par mois d'une année (premiers accueils, accompagnés, entretiens…)",
    )
    async def indicators_monthly(
        year: Annotated[int, Query(ge=2000, le=2100)],
        ml_id: Annotated[str | None, Query(max_length=64)] = None,
        as_of: AsOf = None,
        who: Principal = Depends(current_principal),
    ) -> MonthlyAnswer:
        indicator_query(who, ml_id, date(year, 1, 1), date(year, 12, 31), as_of)  # the same access rules

        def series() -> MonthlyAnswer:
            with engine.connect() as conn:
                return MonthlyAnswer(**monthly(conn, year, ml_id, as_of).as_json())

        return await to_thread.run_sync(series)

    @r.get(
        "/v1/catalogue", summary="Le catalogue des chiffres : libellé, chapitre, unité, définition, ligne du rapport"
    )
    def catalogue(who: Principal = Depends(CATALOGUE_READERS)) -> CatalogueAnswer:
        return CatalogueAnswer(
            chapters=CHAPTERS,
            figures=[CatalogueFigure(**asdict(e)) for e in CATALOGUE.values()],
            value_labels={**VALUE_LABELS, **{f"rome.{k}": v for k, v in ROME_DOMAINS.items()}},
        )

    @r.get(
        "/v1/indicators.csv",
        summary="Le document d'indicateurs en tableur (une ligne par chiffre et Mission Locale)",
        response_class=Response,
        responses={200: {"content": {"text/csv": {}}}},
    )
    async def indicators_csv(q: IndicatorQuery = Depends(asked)) -> Response:
        doc = await to_thread.run_sync(run, q)
        who_for = re.sub(r"[^A-Za-z0-9_-]", "_", q.ml_id or "reseau")  # a file name, never a header's end
        name = f"relais-indicateurs-{who_for}-{q.date_from}-{q.date_to}.csv"
        return Response(
            to_csv(doc),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @r.get("/v1/directory", summary="L'annuaire du réseau : noms des Missions Locales, de leurs communes et sites")
    def network_directory(who: Principal = Depends(CATALOGUE_READERS)) -> Directory:
        return directory

    @r.get(
        "/v1/report",
        summary="Le rapport d'activité annuel du réseau (HTML imprimable)",
        response_class=HTMLResponse,
    )
    async def network_report(
        year: Annotated[int, Query(ge=2000, le=2100)],
        as_of: AsOf = None,
        who: Principal = Depends(current_principal),
    ) -> HTMLResponse:
        return await _report(who, None, year, as_of)

    @r.get(
        "/v1/{ml_id}/report",
        summary="Le rapport d'activité annuel d'une Mission Locale (HTML imprimable)",
        response_class=HTMLResponse,
    )
    async def report(
        ml_id: Annotated[str, Path(max_length=64)],
        year: Annotated[int, Query(ge=2000, le=2100)],
        as_of: AsOf = None,
        who: Principal = Depends(current_principal),
    ) -> HTMLResponse:
        return await _report(who, ml_id, year, as_of)

    async def _report(who: Principal, ml_id: str | None, year: int, as_of: datetime | None) -> HTMLResponse:
        indicator_query(who, ml_id, date(year, 1, 1), date(year, 12, 31), as_of)  # the same access rules

        def make() -> str:
            with engine.connect() as conn:
                return activity.render_html(activity.gather(conn, ml_id, year, directory, as_of=as_of))

        return HTMLResponse(await to_thread.run_sync(make), headers={"Cache-Control": "no-store"})

    @r.get("/v1/{ml_id}/youths/{jeune_id}/timeline", summary="Tous les événements d'un jeune, tous services")
    def timeline(ml_id: str, jeune_id: uuid.UUID, who: Principal = Depends(TIMELINE)) -> list[TimelineEntry]:
        with engine.connect() as conn:
            rows = (
                conn.execute(
                    select(events.c.envelope)
                    .where(events.c.jeune_id == jeune_id, events.c.ml_id == ml_id)
                    .order_by(events.c.occurred_us, events.c.recorded_us, events.c.event_id)
                )
                .scalars()
                .all()
            )
        if not rows:
            raise NotFound("Aucun événement pour ce jeune dans cette Mission Locale.")
        entries = []
        for raw in rows:
            e = orjson.loads(raw)
            entries.append(
                TimelineEntry(
                    event_id=e["event_id"],
                    event_type=e["event_type"],
                    stream_id=e["stream_id"],
                    occurred_at=e["occurred_at"],
                    recorded_at=e["recorded_at"],
                    actor_id=e["actor_id"],
                    payload=e["payload"],
                )
            )
        return entries

    return r
