"""Generate a year of activity of simulated Missions Locales, as valid envelopes.

Deterministic: the same profile, Mission Locale index, year and seed give the same events, byte
for byte. Figures are drawn around the profile's (so a simulated year looks like the report,
within noise), with the realities a projection must survive: events entered days late,
dossier events cancelled afterwards, young people welcomed in earlier years.
"""

import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from relais_contracts import Envelope, make_envelope
from relais_contracts.events import dispositifs as d
from relais_contracts.events import employment as em
from relais_contracts.events import intake as i
from relais_runtime.kernel.calendar import PARIS

from relais_cli.simulation.profiles import Profile

EMPLOYMENT_TYPES = (("CDD", 0.58), ("CDI", 0.15), ("INTERIM", 0.15), ("SEASONAL", 0.05), ("CAE", 0.04), ("CIE", 0.03))
SECTORS = "ABCDEFGHIJKLMN"
THEMES = ("employment", "training", "project", "housing", "mobility", "finance", "health")


class MissionLocaleYear:
    def __init__(
        self, profile: Profile, ml_id: str, year: int, seed: int, scale: float = 1.0, until: date | None = None
    ):
        self.p = profile
        # The last day events may happen (the demo network stops at today: nothing in the future).
        self.until = until
        self.ml_id = ml_id
        self.year = year
        self.scale = scale
        self.rnd = random.Random(f"{seed}:{ml_id}:{year}")
        self.positions: dict[uuid.UUID, int] = defaultdict(int)
        self.events: list[Envelope] = []

    # --- helpers ------------------------------------------------------------------------------

    def n(self, figure: float) -> int:
        """A reported yearly figure, scaled, with a little noise (±3 %)."""
        return max(0, round(figure * self.scale * self.rnd.uniform(0.97, 1.03)))

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rnd.getrandbits(128), version=4)

    def day(self, year: int | None = None, after: date | None = None) -> date:
        year = year or self.year
        start = max(date(year, 1, 2), after) if after else date(year, 1, 2)
        end = min(date(year, 12, 22), self.until) if self.until and year == self.year else date(year, 12, 22)
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

    # --- the year ---------------------------------------------------------------------------------

    def profile(self) -> i.Profile:
        p, r = self.p, self.rnd
        age = r.choices(
            [16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
            weights=[p.minors_rate / 2] * 2 + [0.55 / 4] * 4 + [(0.45 - p.minors_rate) / 4] * 4,
        )[0]
        birth = date(self.year - age, r.randint(1, 12), 1)
        no_diploma = r.random() < p.no_diploma_rate
        return i.Profile(
            birth_month=birth.strftime("%Y-%m"),
            sex="F" if r.random() < p.female_rate else ("M" if r.random() < 0.99 else "X"),
            commune_insee=self.pick(p.communes),
            qpv=r.random() < p.qpv_rate,
            zrr=False,
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
        self.emit(
            i.FirstWelcomeRecorded(
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
                profile=self.profile(),
            ),
            self.day(year),
            jeune,
            late=False,
        )
        return jeune

    def generate(self) -> list[Envelope]:
        p = self.p
        n = self.n(p.first_welcomes)
        followed = int(n * 0.9)
        welcomed = [self.welcome(self.year, followed=k < followed) for k in range(n)]
        accompanied_new = welcomed[:followed]
        carried = [
            self.welcome(self.year - self.rnd.choice((1, 1, 2)))
            for _ in range(max(0, self.n(p.accompanied) - len(accompanied_new)))
        ]
        accompanied = accompanied_new + carried
        self.follow_up(accompanied)
        self.situations(accompanied)
        self.programmes(accompanied)
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
            recorded.append(self.dossier_event(jeune, "individual_interview", self.day()))
        participations = self.n(p.workshop_participations)
        sessions = [(self.new_id(), self.day(), r.random() < 0.3) for _ in range(max(1, participations // 7))]
        for _ in range(participations):
            session, day, collective = r.choice(sessions)
            self.dossier_event(r.choice(accompanied), "group_information" if collective else "workshop", day, session)
        for _ in range(len(accompanied) * 2):  # phone calls, SMS, e-mails: contacts, not accompaniment
            self.dossier_event(r.choice(accompanied), self.pick({"phone": 0.5, "sms": 0.3, "email": 0.2}), self.day())
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

    def situations(self, accompanied: list[uuid.UUID]) -> None:
        p, r = self.p, self.rnd
        youths = r.sample(accompanied, k=min(len(accompanied), round(len(accompanied) * p.youths_with_situation_rate)))
        entries = round(len(youths) * p.situation_entries_per_youth)
        # The mix by quota (then shuffled), so that a small simulated year keeps the report's shares.
        kinds = [kind for kind, share in p.situation_mix.items() for _ in range(round(entries * share))]
        r.shuffle(kinds)
        for k, kind in enumerate(kinds):
            jeune = youths[k] if k < len(youths) else r.choice(youths)
            start = self.day()
            if kind in ("employment", "alternance"):
                contract = (
                    self.pick(EMPLOYMENT_TYPES)
                    if kind == "employment"
                    else r.choice(("APPRENTICESHIP", "PROFESSIONALISATION"))
                )
                months = {"CDI": None, "APPRENTICESHIP": 24, "PROFESSIONALISATION": 12}.get(
                    contract, r.choice([1, 2, 3, 6, 8, 12])
                )
                end = None if months is None else start + timedelta(days=30 * months)
                self.emit(
                    em.ContractSigned(
                        jeune_id=jeune,
                        contract_type=contract,
                        start_date=start,
                        end_date=end,
                        weekly_hours=r.choice([20, 24, 35, 35, 35]),
                        sector=r.choice(SECTORS),
                        employer_id=None,
                        offer_id=None,
                    ),
                    start,
                    jeune,
                )
            elif kind in ("training", "schooling"):
                self.emit(
                    em.TrainingEntered(
                        jeune_id=jeune,
                        training_type="schooling"
                        if kind == "schooling"
                        else self.pick(
                            {"qualifying": 0.4, "pre_qualifying": 0.2, "certifying": 0.2, "e2c": 0.1, "poei": 0.1}
                        ),
                        funder=self.pick({"region": 0.6, "france_travail": 0.25, "state": 0.15}),
                        regional_plan=r.random() < 0.6,
                        start_date=start,
                        end_date=start + timedelta(days=r.randint(60, 300)),
                    ),
                    start,
                    jeune,
                )
            elif kind == "immersion":
                self.emit(
                    em.ImmersionStarted(
                        jeune_id=jeune,
                        employer_id=self.new_id(),
                        start_date=start,
                        end_date=start + timedelta(days=r.randint(5, 27)),
                        objective=self.pick({"discover": 0.5, "confirm": 0.35, "recruit": 0.15}),
                    ),
                    start,
                    jeune,
                )
            else:
                self.emit(
                    em.CivicServiceStarted(jeune_id=jeune, start_date=start, end_date=start + timedelta(days=240)),
                    start,
                    jeune,
                )

    def programmes(self, accompanied: list[uuid.UUID]) -> None:
        p, r = self.p, self.rnd
        pool = r.sample(accompanied, k=len(accompanied))
        plan = [
            ("PACEA", self.n(p.pacea_entries)),
            ("CEJ", self.n(p.cej_entries)),
            ("CEJ_JR", self.n(p.cej_jr_entries)),
            ("PPAE", self.n(p.accompanied * 0.08)),
            ("PIAL", self.n(7)),
        ]
        cursor = 0
        for programme, count in plan:
            for _ in range(count):
                jeune = pool[cursor % len(pool)]
                cursor += 1
                enrolment = self.new_id()
                start = self.day()
                cej = programme in ("CEJ", "CEJ_JR")
                self.emit(
                    d.ProgrammeEntered(
                        jeune_id=jeune,
                        programme=programme,
                        start_date=start,
                        planned_end_date=start + timedelta(days=360) if cej else None,
                        partner="CLLAJ" if programme == "CEJ_JR" else None,
                        weekly_hours=r.choice([15, 18, 20]) if cej else None,
                    ),
                    start,
                    enrolment,
                )
                if programme in ("PACEA", "CEJ", "CEJ_JR"):
                    self.allowances(jeune, enrolment, "PACEA" if programme == "PACEA" else "CEJ", start)
                if r.random() < 0.45:
                    exit_day = self.day(after=start + timedelta(days=30))
                    situation = self.pick(
                        {"employment": 0.35, "training": 0.15, "alternance": 0.05, "none": 0.3, "unknown": 0.15}
                    )
                    self.emit(
                        d.ProgrammeExited(
                            jeune_id=jeune,
                            programme=programme,
                            exit_date=exit_day,
                            reason="employment" if situation == "employment" else "completed",
                            exit_situation=situation,
                        ),
                        exit_day,
                        enrolment,
                    )
        for _ in range(self.n(p.accompanied * 0.08)):
            jeune = r.choice(accompanied)
            self.emit(
                d.FinancialAidGranted(
                    jeune_id=jeune,
                    kind=self.pick({"mobility_voucher": 0.4, "faj": 0.3, "service_ticket": 0.2, "housing": 0.1}),
                    amount_cents=r.choice([3000, 5000, 10000, 15000]),
                    funder="CD",
                ),
                self.day(),
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
                self.day(),
                self.new_id(),
            )

    def allowances(self, jeune: uuid.UUID, enrolment: uuid.UUID, programme: str, start: date) -> None:
        r = self.rnd
        left_in_year = 13 - start.month
        months = min(r.randint(1, 3) if programme == "PACEA" else r.randint(2, 6), left_in_year)
        # PACEA: the report gives an average paid per young person; CEJ: the monthly amounts.
        per_month = (
            (self.p.pacea_paid_cents_per_youth // months) if programme == "PACEA" else r.choice([30_000, 52_800])
        )
        month = date(start.year, start.month, 1)
        for _ in range(months):
            if month.year != self.year:
                break
            key = month.strftime("%Y-%m")
            day = min(month + timedelta(days=27), date(self.year, 12, 30))
            request = self.emit(
                d.AllowanceRequested(jeune_id=jeune, programme=programme, month=key, amount_cents=per_month),
                day,
                enrolment,
            )
            if programme == "PACEA" or r.random() < 0.9:
                self.emit(
                    d.AllowancePaid(
                        jeune_id=jeune,
                        programme=programme,
                        month=key,
                        amount_cents=per_month,
                        request_event_id=request.event_id,
                    ),
                    day,
                    enrolment,
                )
            month = (month + timedelta(days=32)).replace(day=1)

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
        for k in range(referrals):
            offer, day = offers[k % len(offers)]
            jeune = r.choice(accompanied)
            if jeune in referred[offer]:
                continue
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


def simulate(profiles: list[Profile], year: int, seed: int, scale: float = 1.0) -> Iterator[Envelope]:
    """Every event of the simulated network, one Mission Locale after the other."""
    for index, profile in enumerate(profiles):
        ml_id = profile.ml_code if len(profiles) == 1 else f"{profile.ml_code}-{index + 1:03d}"
        yield from MissionLocaleYear(profile, ml_id, year, seed, scale).generate()
