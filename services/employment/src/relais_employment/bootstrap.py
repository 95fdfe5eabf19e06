"""Where the employment service is wired: settings → application, consumer of relais.intake,
HTTP API and relay."""

from fastapi import FastAPI
from relais_runtime.service import producing_service_app
from relais_runtime.settings import Settings, get_settings

from relais_employment.api import build_router
from relais_employment.application import EmploymentApplication


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    employment = EmploymentApplication(settings)
    return producing_service_app(
        employment,
        settings,
        title="Relais — employment",
        description="Employeurs, offres, mises en relation et situations (contrats, formations, PMSMP...).",
        routers=[build_router(employment)],
        knows_youths=employment.tables,
    )
