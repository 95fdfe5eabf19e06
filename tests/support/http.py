"""Tokens and an in-process client for a service's API (memory event store, no Kafka)."""

from fastapi.testclient import TestClient
from relais_cli.harness import bearer  # noqa: F401 - the tests' token helper
from relais_runtime.settings import Settings


def in_process(app) -> TestClient:
    """A client that does not start the app's lifespan: no relay, no Kafka."""
    return TestClient(app, raise_server_exceptions=False)


def offline() -> Settings:
    """Settings for in-process tests: memory stores, and a Kafka address where nothing listens,
    so that nothing a unit test starts (schemathesis runs the app's lifespan) reaches the stack."""
    return Settings(persistence="memory", kafka_bootstrap="127.0.0.1:9")
