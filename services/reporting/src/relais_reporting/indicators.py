"""The indicator document of shared/spec/indicators.md, computed from the read models.

The same function answers `GET /v1/indicators` (PostgreSQL) and `relais indicators` (SQLite):
the CLI is the live service's code, not a re-implementation. Every counting rule is resolved
here, at query time:
1. period by business date (stored at fold time, Europe/Paris);  2. `as_of` on `recorded_at`;
3. one row per `event_id`;  4. cancellations (known as of `as_of`) win, whatever the order;
5. no step depends on arrival order;  6. per Mission Locale, and the network with `by_ml`;
7. attributes from the latest profile by `occurred_at` up to the period's end;  8. skipped events.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

from relais_contracts.events import dispositifs as d
from relais_contracts.events import employment as em
from relais_contracts.events import intake as it
from relais_runtime.kernel.calendar import age_on
from relais_runtime.kernel.youth import birthday_of_month
from sqlalchemy import Connection, String, Uuid, and_, case, cast, exists, func, or_, select
from sqlalchemy.orm import aliased

from relais_reporting.projection import SITUATION_KINDS, micros
from relais_reporting.readmodel import ATTRIBUTES, events, profiles, skipped

PROGRAMMES = d.Programme.__args__
AID_KINDS = d.AidKind.__args__
REFERRAL_DOMAINS = d.ReferralDomain.__args__
ROME_SECTORS = em.RomeDomain.__args__
EXIT_REASONS = d.ExitReason.__args__
EXIT_SITUATIONS = d.ExitSituation.__args__
REFERRAL_SOURCES = it.ReferralSource.__args__
CONTRACT_TYPES = em.ContractType.__args__
TRAINING_TYPES = em.TrainingType.__args__
FUNDERS = em.Funder.__args__
IMMERSION_OBJECTIVES = em.ImmersionObjective.__args__
REQUESTS = it.Request.__args__
MODES = it.Mode.__args__
THEMES = it.Theme.__args__
HOUSING = it.Housing.__args__
NATIONALITY_ZONES = it.NationalityZone.__args__
ACCOMPANYING = ("individual_interview", "workshop", "group_information")
WORKSHOPS = ("workshop", "group_information")
NOT_CONTACT = ("administrative", "correction")
SITUATION_TYPES = (
    "employment.ContractSigned",
    "employment.TrainingEntered",
    "employment.ImmersionStarted",
    "employment.CivicServiceStarted",
)
CANCELLATIONS = ("intake.DossierEventCancelled", "dispositifs.EntryCancelled", "employment.EntryCancelled")
POSITIVE_EXITS = ("employment", "alternance", "training", "schooling", "volunteering")


@dataclass(frozen=True)
class Query:
    date_from: date
    date_to: date
    ml_id: str | None = None
    as_of: datetime | None = None


class CountKey(NamedTuple):
    """What the events of a period are counted by (one SQL group)."""

    event_type: str
    nature: str | None
    category: str | None
    programme: str | None
    durable: bool | None
    sector: str | None
    mode: str | None
    contract_type: str | None
    kind: str | None
    funder: str | None
    regional_plan: bool | None
    partner: str | None


KEY_POSITION = {name: i for i, name in enumerate(CountKey._fields)}


@dataclass
class Scope:
    """What one Mission Locale (or the network) adds up to."""

    considered: int = 0
    skipped: int = 0
    counts: Counter[CountKey] = field(default_factory=Counter)
    youths: defaultdict = field(default_factory=lambda: defaultdict(set))
    sessions: set = field(default_factory=set)
    employers: set = field(default_factory=set)
    amounts: Counter[CountKey] = field(default_factory=Counter)
    # v2.md, E3: (ml_id, programme) → (order of the latest ObjectiveSet, its target).
    objectives: dict[tuple[str, str], tuple[tuple[Any, ...], int]] = field(default_factory=dict)
    themes: Counter[str] = field(default_factory=Counter)  # dossier events per theme
    session_participants: int = 0  # RecruitmentSessionHeld
    # ("planned" | "effective", programme) → days of each enrolment entered, or exited, in the period.
    durations: defaultdict = field(default_factory=lambda: defaultdict(list))
    by_type: defaultdict | None = None  # counts and amounts by event type, made by `_of_type` once counted
    # Per counselor (pseudonymous actor_id): dossier events by nature, and the young people seen.
    counselors: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    counselor_youths: defaultdict = field(default_factory=lambda: defaultdict(set))


@dataclass
class Part:
    """One Mission Locale's share of an answer: what it adds up to, and its young people's
    attributes (rule 7). `present`: it has events (a Mission Locale known only by skipped events,
    or None for skipped events of no Mission Locale, adds to the network but has no document)."""

    scope: Scope = field(default_factory=Scope)
    attributes: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    welcomed_as: dict[UUID, dict[str, Any]] = field(default_factory=dict)  # the welcome's own profile
    present: bool = False
    # What `delta.py` needs to bring the Part up to date with new rows without computing it again:
    # the young people whose attributes were looked up, the enrolments voided by a cancelled
    # entry and the events a correction names (as ids in text, like every id here).
    loaded: set = field(default_factory=set)
    voided: set = field(default_factory=set)
    cancelled: set = field(default_factory=set)


def raw(column: Any) -> Any:
    """An id column as text, in PostgreSQL as in SQLite: ids are only counted and compared here,
    and `uuid.UUID` objects (SQLAlchemy's, or the PostgreSQL driver's own) hash and compare in
    Python, which cost a third of a network query (bench/README.md, query)."""
    return cast(column, String).label(column.name)


def compute(conn: Connection, q: Query) -> dict[str, Any]:
    """The indicator document of `q`, computed from the read models in one pass."""
    return assemble(q, parts(conn, q, {q.ml_id} if q.ml_id is not None else None))


@dataclass(frozen=True)
class Filters:
    """The conditions every count of a query shares (rules 1, 2, 4 and 6)."""

    of_mls: list[Any]  # the Mission Locales asked for (none: all)
    base: list[Any]  # theirs, as of `as_of`
    voided: Any  # the enrolments whose entry was cancelled
    counts_nowhere: Any  # what a correction names, and every event of a voided enrolment
    in_period: Any  # what counts in the period

    @classmethod
    def of(cls, q: Query, only: set[str | None] | None) -> "Filters":
        of_mls = [] if only is None else [events.c.ml_id.in_([m for m in only if m is not None])]
        as_of = [] if q.as_of is None else [events.c.recorded_us <= micros(q.as_of)]
        base = [*of_mls, *as_of]
        # v2.md, R4: what a correction names counts nowhere (known as of `as_of`), and a cancelled
        # programme entry voids its whole enrolment; cancellations count only in events_considered.
        cancelled = select(events.c.cancelled_event_id).where(events.c.event_type.in_(CANCELLATIONS), *base)
        voided = select(events.c.stream_id).where(
            events.c.event_type == "dispositifs.ProgrammeEntered", events.c.event_id.in_(cancelled)
        )
        counts_nowhere = or_(
            events.c.event_id.in_(cancelled),
            and_(
                events.c.event_type.like("dispositifs.%"),
                events.c.event_type != "dispositifs.EntryCancelled",
                events.c.stream_id.in_(voided),
            ),
        )
        start, end = q.date_from.isoformat(), q.date_to.isoformat()
        in_period = and_(events.c.business_date >= start, events.c.business_date <= end, *base, ~counts_nowhere)
        return cls(of_mls, base, voided, counts_nowhere, in_period)


def parts(conn: Connection, q: Query, only: set[str | None] | None) -> dict[str | None, Part]:
    """Each Mission Locale's Part for the period of `q` (all of them, or those in `only`; None
    stands for skipped events that name no Mission Locale)."""
    start, end = q.date_from.isoformat(), q.date_to.isoformat()
    result: defaultdict[str | None, Part] = defaultdict(Part)
    for ml in only or ():
        result[ml]
    f = Filters.of(q, only)
    of_mls, base, voided, counts_nowhere, in_period = f.of_mls, f.base, f.voided, f.counts_nowhere, f.in_period
    for ml in conn.execute(select(events.c.ml_id).where(*base).distinct()).scalars():
        result[ml].present = True

    # Counts and sums, grouped small: one row per combination.
    by = (events.c.ml_id, *(events.c[name] for name in CountKey._fields))
    grouped = conn.execute(
        select(*by, func.count(), func.coalesce(func.sum(events.c.amount_cents), 0)).where(in_period).group_by(*by)
    )
    for ml, *values, n, amount in grouped:
        key = CountKey(*values)
        s = result[ml].scope
        s.counts[key] += n
        s.amounts[key] += int(amount)  # PostgreSQL sums bigints as numeric
        s.considered += n
    # What corrections cancelled was looked at too.
    for ml, n in conn.execute(
        select(events.c.ml_id, func.count())
        .where(events.c.business_date >= start, events.c.business_date <= end, *base, counts_nowhere)
        .group_by(events.c.ml_id)
    ):
        result[ml].scope.considered += n

    # Who: distinct young people, sessions and employers behind the counts. The dossier events,
    # most of the rows, come rolled up by young person (one row each, with what they make them).
    dossier = events.c.event_type.in_(["intake.FirstWelcomeRecorded", "intake.DossierEventRecorded"])
    welcome = events.c.event_type == "intake.FirstWelcomeRecorded"
    flags = (
        _any(welcome),
        _any(events.c.nature.in_(ACCOMPANYING)),  # v2.md, R9: a welcome of that nature too
        _any(or_(welcome, events.c.nature.not_in(NOT_CONTACT))),
    )
    rolled = select(events.c.ml_id, raw(events.c.jeune_id), *flags).where(in_period, dossier)
    for ml, jeune, welcomed, accompanied, in_contact in conn.execute(
        rolled.group_by(events.c.ml_id, events.c.jeune_id)
    ).all():
        youths = result[ml].scope.youths
        for key, flag in (("welcomed", welcomed), ("accompanied", accompanied), ("in_contact", in_contact)):
            if flag:
                youths[key].add(jeune)
    sessions = select(events.c.ml_id, raw(events.c.session_id)).where(
        in_period,
        events.c.event_type == "intake.DossierEventRecorded",
        events.c.nature.in_(WORKSHOPS),
        events.c.session_id.is_not(None),
    )
    for ml, session in conn.execute(sessions.distinct()):
        result[ml].scope.sessions.add(session)
    welcomes = select(events.c.ml_id, raw(events.c.jeune_id), events.c.category, events.c.tags).where(
        in_period, welcome
    )
    for ml, jeune, source, requests in conn.execute(welcomes):
        youths = result[ml].scope.youths
        youths[("referral_source", source)].add(jeune)
        for request in (requests or "").split(","):
            if request:
                youths[("request", request)].add(jeune)
    sessions_held = and_(in_period, events.c.event_type == "employment.RecruitmentSessionHeld")
    for ml, n in conn.execute(
        select(events.c.ml_id, func.sum(events.c.participants)).where(sessions_held).group_by(events.c.ml_id)
    ):
        result[ml].scope.session_participants += int(n or 0)
    recorded = and_(in_period, events.c.event_type == "intake.DossierEventRecorded")
    for ml, tags, n in conn.execute(
        select(events.c.ml_id, events.c.tags, func.count()).where(recorded).group_by(events.c.ml_id, events.c.tags)
    ):
        for theme in (tags or "").split(","):
            if theme:
                result[ml].scope.themes[theme] += n
    by_counselor = (events.c.ml_id, events.c.actor_id, events.c.nature)
    for ml, actor, nature, n in conn.execute(
        select(*by_counselor, func.count()).where(in_period, dossier).group_by(*by_counselor)
    ):
        result[ml].scope.counselors[actor][nature] += n
    seen = select(events.c.ml_id, events.c.actor_id, raw(events.c.jeune_id)).where(in_period, dossier).distinct()
    for ml, actor, jeune in conn.execute(seen).all():
        result[ml].scope.counselor_youths[actor].add(jeune)
    people = conn.execute(
        select(
            events.c.ml_id,
            events.c.event_type,
            events.c.category,
            events.c.programme,
            raw(events.c.jeune_id),
            raw(events.c.employer_id),
        )
        .where(
            in_period,
            events.c.event_type.in_(
                [
                    *SITUATION_TYPES,
                    "dispositifs.ProgrammeEntered",
                    "dispositifs.AllowanceRequested",
                    "dispositifs.AllowancePaid",
                    "dispositifs.FinancialAidGranted",
                    "dispositifs.SocialReferralMade",
                    "employment.JobOfferReceived",
                    "employment.CandidateReferred",
                    "employment.ReferralOutcomeRecorded",
                ]
            ),
        )
        .distinct()
    ).all()
    for ml, etype, category, programme, jeune, employer in people:
        add_who(result[ml].scope, etype, category, programme, jeune, employer)

    # Programmes active over the period (v2.md): entered by its end, not exited before its start,
    # and planned to end (the latest of the entry's and every extension's planned end, when there
    # is one) on or after its start.
    exited = aliased(events)
    known = [] if q.as_of is None else [events.c.recorded_us <= micros(q.as_of)]
    planned = (
        select(events.c.stream_id, func.max(events.c.planned_end).label("end"))
        .where(
            events.c.event_type.in_(["dispositifs.ProgrammeEntered", "dispositifs.ProgrammeExtended"]),
            *of_mls,
            *known,
        )
        .group_by(events.c.stream_id)
        .subquery()
    )
    actives = conn.execute(
        select(events.c.ml_id, events.c.programme, raw(events.c.jeune_id))
        .join(planned, planned.c.stream_id == events.c.stream_id)
        .where(
            events.c.event_type == "dispositifs.ProgrammeEntered",
            events.c.business_date <= end,
            *base,
            events.c.stream_id.not_in(voided),
            or_(planned.c.end.is_(None), planned.c.end >= start),
            ~exists().where(
                exited.c.event_type == "dispositifs.ProgrammeExited",
                exited.c.stream_id == events.c.stream_id,
                exited.c.business_date < start,
                *([] if q.as_of is None else [exited.c.recorded_us <= micros(q.as_of)]),
            ),
        )
        .distinct()
    )
    for ml, programme, jeune in actives:
        result[ml].scope.youths[("active", programme)].add(jeune)
    _durations(conn, result, in_period)

    # Objectives (v2.md, E3) of the year the period ends in: the latest set by occurred_at.
    objectives = conn.execute(
        select(
            events.c.ml_id,
            events.c.programme,
            events.c.target,
            events.c.occurred_us,
            events.c.stream_position,
            events.c.event_id,
        ).where(events.c.event_type == "dispositifs.ObjectiveSet", events.c.objective_year == q.date_to.year, *base)
    )
    for ml, programme, target, *order in objectives:
        latest = result[ml].scope.objectives
        if (ml, programme) not in latest or tuple(order) > latest[(ml, programme)][0]:
            latest[(ml, programme)] = (tuple(order), target)

    skipped_filter = (
        []
        if only is None
        else [
            or_(
                skipped.c.ml_id.in_([m for m in only if m is not None]),
                *([skipped.c.ml_id.is_(None)] if None in only else []),
            )
        ]
    )
    if q.as_of is not None:
        skipped_filter.append(skipped.c.recorded_us <= micros(q.as_of))
    for ml, n in conn.execute(select(skipped.c.ml_id, func.count()).where(*skipped_filter).group_by(skipped.c.ml_id)):
        result[ml].scope.skipped += n

    cancelling = select(events.c.ml_id, raw(events.c.cancelled_event_id)).where(
        events.c.event_type.in_(CANCELLATIONS), *base
    )
    for ml, event_id in conn.execute(cancelling).all():
        result[ml].cancelled.add(event_id)
    voided_streams = select(events.c.ml_id, raw(events.c.stream_id)).where(
        events.c.event_type == "dispositifs.ProgrammeEntered", events.c.stream_id.in_(voided), *base
    )
    for ml, stream in conn.execute(voided_streams).all():
        result[ml].voided.add(stream)

    load_attributes(conn, q, result)
    return dict(result)


def _durations(conn: Connection, result: dict[str | None, Part], in_period: Any) -> None:
    """Planned days of the enrolments entered in the period (to their planned end), effective days
    of those exited in it (from their entry to their exit), per programme."""
    entries = conn.execute(
        select(events.c.ml_id, events.c.programme, events.c.business_date, events.c.planned_end).where(
            in_period, events.c.event_type == "dispositifs.ProgrammeEntered", events.c.planned_end.is_not(None)
        )
    )
    for ml, programme, start, end in entries:
        result[ml].scope.durations[("planned", programme)].append(_days(start, end))
    entered = aliased(events)
    exits = conn.execute(
        select(events.c.ml_id, events.c.programme, entered.c.business_date, events.c.business_date)
        .join(entered, and_(entered.c.ml_id == events.c.ml_id, entered.c.stream_id == events.c.stream_id))
        .where(
            in_period,
            events.c.event_type == "dispositifs.ProgrammeExited",
            entered.c.event_type == "dispositifs.ProgrammeEntered",
        )
    )
    for ml, programme, start, end in exits:
        result[ml].scope.durations[("effective", programme)].append(_days(start, end))


def _days(start: str, end: str) -> int:
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def merged(found: Iterable[Part]) -> Part:
    """The network's Part: its Missions Locales' added up (sets united, counts added)."""
    network = Part()
    for part in found:
        _merge(network.scope, part.scope)
        network.attributes.update(part.attributes)
        network.welcomed_as.update(part.welcomed_as)
        network.voided |= part.voided
        network.cancelled |= part.cancelled
    return network


def assemble(
    q: Query,
    found: dict[str | None, Part],
    documents: dict[str, dict[str, Any]] | None = None,
    network: Part | None = None,
) -> dict[str, Any]:
    """The document of `q` from its Parts: one Mission Locale's, or the network's with `by_ml`.
    `documents` holds Mission Locale documents already made from the same Parts, `network`
    their merged Part."""
    if q.ml_id is not None:
        return document(q, q.ml_id, found.get(q.ml_id) or Part())
    network = network or merged(found.values())
    documents = documents or {}
    by_ml = {
        ml: documents.get(ml) or document(q, ml, found[ml]) for ml in sorted(m for m, p in found.items() if p.present)
    }
    # A young person's dossier is one Mission Locale's: when no one counts in two of them, what
    # is drawn from attributes is their documents' sum (`_indicators`).
    network_youths = network.scope.youths
    disjoint = all(sum(len(p.scope.youths[k]) for p in found.values()) == len(v) for k, v in network_youths.items())
    return document(q, None, network, by_ml, added=disjoint)


def document(q: Query, ml: str | None, part: Part, by_ml: dict | None = None, added: bool = False) -> dict[str, Any]:
    """The document of one Mission Locale, or of the network with `by_ml`; `added`: the network's
    attribute figures are the sum of its Missions Locales' (no young person in two of them)."""
    s = part.scope
    of_each_ml = [d["indicators"] for d in (by_ml or {}).values()] if added and by_ml else None
    return {
        "ml_id": ml,
        "from": q.date_from.isoformat(),
        "to": q.date_to.isoformat(),
        "as_of": q.as_of.isoformat() if q.as_of else None,
        "events_considered": s.considered,
        "events_skipped": s.skipped,
        "indicators": _indicators(s, part.attributes, part.welcomed_as, q.date_to, of_each_ml),
        "by_ml": by_ml,
    }


def _merge(into: Scope, s: Scope) -> None:
    into.considered += s.considered
    into.skipped += s.skipped
    into.counts.update(s.counts)
    into.amounts.update(s.amounts)
    for key, people in s.youths.items():
        into.youths[key] |= people
    into.sessions |= s.sessions
    into.employers |= s.employers
    into.objectives |= s.objectives  # one Mission Locale's own keys each
    into.themes.update(s.themes)
    into.session_participants += s.session_participants
    for key, days in s.durations.items():
        into.durations[key] += days
    for actor, figures in s.counselors.items():
        into.counselors[actor].update(figures)
    for actor, people in s.counselor_youths.items():
        into.counselor_youths[actor] |= people


def _any(condition: Any) -> Any:
    """Whether any row of the group meets `condition` (1 or 0, in PostgreSQL and SQLite alike)."""
    return func.max(case((condition, 1), else_=0))


def add_who(s: Scope, etype, category, programme, jeune, employer) -> None:
    """The young people and employers behind the counts of one (distinct) row, dossier events
    apart (rolled up by young person in `parts`)."""
    if etype in SITUATION_TYPES:
        s.youths["situation"].add(jeune)
        # v2: employment (job contracts) and alternance apart; trainings and PMSMP by youth too.
        s.youths[category].add(jeune)
    elif etype == "dispositifs.ProgrammeEntered":
        s.youths[("entered", programme)].add(jeune)
    elif etype == "dispositifs.AllowanceRequested":
        s.youths[("allowance_requested", programme)].add(jeune)
    elif etype == "dispositifs.AllowancePaid":
        s.youths[("allowance_paid", programme)].add(jeune)
    elif etype == "dispositifs.FinancialAidGranted":
        s.youths[("aid", category)].add(jeune)
    elif etype == "dispositifs.SocialReferralMade":
        s.youths[("social_referral", category)].add(jeune)
    elif etype == "employment.JobOfferReceived":
        s.employers.add(employer)
    elif etype == "employment.CandidateReferred":
        s.youths["referred"].add(jeune)
    elif etype == "employment.ReferralOutcomeRecorded" and category == "hired":
        s.youths["hired"].add(jeune)


def load_attributes(
    conn: Connection, q: Query, found: dict[str | None, Part], only: dict[str | None, set] | None = None
) -> None:
    """Rule 7: each young person's profile, merged field by field in `occurred_at` order, from
    the profile events of the period's end and before (as of `as_of`), kept with the Mission
    Locale that recorded them. `only`: these young people (of a Mission Locale), looked up again."""
    wanted = only if only is not None else {ml: profiled(p.scope) for ml, p in found.items()}
    for ml, youths in wanted.items():
        found[ml].loaded |= youths
    if not any(wanted.values()):
        return
    conditions = [
        profiles.c.business_date <= q.date_to.isoformat(),
        profiles.c.ml_id.in_([ml for ml, youths in wanted.items() if youths]),
    ]
    if only is not None:
        conditions.append(profiles.c.jeune_id.in_([UUID(j) for youths in only.values() for j in youths]))
    if q.as_of is not None:
        conditions.append(profiles.c.recorded_us <= micros(q.as_of))
    rows = conn.execute(
        select(*(raw(c) if isinstance(c.type, Uuid) else c for c in profiles.c))
        .where(*conditions)
        .order_by(profiles.c.jeune_id, profiles.c.occurred_us, profiles.c.stream_position, profiles.c.event_id)
    ).all()  # fetched at once: row by row, the driver's checks cost as much as the rows
    for row in rows:
        if row.jeune_id not in wanted[row.ml_id]:
            continue
        part = found[row.ml_id]
        current = part.attributes.setdefault(row.jeune_id, {})
        for f in ATTRIBUTES:
            value = getattr(row, f)
            if value is not None:
                current[f] = value
        if row.welcome and row.business_date >= q.date_from.isoformat():
            part.welcomed_as[row.jeune_id] = {f: getattr(row, f) for f in ATTRIBUTES}


def profiled(s: Scope) -> set:
    """The young people whose attributes some figure needs: the welcomed and the accompanied,
    those in employment, alternance or training, and the programmes' entrants and followers."""
    keys = ("welcomed", "accompanied", *SITUATION_KINDS)
    found: set = set()
    for key, people in s.youths.items():
        if key in keys or (isinstance(key, tuple) and key[0] in ("entered", "active")):
            found |= people
    return found


def _profile(people: set, attributes: dict[UUID, dict[str, Any]], last_day: date) -> dict[str, Any]:
    """What the profiles of these young people add up to (their age on `last_day`).

    Counted in local variables, each age looked up once per birth month: a live network document
    adds up about twenty populations of each Mission Locale (bench/README.md, end_to_end)."""
    bands = dict.fromkeys(("under_18", "18_21", "22_25", "over_25"), 0)
    sexes = dict.fromkeys(("F", "M", "X"), 0)
    levels = {str(n): 0 for n in range(1, 9)}
    housing = dict.fromkeys(HOUSING, 0)
    zones = dict.fromkeys(NATIONALITY_ZONES, 0)
    minors = no_diploma = no_licence = with_children = 0
    flags = dict.fromkeys(("qpv", "zrr", "rqth", "neet", "has_car", "france_travail_registered"), 0)
    empty: dict[str, Any] = {}
    for j in people:
        a = attributes.get(j, empty)
        if "birth_month" in a:
            age = _age(a["birth_month"], last_day)
            bands[_band(age)] += 1
            minors += age < 18
        sex = a.get("sex")
        if sex in sexes:
            sexes[sex] += 1
        level = a.get("education_level")
        if level is not None:
            levels[str(level)] += 1
        home = a.get("housing")
        if home in housing:
            housing[home] += 1
        zone = a.get("nationality_zone")
        if zone in zones:
            zones[zone] += 1
        no_diploma += a.get("diploma") is False
        no_licence += a.get("driving_licence") is False
        with_children += bool(a.get("children"))
        for flag in flags:
            if a.get(flag):
                flags[flag] += 1
    return {
        "age_band": bands,
        "sex": sexes,
        "education_level": levels,
        "minors": minors,
        "no_diploma": no_diploma,
        **{f: flags[f] for f in ("qpv", "zrr", "rqth", "neet")},
        "no_driving_licence": no_licence,
        "has_car": flags["has_car"],
        "with_children": with_children,
        "france_travail_registered": flags["france_travail_registered"],
        "housing": housing,
        "nationality_zone": zones,
    }


@lru_cache(maxsize=16_384)  # a few hundred birth months, a few days of reference
def _age(birth_month: str, day: date) -> int:
    return age_on(birthday_of_month(birth_month), day)


def _band(age: int) -> str:
    return "under_18" if age < 18 else "18_21" if age <= 21 else "22_25" if age <= 25 else "over_25"


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sum(s: Scope, etype: str, *, amounts: bool = False, **wanted: Any) -> int:
    """Events of type `etype` (or their amounts) whose CountKey fields have the wanted values:
    a tuple names the values allowed (`category=("employment",)`), anything else the value."""
    # Plain loops over the key's positions: a live network document asks ~70 000 sums.
    allowed = [(KEY_POSITION[f], v if isinstance(v, tuple) else (v,)) for f, v in wanted.items() if v is not None]
    total = 0
    for k, n, amount in _of_type(s, etype):
        for position, values in allowed:
            if k[position] not in values:
                break
        else:
            total += amount if amounts else n
    return total


def _of_type(s: Scope, etype: str) -> list[tuple[CountKey, int, int]]:
    """The scope's counts and amounts of one event type (grouped once: a document asks ~600 sums)."""
    if s.by_type is None:
        s.by_type = defaultdict(list)
        for k, n in s.counts.items():
            s.by_type[k.event_type].append((k, n, s.amounts[k]))
    return s.by_type.get(etype, [])


def _by_partner(s: Scope, etype: str, **wanted: Any) -> dict[str, int]:
    """Events of a type per partner named (the partners are codes, unbounded: only those found)."""
    found: Counter[str] = Counter()
    for key, n in s.counts.items():
        if key.event_type == etype and key.partner and all(getattr(key, f) == v for f, v in wanted.items()):
            found[key.partner] += n
    return dict(sorted(found.items()))


def _average(days: list[int]) -> int | None:
    return round(sum(days) / len(days)) if days else None


def _dossier_events(s: Scope, natures: tuple[str, ...]) -> int:
    """Événements dossier of these natures, the first welcome among them (v2.md, R9)."""
    return sum(_sum(s, t, nature=natures) for t in ("intake.DossierEventRecorded", "intake.FirstWelcomeRecorded"))


def _places(s: Scope, attributes: dict[UUID, dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """First welcomes, accompanied (and those with a situation) per commune and per site."""
    accompanied = s.youths["accompanied"]
    with_situation = s.youths["situation"]
    by_commune: dict[str, dict[str, Any]] = {}

    def commune_of(j: UUID) -> str:
        return attributes.get(j, {}).get("commune_insee") or "unknown"

    for key, people in (
        ("first_welcomes", s.youths["welcomed"]),
        ("accompanied", accompanied),
        ("accompanied_with_situation", accompanied & with_situation),
    ):
        for j in people:
            c = by_commune.setdefault(
                commune_of(j), {"first_welcomes": 0, "accompanied": 0, "accompanied_with_situation": 0}
            )
            c[key] += 1
    for c in by_commune.values():
        c["situation_rate"] = _rate(c["accompanied_with_situation"], c["accompanied"])

    by_site: dict[str, dict[str, int]] = {}
    for key, people in (("first_welcomes", s.youths["welcomed"]), ("accompanied", accompanied)):
        for j in people:
            site = attributes.get(j, {}).get("site") or "unknown"
            by_site.setdefault(site, {"first_welcomes": 0, "accompanied": 0})[key] += 1

    return by_commune, by_site


def _added(documents: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sum of documents of the same shape, key by key (numbers added, objects recursively;
    a rate is left to its caller, who knows its parts)."""
    total: dict[str, Any] = {}
    for doc in documents:
        _add_into(total, doc)
    return total


def _add_into(total: dict[str, Any], doc: dict[str, Any]) -> None:
    for key, value in doc.items():
        if type(value) is dict:
            _add_into(total.setdefault(key, {}), value)
        elif type(value) is int:  # not a bool, not a rate
            total[key] = total.get(key, 0) + value
        else:
            total.setdefault(key, None)


BRIEF_PROFILE = ("age_band", "sex", "education_level", "minors", "no_diploma", "qpv", "zrr", "rqth", "neet")


def _attribute_figures(
    s: Scope, attributes: dict[UUID, dict[str, Any]], welcomed_as: dict[UUID, dict[str, Any]], last_day: date
) -> dict[str, Any]:
    """What is drawn from the young people's attributes (rule 7): places, profiles, minors."""
    by_commune, by_site = _places(s, attributes)

    def brief(people: set) -> dict[str, Any]:
        profile = _profile(people, attributes, last_day)
        return {k: profile[k] for k in BRIEF_PROFILE}

    # Code de l'éducation, art. L114-1 (loi n° 2019-791 du 26 juillet 2019, art. 15): training is
    # compulsory up to 18, and Missions Locales see that 16 to 18 year olds fulfil it; the
    # accompanied minors on the period's last day, and those who entered a situation.
    minors = {
        j
        for j in s.youths["accompanied"]
        if "birth_month" in attributes.get(j, {}) and _age(attributes[j]["birth_month"], last_day) < 18
    }
    return {
        "by_commune": by_commune,
        "by_site": by_site,
        "profile_of_accompanied": _profile(s.youths["accompanied"], attributes, last_day),
        "first_welcome_profile": _profile(s.youths["welcomed"], welcomed_as, last_day),
        "situation_profiles": {
            "employment": brief(s.youths["employment"]),
            "alternance": brief(s.youths["alternance"]),
            "training": brief(s.youths["training"] | s.youths["schooling"]),
        },
        "training_obligation": {
            "minors": len(minors),
            "with_situation": len(minors & s.youths["situation"]),
            "by_kind": {k: len(minors & s.youths[k]) for k in SITUATION_KINDS},
        },
        "programmes": {
            p: {
                "entrants_profile": brief(s.youths[("entered", p)]),
                "active_zrr": sum(bool(attributes.get(j, {}).get("zrr")) for j in s.youths[("active", p)]),
            }
            for p in PROGRAMMES
        },
    }


ATTRIBUTE_FIGURES = (
    "by_commune",
    "by_site",
    "profile_of_accompanied",
    "first_welcome_profile",
    "situation_profiles",
    "training_obligation",
)


def _added_attribute_figures(of_each_ml: list[dict[str, Any]]) -> dict[str, Any]:
    """`_attribute_figures` of the network, added up from its Missions Locales' documents."""
    drawn = _added(
        {
            **{k: d[k] for k in ATTRIBUTE_FIGURES},
            "programmes": {
                p: {"entrants_profile": f["entrants_profile"], "active_zrr": f["active_zrr"]}
                for p, f in d["programmes"].items()
            },
        }
        for d in of_each_ml
    )
    for c in drawn["by_commune"].values():
        c["situation_rate"] = _rate(c["accompanied_with_situation"], c["accompanied"])
    return drawn


def _indicators(
    s: Scope,
    attributes: dict[UUID, dict[str, Any]],
    welcomed_as: dict[UUID, dict[str, Any]],
    last_day: date,
    of_each_ml: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The indicators of a scope. For the network, `of_each_ml` holds its Missions Locales' own
    when no young person counts in two of them (a dossier is one Mission Locale's): then what is
    drawn from the young people's attributes is the sum of theirs, exactly, instead of a walk
    through every young person of the network again."""
    accompanied = s.youths["accompanied"]
    with_situation = s.youths["situation"]
    kinds = {k: sum(_sum(s, t, category=(k,)) for t in SITUATION_TYPES) for k in SITUATION_KINDS}
    drawn = (
        _added_attribute_figures(of_each_ml) if of_each_ml else _attribute_figures(s, attributes, welcomed_as, last_day)
    )

    programmes = {}
    for p in PROGRAMMES:
        targets = [target for (_, programme), (_, target) in s.objectives.items() if programme == p]
        objective = sum(targets) if targets else None
        entries = _sum(s, "dispositifs.ProgrammeEntered", programme=p)
        programmes[p] = {
            "entries": entries,
            "objective": objective,
            "objective_rate": _rate(entries, objective or 0),
            "active_youths": len(s.youths[("active", p)]),
            "exits": _sum(s, "dispositifs.ProgrammeExited", programme=p),
            "positive_exits": _sum(s, "dispositifs.ProgrammeExited", programme=p, category=POSITIVE_EXITS),
            "allowance_requested_cents": _sum(s, "dispositifs.AllowanceRequested", programme=p, amounts=True),
            "allowance_paid_cents": _sum(s, "dispositifs.AllowancePaid", programme=p, amounts=True),
            "allowance_requested_youths": len(s.youths[("allowance_requested", p)]),
            "allowance_paid_youths": len(s.youths[("allowance_paid", p)]),
            "exits_by_reason": {r: _sum(s, "dispositifs.ProgrammeExited", programme=p, kind=r) for r in EXIT_REASONS},
            "exits_by_situation": {
                x: _sum(s, "dispositifs.ProgrammeExited", programme=p, category=x) for x in EXIT_SITUATIONS
            },
            "entries_by_partner": _by_partner(s, "dispositifs.ProgrammeEntered", programme=p),
            "planned_days": _average(s.durations[("planned", p)]),
            "effective_days": _average(s.durations[("effective", p)]),
            "youths_with_situation": len(s.youths[("active", p)] & with_situation),
            "situations_by_kind": {k: len(s.youths[("active", p)] & s.youths[k]) for k in SITUATION_KINDS},
            **drawn["programmes"][p],
        }

    by_sector = dict.fromkeys(ROME_SECTORS, 0)
    for key, n in s.counts.items():
        if key.event_type == "employment.JobOfferReceived" and key.sector is not None:
            by_sector[key.sector] += n

    both = accompanied & with_situation
    job_contracts = _sum(s, "employment.ContractSigned", category=("employment",))
    durable = _sum(s, "employment.ContractSigned", durable=True)
    return {
        "first_welcomes": len(s.youths["welcomed"]),
        "accompanied": len(accompanied),
        "in_contact": len(s.youths["in_contact"]),
        "individual_interviews": _dossier_events(s, ("individual_interview",)),
        "workshop_sessions": len(s.sessions),
        "workshop_participations": _dossier_events(s, WORKSHOPS),
        "situation_entries": sum(kinds.values()),
        "situation_entries_by_kind": kinds,
        "youths_with_situation": len(with_situation),
        "accompanied_with_situation": len(both),
        "situation_rate": _rate(len(both), len(accompanied)),
        "employment_contracts": _sum(s, "employment.ContractSigned"),
        "job_contracts": job_contracts,
        "alternance_contracts": _sum(s, "employment.ContractSigned", category=("alternance",)),
        "youths_in_employment": len(s.youths["employment"]),
        "youths_in_alternance": len(s.youths["alternance"]),
        "durable_contracts": durable,
        "durable_rate": _rate(durable, job_contracts),
        "training_entries": _sum(s, "employment.TrainingEntered"),
        "training_by_type": {t: _sum(s, "employment.TrainingEntered", kind=t) for t in TRAINING_TYPES},
        "training_by_funder": {f: _sum(s, "employment.TrainingEntered", funder=f) for f in FUNDERS},
        "training_regional_plan": _sum(s, "employment.TrainingEntered", regional_plan=True),
        "immersions_by_objective": {o: _sum(s, "employment.ImmersionStarted", kind=o) for o in IMMERSION_OBJECTIVES},
        "contracts_by_type": {c: _sum(s, "employment.ContractSigned", contract_type=c) for c in CONTRACT_TYPES},
        "aided_contracts": {
            c: {t: _sum(s, "employment.ContractSigned", contract_type=c, kind=t) for t in ("fixed_term", "open_ended")}
            for c in ("CAE", "CIE")
        },
        "contracts_by_sector": {
            r: {k: _sum(s, "employment.ContractSigned", sector=r, category=k) for k in ("employment", "alternance")}
            for r in ROME_SECTORS
        },
        "recruitment_sessions": {
            "sessions": _sum(s, "employment.RecruitmentSessionHeld"),
            "participants": s.session_participants,
        },
        "training_youths": len(s.youths["training"] | s.youths["schooling"]),
        "immersions": _sum(s, "employment.ImmersionStarted"),
        "immersion_youths": len(s.youths["immersion"]),
        "by_commune": dict(sorted(drawn["by_commune"].items())),
        "profile_of_accompanied": drawn["profile_of_accompanied"],
        "first_welcome_profile": drawn["first_welcome_profile"],
        "situation_profiles": drawn["situation_profiles"],
        "training_obligation": drawn["training_obligation"],
        "referral_sources": {k: len(s.youths[("referral_source", k)]) for k in REFERRAL_SOURCES},
        "requests": {k: len(s.youths[("request", k)]) for k in REQUESTS},
        "by_mode": {
            m: {
                "first_welcomes": _sum(s, "intake.FirstWelcomeRecorded", mode=m),
                "dossier_events": _sum(s, "intake.DossierEventRecorded", mode=m),
            }
            for m in MODES
        },
        "themes": {k: s.themes[k] for k in THEMES},
        "by_site": dict(sorted(drawn["by_site"].items())),
        "counselors": {
            actor: {
                "individual_interviews": c["individual_interview"],
                "workshop_participations": c["workshop"] + c["group_information"],
                "youths": len(s.counselor_youths[actor]),
            }
            for actor, c in sorted(s.counselors.items())
        },
        "programmes": programmes,
        "offers": {
            "received": _sum(s, "employment.JobOfferReceived"),
            "employers": len(s.employers),
            "referrals": _sum(s, "employment.CandidateReferred"),
            "referred_youths": len(s.youths["referred"]),
            "hires": _sum(s, "employment.ReferralOutcomeRecorded", category=("hired",)),
            "hired_youths": len(s.youths["hired"]),
            "filled": _sum(s, "employment.JobOfferClosed", category=("filled",)),
            "filled_rate": _rate(
                _sum(s, "employment.JobOfferClosed", category=("filled",)), _sum(s, "employment.JobOfferReceived")
            ),
            "by_contract_type": {c: _sum(s, "employment.JobOfferReceived", contract_type=c) for c in CONTRACT_TYPES},
            "by_sector": by_sector,
        },
        "financial_aids": {
            k: {
                "count": _sum(s, "dispositifs.FinancialAidGranted", category=(k,)),
                "amount_cents": _sum(s, "dispositifs.FinancialAidGranted", category=(k,), amounts=True),
                "youths": len(s.youths[("aid", k)]),
            }
            for k in AID_KINDS
        },
        "social_referrals": {
            k: {
                "count": _sum(s, "dispositifs.SocialReferralMade", category=(k,)),
                "youths": len(s.youths[("social_referral", k)]),
                "by_partner": _by_partner(s, "dispositifs.SocialReferralMade", category=k),
            }
            for k in REFERRAL_DOMAINS
        },
    }
