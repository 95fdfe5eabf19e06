"""A cached Part brought up to date with the rows a commit of the projection just stored, instead
of being computed again from every row of its Mission Locale (bench/README.md, end_to_end).

Most events only add: a count, a young person to a set, a session, a theme. Those are added to
the Part exactly as `indicators.parts` would count them (the same rules, row by row). What can
change what was already counted is refused, and the Part is then computed again: a cancellation,
a programme's entry, extension or exit (the enrolments active over the period depend on the
whole enrolment), a programme event outside the period. A young person whose attributes some
figure now needs, or who has a new profile, is looked up again in the profiles (rule 7).

The rows come in order of commits: a delta applies to a Part computed under the token the commit
replaced (`Delta.before`), and leaves it under the commit's token (`Delta.after`).
"""

from typing import Any

from sqlalchemy import Connection

from relais_reporting.indicators import (
    ACCOMPANYING,
    CANCELLATIONS,
    NOT_CONTACT,
    WORKSHOPS,
    CountKey,
    Part,
    Query,
    add_who,
    load_attributes,
    profiled,
)
from relais_reporting.projection import Delta

# Programme events that change the enrolments active over a period: the Part is computed again.
REFUSED = {
    *CANCELLATIONS,
    "dispositifs.ProgrammeEntered",
    "dispositifs.ProgrammeExtended",
    "dispositifs.ProgrammeExited",
}
DOSSIER = ("intake.FirstWelcomeRecorded", "intake.DossierEventRecorded")


def applicable(delta: Delta) -> bool:
    return not any(row["event_type"] in REFUSED for row in delta.events)


def apply_delta(conn: Connection, q: Query, part: Part, delta: Delta) -> None:
    """Add a delta's rows to a Part of `q` (one Mission Locale's; `applicable` said yes)."""
    text = (lambda u: u.hex) if conn.dialect.name == "sqlite" else str  # as `indicators.raw` reads ids
    start, end = q.date_from.isoformat(), q.date_to.isoformat()
    s = part.scope
    s.by_type = None  # the counts change: their grouping by type is made again when asked
    part.present = True
    for row in delta.events:
        if row["event_type"] == "dispositifs.ObjectiveSet" and row["objective_year"] == q.date_to.year:
            order = (row["occurred_us"], row["stream_position"], row["event_id"])
            key = (row["ml_id"], row["programme"])
            if key not in s.objectives or order > s.objectives[key][0]:
                s.objectives[key] = (order, row["target"])
        if not start <= row["business_date"] <= end:
            continue
        s.considered += 1
        voided = row["event_type"].startswith("dispositifs.") and text(row["stream_id"]) in part.voided
        if voided or text(row["event_id"]) in part.cancelled:  # v2.md, R4: counts nowhere
            continue
        key = CountKey(*(row[f] for f in CountKey._fields))
        s.counts[key] += 1
        s.amounts[key] += row["amount_cents"] or 0
        _count_who(s, row, text)


def _count_who(s: Any, row: dict[str, Any], text: Any) -> None:
    """The young people, sessions and employers behind the row, as `parts` finds them."""
    etype, jeune = row["event_type"], row["jeune_id"]
    j = text(jeune) if jeune is not None else None
    if etype in DOSSIER:
        nature = row["nature"]
        welcome = etype == "intake.FirstWelcomeRecorded"
        if welcome:
            s.youths["welcomed"].add(j)
            s.youths[("referral_source", row["category"])].add(j)
            for request in (row["tags"] or "").split(","):
                if request:
                    s.youths[("request", request)].add(j)
        if nature in ACCOMPANYING:
            s.youths["accompanied"].add(j)
        if welcome or (nature is not None and nature not in NOT_CONTACT):
            s.youths["in_contact"].add(j)
        if not welcome:
            if nature in WORKSHOPS and row["session_id"] is not None:
                s.sessions.add(text(row["session_id"]))
            for theme in (row["tags"] or "").split(","):
                if theme:
                    s.themes[theme] += 1
        s.counselors[row["actor_id"]][nature] += 1
        s.counselor_youths[row["actor_id"]].add(j)
    elif etype == "employment.RecruitmentSessionHeld":
        s.session_participants += row["participants"] or 0
    else:
        employer = row["employer_id"]
        add_who(s, etype, row["category"], row["programme"], j, text(employer) if employer is not None else None)


def refresh_attributes(conn: Connection, q: Query, part: Part, chain: list[Delta]) -> None:
    """After a chain of deltas of one Mission Locale: look up again, in one query, the young
    people whose attributes a figure now needs and were never looked up, and those with a new
    profile up to the period's end (rule 7 merges them in order)."""
    text = (lambda u: u.hex) if conn.dialect.name == "sqlite" else str
    end = q.date_to.isoformat()
    changed = {text(r["jeune_id"]) for d in chain for r in d.profiles if r["business_date"] <= end}
    again = (profiled(part.scope) - part.loaded) | (changed & part.loaded)
    if not again or not chain:
        return
    for j in again:
        part.attributes.pop(j, None)
        part.welcomed_as.pop(j, None)
    ml = chain[0].ml_id
    load_attributes(conn, q, {ml: part}, only={ml: again})
