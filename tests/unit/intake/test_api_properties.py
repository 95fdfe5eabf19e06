"""Property-based run over the intake OpenAPI document: whatever the request, never a 5xx."""

import schemathesis
from hypothesis import HealthCheck, settings

from relais_intake.bootstrap import create_app
from relais_runtime.settings import Settings
from support.http import bearer

app = create_app(Settings(persistence="memory"))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
# A director of every Mission Locale, so that requests reach validation and the domain.
HEADERS = bearer("director", ("*",))


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_intake_api_fail(case):
    response = case.call(headers=HEADERS)
    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text)
    if response.status_code >= 400:
        assert "application/problem+json" in str(response.headers["content-type"])
