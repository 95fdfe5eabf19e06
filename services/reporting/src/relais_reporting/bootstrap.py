"""Where the reporting service is wired: settings → read models, projection and HTTP API."""

from fastapi import FastAPI

from relais_runtime.app import ServiceParts, create_app as create_service_app
from relais_runtime.health import kafka_ready, postgres_ready
from relais_runtime.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    readiness = {"kafka": lambda: kafka_ready(settings)}
    if settings.persistence == "postgres":
        readiness["postgres"] = lambda: postgres_ready(settings, "reporting")
    return create_service_app(
        ServiceParts(
            name="reporting",
            title="Relais — reporting",
            description="Indicateurs en temps réel, rapport d'activité, relecture pour l'audit.",
            readiness=readiness,
        )
    )
