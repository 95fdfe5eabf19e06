"""Property-based runs over each service's OpenAPI document: whatever the request, never a 5xx,
and every error is a problem document (schemathesis, in process, memory stores). The OpenAPI
documents declare no links between operations, so the runs are stateless."""

import importlib

import schemathesis
from hypothesis import HealthCheck, settings
from support.http import bearer, offline

# A director of every Mission Locale, so that requests reach validation and the domain.
HEADERS = bearer("director", ("*",))


def _schema(service: str):
    app = importlib.import_module(f"relais_{service}.bootstrap").create_app(offline())
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def _check(case) -> None:
    response = case.call(headers=HEADERS)
    if case.path == "/readyz" and case.method == "GET":  # Kafka is deliberately out of reach: 503 is right
        assert response.status_code == 503
        return
    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text)
    if response.status_code >= 400:
        assert "application/problem+json" in str(response.headers["content-type"])


intake = _schema("intake")
dispositifs = _schema("dispositifs")
employment = _schema("employment")
# The live stream never ends by design (tests/unit/reporting/test_live_stream.py covers it).
reporting = _schema("reporting").exclude(path="/v1/indicators/stream")
FAST = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))


@intake.parametrize()
@FAST
def test_intake_never_fails(case):
    _check(case)


@dispositifs.parametrize()
@FAST
def test_dispositifs_never_fails(case):
    _check(case)


@employment.parametrize()
@FAST
def test_employment_never_fails(case):
    _check(case)


@reporting.parametrize()
@FAST
def test_reporting_never_fails(case):
    _check(case)
