"""The fold: every event of the three topics into the read models, in batches.

One function, `apply`, used by the live consumer (inside the transaction that stores its
offsets), by `relais indicators` over a JSONL file and by `relais replay`.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from relais_contracts import Envelope, decode, encode
from relais_contracts.events import dispositifs as d
from relais_contracts.events import employment as em
from relais_runtime.kernel.calendar import last_day_of, paris_date
from relais_runtime.sql import SqliteRows, add_missing_columns, dialect_of, insert_new, sqlite_values
from sqlalchemy import Connection, Engine, Table, and_, bindparam, delete, insert, or_, select, update

from relais_reporting.readmodel import PROFILE_FIELDS, changes, events, fold_rules, profiles, skipped

EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))

# indicators.md rule 1: the business date of each type that has one of its own.
DATE_FIELD = {
    "dispositifs.ProgrammeEntered": "start_date",
    "employment.ContractSigned": "start_date",
    "employment.TrainingEntered": "start_date",
    "employment.ImmersionStarted": "start_date",
    "employment.CivicServiceStarted": "start_date",
    "dispositifs.ProgrammeExited": "exit_date",
    "employment.RecruitmentSessionHeld": "date",
}
EMPLOYMENT_CONTRACTS = {"CDI", "CDD", "INTERIM", "SEASONAL", "CAE", "CIE", "IAE"}
SITUATION_KINDS = ("employment", "alternance", "training", "schooling", "immersion", "volunteering")


def micros(instant: datetime) -> int:
    delta = instant - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def business_date(envelope: Envelope) -> str:
    field = DATE_FIELD.get(envelope.event_type)
    if field:
        return getattr(envelope.payload, field).isoformat()
    return paris_date(envelope.occurred_at).isoformat()


def situation_kind(envelope: Envelope) -> str | None:
    """events.md, "Situation kinds"."""
    p = envelope.payload
    match envelope.event_type:
        case "employment.ContractSigned":
            return "employment" if p.contract_type in EMPLOYMENT_CONTRACTS else "alternance"
        case "employment.TrainingEntered":
            return "schooling" if p.training_type == "schooling" else "training"
        case "employment.ImmersionStarted":
            return "immersion"
        case "employment.CivicServiceStarted":
            return "volunteering"
    return None


def is_durable(signed: em.ContractSigned) -> bool:
    """v2.md, `durable_contracts`: a job contract (alternance excluded) that is a CDI, a CAE, CIE
    or IAE with no end, or that lasts six calendar months or more (1 January → 30 June is
    durable: the end on or after the start + 6 months − 1 day)."""
    if signed.contract_type not in EMPLOYMENT_CONTRACTS:
        return False
    if signed.end_date is None:
        return signed.contract_type in ("CDI", "CAE", "CIE", "IAE")
    return signed.end_date >= last_day_of(signed.start_date, 6)


def _planned_end(p: Any) -> str | None:
    """The planned end an entry or an extension sets (v2.md, `active_youths`)."""
    end = p.new_planned_end_date if isinstance(p, d.ProgrammeExtended) else p.planned_end_date
    return end.isoformat() if end is not None else None


def _specifics(e: Envelope) -> dict[str, Any]:
    p = e.payload
    t = e.event_type
    if t == "intake.DossierEventRecorded":
        return {"nature": p.nature, "session_id": p.session_id, "mode": p.mode, "tags": ",".join(sorted(p.themes))}
    if t == "intake.FirstWelcomeRecorded":
        # v2.md, R9: it counts as an événement dossier of its nature.
        return {"nature": p.nature, "mode": p.mode, "category": p.referral_source, "tags": ",".join(sorted(p.requests))}
    if t in ("intake.DossierEventCancelled", "dispositifs.EntryCancelled", "employment.EntryCancelled"):
        return {"cancelled_event_id": p.cancelled_event_id}
    if t == "dispositifs.ProgrammeEntered":
        return {"programme": p.programme, "planned_end": _planned_end(p), "partner": p.partner}
    if t == "dispositifs.ProgrammeExtended":
        return {"programme": p.programme, "planned_end": _planned_end(p)}
    if t in ("dispositifs.ProgrammeSuspended", "dispositifs.ProgrammeResumed"):
        return {"programme": p.programme}
    if t == "dispositifs.ProgrammeExited":
        return {"programme": p.programme, "category": p.exit_situation, "kind": p.reason}
    if t in ("dispositifs.AllowanceRequested", "dispositifs.AllowancePaid"):
        return {"programme": p.programme, "amount_cents": p.amount_cents}
    if t == "dispositifs.ObjectiveSet":
        return {"programme": p.programme, "objective_year": p.year, "target": p.target}
    if t == "dispositifs.FinancialAidGranted":
        return {"category": p.kind, "amount_cents": p.amount_cents}
    if t == "dispositifs.SocialReferralMade":
        return {"category": p.domain, "partner": p.partner}
    if t == "employment.JobOfferReceived":
        return {"employer_id": p.employer_id, "sector": p.sector, "contract_type": p.contract_type}
    if t in ("employment.JobOfferClosed", "employment.ReferralOutcomeRecorded"):
        return {"category": p.outcome}
    if t == "employment.ContractSigned":
        return {
            "category": situation_kind(e),
            "contract_type": p.contract_type,
            "durable": is_durable(p),
            "sector": p.sector,
            # a contrat aidé (CAE, CIE) is signed for a fixed term (CDD) or an open one (CDI)
            "kind": "open_ended" if p.end_date is None else "fixed_term",
        }
    if t == "employment.TrainingEntered":
        kind = {"kind": p.training_type, "funder": p.funder, "regional_plan": p.regional_plan}
        return {"category": situation_kind(e), **kind}
    if t == "employment.ImmersionStarted":
        return {"category": situation_kind(e), "kind": p.objective}
    if t == "employment.CivicServiceStarted":
        return {"category": situation_kind(e)}
    if t == "employment.RecruitmentSessionHeld":
        return {"sector": p.sector, "participants": len(p.participants)}
    return {}


def _event_row(e: Envelope, keep_envelope: bool = True) -> dict[str, Any]:
    row = {
        "event_id": e.event_id,
        "ml_id": e.ml_id,
        "event_type": e.event_type,
        "jeune_id": getattr(e.payload, "jeune_id", None),
        "stream_id": e.stream_id,
        "stream_position": e.stream_position,
        "business_date": business_date(e),
        "occurred_us": micros(e.occurred_at),
        "recorded_us": micros(e.recorded_at),
        "actor_id": e.actor_id,
        "nature": None,
        "session_id": None,
        "cancelled_event_id": None,
        "programme": None,
        "category": None,
        "amount_cents": None,
        "contract_type": None,
        "durable": None,
        "employer_id": None,
        "sector": None,
        "planned_end": None,
        "objective_year": None,
        "target": None,
        "mode": None,
        "tags": None,
        "kind": None,
        "funder": None,
        "regional_plan": None,
        "participants": None,
        "partner": None,
        "envelope": encode(e).decode() if keep_envelope else "",
    }
    row.update(_specifics(e))
    return row


def _profile_row(e: Envelope) -> dict[str, Any]:
    profile = e.payload.profile
    return {
        "event_id": e.event_id,
        "ml_id": e.ml_id,
        "jeune_id": e.payload.jeune_id,
        "occurred_us": micros(e.occurred_at),
        "recorded_us": micros(e.recorded_at),
        "business_date": business_date(e),
        "stream_position": e.stream_position,
        **{f: getattr(profile, f) for f in PROFILE_FIELDS},
        "site": getattr(e.payload, "site", None),
        "welcome": e.event_type == "intake.FirstWelcomeRecorded",
    }


@dataclass(frozen=True)
class Delta:
    """What one commit stored for one Mission Locale, between two of its change tokens."""

    ml_id: str
    before: str | None
    after: str
    events: tuple[dict[str, Any], ...]  # the event rows inserted (not those already there)
    profiles: tuple[dict[str, Any], ...]  # the profile rows inserted


@dataclass
class Rows:
    """What a batch of events adds to the read models, before it is stored."""

    events: list[dict[str, Any]] | SqliteRows
    profiles: list[dict[str, Any]] | SqliteRows
    ml_ids: set[str]

    def for_sqlite(self) -> "Rows":
        """The same rows in SQLite's column order and types, ready to insert (`SqliteRows`)."""
        return Rows(sqlite_values(events, self.events), sqlite_values(profiles, self.profiles), self.ml_ids)  # type: ignore[arg-type]


def rows_of(batch: list[Envelope], keep_envelopes: bool = True) -> Rows:
    """The rows of a batch of valid events. `keep_envelopes=False` leaves the stored envelope
    empty: for read models that only answer the indicator query (no timeline, no re-derivation),
    such as `relais indicators`' scratch."""
    return Rows(
        [_event_row(e, keep_envelopes) for e in batch],
        [_profile_row(e) for e in batch if e.event_type in ("intake.FirstWelcomeRecorded", "intake.ProfileUpdated")],
        {e.ml_id for e in batch},
    )


def store(conn: Connection, rows: Rows, deltas: bool = False) -> list[Delta]:
    """Store rows; an event already folded (same `event_id`) changes nothing. `deltas`: what
    this call stored, per Mission Locale, between its change tokens (for the live cache)."""
    if not deltas or isinstance(rows.events, SqliteRows) or isinstance(rows.profiles, SqliteRows):
        insert_new(conn, events, rows.events, "event_id")
        insert_new(conn, profiles, rows.profiles, "event_id")
        touch(conn, rows.ml_ids)
        return []
    new_events = insert_new(conn, events, rows.events, "event_id", returning=True) or set()
    new_profiles = insert_new(conn, profiles, rows.profiles, "event_id", returning=True) or set()
    tokens = touch(conn, rows.ml_ids)
    kept: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows.events:
        if row["event_id"] in new_events:
            new_events.discard(row["event_id"])  # a copy of it in the same batch is not new
            kept[row["ml_id"]].append({k: v for k, v in row.items() if k != "envelope"})
    profiled: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows.profiles:
        if row["event_id"] in new_profiles:
            new_profiles.discard(row["event_id"])
            profiled[row["ml_id"]].append(row)
    return [Delta(ml, before, after, tuple(kept[ml]), tuple(profiled[ml])) for ml, (before, after) in tokens.items()]


def apply(conn: Connection, batch: list[Envelope], keep_envelopes: bool = True) -> None:
    """Fold a batch of valid events (`rows_of`, then `store`)."""
    store(conn, rows_of(batch, keep_envelopes))


def touch(conn: Connection, ml_ids: set[str]) -> dict[str, tuple[str | None, str]]:
    """Give these Mission Locales a new change token ('' stands for no Mission Locale) and say
    which token each replaced (None: it had none). The rows are locked first, in a stable order
    (two replicas folding at once never deadlock on them), so the token replaced is the one of
    the state just before this transaction's rows."""
    if not ml_ids:
        return {}
    token = uuid.uuid4().hex
    current = select(changes.c.ml_id, changes.c.token).where(changes.c.ml_id.in_(sorted(ml_ids)))
    if conn.dialect.name == "postgresql":
        current = current.order_by(changes.c.ml_id).with_for_update()
    before = dict(conn.execute(current).all())
    insert = dialect_of(conn).insert(changes)
    conn.execute(
        insert.on_conflict_do_update(index_elements=["ml_id"], set_={"token": insert.excluded.token}),
        [{"ml_id": ml, "token": token} for ml in sorted(ml_ids)],
    )
    return {ml: (before.get(ml), token) for ml in ml_ids}


def record_skipped(conn: Connection, raw_events: Iterable[tuple[bytes, str]]) -> None:
    """Remember events this code cannot interpret, to count them in `events_skipped`."""
    rows = []
    for value, reason in raw_events:
        try:
            obj = orjson.loads(value)
            recorded = micros(datetime.fromisoformat(obj["recorded_at"]))
            ml_id = None if obj.get("ml_id") is None else str(obj["ml_id"])[:64]
            rows.append(
                {"event_id": str(obj["event_id"])[:64], "ml_id": ml_id, "recorded_us": recorded, "reason": reason[:200]}
            )
        except (ValueError, KeyError, TypeError):
            continue
    insert_new(conn, skipped, rows, "event_id")
    touch(conn, {r["ml_id"] or "" for r in rows})


# What the fold derives at fold time changed with catalogue v2: a read model folded by an older
# version is brought up to the current rules once, from the stored envelopes. 2: the v2 durable
# rule; 3: the first welcome's nature (R9); 4: the planned ends of enrolments (`active_youths`);
# 5: modes, referral sources, requests and themes, the whole profile and the dossier's site;
# 6: contracts' sectors, trainings' types and funders, immersions' objectives, sessions' sizes,
# programme exits' reasons, programme entries' and social referrals' partners; 7: contracts'
# fixed or open term.
FOLD_RULES_VERSION = 7


def upgrade_derived_columns(engine: Engine) -> int:
    """Re-derive what older fold rules stored differently (the durable rule; the first welcome's
    nature, which v1 welcomes lacked: an individual interview, as the upcaster says); the number
    of rows changed. Each Mission Locale touched gets a new change token, so that no replica
    serves cached figures."""
    with engine.begin() as conn:
        add_missing_columns(conn, events)  # each filled below
        add_missing_columns(conn, profiles)
        stored = conn.execute(select(fold_rules.c.version).with_for_update()).scalar_one_or_none()
        if stored is not None and stored >= FOLD_RULES_VERSION:
            return 0
        changed: list[tuple[uuid.UUID, str, dict[str, Any]]] = []
        contracts = conn.execute(
            select(events.c.event_id, events.c.ml_id, events.c.durable, events.c.envelope).where(
                events.c.event_type == "employment.ContractSigned"
            )
        )
        for event_id, ml_id, durable, envelope in contracts:
            now = is_durable(em.ContractSigned.model_validate(orjson.loads(envelope)["payload"]))
            if now != durable:
                changed.append((event_id, ml_id, {"durable": now}))
        welcomes = conn.execute(
            select(events.c.event_id, events.c.ml_id).where(
                events.c.event_type == "intake.FirstWelcomeRecorded", events.c.nature.is_(None)
            )
        )
        changed += [(event_id, ml_id, {"nature": "individual_interview"}) for event_id, ml_id in welcomes]
        enrolments = conn.execute(
            select(events.c.event_id, events.c.ml_id, events.c.envelope).where(
                events.c.event_type.in_(["dispositifs.ProgrammeEntered", "dispositifs.ProgrammeExtended"]),
                events.c.planned_end.is_(None),
            )
        )
        for event_id, ml_id, envelope in enrolments:
            end = _planned_end(decode(envelope.encode()).payload)
            if end is not None:
                changed.append((event_id, ml_id, {"planned_end": end}))
        _update_each(conn, events, changed)
        # 5: modes, referral sources, requests and themes; the profile's other fields and the site.
        dossier = select(events.c.event_id).where(
            events.c.event_type.in_(["intake.FirstWelcomeRecorded", "intake.DossierEventRecorded"]),
            events.c.mode.is_(None),
        )
        for batch in _envelopes_of(conn, list(conn.execute(dossier).scalars())):
            found = [(event_id, ml_id, _specifics(decode(envelope.encode()))) for event_id, ml_id, envelope in batch]
            rederived = [(i, ml, {k: v[k] for k in ("mode", "category", "tags") if k in v}) for i, ml, v in found]
            _update_each(conn, events, rederived)
            changed += rederived
        profiled = select(profiles.c.event_id).where(profiles.c.welcome.is_(None))
        for batch in _envelopes_of(conn, list(conn.execute(profiled).scalars())):
            rows = [(event_id, ml_id, _profile_row(decode(envelope.encode()))) for event_id, ml_id, envelope in batch]
            rederived = [(i, ml, {k: row[k] for k in (*PROFILE_FIELDS, "site", "welcome")}) for i, ml, row in rows]
            _update_each(conn, profiles, rederived)
            changed += rederived
        # 6 and 7: contracts' sectors and terms, trainings' types and funders, immersions' objectives, sessions,
        # exits' reasons, partners (an entry without a partner is looked at again: harmless).
        situations = select(events.c.event_id).where(
            or_(
                and_(
                    events.c.event_type == "employment.ContractSigned",
                    or_(events.c.sector.is_(None), events.c.kind.is_(None)),
                ),
                and_(
                    events.c.event_type.in_(["employment.TrainingEntered", "employment.ImmersionStarted"]),
                    events.c.kind.is_(None),
                ),
                and_(events.c.event_type == "employment.RecruitmentSessionHeld", events.c.participants.is_(None)),
                and_(events.c.event_type == "dispositifs.ProgrammeExited", events.c.kind.is_(None)),
                and_(
                    events.c.event_type.in_(["dispositifs.ProgrammeEntered", "dispositifs.SocialReferralMade"]),
                    events.c.partner.is_(None),
                ),
            )
        )
        columns = ("sector", "kind", "funder", "regional_plan", "participants", "partner")
        for batch in _envelopes_of(conn, list(conn.execute(situations).scalars())):
            found = [(event_id, ml_id, _specifics(decode(envelope.encode()))) for event_id, ml_id, envelope in batch]
            values = [(i, ml, {k: v[k] for k in columns if k in v}) for i, ml, v in found]
            rederived = [(i, ml, new) for i, ml, new in values if any(x is not None for x in new.values())]
            _update_each(conn, events, rederived)
            changed += rederived
        touch(conn, {ml_id for _, ml_id, _ in changed})
        conn.execute(delete(fold_rules))
        conn.execute(insert(fold_rules).values(version=FOLD_RULES_VERSION))
    return len(changed)


def _envelopes_of(conn: Connection, event_ids: list[Any], size: int = 5000) -> Iterator[list[tuple[Any, str, str]]]:
    """The stored envelopes of these events, a batch at a time: (event_id, ml_id, envelope)."""
    for start in range(0, len(event_ids), size):
        chunk = event_ids[start : start + size]
        yield list(
            conn.execute(
                select(events.c.event_id, events.c.ml_id, events.c.envelope).where(events.c.event_id.in_(chunk))
            )
        )


def _update_each(conn: Connection, table: Table, changed: list[tuple[Any, str, dict[str, Any]]]) -> None:
    """Each row's new values, by `event_id`, in one executemany per set of columns changed."""
    by_columns: defaultdict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for event_id, _, values in changed:
        by_columns[tuple(sorted(values))].append({"row": event_id, **{f"new_{k}": v for k, v in values.items()}})
    for columns, params in by_columns.items():
        statement = (
            update(table)
            .where(table.c.event_id == bindparam("row"))
            .values({c: bindparam(f"new_{c}") for c in columns})
        )
        conn.execute(statement, params)
