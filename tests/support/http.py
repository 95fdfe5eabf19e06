"""Tokens and an in-process client for a service's API (memory event store, no Kafka)."""

from fastapi.testclient import TestClient
from relais_runtime.auth import Role, issue_token
from relais_runtime.settings import Settings, get_settings


def bearer(role: str = "counselor", ml_ids: tuple[str, ...] = ("ML-A",), sub: str = "counselor-1") -> dict[str, str]:
    token = issue_token(get_settings(), sub=sub, role=Role(role), ml_ids=list(ml_ids))
    return {"Authorization": f"Bearer {token}"}


def in_process(app) -> TestClient:
    """A client that does not start the app's lifespan: no relay, no Kafka."""
    return TestClient(app, raise_server_exceptions=False)


def offline() -> Settings:
    """Settings for in-process tests: memory stores, and a Kafka address where nothing listens,
    so that nothing a unit test starts (schemathesis runs the app's lifespan) reaches the stack."""
    return Settings(persistence="memory", kafka_bootstrap="127.0.0.1:9")
