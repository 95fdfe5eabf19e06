"""Programmes a Mission Locale contracts with a young person, and their allowances.

Aggregates (eventsourcing, free of infrastructure):
- `Enrolment`: one programme entry, entered → suspended ⇄ resumed → extended → exited, with the
  allowances requested and paid for it;
- `YouthEnrolments`: the enrolments of one young person, so that "one active CEJ and one active
  PACEA at a time" holds even when two counselors act at once (both aggregates are saved in one
  transaction; the loser of a race gets a 409);
- `FinancialAid` and `SocialReferral`: one-off facts.

Rules and their sources (French texts; every refusal is a `DomainRuleBroken` whose `rule` is the
problem type):
- Ages: Missions Locales and their programmes serve 16–25 year olds, up to 29 with an RQTH
  (Code du travail, L5131-3 for PACEA; L5131-6 for the CEJ) — `age-out-of-range`. Only the birth
  month is known here: every age limit is decided in the young person's favour within that month
  (`YouthFacts`).
- Training obligation: 16 to 18 years old (Code de l'éducation, L114-1, loi n° 2019-791 "pour
  une école de la confiance", art. 15) — `training-obligation-age`.
- CEJ (décret n° 2022-199 du 18 février 2022; Code du travail, R5131-16 ff.): 6 to 12 months
  (`cej-duration`), extensible to 18 months in all (`cej-extension-limit`), 15 to 20 hours of
  activity a week (`cej-weekly-hours`), ends by the 26th birthday (30th with RQTH)
  (`cej-beyond-age-limit`); for young people who are neither students nor in training
  (L5131-6, R5131-15), read from the profile's NEET status (`cej-not-neet`); a new CEJ six months
  after the previous one ended at the earliest (`cej-too-soon`, see `CEJ_GAP_MONTHS`); none
  before 1 March 2022 (`cej-not-yet`).
- PACEA (Code du travail, R5131-4 ff.): 24 consecutive months at most (`pacea-duration`), which
  also ends a PACEA entered without a planned end.
- One active enrolment per programme, CEJ, CEJ_JR and PACEA counting as one: the CEJ is a form
  of the contractual accompaniment whose other form is the PACEA (L5131-4 to L5131-6, see
  `CONTRACTUAL_ACCOMPANIMENT`) (`already-enrolled`).
- Allowances (see `reference_amounts.py`): only PACEA and CEJ (`allowance-not-for-programme`),
  only for a month with at least one day in the enrolment and not suspended
  (`allowance-outside-enrolment`), once per month and young person, whatever the enrolment or
  programme: never both allowances for one month (L5131-5 excludes the young people of L5131-6)
  (`allowance-month-already-requested`), within the monthly cap by age and date
  (`allowance-above-monthly-cap`) and, for PACEA, six RSA over twelve months counted over all of
  the young person's PACEA enrolments (`pacea-yearly-cap`); paid once, at most what was
  requested (`allowance-already-paid`, `payment-above-request`).
- Dates: no exit, suspension or resumption before entry (`date-before-entry`); suspend an active
  enrolment, resume a suspended one (`not-suspendable`, `not-suspended`); nothing after the exit
  (`enrolment-exited`).
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from eventsourcing.domain import Aggregate
from relais_contracts import event_id_for
from relais_contracts.events import dispositifs as contract
from relais_runtime.kernel.calendar import add_months, last_day_of
from relais_runtime.kernel.commands import CommandContext, RemembersCommands
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.kernel.events import CommandEvent
from relais_runtime.kernel.youth import MAX_AGE, MAX_AGE_RQTH, MIN_AGE, YouthFacts

from relais_dispositifs import reference_amounts as amounts

CEJ_FAMILY = ("CEJ", "CEJ_JR")
ALLOWANCE_PROGRAMMES: dict[str, contract.AllowanceProgramme] = {"PACEA": "PACEA", "CEJ": "CEJ", "CEJ_JR": "CEJ"}
NAMESPACE = uuid.UUID("4d3c1b9a-2f1e-4c6b-8a7d-0e9f8a7b6c5d")


def month_start(month: str) -> date:
    year, m = map(int, month.split("-"))
    return date(year, m, 1)


# One contractual accompaniment at a time: the PACEA (Code du travail, L5131-4) or the CEJ, which
# L5131-6 introduces as a form the same accompaniment of L5131-3 « peut également prendre »; and
# L5131-5 pays the PACEA allowance to the young people of L5131-3 « à l'exception des jeunes
# mentionnés à l'article L. 5131-6 » (those in a CEJ). As we read these texts, a young person in a
# CEJ is therefore not in a PACEA at the same time, and the reverse.
CONTRACTUAL_ACCOMPANIMENT = ("PACEA", *CEJ_FAMILY)


# Six months between the end of a CEJ and the next: the rule as the product owner states it (issue
# #14) from the CEJ's instruction (DGEFP/MAJE/2022/45 du 21 février 2022). The articles read for it,
# L5131-6 and R5131-15 to R5131-18, do not state it themselves: to be confirmed against the
# instruction's text, which the search tool does not hold.
CEJ_GAP_MONTHS = 6
# The CEJ replaced the Garantie jeunes on 1 March 2022 (décret n° 2022-199 du 18 février 2022, art. 1
# and its entry into force; L5131-6 in its wording of loi n° 2021-1900, art. 208).
CEJ_SINCE = date(2022, 3, 1)


class Requested(NamedTuple):
    """An allowance requested in another enrolment of the same young person."""

    programme: contract.AllowanceProgramme
    month: str
    amount_cents: int


def family(programme: str) -> str:
    """Programmes of one family are never active together for one young person."""
    return "ACCOMPANIMENT" if programme in CONTRACTUAL_ACCOMPANIMENT else programme


# The field a counselor corrects when a rule refuses the command: the problem document names
# it, and the desk shows the rule's words beside that field.
RULE_FIELDS = {
    "cej-duration": "planned_end_date",
    "cej-beyond-age-limit": "planned_end_date",
    "pacea-duration": "planned_end_date",
    "cej-weekly-hours": "weekly_hours",
    "cej-not-yet": "start_date",
    "already-enrolled": "programme",
    "training-obligation-age": "programme",
    "extension-not-later": "new_planned_end_date",
    "cej-extension-limit": "new_planned_end_date",
    "allowance-month-already-requested": "month",
    "allowance-amount": "amount_cents",
    "allowance-above-monthly-cap": "amount_cents",
    "pacea-yearly-cap": "amount_cents",
    "payment-above-request": "amount_cents",
    "aid-amount": "amount_cents",
}


def broken(message: str, rule: str) -> DomainRuleBroken:
    if field := RULE_FIELDS.get(rule):
        return DomainRuleBroken(message, rule=rule, errors=[{"field": field, "message": message}])
    return DomainRuleBroken(message, rule=rule)


class Enrolment(Aggregate, RemembersCommands):
    class Event(CommandEvent):
        pass

    class Entered(Event, Aggregate.Created):
        payload: contract.ProgrammeEntered
        age_limit_date: date  # the day the programme must end by, from the birth month (internal)

        def change(self, e: "Enrolment") -> None:
            entered = self.payload
            e.ml_id, e.jeune_id, e.programme = self.ml_id, entered.jeune_id, entered.programme
            e.start_date, e.planned_end_date = entered.start_date, entered.planned_end_date
            e.age_limit_date = self.age_limit_date

    class Suspended(Event):
        """The programme pauses until it is resumed (or the young person exits it)."""

        payload: contract.ProgrammeSuspended

        def change(self, e: "Enrolment") -> None:
            e.suspended = True
            e.suspensions.append((self.payload.date, None))

    class Resumed(Event):
        """A suspended programme goes on, with its planned end unchanged (an extension moves
        it)."""

        payload: contract.ProgrammeResumed

        def change(self, e: "Enrolment") -> None:
            e.suspended = False
            since, _ = e.suspensions.pop()
            e.suspensions.append((since, self.payload.date))

    class Extended(Event):
        payload: contract.ProgrammeExtended

        def change(self, e: "Enrolment") -> None:
            e.planned_end_date = self.payload.new_planned_end_date

    class Exited(Event):
        payload: contract.ProgrammeExited

        def change(self, e: "Enrolment") -> None:
            e.exit_date = self.payload.exit_date

    class AllowanceRequested(Event):
        payload: contract.AllowanceRequested

        def change(self, e: "Enrolment") -> None:
            requested = self.payload
            e.requests[event_id_for("dispositifs", e.id, self.originator_version)] = (
                requested.month,
                requested.amount_cents,
            )
            e.months[requested.month] = requested.amount_cents

    class AllowancePaid(Event):
        payload: contract.AllowancePaid

        def change(self, e: "Enrolment") -> None:
            e.paid.add(self.payload.request_event_id)

    class EntryCancelled(Event):
        """v2.md, E2: the entry (the enrolment is void) or an allowance request, recorded by
        mistake."""

        payload: contract.EntryCancelled

        def change(self, e: "Enrolment") -> None:
            cancelled = self.payload.cancelled_event_id
            if cancelled == e.entry_event_id:
                e.cancelled = True
            elif cancelled in e.requests:
                month, _ = e.requests.pop(cancelled)
                del e.months[month]

    def __init__(self) -> None:
        # Set by `Entered`, the event that creates every enrolment.
        self.ml_id = ""
        self.jeune_id = uuid.UUID(int=0)
        self.programme: contract.Programme = "PACEA"
        self.start_date = date.min
        self.age_limit_date = date.min
        self.planned_end_date: date | None = None
        self.exit_date: date | None = None
        self.suspended = False
        # Each suspension: from its date to the day it was resumed (None: still suspended).
        self.suspensions: list[tuple[date, date | None]] = []
        self.requests: dict[uuid.UUID, tuple[str, int]] = {}
        self.months: dict[str, int] = {}
        self.paid: set[uuid.UUID] = set()
        self.cancelled = False
        self.commands = {}

    @property
    def entry_event_id(self) -> uuid.UUID:
        return event_id_for("dispositifs", self.id, 1)

    @property
    def status(self) -> str:
        return "exited" if self.exit_date else "suspended" if self.suspended else "active"

    # --- commands -------------------------------------------------------------------------

    @classmethod
    def enter(
        cls,
        enrolment_id: uuid.UUID,
        ctx: CommandContext,
        youth: YouthFacts,
        entered: contract.ProgrammeEntered,
        *,
        last_cej_exit: date | None = None,
        occurred_at: datetime | None,
    ) -> "Enrolment":
        """`entered.jeune_id` is `youth`'s; `last_cej_exit`, the exit date of their latest CEJ."""
        programme, start_date, planned_end_date = entered.programme, entered.start_date, entered.planned_end_date
        limit = MAX_AGE_RQTH if youth.rqth else MAX_AGE
        if not youth.within_ages(start_date, MIN_AGE, limit):
            too_old = youth.youngest_age_on(start_date) > limit
            age = youth.youngest_age_on(start_date) if too_old else youth.oldest_age_on(start_date)
            raise broken(
                f"Ce programme s'adresse aux jeunes de {MIN_AGE} à {MAX_AGE} ans ({MAX_AGE_RQTH} avec une RQTH) ; "
                f"ce jeune aura {age} ans à l'entrée.",
                "age-out-of-range",
            )
        if programme == "TRAINING_OBLIGATION" and not youth.within_ages(start_date, 16, 17):
            raise broken("L'obligation de formation concerne les jeunes de 16 et 17 ans.", "training-obligation-age")
        if planned_end_date is not None and planned_end_date < start_date:
            raise broken("La fin prévue précède l'entrée.", "date-before-entry")
        age_limit_date = youth.eve_of_birthday(limit + 1)
        if programme in CEJ_FAMILY:
            if start_date < CEJ_SINCE:
                raise broken("Le CEJ existe depuis le 1er mars 2022 (décret n° 2022-199).", "cej-not-yet")
            _check_cej(start_date, planned_end_date, entered.weekly_hours, age_limit_date)
            if youth.neet is False:
                raise broken(
                    "Le CEJ s'adresse aux jeunes qui ne sont ni étudiants ni en formation (Code du travail, "
                    "L5131-6) : le profil de ce jeune ne le dit pas NEET ; mettez-le à jour si sa situation a changé.",
                    "cej-not-neet",
                )
            if last_cej_exit is not None and start_date < add_months(last_cej_exit, CEJ_GAP_MONTHS):
                raise broken(
                    f"Un nouveau CEJ commence au plus tôt six mois après la fin du précédent "
                    f"(sorti le {last_cej_exit:%d/%m/%Y}).",
                    "cej-too-soon",
                )
        if programme == "PACEA" and planned_end_date and planned_end_date > last_day_of(start_date, 24):
            raise broken("Le PACEA dure au plus 24 mois consécutifs.", "pacea-duration")
        return cls._create(
            cls.Entered, id=enrolment_id, **ctx.metadata(occurred_at), payload=entered, age_limit_date=age_limit_date
        )

    def suspend(self, ctx: CommandContext, *, on: date, reason: str, occurred_at: datetime | None) -> None:
        self._check_not_exited()
        self._check_after_entry(on)
        if self.suspended:
            raise broken("Ce programme est déjà suspendu.", "not-suspendable")
        payload = contract.ProgrammeSuspended(jeune_id=self.jeune_id, programme=self.programme, date=on, reason=reason)
        self.trigger_event(self.Suspended, **ctx.metadata(occurred_at), payload=payload)

    def resume(self, ctx: CommandContext, *, on: date, reason: str, occurred_at: datetime | None) -> None:
        self._check_not_exited()
        self._check_after_entry(on)
        if not self.suspended:
            raise broken("Ce programme n'est pas suspendu.", "not-suspended")
        payload = contract.ProgrammeResumed(jeune_id=self.jeune_id, programme=self.programme, date=on, reason=reason)
        self.trigger_event(self.Resumed, **ctx.metadata(occurred_at), payload=payload)

    def extend(self, ctx: CommandContext, *, new_planned_end_date: date, occurred_at: datetime | None) -> None:
        self._check_not_exited()
        if self.planned_end_date is not None and new_planned_end_date <= self.planned_end_date:
            raise broken("La nouvelle fin prévue doit être postérieure à l'actuelle.", "extension-not-later")
        self._check_after_entry(new_planned_end_date)
        if self.programme in CEJ_FAMILY:
            if new_planned_end_date > last_day_of(self.start_date, 18):
                raise broken("Un CEJ, prolongations comprises, dure au plus 18 mois.", "cej-extension-limit")
            if new_planned_end_date > self.age_limit_date:
                raise broken(
                    "Un CEJ prend fin au plus tard la veille des 26 ans (30 ans avec une RQTH).", "cej-beyond-age-limit"
                )
        if self.programme == "PACEA" and new_planned_end_date > last_day_of(self.start_date, 24):
            raise broken("Le PACEA dure au plus 24 mois consécutifs.", "pacea-duration")
        payload = contract.ProgrammeExtended(
            jeune_id=self.jeune_id, programme=self.programme, new_planned_end_date=new_planned_end_date
        )
        self.trigger_event(self.Extended, **ctx.metadata(occurred_at), payload=payload)

    def exit(
        self,
        ctx: CommandContext,
        *,
        exit_date: date,
        reason: contract.ExitReason,
        exit_situation: contract.ExitSituation,
        occurred_at: datetime | None,
    ) -> None:
        self._check_not_exited()
        self._check_after_entry(exit_date)
        payload = contract.ProgrammeExited(
            jeune_id=self.jeune_id,
            programme=self.programme,
            exit_date=exit_date,
            reason=reason,
            exit_situation=exit_situation,
        )
        self.trigger_event(self.Exited, **ctx.metadata(occurred_at), payload=payload)

    def request_allowance(
        self,
        ctx: CommandContext,
        youth: YouthFacts,
        *,
        month: str,
        amount_cents: int,
        elsewhere: Sequence[Requested] = (),
        occurred_at: datetime | None,
    ) -> None:
        """`elsewhere`: the allowances requested in the young person's other enrolments."""
        self._check_not_cancelled()
        paid_as = ALLOWANCE_PROGRAMMES.get(self.programme)
        if paid_as is None:
            raise broken("Une allocation ne se demande que dans un PACEA ou un CEJ.", "allowance-not-for-programme")
        first = month_start(month)
        if not self._active_on_a_day_of(first, last_day_of(first, 1)):
            raise broken(
                "Ce mois n'est pas couvert par un accompagnement actif de ce programme (hors période, ou suspendu "
                "tout le mois).",
                "allowance-outside-enrolment",
            )
        if month in self.months or any(r.month == month for r in elsewhere):
            raise broken(
                "Une allocation a déjà été demandée pour ce mois (une seule par mois, CEJ et PACEA confondus).",
                "allowance-month-already-requested",
            )
        if amount_cents <= 0:
            raise broken("Le montant d'une allocation est positif.", "allowance-amount")
        cap = monthly_cap(paid_as, youth, first)
        if cap is None or amount_cents > cap:
            raise broken(
                f"Le montant dépasse le plafond mensuel en vigueur ({(cap or 0) / 100:.2f} €).",
                "allowance-above-monthly-cap",
            )
        if paid_as == "PACEA":
            rsa = amounts.in_force(amounts.RSA_SINGLE, first) or 0
            window = {add_months(first, -i).strftime("%Y-%m") for i in range(12)}
            here = sum(a for m, a in self.months.items() if m in window)
            other = sum(r.amount_cents for r in elsewhere if r.programme == "PACEA" and r.month in window)
            if here + other + amount_cents > amounts.PACEA_YEARLY_RSA_MULTIPLE * rsa:
                raise broken(
                    "Sur douze mois, l'allocation PACEA ne peut dépasser six fois le RSA (tous ses PACEA comptés).",
                    "pacea-yearly-cap",
                )
        # Allowance events name the programme that pays (a CEJ_JR allowance is a CEJ one).
        payload = contract.AllowanceRequested(
            jeune_id=self.jeune_id, programme=paid_as, month=month, amount_cents=amount_cents
        )
        self.trigger_event(self.AllowanceRequested, **ctx.metadata(occurred_at), payload=payload)

    def pay_allowance(
        self,
        ctx: CommandContext,
        *,
        request_event_id: uuid.UUID,
        amount_cents: int | None,
        occurred_at: datetime | None,
    ) -> None:
        self._check_not_cancelled()
        request = self.requests.get(request_event_id)
        if request is None:
            raise broken("Cette demande d'allocation n'existe pas.", "allowance-request-unknown")
        if request_event_id in self.paid:
            raise broken("Cette allocation a déjà été versée.", "allowance-already-paid")
        month, requested = request
        amount = requested if amount_cents is None else amount_cents
        if not 0 < amount <= requested:
            raise broken("Le versement ne peut dépasser le montant demandé.", "payment-above-request")
        payload = contract.AllowancePaid(
            jeune_id=self.jeune_id,
            programme=ALLOWANCE_PROGRAMMES[self.programme],
            month=month,
            amount_cents=amount,
            request_event_id=request_event_id,
        )
        self.trigger_event(self.AllowancePaid, **ctx.metadata(occurred_at), payload=payload)

    def cancel_entry(
        self,
        ctx: CommandContext,
        cancelled_event_id: uuid.UUID,
        *,
        reason: contract.CancelReason,
        occurred_at: datetime | None,
    ) -> None:
        """v2.md, E2: cancel the entry (the whole enrolment then counts nowhere) or an allowance
        request. Money asked for is not undone by a correction: an entry with an allowance
        request is exited instead (`enrolment-has-allowances`), a paid request stays."""
        self._check_not_cancelled()
        if cancelled_event_id == self.entry_event_id:
            if self.requests:
                raise broken(
                    "Une allocation a été demandée dans cet accompagnement : il ne s'annule plus, il se clôt par "
                    "une sortie.",
                    "enrolment-has-allowances",
                )
        elif cancelled_event_id in self.requests:
            if cancelled_event_id in self.paid:
                raise broken(
                    "Cette allocation a déjà été versée : sa demande ne s'annule plus.", "allowance-already-paid"
                )
        else:
            raise broken("L'inscription n'a pas d'entrée annulable de ce numéro.", "cancelled-event-unknown")
        payload = contract.EntryCancelled(jeune_id=self.jeune_id, cancelled_event_id=cancelled_event_id, reason=reason)
        self.trigger_event(self.EntryCancelled, **ctx.metadata(occurred_at), payload=payload)

    # --- helpers ---------------------------------------------------------------------------

    def _check_not_cancelled(self) -> None:
        if self.cancelled:
            raise broken("Cette inscription a été annulée (saisie par erreur).", "enrolment-cancelled")

    def _check_not_exited(self) -> None:
        self._check_not_cancelled()
        if self.exit_date is not None:
            raise broken("Ce jeune est sorti de ce programme.", "enrolment-exited")

    def _active_on_a_day_of(self, first: date, last: date) -> bool:
        """At least one day of `first`..`last` within the enrolment and not suspended. A PACEA
        without a planned end still ends after 24 months (R5131-4 ff.)."""
        end = self.exit_date or self.planned_end_date
        if end is None and self.programme == "PACEA":
            end = last_day_of(self.start_date, 24)
        day, last = max(first, self.start_date), min(last, end or last)
        while day <= last:
            if not any(since <= day and (until is None or day < until) for since, until in self.suspensions):
                return True
            day += timedelta(days=1)
        return False

    def _check_after_entry(self, day: date) -> None:
        if day < self.start_date:
            raise broken("Cette date précède l'entrée dans le programme.", "date-before-entry")


def _check_cej(start: date, planned_end: date | None, weekly_hours: int | None, age_limit_date: date) -> None:
    if planned_end is None or not (last_day_of(start, 6) <= planned_end <= last_day_of(start, 12)):
        raise broken(
            "Un CEJ est conclu pour six à douze mois : indiquez une fin prévue dans cet intervalle.", "cej-duration"
        )
    if weekly_hours is None or not 15 <= weekly_hours <= 20:
        raise broken("Un CEJ engage le jeune sur 15 à 20 heures d'activité par semaine.", "cej-weekly-hours")
    if planned_end > age_limit_date:
        raise broken(
            "Un CEJ prend fin au plus tard la veille des 26 ans (30 ans avec une RQTH).", "cej-beyond-age-limit"
        )


def monthly_cap(paid_as: str, youth: YouthFacts, first_day: date) -> int | None:
    """The most an allowance of `paid_as` may be for this young person in the month starting on
    `first_day` (None before the allowance existed)."""
    if paid_as == "PACEA":
        return amounts.in_force(amounts.RSA_SINGLE, first_day)
    adult = youth.oldest_age_on(first_day) >= 18  # the adults' higher cap, in the young person's favour
    return amounts.in_force(amounts.CEJ_MAX_ADULT if adult else amounts.CEJ_MAX_MINOR, first_day)


class YouthEnrolments(Aggregate):
    """The enrolments of one young person (id derived from `jeune_id`); internal, not published."""

    class Opened(Aggregate.Created):
        jeune_id: uuid.UUID

        def apply(self, y: "YouthEnrolments") -> None:
            y.jeune_id, y.active, y.enrolments = self.jeune_id, {}, []

    class Activated(Aggregate.Event):
        family: str
        enrolment_id: uuid.UUID

        def apply(self, y: "YouthEnrolments") -> None:
            y.active[self.family] = self.enrolment_id
            y.enrolments.append(self.enrolment_id)

    class Released(Aggregate.Event):
        family: str
        enrolment_id: uuid.UUID

        def apply(self, y: "YouthEnrolments") -> None:
            # By enrolment: a registry written before the families changed keys it by its old one.
            y.active = {f: e for f, e in y.active.items() if e != self.enrolment_id}

    def __init__(self) -> None:
        self.jeune_id: uuid.UUID | None = None
        self.active: dict[str, uuid.UUID] = {}
        self.enrolments: list[uuid.UUID] = []

    @staticmethod
    def id_for(jeune_id: uuid.UUID) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"youth-enrolments:{jeune_id}")

    @classmethod
    def open(cls, jeune_id: uuid.UUID) -> "YouthEnrolments":
        return cls._create(cls.Opened, id=cls.id_for(jeune_id), jeune_id=jeune_id)

    def activate(self, programme: str, enrolment_id: uuid.UUID) -> None:
        # `family(f)`: a registry written before the families changed keys by its old ones.
        if any(family(f) == family(programme) for f in self.active):
            name = "un CEJ ou un PACEA" if family(programme) == "ACCOMPANIMENT" else f"un {programme}"
            raise broken(
                f"Ce jeune a déjà {name} en cours : un seul à la fois (Code du travail, L5131-4 à L5131-6).",
                "already-enrolled",
            )
        self.trigger_event(self.Activated, family=family(programme), enrolment_id=enrolment_id)

    def release(self, programme: str, enrolment_id: uuid.UUID) -> None:
        self.trigger_event(self.Released, family=family(programme), enrolment_id=enrolment_id)


class YouthFact(Aggregate, RemembersCommands):
    """A one-off fact about a young person, recorded once: an aid granted, a social referral."""

    class Recorded(CommandEvent, Aggregate.Created):
        payload: contract.FinancialAidGranted | contract.SocialReferralMade

        def change(self, fact: "YouthFact") -> None:
            fact.ml_id, fact.jeune_id = self.ml_id, self.payload.jeune_id

    class Cancelled(CommandEvent):
        """v2.md, E2: recorded by mistake; the fact counts nowhere."""

        payload: contract.EntryCancelled

        def change(self, fact: "YouthFact") -> None:
            fact.cancelled = True

    def __init__(self) -> None:
        self.ml_id = ""
        self.jeune_id = uuid.UUID(int=0)
        self.cancelled = False

    def cancel(self, ctx: CommandContext, *, reason: contract.CancelReason, occurred_at: datetime | None) -> None:
        if self.cancelled:
            raise broken("Cette saisie est déjà annulée.", "entry-already-cancelled")
        recorded = event_id_for("dispositifs", self.id, 1)
        payload = contract.EntryCancelled(jeune_id=self.jeune_id, cancelled_event_id=recorded, reason=reason)
        self.trigger_event(self.Cancelled, **ctx.metadata(occurred_at), payload=payload)


class FinancialAid(YouthFact):
    class Granted(YouthFact.Recorded):
        payload: contract.FinancialAidGranted

    @classmethod
    def grant(
        cls,
        aid_id: uuid.UUID,
        ctx: CommandContext,
        granted: contract.FinancialAidGranted,
        *,
        occurred_at: datetime | None,
    ) -> "FinancialAid":
        if granted.amount_cents <= 0:
            raise broken("Le montant d'une aide est positif.", "aid-amount")
        return cls._create(cls.Granted, id=aid_id, **ctx.metadata(occurred_at), payload=granted)


class SocialReferral(YouthFact):
    class Made(YouthFact.Recorded):
        payload: contract.SocialReferralMade

    @classmethod
    def make(
        cls,
        referral_id: uuid.UUID,
        ctx: CommandContext,
        made: contract.SocialReferralMade,
        *,
        occurred_at: datetime | None,
    ) -> "SocialReferral":
        return cls._create(cls.Made, id=referral_id, **ctx.metadata(occurred_at), payload=made)


class Objective(Aggregate, RemembersCommands):
    """v2.md, E3: a Mission Locale's objective of entries in one programme for one year, set by its
    director and revised as often as the funder's convention changes; the latest set counts."""

    class Set(CommandEvent, Aggregate.Created):
        payload: contract.ObjectiveSet

        def change(self, objective: "Objective") -> None:
            objective.ml_id, objective.target = self.ml_id, self.payload.target

    class Revised(CommandEvent):
        payload: contract.ObjectiveSet

        def change(self, objective: "Objective") -> None:
            objective.target = self.payload.target

    def __init__(self) -> None:
        self.ml_id = ""
        self.target = 0

    @staticmethod
    def id_for(ml_id: str, programme: str, year: int) -> uuid.UUID:
        """v2.md, E3: the stream of (`ml_id`, `programme`, `year`)."""
        return uuid.uuid5(NAMESPACE, f"objective:{ml_id}:{programme}:{year}")

    @classmethod
    def set(cls, ctx: CommandContext, objective: contract.ObjectiveSet, *, occurred_at: datetime | None) -> "Objective":
        stream = cls.id_for(ctx.ml_id, objective.programme, objective.year)
        return cls._create(cls.Set, id=stream, **ctx.metadata(occurred_at), payload=objective)

    def revise(self, ctx: CommandContext, objective: contract.ObjectiveSet, *, occurred_at: datetime | None) -> None:
        if self.id != self.id_for(ctx.ml_id, objective.programme, objective.year):
            raise broken("Cet objectif porte sur un autre programme ou une autre année.", "objective-mismatch")
        self.trigger_event(self.Revised, **ctx.metadata(occurred_at), payload=objective)
