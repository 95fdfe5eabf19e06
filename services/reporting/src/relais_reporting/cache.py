"""Live answers without recomputing the whole network on every event.

The live dashboard asks for the same few periods again after each projection commit. A commit
usually touches one or two Missions Locales, so the cache keeps each Mission Locale's Part (and
its document) per period, and recomputes only those whose change token (`report_changes`, set
by the projection in the same transaction as the rows) differs from the one it was computed
under. The network document is then a merge of Parts, remade only when a token moved.

Tokens are read before the rows: a commit that lands in between is either in the Part (and its
new token makes the next query recompute it once more) or not yet visible; a Part is never kept
under a token newer than its rows. `as_of` queries are not cached (a late event can still change
the past as known at an instant: its `recorded_at` precedes its arrival).
"""

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from relais_runtime.sql import insert_new
from sqlalchemy import Connection, Engine, select

from relais_reporting.indicators import Part, Query, assemble, compute, document, parts
from relais_reporting.readmodel import changes, events, skipped

NO_ML = ""  # the token row of skipped events that name no Mission Locale


@dataclass
class _Entry:
    token: str | None
    part: Part
    document: dict[str, Any] | None = None


@dataclass
class _Period:
    entries: dict[str | None, _Entry] = field(default_factory=dict)
    network_key: tuple | None = None
    network: dict[str, Any] | None = None


class IndicatorCache:
    def __init__(self, periods: int = 4) -> None:
        self._periods: OrderedDict[tuple[date, date], _Period] = OrderedDict()
        self._size = periods
        # One computation at a time: a second reader of the same figures waits and finds them made.
        self._lock = threading.Lock()

    def compute(self, conn: Connection, q: Query) -> dict[str, Any]:
        if q.as_of is not None:
            return compute(conn, q)
        with self._lock:
            tokens = {(None if ml == NO_ML else ml): token for ml, token in conn.execute(select(changes))}
            if q.ml_id is not None and q.ml_id not in tokens:  # nothing folded for it: nothing to keep
                return compute(conn, q)
            period = self._period(q)
            wanted = {q.ml_id} if q.ml_id is not None else set(tokens)
            stale = {ml for ml in wanted if ml not in period.entries or period.entries[ml].token != tokens.get(ml)}
            if stale:
                found = parts(conn, q, stale)
                for ml in stale:
                    period.entries[ml] = _Entry(tokens.get(ml), found.get(ml) or Part())
            if q.ml_id is not None:
                return self._document(q, q.ml_id, period.entries[q.ml_id])
            for gone in set(period.entries) - wanted:  # read models rebuilt without them
                del period.entries[gone]
            key = tuple(sorted((ml or NO_ML, e.token or "") for ml, e in period.entries.items()))
            if period.network is None or period.network_key != key:
                found = {ml: e.part for ml, e in period.entries.items()}
                documents = {
                    ml: self._document(q, ml, e)
                    for ml, e in period.entries.items()
                    if ml is not None and e.part.present
                }
                period.network, period.network_key = assemble(q, found, documents), key
            return period.network

    def _period(self, q: Query) -> _Period:
        key = (q.date_from, q.date_to)
        period = self._periods.pop(key, None) or _Period()
        self._periods[key] = period  # most recently used last
        while len(self._periods) > self._size:
            self._periods.popitem(last=False)
        return period

    @staticmethod
    def _document(q: Query, ml: str, entry: _Entry) -> dict[str, Any]:
        if entry.document is None:
            entry.document = document(q, ml, entry.part)
        return entry.document


def give_tokens_to_known(engine: Engine) -> None:
    """Read models folded before change tokens existed: give each of their Missions Locales one."""
    with engine.begin() as conn:
        have = set(conn.execute(select(changes.c.ml_id)).scalars())
        known = set(conn.execute(select(events.c.ml_id).distinct()).scalars())
        known |= {ml or NO_ML for ml in conn.execute(select(skipped.c.ml_id).distinct()).scalars()}
        missing = sorted(known - have)
        if missing:
            token = uuid.uuid4().hex  # a replica folding meanwhile may give some first: keep theirs
            insert_new(conn, changes, [{"ml_id": ml, "token": token} for ml in missing], "ml_id")
