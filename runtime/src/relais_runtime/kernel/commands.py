"""What every command carries besides its own fields, and how it is made idempotent.

Idempotency is recorded *in the events*, so it commits atomically with them: every command
event stores the client's `Idempotency-Key` and a fingerprint of the request; the aggregate
remembers them; a retry finds its key in the aggregate and gets the first answer again. A
creation derives the new aggregate's id from the key, so a retried creation meets the first one.
"""

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from relais_runtime.kernel.errors import Conflict

IDEMPOTENCY_NAMESPACE = uuid.UUID("0f3c2f64-6a4b-4a8e-bb0e-5d1f2a7c9e31")


@dataclass(frozen=True)
class CommandContext:
    """Who acts, in which user action, with which idempotency key, at what server time."""

    ml_id: str
    actor_id: str
    correlation_id: uuid.UUID
    idempotency_key: str | None = None
    request_hash: str | None = None
    received_at: datetime | None = None

    @property
    def now(self) -> datetime:
        return self.received_at or datetime.now(UTC)

    def metadata(self, occurred_at: datetime | None) -> dict[str, Any]:
        """The envelope metadata every published event records."""
        return {
            "ml_id": self.ml_id,
            "occurred_at": occurred_at or self.now,
            "actor_id": self.actor_id,
            "correlation_id": self.correlation_id,
            "causation_id": None,
            "command_key": self.idempotency_key,
            "command_hash": self.request_hash,
        }

    def with_secret_part(self, digest: bytes) -> "CommandContext":
        """The context whose fingerprint also covers fields left out of the plain hash (personal
        data), given as a keyed digest: the events keep no unkeyed hash of a name."""
        if self.request_hash is None:
            return self
        return replace(self, request_hash=hashlib.sha256(self.request_hash.encode() + digest).hexdigest())

    def new_id(self, kind: str) -> uuid.UUID:
        """The id of an aggregate this command creates: derived from the idempotency key when
        there is one (a retry lands on the same id), random otherwise."""
        if self.idempotency_key is None:
            return uuid.uuid4()
        return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{self.ml_id}\x1f{kind}\x1f{self.idempotency_key}")


def fingerprint(method: str, path: str, body: Any) -> str:
    """A stable hash of a request: same key with another body or path is a conflict. Personal
    fields are left out by the caller and added with `CommandContext.with_secret_part`."""
    data = orjson.dumps([method, path, body], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(data).hexdigest()


class RemembersCommands:
    """Aggregate mixin: the idempotency keys of the commands that changed it."""

    commands: dict[str, tuple[str | None, int]]

    def remember(self, key: str | None, request_hash: str | None, version: int) -> None:
        if key is not None:
            if not hasattr(self, "commands"):
                self.commands = {}
            self.commands.setdefault(key, (request_hash, version))

    def earlier_answer(self, ctx: CommandContext) -> int | None:
        """The version the first command with this key produced, or None if it is new."""
        if ctx.idempotency_key is None:
            return None
        seen: tuple[str | None, int] | None = getattr(self, "commands", {}).get(ctx.idempotency_key)
        if seen is None:
            return None
        if seen[0] != ctx.request_hash:
            raise Conflict(
                "Cette clé d'idempotence a déjà servi pour une autre requête.",
                rule="idempotency-key-reused",
            )
        return seen[1]
