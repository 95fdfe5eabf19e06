"""Generate years of activity of simulated Missions Locales, as valid envelopes.

Deterministic: the same profile, Mission Locale, years and seed give the same events, byte for
byte. Figures are drawn around the profile's (so a simulated year looks like the report, within
noise), with the realities a projection must survive: events entered days late, dossier events
cancelled afterwards, young people welcomed in earlier years.

Only what the services would accept is written: every programme entry, allowance, exit and
situation is first put to the domain's own aggregates (`Enrolment`, `YouthEnrolments`, `Career`)
with the facts the services know of the young person; what they refuse is not written, and
another young person, month or a smaller amount is tried instead.

Consecutive years (`simulate(..., range(2021, 2024), ...)`) are the same young people: most of
one year's accompanied are followed the next, and their enrolments go on (allowances, exits).
The first year simulated starts from a history made up before it: young people welcomed in the
two previous years and the PACEA, CEJ and PPAE they are still in (« jeunes en parcours »).
"""

import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from relais_contracts import Envelope, make_envelope
from relais_contracts.events import dispositifs as d
from relais_contracts.events import employment as em
from relais_contracts.events import intake as i
from relais_dispositifs.domain import (
    ALLOWANCE_PROGRAMMES,
    CEJ_FAMILY,
    Enrolment,
    Requested,
    YouthEnrolments,
    monthly_cap,
)
from relais_employment.domain import Career, SituationStart
from relais_runtime.kernel.calendar import PARIS, add_months, last_day_of
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.kernel.youth import YouthFacts
from relais_runtime.youth_facts import facts_of_welcome

from relais_cli.simulation.profiles import Profile

EMPLOYMENT_TYPES = (("CDD", 0.58), ("CDI", 0.15), ("INTERIM", 0.15), ("SEASONAL", 0.05), ("CAE", 0.04), ("CIE", 0.03))
SECTORS = "ABCDEFGHIJKLMN"
THEMES = ("employment", "training", "project", "housing", "mobility", "finance", "health")


@dataclass
class History:
    """What the services know at the end of a simulated year, handed to the next one."""

    facts: dict[uuid.UUID, YouthFacts] = field(default_factory=dict)
    welcomed_on: dict[uuid.UUID, date] = field(default_factory=dict)
    accompanied: list[uuid.UUID] = field(default_factory=list)
    open_enrolments: dict[uuid.UUID, Enrolment] = field(default_factory=dict)
    registries: dict[uuid.UUID, YouthEnrolments] = field(default_factory=dict)
    careers: dict[uuid.UUID, Career] = field(default_factory=dict)
    last_cej_exit: dict[uuid.UUID, date] = field(default_factory=dict)
    # Per young person: the allowances requested, with the enrolment that asked for each.
    requested: dict[uuid.UUID, list[tuple[uuid.UUID, Requested]]] = field(default_factory=lambda: defaultdict(list))
    positions: dict[uuid.UUID, int] = field(default_factory=lambda: defaultdict(int))


class MissionLocaleYear:
    def __init__(
        self,
        profile: Profile,
        ml_id: str,
        year: int,
        seed: int,
        scale: float = 1.0,
        until: date | None = None,
        history: History | None = None,
    ):
        self.p = profile
        # The last day events may happen (the demo network stops at today: nothing in the future).
        self.until = until
        self.ml_id = ml_id
        self.year = year
        self.scale = scale
        self.rnd = random.Random(f"{seed}:{ml_id}:{year}")
        self.first_year = history is None
        self.h = history or History()
        self.positions = self.h.positions
        self.events: list[Envelope] = []
        at = datetime(year, 1, 1, tzinfo=UTC)
        self.ctx = CommandContext(ml_id=ml_id, actor_id="simulation", correlation_id=uuid.UUID(int=0), received_at=at)

    # --- helpers ------------------------------------------------------------------------------

    def n(self, figure: float) -> int:
        """A reported yearly figure, scaled, with a little noise (±3 %)."""
        return max(0, round(figure * self.scale * self.rnd.uniform(0.97, 1.03)))

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rnd.getrandbits(128), version=4)

    @property
    def last_day(self) -> date:
        """The last day events of this year may happen on."""
        return min(date(self.year, 12, 22), self.until) if self.until else date(self.year, 12, 22)

    def day(self, year: int | None = None, after: date | None = None) -> date:
        year = year or self.year
        start = max(date(year, 1, 2), after) if after else date(year, 1, 2)
        end = self.last_day if year == self.year else date(year, 12, 22)
        if start >= end:
            return end
        return start + timedelta(days=self.rnd.randrange((end - start).days))

    def instant(self, day: date) -> datetime:
        local = datetime.combine(day, time(self.rnd.randint(8, 17), self.rnd.randrange(60)), PARIS)
        return local.astimezone(UTC)

    def emit(self, payload, day: date, stream: uuid.UUID, late: bool | None = None) -> Envelope:
        occurred = self.instant(day)
        late = self.rnd.random() < self.p.late_entry_rate if late is None else late
        delay = (
            timedelta(days=self.rnd.randint(1, 20), minutes=self.rnd.randint(0, 600))
            if late
            else timedelta(minutes=self.rnd.randint(1, 90))
        )
        self.positions[stream] += 1
        envelope = make_envelope(
            payload,
            ml_id=self.ml_id,
            stream_id=stream,
            stream_position=self.positions[stream],
            occurred_at=occurred,
            recorded_at=occurred + delay,
            actor_id=f"counselor-{self.rnd.randint(1, 25)}",
            correlation_id=self.new_id(),
            causation_id=None,
        )
        self.events.append(envelope)
        return envelope

    def pick(self, weighted: dict[str, float] | tuple) -> str:
        items = list(weighted.items()) if isinstance(weighted, dict) else list(weighted)
        return self.rnd.choices([k for k, _ in items], weights=[w for _, w in items])[0]

    # --- young people -----------------------------------------------------------------------------

    def profile(self) -> i.Profile:
        p, r = self.p, self.rnd
        age = r.choices(
            [16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
            weights=[p.minors_rate / 2] * 2 + [0.55 / 4] * 4 + [(0.45 - p.minors_rate) / 4] * 4,
        )[0]
        birth = date(self.year - age, r.randint(1, 12), 1)
        no_diploma = r.random() < p.no_diploma_rate
        commune = self.pick(p.communes)
        return i.Profile(
            birth_month=birth.strftime("%Y-%m"),
            sex="F" if r.random() < p.female_rate else ("M" if r.random() < 0.99 else "X"),
            commune_insee=commune,
            qpv=r.random() < p.qpv_rate,
            zrr=commune in p.zrr_communes,
            education_level=r.choice([1, 2, 3]) if no_diploma else r.choice([3, 3, 4, 4, 4, 5, 6]),
            diploma=not no_diploma,
            rqth=r.random() < p.rqth_rate,
            housing=self.pick(
                {"parents": 0.61, "hosted": 0.12, "own": 0.15, "precarious": 0.06, "homeless": 0.03, "other": 0.03}
            ),
            driving_licence=r.random() < 0.3,
            has_car=r.random() < 0.15,
            children=1 if r.random() < 0.08 else 0,
            nationality_zone=self.pick({"fr": 0.85, "eu": 0.04, "non_eu": 0.11}),
            france_travail_registered=r.random() < 0.35,
            neet=r.random() < p.neet_rate,
        )

    def welcome(self, year: int, followed: bool = True) -> uuid.UUID:
        """A first welcome; one of a young person who will be followed is an interview or a
        collective information (and so makes them accompanied, v2.md R9), the others a call or a
        visit."""
        jeune = self.new_id()
        nature = (
            self.pick({"individual_interview": 0.85, "group_information": 0.15})
            if followed
            else self.pick({"phone": 0.7, "visit": 0.3})
        )
        profile = self.profile()
        day = self.day(year)
        welcomed = i.FirstWelcomeRecorded(
            jeune_id=jeune,
            nature=nature,
            mode=self.pick({"on_site": 0.9, "outreach": 0.06, "remote": 0.04}),
            site=self.ml_id.removeprefix("ML-")[:20] or "SIEGE",
            referral_source=self.pick(
                {
                    "self": 0.35,
                    "family_friends": 0.2,
                    "france_travail": 0.2,
                    "school": 0.08,
                    "social_services": 0.07,
                    "association": 0.05,
                    "other": 0.05,
                }
            ),
            requests=self.rnd.sample(
                ["employment", "training", "housing", "mobility", "orientation"], k=self.rnd.randint(1, 3)
            ),
            profile=profile,
        )
        self.emit(welcomed, day, jeune, late=False)
        self.h.facts[jeune] = facts_of_welcome(self.ml_id, welcomed)  # what dispositifs and employment know
        self.h.welcomed_on[jeune] = day
        return jeune

    def after_welcome(self, jeune: uuid.UUID) -> date:
        """A day of this year on or after the young person's first welcome."""
        return self.day(after=self.h.welcomed_on[jeune])

    # --- the year ---------------------------------------------------------------------------------

    def generate(self) -> list[Envelope]:
        p, r = self.p, self.rnd
        n = self.n(p.first_welcomes)
        followed = int(n * 0.9)
        welcomed = [self.welcome(self.year, followed=k < followed) for k in range(n)]
        accompanied_new = welcomed[:followed]
        wanted = max(0, self.n(p.accompanied) - len(accompanied_new))
        # Last year's accompanied first (those still in a programme before the others), then young
        # people welcomed earlier still.
        in_programme = {e.jeune_id for e in self.h.open_enrolments.values()}
        last_year = sorted(self.h.accompanied, key=lambda j: (j not in in_programme, r.random()))
        carried = [j for j in last_year if self.h.facts[j].youngest_age_on(date(self.year, 1, 1)) <= 25][:wanted]
        carried += [self.welcome(self.year - r.choice((1, 1, 2))) for _ in range(wanted - len(carried))]
        accompanied = accompanied_new + carried
        self.h.accompanied = accompanied
        if not accompanied:  # a Mission Locale simulated so small that nobody is followed
            return self.events
        if self.first_year:
            self.enrolments_before(carried)
        self.follow_up(accompanied)
        self.situations(accompanied)
        self.programmes(accompanied)
        self.aids_and_referrals(accompanied)
        self.employers_and_offers(accompanied)
        return self.events

    def dossier_event(self, jeune: uuid.UUID, nature: str, day: date, session: uuid.UUID | None = None) -> Envelope:
        return self.emit(
            i.DossierEventRecorded(
                jeune_id=jeune,
                nature=nature,
                mode=self.pick({"on_site": 0.8, "remote": 0.15, "outreach": 0.05}),
                themes=self.rnd.sample(THEMES, k=self.rnd.randint(1, 2)),
                session_id=session,
                duration_minutes=self.rnd.choice([30, 45, 60]) if session is None else 120,
            ),
            day,
            jeune,
        )

    def follow_up(self, accompanied: list[uuid.UUID]) -> None:
        p, r = self.p, self.rnd
        interviews = self.n(p.interviews * (1 + p.correction_rate))
        recorded: list[Envelope] = []
        # Everyone accompanied has at least one interview; the rest are spread unevenly.
        for k in range(interviews):
            jeune = (
                accompanied[k] if k < len(accompanied) else r.choice(accompanied[: max(1, int(len(accompanied) * 0.6))])
            )
            recorded.append(self.dossier_event(jeune, "individual_interview", self.after_welcome(jeune)))
        participations = self.n(p.workshop_participations)
        sessions = [(self.new_id(), self.day(), r.random() < 0.3) for _ in range(max(1, participations // 7))]
        for _ in range(participations):
            session, day, collective = r.choice(sessions)
            # Someone already welcomed on the session's day (the carried young people always are).
            welcomed = (j for j in (r.choice(accompanied) for _ in range(50)) if self.h.welcomed_on[j] <= day)
            if (jeune := next(welcomed, None)) is not None:
                self.dossier_event(jeune, "group_information" if collective else "workshop", day, session)
        for _ in range(len(accompanied) * 2):  # phone calls, SMS, e-mails: contacts, not accompaniment
            jeune = r.choice(accompanied)
            self.dossier_event(jeune, self.pick({"phone": 0.5, "sms": 0.3, "email": 0.2}), self.after_welcome(jeune))
        for event in r.sample(recorded, k=int(len(recorded) * p.correction_rate)):
            late = event.occurred_at.astimezone(PARIS).date() + timedelta(days=r.randint(1, 15))
            self.emit(
                i.DossierEventCancelled(
                    jeune_id=event.payload.jeune_id,
                    cancelled_event_id=event.event_id,
                    reason=self.pick({"entry_error": 0.6, "duplicate": 0.3, "did_not_happen": 0.1}),
                ),
                min(late, date(self.year, 12, 30)),
                event.stream_id,
            )

    # --- situations (employment) ------------------------------------------------------------------

    def begin(self, jeune: uuid.UUID, started: SituationStart) -> bool:
        """Record a situation if the employment service would."""
        career = self.h.careers.get(jeune) or Career.open(jeune, self.ml_id)
        try:
            career.begin(self.ctx, self.h.facts[jeune], started, occurred_at=None)
        except DomainRuleBroken:
            return False
        career.collect_events()
        self.h.careers[jeune] = career
        self.emit(started, started.start_date, jeune)
        return True

    def situations(self, accompanied: list[uuid.UUID]) -> None:
        p, r = self.p, self.rnd
        youths = r.sample(accompanied, k=min(len(accompanied), round(len(accompanied) * p.youths_with_situation_rate)))
        entries = round(len(youths) * p.situation_entries_per_youth)
        # The mix by quota (then shuffled), so that a small simulated year keeps the report's shares.
        kinds = [kind for kind, share in p.situation_mix.items() for _ in range(round(entries * share))]
        r.shuffle(kinds)
        for k, kind in enumerate(kinds):
            for attempt in range(5):  # another young person when the service would refuse
                jeune = youths[k] if k < len(youths) and attempt == 0 else r.choice(youths)
                if self.begin(jeune, self.situation(kind, jeune)):
                    break

    def situation(self, kind: str, jeune: uuid.UUID) -> SituationStart:
        r = self.rnd
        start = self.after_welcome(jeune)
        if kind in ("employment", "alternance"):
            contract = (
                self.pick(EMPLOYMENT_TYPES)
                if kind == "employment"
                else r.choice(("APPRENTICESHIP", "PROFESSIONALISATION"))
            )
            # About 46 % of job contracts durable (CDI, or six months and more), as in the Aube report.
            months = {"CDI": None, "APPRENTICESHIP": 24, "PROFESSIONALISATION": 12}.get(
                contract, r.choice([1, 2, 3, 4, 5, 6, 8, 12])
            )
            if contract in ("CAE", "CIE") and r.random() < 0.25:
                months = None  # a quarter of contrats aidés in CDI, as in the INNOVAM report (9 of 36)
            return em.ContractSigned(
                jeune_id=jeune,
                contract_type=contract,
                start_date=start,
                end_date=None if months is None else last_day_of(start, months),
                weekly_hours=r.choice([20, 24, 35, 35, 35]),
                sector=r.choice(SECTORS),
                employer_id=None,
                offer_id=None,
            )
        if kind in ("training", "schooling"):
            return em.TrainingEntered(
                jeune_id=jeune,
                training_type="schooling"
                if kind == "schooling"
                else self.pick({"qualifying": 0.4, "pre_qualifying": 0.2, "certifying": 0.2, "e2c": 0.1, "poei": 0.1}),
                funder=self.pick({"region": 0.6, "france_travail": 0.25, "state": 0.15}),
                regional_plan=r.random() < 0.6,
                start_date=start,
                end_date=start + timedelta(days=r.randint(60, 300)),
            )
        if kind == "immersion":
            return em.ImmersionStarted(
                jeune_id=jeune,
                employer_id=self.new_id(),
                start_date=start,
                end_date=start + timedelta(days=r.randint(5, 27)),
                objective=self.pick({"discover": 0.5, "confirm": 0.35, "recruit": 0.15}),
            )
        return em.CivicServiceStarted(jeune_id=jeune, start_date=start, end_date=start + timedelta(days=240))

    # --- programmes and allowances (dispositifs) ---------------------------------------------------

    def enter(self, jeune: uuid.UUID, programme: str, start: date) -> Enrolment | None:
        """Enter a young person in a programme if the dispositifs service would."""
        r = self.rnd
        cej = programme in CEJ_FAMILY
        entered = d.ProgrammeEntered(
            jeune_id=jeune,
            programme=programme,
            start_date=start,
            planned_end_date=last_day_of(start, r.choice([6, 9, 12, 12])) if cej else None,
            partner="CLLAJ" if programme == "CEJ_JR" else None,
            weekly_hours=r.choice([15, 18, 20]) if cej else None,
        )
        registry = self.h.registries.get(jeune) or YouthEnrolments.open(jeune)
        try:
            enrolment = Enrolment.enter(
                self.new_id(),
                self.ctx,
                self.h.facts[jeune],
                entered,
                last_cej_exit=self.h.last_cej_exit.get(jeune),
                occurred_at=None,
            )
            registry.activate(programme, enrolment.id)
        except DomainRuleBroken:
            return None
        enrolment.collect_events()
        registry.collect_events()
        self.h.registries[jeune] = registry
        self.h.open_enrolments[enrolment.id] = enrolment
        self.emit(entered, start, enrolment.id)
        return enrolment

    def exit(self, e: Enrolment, day: date, situation: str | None = None, reason: str | None = None) -> bool:
        situation = situation or self.pick(
            {"employment": 0.35, "training": 0.15, "alternance": 0.05, "none": 0.3, "unknown": 0.15}
        )
        reason = reason or ("employment" if situation == "employment" else "completed")
        try:
            e.exit(self.ctx, exit_date=day, reason=reason, exit_situation=situation, occurred_at=None)
        except DomainRuleBroken:
            return False
        e.collect_events()
        self.h.registries[e.jeune_id].release(e.programme, e.id)
        self.h.registries[e.jeune_id].collect_events()
        del self.h.open_enrolments[e.id]
        if e.programme in CEJ_FAMILY:
            self.h.last_cej_exit[e.jeune_id] = day
        payload = d.ProgrammeExited(
            jeune_id=e.jeune_id, programme=e.programme, exit_date=day, reason=reason, exit_situation=situation
        )
        self.emit(payload, day, e.id)
        return True

    def enrolments_before(self, carried: list[uuid.UUID]) -> None:
        """The first simulated year's history: the PACEA, CEJ and PPAE its young people entered
        before it and are still in (« jeunes en parcours »)."""
        p, r = self.p, self.rnd
        pool = r.sample(carried, k=len(carried))
        before = date(self.year - 1, 1, 2)
        for programme, count, earliest, spread in (
            ("PACEA", self.n(p.pacea_active - p.pacea_entries), before, 350),
            # A CEJ lasts twelve months at most: one still running began in the last months.
            ("CEJ", self.n(p.cej_active - p.cej_entries), date(self.year - 1, 7, 1), 170),
            ("PPAE", self.n(p.ppae_active - p.ppae_entries), before, 350),
        ):
            starts = [earliest + timedelta(days=r.randrange(spread)) for _ in pool]
            self.enter_some(pool, programme, count, dict(zip(pool, starts, strict=True)).__getitem__)

    def enter_some(
        self, pool: list[uuid.UUID], programme: str, count: int, when: Callable[[uuid.UUID], date]
    ) -> list[Enrolment]:
        """Enter `count` young people of `pool` in `programme`, on `when(jeune)`, skipping those
        the service would refuse (already in an accompaniment, not NEET for a CEJ, too old...).
        When too few are free, young people in a PACEA leave it for the CEJ, as counselors do."""
        entered: list[Enrolment] = []
        for switching in (False, True):
            for jeune in pool:
                if len(entered) == count:
                    return entered
                start = when(jeune)
                if start < self.h.welcomed_on[jeune]:
                    continue
                if switching and not self.leave_pacea_for(programme, jeune, start):
                    continue
                if (e := self.enter(jeune, programme, start)) is not None:
                    entered.append(e)
            if programme not in CEJ_FAMILY:
                break
        return entered

    def leave_pacea_for(self, programme: str, jeune: uuid.UUID, start: date) -> bool:
        """Exit the young person's PACEA the day before a CEJ starts, if they have been in it a month."""
        pacea = [
            e
            for e in self.h.open_enrolments.values()
            if e.jeune_id == jeune and e.programme == "PACEA" and e.start_date <= start - timedelta(days=30)
        ]
        if programme not in CEJ_FAMILY or not pacea or start - timedelta(days=1) < date(self.year, 1, 1):
            return False
        return self.exit(pacea[0], start - timedelta(days=1), situation="none", reason="other")

    def programmes(self, accompanied: list[uuid.UUID]) -> None:
        p, r = self.p, self.rnd
        going_on = list(self.h.open_enrolments.values())
        pool = r.sample(accompanied, k=len(accompanied))
        for programme, count in (
            ("PACEA", self.n(p.pacea_entries)),
            ("CEJ", self.n(p.cej_entries)),
            ("CEJ_JR", self.n(p.cej_jr_entries)),
            ("PPAE", self.n(p.ppae_entries)),
            ("PIAL", self.n(7)),
            ("SPONSORSHIP", self.n(p.sponsorship_entries)),
        ):
            self.enter_some(pool, programme, count, self.after_welcome)
        this_year = [e for e in self.h.open_enrolments.values() if e not in going_on]
        active = going_on + this_year
        self.allowances(
            [e for e in active if e.programme == "PACEA"], p.pacea_allowance_youths, p.pacea_allowance_cents
        )
        cej = [e for e in active if e.programme in CEJ_FAMILY]
        self.allowances(cej, p.cej_allowance_youths, p.cej_allowance_cents)
        for e in active:
            self.maybe_exit(e)

    def maybe_exit(self, e: Enrolment) -> None:
        """A CEJ ends at its planned end, a PACEA within its 24 months; some leave earlier."""
        r = self.rnd
        ends = e.planned_end_date or (last_day_of(e.start_date, 24) if e.programme == "PACEA" else None)
        if ends is not None and ends <= self.last_day:
            self.exit(e, max(ends, e.start_date))
        elif r.random() < self.leaving_rate(e.programme):
            first = max(e.start_date + timedelta(days=30), date(self.year, 1, 2))
            if first < self.last_day:
                self.exit(e, self.day(after=first))

    def leaving_rate(self, programme: str) -> float:
        """The share of a programme's young people who leave it during a year. In a steady state
        the young people in it during a year are its entries plus those who stayed from the year
        before, so the report's entries ÷ « en parcours » is that share."""
        p = self.p
        rates = {
            "PACEA": p.pacea_entries / p.pacea_active,
            "PPAE": p.ppae_entries / p.ppae_active,
            "CEJ": 0.3,  # estimate: most CEJ end at their planned end
        }
        return rates.get(programme, 0.45)

    def months_active(self, e: Enrolment) -> list[date]:
        """The first days of this year's months the enrolment is in, up to the last day of the year."""
        end = min(e.exit_date or e.planned_end_date or self.last_day, self.last_day)
        month = max(date(e.start_date.year, e.start_date.month, 1), date(self.year, 1, 1))
        months = []
        while month <= end:
            months.append(month)
            month = add_months(month, 1)
        return months

    def allowances(self, enrolments: list[Enrolment], youths: int, budget_cents: int) -> None:
        """`youths` of these enrolments' young people are paid allowances adding up to about
        `budget_cents`, spread over their months in the year, each within what the domain allows."""
        r = self.rnd
        chosen = r.sample(enrolments, k=min(len(enrolments), self.n(youths)))
        months = {e.id: self.months_active(e) for e in chosen}
        pacea = bool(chosen) and chosen[0].programme == "PACEA"
        # A PACEA allowance is a one-off help (a month or two); a CEJ one comes every month.
        used = {
            e.id: (r.sample(m, k=min(len(m), r.choice((1, 1, 2)))) if pacea else m)
            for e, m in ((e, months[e.id]) for e in chosen)
        }
        total_months = sum(len(m) for m in used.values()) or 1
        per_month = self.n(budget_cents) / total_months
        for e in chosen:
            for month in sorted(used[e.id]):
                self.request(e, month, round(per_month * r.uniform(0.8, 1.2)), paid=pacea or r.random() < 0.9)

    def request(self, e: Enrolment, month: date, wanted: int, paid: bool) -> None:
        facts = self.h.facts[e.jeune_id]
        paid_as = ALLOWANCE_PROGRAMMES[e.programme]
        amount = min(wanted, monthly_cap(paid_as, facts, month) or 0)
        key = month.strftime("%Y-%m")
        elsewhere = [req for enrolment, req in self.h.requested[e.jeune_id] if enrolment != e.id]
        try:
            e.request_allowance(self.ctx, facts, month=key, amount_cents=amount, elsewhere=elsewhere, occurred_at=None)
        except DomainRuleBroken:
            return
        self.h.requested[e.jeune_id].append((e.id, Requested(paid_as, key, amount)))
        day = min(month + timedelta(days=27), self.last_day)
        payload = d.AllowanceRequested(jeune_id=e.jeune_id, programme=paid_as, month=key, amount_cents=amount)
        request = self.emit(payload, day, e.id)
        if paid:
            e.pay_allowance(self.ctx, request_event_id=request.event_id, amount_cents=None, occurred_at=None)
            paid_event = d.AllowancePaid(
                jeune_id=e.jeune_id,
                programme=paid_as,
                month=key,
                amount_cents=amount,
                request_event_id=request.event_id,
            )
            self.emit(paid_event, day, e.id)
        e.collect_events()

    def aids_and_referrals(self, accompanied: list[uuid.UUID]) -> None:
        p, r = self.p, self.rnd
        for kind, (count, cents, youths) in p.aids.items():
            helped = r.sample(accompanied, k=min(len(accompanied), self.n(youths)))
            if not helped:
                continue
            aids = max(len(helped), self.n(count))
            each = max(1, round(cents * self.scale / max(1, aids)))
            for k in range(aids):
                jeune = helped[k] if k < len(helped) else r.choice(helped)
                self.emit(
                    d.FinancialAidGranted(
                        jeune_id=jeune,
                        kind=kind,
                        amount_cents=min(1_000_000, max(100, round(each * r.uniform(0.7, 1.3)))),
                        funder="CR" if kind == "mobility_voucher" else ("ML" if kind == "service_ticket" else "CD"),
                    ),
                    self.after_welcome(jeune),
                    self.new_id(),
                )
        for _ in range(self.n(p.accompanied * 0.06)):
            jeune = r.choice(accompanied)
            self.emit(
                d.SocialReferralMade(
                    jeune_id=jeune,
                    domain=self.pick({"housing": 0.4, "health": 0.25, "mental_health": 0.15, "rights": 0.2}),
                    partner=self.pick({"CLLAJ": 0.4, "CMP": 0.2, "SIAO": 0.2, "CPAM": 0.2}),
                ),
                self.after_welcome(jeune),
                self.new_id(),
            )

    def employers_and_offers(self, accompanied: list[uuid.UUID]) -> None:
        p, r = self.p, self.rnd
        employers = []
        for _ in range(self.n(p.employers)):
            employer = self.new_id()
            employers.append(employer)
            self.emit(
                em.EmployerRegistered(
                    employer_id=employer,
                    name=f"Entreprise {len(employers)}",
                    sector=r.choice(SECTORS),
                    size_band=self.pick({"0-9": 0.5, "10-49": 0.3, "50-249": 0.15, "250+": 0.05}),
                    commune_insee=self.pick(p.communes),
                ),
                self.day(self.year - 1),
                employer,
            )
        offers = []
        if not employers:  # a very small simulated Mission Locale: no employer desk this year
            return
        for k in range(self.n(p.offers)):
            offer = self.new_id()
            employer = employers[k] if k < len(employers) else r.choice(employers)
            day = self.day()
            offers.append((offer, day))
            self.emit(
                em.JobOfferReceived(
                    offer_id=offer,
                    employer_id=employer,
                    sector=r.choice(SECTORS),
                    contract_type=self.pick({"CDD": 0.8, "CDI": 0.15, "INTERIM": 0.05}),
                    positions=1,
                    commune_insee=self.pick(p.communes),
                ),
                day,
                offer,
            )
        referrals = self.n(p.referrals) if offers else 0
        hires = min(self.n(p.hires), len(offers))
        referred: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        # « 379 jeunes ont été mis en relation »: each referral a young person of their own.
        for k, jeune in enumerate(r.sample(accompanied, k=min(len(accompanied), referrals))):
            offer, day = offers[k % len(offers)]
            referred[offer].append(jeune)
            self.emit(em.CandidateReferred(offer_id=offer, jeune_id=jeune), self.day(after=day), offer)
        for k, (offer, day) in enumerate(offers):
            candidates = referred.get(offer, [])
            for n_candidate, jeune in enumerate(candidates):
                hired = k < hires and n_candidate == 0
                self.emit(
                    em.ReferralOutcomeRecorded(
                        offer_id=offer,
                        jeune_id=jeune,
                        outcome="hired" if hired else self.pick({"rejected": 0.6, "withdrawn": 0.2, "no_answer": 0.2}),
                    ),
                    self.day(after=day),
                    offer,
                )
            if candidates:
                self.emit(
                    em.JobOfferClosed(offer_id=offer, outcome="filled" if k < hires else "expired"),
                    self.day(after=day),
                    offer,
                )
        for _ in range(self.n(p.recruitment_sessions)):
            participants = r.sample(
                accompanied,
                k=min(len(accompanied), max(1, round(p.recruitment_participants / max(1, p.recruitment_sessions)))),
            )
            session = self.new_id()
            day = self.day()
            self.emit(
                em.RecruitmentSessionHeld(
                    session_id=session,
                    employer_ids=r.sample(employers, k=min(2, len(employers))),
                    sector=r.choice(SECTORS),
                    date=day,
                    participants=participants,
                ),
                day,
                session,
            )


def simulate_mission_locale(
    profile: Profile, ml_id: str, years: range, seed: int, scale: float = 1.0, until: date | None = None
) -> Iterator[Envelope]:
    """Consecutive years of one Mission Locale: the same young people, their enrolments going on."""
    history: History | None = None
    for year in years:
        simulated = MissionLocaleYear(profile, ml_id, year, seed, scale, until if year == years[-1] else None, history)
        yield from simulated.generate()
        history = simulated.h


def simulate(profiles: list[Profile], years: int | range, seed: int, scale: float = 1.0) -> Iterator[Envelope]:
    """Every event of the simulated network, one Mission Locale after the other."""
    span = range(years, years + 1) if isinstance(years, int) else years
    for index, profile in enumerate(profiles):
        ml_id = profile.ml_code if len(profiles) == 1 else f"{profile.ml_code}-{index + 1:03d}"
        yield from simulate_mission_locale(profile, ml_id, span, seed, scale)
