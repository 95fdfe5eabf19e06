"""Helpers every service's HTTP layer uses to turn a request into a command."""

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from pydantic import BaseModel

from relais_runtime import metrics
from relais_runtime.auth import Principal
from relais_runtime.eventstore import Answer
from relais_runtime.kernel.commands import CommandContext, fingerprint
from relais_runtime.kernel.errors import Conflict, InvalidRequest, Problem

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Long enough for any UUID or client-made key; a longer one is refused, never cut (two keys that
# share their first characters would otherwise answer for each other).
MAX_IDEMPOTENCY_KEY = 200


def command_context(
    request: Request,
    principal: Principal,
    body: BaseModel | None = None,
    *,
    personal: frozenset[str] = frozenset(),
) -> CommandContext:
    """Who acts (from the token), in which action (X-Correlation-ID), with which idempotency key.
    The `personal` fields of the body stay out of the request's fingerprint (the service adds
    them keyed, see `CommandContext.with_secret_part`)."""
    ml_id = request.path_params["ml_id"]
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(
            f"L'en-tête {IDEMPOTENCY_HEADER} doit compter de 1 à {MAX_IDEMPOTENCY_KEY} caractères.",
            field=f"header.{IDEMPOTENCY_HEADER}",
        )
    payload = body.model_dump(mode="json", exclude=set(personal)) if body is not None else None
    return CommandContext(
        ml_id=ml_id,
        actor_id=principal.sub,
        correlation_id=request.state.correlation_id,
        idempotency_key=key,
        request_hash=fingerprint(request.method, request.url.path, payload) if key else None,
        received_at=datetime.now(UTC),
    )


@contextlib.contextmanager
def counted(service: str, command: str) -> Iterator[None]:
    """Count a command by outcome: ok, rejected (4xx rule), conflict (409) or error."""
    try:
        yield
    except Conflict:
        metrics.COMMANDS.labels(service, command, "conflict").inc()
        raise
    except Problem:
        metrics.COMMANDS.labels(service, command, "rejected").inc()
        raise
    except Exception:
        metrics.COMMANDS.labels(service, command, "error").inc()
        raise
    metrics.COMMANDS.labels(service, command, "ok").inc()


class CommandAnswer(BaseModel):
    """What every command answers (api.md): the id it created or touched, its event, its position."""

    id: uuid.UUID
    event_id: uuid.UUID
    stream_position: int

    @classmethod
    def of(cls, answer: Answer) -> "CommandAnswer":
        return cls(id=answer.id, event_id=answer.event_id, stream_position=answer.stream_position)


def command_errors(not_found: str, invalid: str) -> dict[int | str, dict[str, Any]]:
    """The error answers every command route documents in its OpenAPI (problem documents)."""
    return {
        401: {"description": "Jeton absent ou invalide"},
        403: {"description": "Rôle ou Mission Locale non autorisés"},
        404: {"description": not_found},
        409: {"description": "Modification concurrente, ou clé d'idempotence réutilisée"},
        422: {"description": invalid},
    }
