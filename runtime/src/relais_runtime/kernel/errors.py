"""Errors that become problem documents: raised by domain and application code, rendered by
`relais_runtime.problems`. No HTTP import here, so a domain model may use them.

Domain rules raise `DomainRuleBroken` (422, its `rule` names the rule in the problem `type`);
lost optimistic-concurrency races raise `Conflict` (409); missing things raise `NotFound` (404).
"""

from typing import Any


class Problem(Exception):
    """An error with its HTTP status, a rule name and a French explanation."""

    status = 400
    rule = "bad-request"

    def __init__(self, detail: str, *, rule: str | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        if rule:
            self.rule = rule
        self.extra = extra


class DomainRuleBroken(Problem):
    """A command that a rule of the domain refuses; its `rule` names the rule."""

    status = 422


class InvalidRequest(Problem):
    """A request field outside what the API accepts (a header, a path parameter): a 422 that
    names it, like the body's validation errors."""

    status = 422
    rule = "validation"

    def __init__(self, detail: str, *, field: str):
        super().__init__(detail, errors=[{"field": field, "message": detail}])


class NotFound(Problem):
    """Nothing of that id in this Mission Locale. Another Mission Locale's dossier, offer or
    enrolment is answered the same way, so that a token never learns what exists elsewhere."""

    status = 404
    rule = "not-found"


class Conflict(Problem):
    """Another action changed the same aggregate first, or an idempotency key was reused for
    another request: nothing was recorded, and the client may reload and retry."""

    status = 409
    rule = "conflict"


class Unauthorized(Problem):
    """No token, or one that is not valid (signature, expiry, audience, lifetime)."""

    status = 401
    rule = "unauthorized"


class Forbidden(Problem):
    """A valid token whose role or Mission Locale does not cover the request."""

    status = 403
    rule = "forbidden"
