"""Upcasters: turn a payload written at schema version n into version n+1.

A consumer meets old versions in topics and exports for as long as history is kept; each
upcaster is a pure function on the JSON payload, registered for (event_type, n), and chained
until the payload reaches the version the catalogue knows.
"""

from collections.abc import Callable
from typing import Any

JsonObject = dict[str, Any]
Upcaster = Callable[[JsonObject], JsonObject]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    def register(fn: Upcaster) -> Upcaster:
        key = (event_type, from_version)
        if key in _UPCASTERS:
            raise ValueError(f"two upcasters for {event_type} v{from_version}")
        _UPCASTERS[key] = fn
        return fn

    return register


def upcast(event_type: str, version: int, target: int, payload: JsonObject) -> JsonObject:
    """Chain the upcasters from `version` to `target`. A missing link is a contract bug."""
    while version < target:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            raise LookupError(f"no upcaster for {event_type} from version {version}")
        payload = step(dict(payload))
        version += 1
    return payload


_CANCEL_REASONS = {"entry_error", "duplicate", "did_not_happen", "wrong_youth", "other"}


@upcaster("intake.DossierEventCancelled", from_version=1)
def cancellation_reason_becomes_a_code(payload: JsonObject) -> JsonObject:
    """v1 → v2: `reason` was free text (a risk for personal data), it is now a code.

    A v1 text that already is a code is kept; any other text becomes `other` and is not carried
    further: the words stay in the intake store, not on the bus.
    """
    reason = payload.get("reason")
    payload["reason"] = reason if reason in _CANCEL_REASONS else "other"
    return payload


@upcaster("intake.FirstWelcomeRecorded", from_version=1)
def first_welcome_gets_a_nature(payload: JsonObject) -> JsonObject:
    """v1 → v2 (v2.md, E1): a welcome recorded before it had a nature was an individual interview
    on site."""
    payload.setdefault("nature", "individual_interview")
    payload.setdefault("mode", "on_site")
    return payload
