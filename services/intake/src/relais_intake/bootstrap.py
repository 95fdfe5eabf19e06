"""Where the intake service is wired: settings → application → HTTP API and relay."""

from fastapi import FastAPI
from relais_runtime.pages import PAGE_HEADERS, pages_router
from relais_runtime.service import producing_service_app
from relais_runtime.settings import Settings, get_settings

from relais_intake.api import build_router, build_sessions_router
from relais_intake.application import IntakeApplication

# The counselor's desk: its page and scripts (services/intake/web/), no build step.
DESK_FILES = {
    name: name for name in ("labels.js", "forms.js", "pickers.js", "companies.js", "sessions.js", "desk.js", "desk.css")
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    intake = IntakeApplication(settings)
    return producing_service_app(
        intake,
        settings,
        title="Relais — intake",
        description="Le dossier du jeune : premier accueil, profil, événements, clôture.",
        routers=[
            build_router(intake),
            build_sessions_router(intake),
            pages_router(settings.desk_dir, DESK_FILES, prefix="/desk", headers=PAGE_HEADERS),
        ],
    )
