"""The intake HTTP API (shared/spec/api.md, "intake")."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field
from relais_contracts import event_id_for
from relais_runtime.auth import DIRECT, PERSONAL_DATA_READERS, READ, WRITE, Principal, require
from relais_runtime.http import CommandAnswer, command_context, command_errors, counted
from relais_runtime.kernel.errors import NotFound

from relais_intake.application import IntakeApplication
from relais_intake.commands import (
    CancelRequest,
    CloseRequest,
    DossierEventRequest,
    EraseRequest,
    ReopenRequest,
    UpdateRequest,
    WelcomeRequest,
)
from relais_intake.domain import Dossier
from relais_intake.personal import PERSONAL_FIELDS, PersonalData


class TimelineEntry(BaseModel):
    event_id: uuid.UUID
    event_type: str
    stream_position: int
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    actor_id: str
    cancelled: bool
    payload: dict[str, Any]


class DossierView(BaseModel):
    jeune_id: uuid.UUID
    ml_id: str
    status: str = Field(description="open or closed")
    first_welcome_at: AwareDatetime
    profile: dict[str, Any]
    personal_data: PersonalData | None = Field(
        description="Only for counselors, directors and admins; null once erased"
    )
    timeline: list[TimelineEntry]


class SearchHit(BaseModel):
    jeune_id: uuid.UUID
    first_name: str
    last_name: str
    birth_date: date
    status: str


class SessionView(BaseModel):
    session_id: uuid.UUID
    nature: str = Field(description="workshop or group_information, as its first attendee's event")
    themes: list[str]
    first_at: AwareDatetime = Field(description="the first attendee's event")
    attendees: int = Field(description="the dossier events naming it, less those cancelled")


class AttendeeView(BaseModel):
    jeune_id: uuid.UUID
    event_id: uuid.UUID = Field(description="The dossier event that records the attendance")
    occurred_at: AwareDatetime
    first_name: str | None = Field(description="null once the young person's data is erased")
    last_name: str | None
    birth_date: date | None


class SessionSheet(SessionView):
    """A session's attendance sheet: who came, as their dossier events say, and the mode and
    duration of the first one's event (an attendee added later gets the same)."""

    mode: str
    duration_minutes: int | None
    attendees_list: list[AttendeeView]


SEARCH = require(*PERSONAL_DATA_READERS)
ERRORS = command_errors(
    "Dossier introuvable dans cette Mission Locale", "Données invalides, ou règle du domaine enfreinte"
)


def build_router(intake: IntakeApplication) -> APIRouter:
    router = APIRouter(prefix="/v1/{ml_id}/youths", tags=["intake"], responses=ERRORS)

    answer = CommandAnswer.of

    @router.post("", status_code=201, summary="Premier accueil d'un jeune")
    def first_welcome(
        ml_id: str, body: WelcomeRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("intake", "first_welcome"):
            return answer(intake.welcome(command_context(request, who, body, personal=PERSONAL_FIELDS), body))

    @router.patch("/{jeune_id}", summary="Mise à jour du profil et des données personnelles")
    def update(
        ml_id: str, jeune_id: uuid.UUID, body: UpdateRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("intake", "update_profile"):
            return answer(intake.update(command_context(request, who, body, personal=PERSONAL_FIELDS), jeune_id, body))

    @router.post("/{jeune_id}/events", status_code=201, summary="Enregistrer un événement du dossier")
    def record_event(
        ml_id: str, jeune_id: uuid.UUID, body: DossierEventRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("intake", "record_event"):
            return answer(intake.record_event(command_context(request, who, body), jeune_id, body))

    @router.post("/{jeune_id}/events/{event_id}/cancel", status_code=201, summary="Annuler un événement du dossier")
    def cancel_event(
        ml_id: str,
        jeune_id: uuid.UUID,
        event_id: uuid.UUID,
        body: CancelRequest,
        request: Request,
        who: Principal = Depends(WRITE),
    ) -> CommandAnswer:
        with counted("intake", "cancel_event"):
            return answer(intake.cancel_event(command_context(request, who, body), jeune_id, event_id, body))

    @router.post("/{jeune_id}/close", status_code=201, summary="Clore le dossier")
    def close(
        ml_id: str, jeune_id: uuid.UUID, body: CloseRequest, request: Request, who: Principal = Depends(WRITE)
    ) -> CommandAnswer:
        with counted("intake", "close"):
            return answer(intake.close_dossier(command_context(request, who, body), jeune_id, body))

    @router.post("/{jeune_id}/reopen", status_code=201, summary="Rouvrir le dossier")
    def reopen(
        ml_id: str,
        jeune_id: uuid.UUID,
        request: Request,
        body: ReopenRequest | None = None,
        who: Principal = Depends(WRITE),
    ) -> CommandAnswer:
        body = body or ReopenRequest()
        with counted("intake", "reopen"):
            return answer(intake.reopen_dossier(command_context(request, who, body), jeune_id, body))

    @router.post(
        "/{jeune_id}/erase-personal-data",
        status_code=201,
        summary="Effacer les données personnelles d'un dossier clos (nom, naissance, coordonnées)",
    )
    def erase(
        ml_id: str, jeune_id: uuid.UUID, body: EraseRequest, request: Request, who: Principal = Depends(DIRECT)
    ) -> CommandAnswer:
        with counted("intake", "erase_personal_data"):
            return answer(intake.erase_personal_data(command_context(request, who, body), jeune_id, body))

    @router.get("/{jeune_id}", summary="Le dossier : profil, données personnelles (selon le rôle), historique")
    def read(ml_id: str, jeune_id: uuid.UUID, who: Principal = Depends(READ)) -> DossierView:
        dossier = intake.dossier(ml_id, jeune_id)
        return DossierView(
            jeune_id=dossier.id,
            ml_id=dossier.ml_id,
            status="closed" if dossier.closed else "open",
            first_welcome_at=dossier.welcomed_at,
            profile=dossier.profile,
            personal_data=intake.personal_data(dossier) if who.sees_personal_data else None,
            timeline=[_entry(dossier, e) for e in dossier.timeline],
        )

    @router.get("", summary="Rechercher un jeune par son nom dans la Mission Locale")
    def search(
        ml_id: str,
        query: Annotated[str, Query(min_length=2, max_length=100, description="Début du prénom et/ou du nom")],
        who: Principal = Depends(SEARCH),
    ) -> list[SearchHit]:
        return [
            SearchHit(
                jeune_id=f.jeune_id,
                first_name=f.personal.first_name,
                last_name=f.personal.last_name,
                birth_date=f.personal.birth_date,
                status="closed" if f.closed else "open",
            )
            for f in intake.search(ml_id, query)
        ]

    return router


def build_sessions_router(intake: IntakeApplication) -> APIRouter:
    router = APIRouter(prefix="/v1/{ml_id}/sessions", tags=["intake"])

    @router.get("", summary="Les séances collectives récentes (ateliers, informations collectives)")
    def sessions(
        ml_id: str,
        days: Annotated[int, Query(ge=1, le=366, description="Séances ayant eu un participant depuis N jours")] = 30,
        who: Principal = Depends(READ),
    ) -> list[SessionView]:
        since = datetime.now(UTC) - timedelta(days=days)
        return [SessionView(**vars(s)) for s in intake.sessions(ml_id, since)]

    @router.get(
        "/{session_id}",
        summary="La feuille de présence d'une séance collective",
        responses={404: {"description": "Aucun participant à cette séance dans cette Mission Locale"}},
    )
    def sheet(ml_id: str, session_id: uuid.UUID, who: Principal = Depends(SEARCH)) -> SessionSheet:
        session, present = intake.session(ml_id, session_id)
        if session is None:
            raise NotFound("Aucun participant à cette séance dans cette Mission Locale.")
        return SessionSheet(
            **vars(session),
            attendees_list=[
                AttendeeView(
                    jeune_id=a.jeune_id,
                    event_id=a.event_id,
                    occurred_at=a.occurred_at,
                    first_name=found.personal.first_name if found else None,
                    last_name=found.personal.last_name if found else None,
                    birth_date=found.personal.birth_date if found else None,
                )
                for a, found in present
            ],
        )

    return router


def _entry(dossier: Dossier, event: Dossier.Event) -> TimelineEntry:
    if event.contract is None:  # an event that stays in intake: described from itself
        return TimelineEntry(
            event_id=event_id_for("intake", dossier.id, event.originator_version),
            event_type=f"intake.{type(event).__name__}",
            stream_position=event.originator_version,
            occurred_at=event.occurred_at,
            recorded_at=event.timestamp,
            actor_id=event.actor_id,
            cancelled=False,
            payload={"reason": getattr(event, "reason", None)},
        )
    envelope = event.to_envelope()
    return TimelineEntry(
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        stream_position=envelope.stream_position,
        occurred_at=envelope.occurred_at,
        recorded_at=envelope.recorded_at,
        actor_id=envelope.actor_id,
        cancelled=dossier.recorded_events.get(envelope.event_id, False),
        payload=envelope.payload.model_dump(mode="json"),
    )
