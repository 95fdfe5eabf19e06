"""Where the dispositifs service is wired: settings → application, consumer of relais.intake,
HTTP API and relay."""

from fastapi import FastAPI
from relais_runtime.service import producing_service_app
from relais_runtime.settings import Settings, get_settings

from relais_dispositifs.api import build_router
from relais_dispositifs.application import DispositifsApplication


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    dispositifs = DispositifsApplication(settings)
    return producing_service_app(
        dispositifs,
        settings,
        title="Relais — dispositifs",
        description="Programmes (PACEA, CEJ...), allocations, aides financières et orientations sociales.",
        routers=[build_router(dispositifs)],
        knows_youths=dispositifs.tables,
    )
