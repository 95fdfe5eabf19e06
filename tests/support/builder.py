"""Hand-built event histories for the counting-rule tests: say what happened, in plain terms."""

import itertools
import uuid
from datetime import date, datetime, timedelta

from relais_contracts import Envelope, make_envelope
from relais_contracts.events import dispositifs as d
from relais_contracts.events import employment as em
from relais_contracts.events import intake as i
from support.samples import PROFILE

_positions = itertools.count(1)


def at(text: str) -> datetime:
    """'2023-03-14 09:30' (UTC) or a full RFC 3339 instant."""
    return datetime.fromisoformat(text if "T" in text else text.replace(" ", "T") + "+00:00")


class History:
    """Events of one Mission Locale, each recorded one hour after it occurred unless told."""

    def __init__(self, ml_id: str = "ML-A"):
        self.ml_id = ml_id
        self.events: list[Envelope] = []

    def _add(
        self,
        payload,
        occurred: str,
        recorded: str | None = None,
        stream_id: uuid.UUID | None = None,
        actor: str = "c1",
    ) -> Envelope:
        occurred_at = at(occurred)
        recorded_at = at(recorded) if recorded else occurred_at + timedelta(hours=1)
        stream = stream_id or getattr(payload, "jeune_id", None) or uuid.uuid4()
        e = make_envelope(
            payload,
            ml_id=self.ml_id,
            stream_id=stream,
            stream_position=next(_positions),
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            actor_id=actor,
            event_id=uuid.uuid4(),
        )
        self.events.append(e)
        return e

    def welcome(
        self,
        occurred: str,
        commune: str = "94003",
        birth_month: str = "2004-06",
        recorded: str | None = None,
        nature: str = "phone",
        mode: str = "on_site",
        site: str = "S",
        referral_source: str = "self",
        requests: tuple[str, ...] = ("employment",),
        actor: str = "c1",
        **profile,
    ) -> uuid.UUID:
        """A first welcome; by default by phone, which makes no one accompanied (R9): the tests
        that count the accompanied say when the welcome itself was an interview."""
        jeune = uuid.uuid4()
        p = PROFILE.model_copy(update={"commune_insee": commune, "birth_month": birth_month, **profile})
        self._add(
            i.FirstWelcomeRecorded(
                jeune_id=jeune,
                nature=nature,
                mode=mode,
                site=site,
                referral_source=referral_source,
                requests=list(requests),
                profile=p,
            ),
            occurred,
            recorded,
            actor=actor,
        )
        return jeune

    def profile(self, jeune: uuid.UUID, occurred: str, recorded: str | None = None, **changes) -> Envelope:
        return self._add(i.ProfileUpdated(jeune_id=jeune, profile=i.ProfileChange(**changes)), occurred, recorded)

    def dossier_event(
        self,
        jeune: uuid.UUID,
        nature: str,
        occurred: str,
        session: uuid.UUID | None = None,
        recorded: str | None = None,
        mode: str = "on_site",
        themes: tuple[str, ...] = (),
        actor: str = "c1",
    ) -> Envelope:
        return self._add(
            i.DossierEventRecorded(
                jeune_id=jeune,
                nature=nature,
                mode=mode,
                themes=list(themes),
                session_id=session,
                duration_minutes=None,
            ),
            occurred,
            recorded,
            actor=actor,
        )

    def cancel(self, event: Envelope, occurred: str, recorded: str | None = None) -> Envelope:
        return self._add(
            i.DossierEventCancelled(
                jeune_id=event.payload.jeune_id, cancelled_event_id=event.event_id, reason="entry_error"
            ),
            occurred,
            recorded,
        )

    def objective(self, programme: str, year: int, target: int, occurred: str, recorded: str | None = None) -> Envelope:
        """v2.md, E3: on the stream of (ml_id, programme, year)."""
        stream = uuid.uuid5(uuid.NAMESPACE_URL, f"{self.ml_id}:{programme}:{year}")
        return self._add(d.ObjectiveSet(programme=programme, year=year, target=target), occurred, recorded, stream)

    def correct(self, event: Envelope, occurred: str, recorded: str | None = None) -> Envelope:
        """v2.md, E2: a dispositifs or employment entry cancelled, on the entry's own stream."""
        model = d.EntryCancelled if event.event_type.startswith("dispositifs.") else em.EntryCancelled
        cancelled = model(jeune_id=event.payload.jeune_id, cancelled_event_id=event.event_id, reason="entry_error")
        return self._add(cancelled, occurred, recorded, stream_id=event.stream_id)

    def entry(self, enrolment: uuid.UUID) -> Envelope:
        """The `ProgrammeEntered` of an enrolment."""
        return next(e for e in self.events if e.stream_id == enrolment and e.event_type.endswith("ProgrammeEntered"))

    def contract(
        self, jeune: uuid.UUID, contract_type: str, start: date, end: date | None, occurred: str, sector: str = "G"
    ) -> Envelope:
        return self._add(
            em.ContractSigned(
                jeune_id=jeune,
                contract_type=contract_type,
                start_date=start,
                end_date=end,
                weekly_hours=35,
                sector=sector,
                employer_id=None,
                offer_id=None,
            ),
            occurred,
        )

    def training(
        self,
        jeune: uuid.UUID,
        training_type: str,
        start: date,
        occurred: str,
        funder: str = "region",
        regional_plan: bool = True,
    ) -> Envelope:
        return self._add(
            em.TrainingEntered(
                jeune_id=jeune,
                training_type=training_type,
                funder=funder,
                regional_plan=regional_plan,
                start_date=start,
                end_date=start + timedelta(days=90),
            ),
            occurred,
        )

    def immersion(self, jeune: uuid.UUID, start: date, occurred: str, objective: str = "discover") -> Envelope:
        return self._add(
            em.ImmersionStarted(
                jeune_id=jeune,
                employer_id=uuid.uuid4(),
                start_date=start,
                end_date=start + timedelta(days=10),
                objective=objective,
            ),
            occurred,
        )

    def civic_service(self, jeune: uuid.UUID, start: date, occurred: str) -> Envelope:
        return self._add(
            em.CivicServiceStarted(jeune_id=jeune, start_date=start, end_date=start + timedelta(days=200)), occurred
        )

    def enter(
        self,
        jeune: uuid.UUID,
        programme: str,
        start: date,
        occurred: str,
        planned_end: date | None = None,
        partner: str | None = None,
    ) -> uuid.UUID:
        enrolment = uuid.uuid4()
        self._add(
            d.ProgrammeEntered(
                jeune_id=jeune,
                programme=programme,
                start_date=start,
                planned_end_date=planned_end,
                partner=partner,
                weekly_hours=None,
            ),
            occurred,
            stream_id=enrolment,
        )
        return enrolment

    def extend(self, jeune: uuid.UUID, enrolment: uuid.UUID, programme: str, new_end: date, occurred: str) -> Envelope:
        return self._add(
            d.ProgrammeExtended(jeune_id=jeune, programme=programme, new_planned_end_date=new_end),
            occurred,
            stream_id=enrolment,
        )

    def exit(
        self,
        jeune: uuid.UUID,
        enrolment: uuid.UUID,
        programme: str,
        exit_date: date,
        situation: str,
        occurred: str,
        reason: str = "completed",
    ) -> Envelope:
        return self._add(
            d.ProgrammeExited(
                jeune_id=jeune, programme=programme, exit_date=exit_date, reason=reason, exit_situation=situation
            ),
            occurred,
            stream_id=enrolment,
        )

    def allowance(
        self, jeune: uuid.UUID, enrolment: uuid.UUID, month: str, cents: int, occurred: str, paid: bool
    ) -> None:
        request = self._add(
            d.AllowanceRequested(jeune_id=jeune, programme="CEJ", month=month, amount_cents=cents),
            occurred,
            stream_id=enrolment,
        )
        if paid:
            self._add(
                d.AllowancePaid(
                    jeune_id=jeune, programme="CEJ", month=month, amount_cents=cents, request_event_id=request.event_id
                ),
                occurred,
                stream_id=enrolment,
            )

    def aid(self, jeune: uuid.UUID, kind: str, cents: int, occurred: str) -> Envelope:
        return self._add(d.FinancialAidGranted(jeune_id=jeune, kind=kind, amount_cents=cents, funder="CD"), occurred)

    def referral_to_partner(self, jeune: uuid.UUID, domain: str, occurred: str) -> Envelope:
        return self._add(d.SocialReferralMade(jeune_id=jeune, domain=domain, partner="CLLAJ"), occurred)

    def recruitment_session(self, day: date, participants: list[uuid.UUID], occurred: str) -> Envelope:
        session = uuid.uuid4()
        return self._add(
            em.RecruitmentSessionHeld(
                session_id=session, employer_ids=[uuid.uuid4()], sector="D", date=day, participants=participants
            ),
            occurred,
            stream_id=session,
        )

    def offer(
        self, employer: uuid.UUID, sector: str, occurred: str, positions: int = 1, contract_type: str = "CDD"
    ) -> uuid.UUID:
        offer = uuid.uuid4()
        self._add(
            em.JobOfferReceived(
                offer_id=offer,
                employer_id=employer,
                sector=sector,
                contract_type=contract_type,
                positions=positions,
                commune_insee="94003",
            ),
            occurred,
            stream_id=offer,
        )
        return offer

    def refer(self, offer: uuid.UUID, jeune: uuid.UUID, outcome: str | None, occurred: str) -> None:
        self._add(em.CandidateReferred(offer_id=offer, jeune_id=jeune), occurred, stream_id=offer)
        if outcome:
            self._add(
                em.ReferralOutcomeRecorded(offer_id=offer, jeune_id=jeune, outcome=outcome), occurred, stream_id=offer
            )

    def close_offer(self, offer: uuid.UUID, outcome: str, occurred: str) -> None:
        self._add(em.JobOfferClosed(offer_id=offer, outcome=outcome), occurred, stream_id=offer)
