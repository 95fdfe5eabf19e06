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

A Part whose token moved is not always computed again: this process's projection hands the
cache what each of its commits stored (`LiveFold`), and when the commits since the Part's token
only add (`delta.py`), their rows are added to it. A commit of another replica, or one that
cancels or changes an enrolment, breaks that chain: the Part is computed again.
"""

import threading
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from relais_runtime.sql import insert_new
from sqlalchemy import Connection, Engine, select

from relais_reporting.delta import applicable, apply_delta, refresh_attributes
from relais_reporting.indicators import Part, Query, assemble, compute, document, merged, parts
from relais_reporting.projection import Delta, rows_of, store
from relais_reporting.readmodel import changes, events, skipped

NO_ML = ""  # the token row of skipped events that name no Mission Locale
# The rows kept to bring Parts up to date, all Missions Locales together (about 2 KB each): the
# oldest go first, and a Part further behind, or behind a larger commit (a catch-up), is
# computed again.
ROWS_KEPT = 20_000


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
    merged: Part | None = None  # the entries' Parts merged, each as of its token here
    merged_tokens: dict[str | None, str | None] = field(default_factory=dict)


class IndicatorCache:
    def __init__(self, periods: int = 4) -> None:
        self._periods: OrderedDict[tuple[date, date], _Period] = OrderedDict()
        self._size = periods
        # One computation at a time: a second reader of the same figures waits and finds them made.
        self._lock = threading.Lock()
        self._deltas: dict[str, deque[Delta]] = {}  # per Mission Locale, in the order of commits
        self._kept: deque[Delta] = deque()  # all of them, in the order of commits
        self._rows = 0
        self.recomputed = 0  # Parts computed from the read models (the others were brought up to date)

    def record(self, deltas: list[Delta]) -> None:
        """What a commit of this process's projection stored (called after the commit)."""
        with self._lock:
            for delta in deltas:
                size = len(delta.events) + len(delta.profiles)
                if size > ROWS_KEPT // 10:  # a catch-up: not kept, which breaks the chain there
                    self._deltas.pop(delta.ml_id, None)
                    continue
                self._deltas.setdefault(delta.ml_id, deque()).append(delta)
                self._kept.append(delta)
                self._rows += size
            while self._rows > ROWS_KEPT and self._kept:
                oldest = self._kept.popleft()
                self._rows -= len(oldest.events) + len(oldest.profiles)
                mine = self._deltas.get(oldest.ml_id)
                if mine and mine[0] is oldest:
                    mine.popleft()

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
            stale = {ml for ml in stale if not self._brought_up_to_date(conn, q, period, ml, tokens.get(ml))}
            if stale:
                self.recomputed += len(stale)
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
                network = self._merged(conn, q, period)
                period.network, period.network_key = assemble(q, found, documents, network), key
            return period.network

    def _chain(self, ml: str | None, since: str | None, until: str | None) -> list[Delta] | None:
        """The deltas of a Mission Locale's commits from token `since` to `until`, if they are
        all known and only add."""
        if ml is None or since is None or until is None:
            return None
        chain, at = [], since
        for delta in self._deltas.get(ml, ()):
            if delta.before == at:
                chain.append(delta)
                at = delta.after
        return chain if at == until and all(applicable(d) for d in chain) else None

    def _brought_up_to_date(
        self, conn: Connection, q: Query, period: _Period, ml: str | None, token: str | None
    ) -> bool:
        """Add to a cached Part the rows of the commits since its token, if they only add."""
        entry = period.entries.get(ml)
        chain = self._chain(ml, entry.token, token) if entry is not None else None
        if entry is None or chain is None:
            return False
        for delta in chain:
            apply_delta(conn, q, entry.part, delta)
        refresh_attributes(conn, q, entry.part, chain)
        entry.token, entry.document = token, None
        return True

    def _merged(self, conn: Connection, q: Query, period: _Period) -> Part:
        """The network's Part: the last one, with the same deltas added as its Missions Locales'
        got since; merged again from them when one was computed again."""
        network = period.merged
        if network is not None and set(period.merged_tokens) != set(period.entries):
            network = None
        for ml, entry in period.entries.items() if network is not None else ():
            since = period.merged_tokens[ml]
            if since == entry.token:
                continue
            chain = self._chain(ml, since, entry.token)
            if chain is None:
                network = None
                break
            for delta in chain:
                apply_delta(conn, q, network, delta)
            network.attributes.update(entry.part.attributes)  # its young people's, as looked up again
            network.welcomed_as.update(entry.part.welcomed_as)
            period.merged_tokens[ml] = entry.token
        if network is None:
            network = merged(e.part for e in period.entries.values())
            period.merged_tokens = {ml: e.token for ml, e in period.entries.items()}
        period.merged = network
        return network

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


class LiveFold:
    """The projection's fold (`projection.apply`'s work) that keeps what each commit stored and
    gives it to the live cache once committed (a consumer's `after_commit` listener)."""

    def __init__(self, cache: IndicatorCache) -> None:
        self.cache = cache
        self._stored = threading.local()

    def apply(self, conn: Connection, batch: list[Any]) -> None:
        self._stored.deltas = store(conn, rows_of(batch), deltas=True)

    def committed(self) -> None:
        deltas, self._stored.deltas = getattr(self._stored, "deltas", None), None
        if deltas:
            self.cache.record(deltas)
