"""A simulated 2023 of each seed profile, folded by the reporting code, finds each headline figure
of its activity report within ±10 %. The expected figures are the reports' own, written out."""

import uuid
from collections import defaultdict
from datetime import date

import pytest
from relais_cli.simulation.generator import simulate
from relais_cli.simulation.profiles import PROFILES
from relais_dispositifs.domain import Enrolment, Requested, YouthEnrolments
from relais_employment.domain import Career
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.youth import YouthFacts
from relais_runtime.youth_facts import facts_of_welcome
from support.reporting import document

# (path in the indicator document, value printed in the 2023 report, the report's own words)
INNOVAM_REPORT = [
    (("first_welcomes",), 1073, "« 1073 jeunes nouveaux »"),
    (("accompanied",), 2228, "« accompagné 2228 jeunes »"),
    (("situation_entries",), 1564, "« 1564 entrées en situation pour 1230 jeunes »"),
    (("youths_with_situation",), 1230, "« 1564 entrées en situation pour 1230 jeunes »"),
    (("situation_rate",), 0.55, "« 55% des jeunes accompagnés ont accédé à une situation »"),
    (("immersion_youths",), 112, "« 112 jeunes ont bénéficié d'une PMSMP »"),
    (("profile_of_accompanied", "minors"), 315, "« 315 mineurs accompagnés »"),
    (("programmes", "PACEA", "entries"), 426, "« 426 contrats ont été signés »"),
    (("programmes", "PACEA", "allowance_paid_cents"), 18_483_700, "« 184 837 € d'allocations PACEA ont été versées »"),
    (("programmes", "PACEA", "allowance_paid_youths"), 426, "« ... versées à 426 jeunes »"),
    (("programmes", "CEJ", "entries"), 325, "« 350 contractualisations dont 25 CEJ pour les jeunes en rupture »"),
    (("programmes", "CEJ_JR", "entries"), 25, "« 23 CEJ JR ont été contractualisés avec le CLLAJ et 2 avec ASPHALTE »"),
    (("financial_aids", "mobility_voucher", "count"), 971, "« 971 aides à la mobilité ont été attribuées »"),
    (("financial_aids", "mobility_voucher", "amount_cents"), 7_106_400, "« ... pour un total de 71 064 € »"),
    (("financial_aids", "service_ticket", "amount_cents"), 1_635_000, "« 16 350 € ont été remis en 2023 »"),
    (("financial_aids", "service_ticket", "youths"), 159, "« ... pour 159 jeunes »"),
    (("offers", "received"), 179, "« 179 offres »"),
    (("offers", "employers"), 112, "« 112 entreprises »"),
    (("offers", "referred_youths"), 379, "« 379 jeunes ont été mis en relation sur ces 179 offres »"),
    (("offers", "hires"), 126, "« 126 mises en relation ont abouti à un recrutement »"),
]
NOA_REPORT = [
    (("first_welcomes",), 420, "« 420 Jeunes en 1er accueil »"),
    (("accompanied",), 1022, "« 1 022 Jeunes accompagnés »"),
    (("individual_interviews",), 7168, "« 7 168 Entretiens individuels »"),
    (("workshop_participations",), 5172, "« 5 172 présents aux ateliers et informations collectives »"),
    (("employment_contracts",), 674, "« 674 Contrats de travail négociés »"),
    (("job_contracts",), 622, "« soit 622 contrats de travail signés »"),
    (("youths_in_employment",), 398, "« 398 jeunes ont accédé à l'emploi »"),
    (("durable_rate",), 0.46, "« 46 % en emploi durable (contrat de plus de 6 mois) »"),
    (("alternance_contracts",), 52, "« 52 entrées en alternance »"),
    (("immersions",), 160, "« 160 PMSMP »"),
    (("programmes", "PACEA", "entries"), 323, "« 323 jeunes entrés sur ce parcours »"),
    (("programmes", "PACEA", "active_youths"), 627, "« 627 jeunes en parcours »"),
    (
        ("programmes", "PACEA", "allowance_requested_cents"),
        11_203_000,
        "« 112 030 € Montant des allocations demandées »",
    ),
    (("programmes", "PACEA", "allowance_requested_youths"), 287, "« 287 jeunes concernés »"),
    (("programmes", "CEJ", "entries"), 243, "« 243 jeunes entrés dans le dispositif »"),
    (("programmes", "CEJ", "allowance_requested_cents"), 54_457_400, "« 544 574 € Montant des allocations demandées »"),
    (("programmes", "CEJ", "allowance_requested_youths"), 319, "« 319 jeunes concernés »"),
    (("programmes", "PPAE", "entries"), 170, "« 170 jeunes demandeurs d'emploi sont entrés en suivi délégué »"),
    (("programmes", "PPAE", "active_youths"), 397, "« 397 jeunes ont bénéficié de cet accompagnement en 2023 »"),
    (("offers", "received"), 216, "« 216 offres d'emploi collectées »"),
    (("offers", "employers"), 98, "« 98 entreprises »"),
    (("offers", "referrals"), 1047, "« 1 047 positionnements »"),
]


def figure(doc: dict, path: tuple[str, ...]):
    value = doc["indicators"]
    for key in path:
        value = value[key]
    return value


@pytest.mark.parametrize(("profile", "report"), [("innovam", INNOVAM_REPORT), ("nord-ouest-aubeois", NOA_REPORT)])
def test_a_simulated_year_finds_the_report_within_ten_percent(profile, report):
    chosen = PROFILES[profile]
    doc = document(list(simulate([chosen], 2023, seed=1)), ml_id=chosen.ml_code)
    off = [
        (line, figure(doc, path), expected)
        for path, expected, line in report
        if not 0.9 * expected <= figure(doc, path) <= 1.1 * expected
    ]
    assert off == [], "figures outside ±10 % of the report (the report's line, simulated, reported)"


def test_the_simulation_is_deterministic_and_realistic():
    chosen = PROFILES["nord-ouest-aubeois"]
    first = list(simulate([chosen], 2023, seed=7, scale=0.05))
    assert first == list(simulate([chosen], 2023, seed=7, scale=0.05))
    assert first != list(simulate([chosen], 2023, seed=8, scale=0.05))
    late = sum((e.recorded_at - e.occurred_at).days >= 1 for e in first)
    assert 0.03 < late / len(first) < 0.3  # entered days late, as counselors do
    assert any(e.event_type == "intake.DossierEventCancelled" for e in first)


def test_what_is_simulated_the_services_would_have_accepted():
    """Each programme entry, allowance, payment, exit and situation of a simulated year, replayed in
    its order through the dispositifs and employment aggregates, is accepted: no CEJ allowance above
    the cap of its month and age, no CEJ for a young person in a PACEA, no two allowances for one
    month..."""
    chosen = PROFILES["nord-ouest-aubeois"]
    events = list(simulate([chosen], 2023, seed=3, scale=0.3))
    ctx = CommandContext(ml_id=chosen.ml_code, actor_id="replay", correlation_id=uuid.uuid4())
    facts: dict[uuid.UUID, YouthFacts] = {}
    enrolments: dict[uuid.UUID, Enrolment] = {}
    registries: dict[uuid.UUID, YouthEnrolments] = {}
    careers: dict[uuid.UUID, Career] = {}
    requested: dict[uuid.UUID, list[tuple[uuid.UUID, Requested]]] = defaultdict(list)
    last_cej_exit: dict[uuid.UUID, date] = {}
    replayed = 0
    for e in events:
        p = e.payload
        match e.event_type:
            case "intake.FirstWelcomeRecorded":
                facts[p.jeune_id] = facts_of_welcome(e.ml_id, p)
            case "dispositifs.ProgrammeEntered":
                registry = registries.setdefault(p.jeune_id, YouthEnrolments.open(p.jeune_id))
                enrolment = Enrolment.enter(
                    e.stream_id,
                    ctx,
                    facts[p.jeune_id],
                    p,
                    last_cej_exit=last_cej_exit.get(p.jeune_id),
                    occurred_at=None,
                )
                registry.activate(p.programme, enrolment.id)
                enrolments[e.stream_id] = enrolment
            case "dispositifs.AllowanceRequested":
                elsewhere = [r for other, r in requested[p.jeune_id] if other != e.stream_id]
                enrolments[e.stream_id].request_allowance(
                    ctx,
                    facts[p.jeune_id],
                    month=p.month,
                    amount_cents=p.amount_cents,
                    elsewhere=elsewhere,
                    occurred_at=None,
                )
                requested[p.jeune_id].append((e.stream_id, Requested(p.programme, p.month, p.amount_cents)))
            case "dispositifs.AllowancePaid":
                enrolments[e.stream_id].pay_allowance(
                    ctx, request_event_id=p.request_event_id, amount_cents=p.amount_cents, occurred_at=None
                )
            case "dispositifs.ProgrammeExited":
                enrolment = enrolments[e.stream_id]
                enrolment.exit(
                    ctx, exit_date=p.exit_date, reason=p.reason, exit_situation=p.exit_situation, occurred_at=None
                )
                registries[p.jeune_id].release(p.programme, enrolment.id)
                if p.programme in ("CEJ", "CEJ_JR"):
                    last_cej_exit[p.jeune_id] = p.exit_date
            case (
                "employment.ContractSigned"
                | "employment.ImmersionStarted"
                | "employment.TrainingEntered"
                | "employment.CivicServiceStarted"
            ):
                career = careers.setdefault(p.jeune_id, Career.open(p.jeune_id, e.ml_id))
                career.begin(ctx, facts[p.jeune_id], p, occurred_at=None)
            case _:
                continue
        replayed += 1
    assert replayed > 1000


def test_consecutive_years_follow_the_same_young_people_and_their_enrolments():
    chosen = PROFILES["nord-ouest-aubeois"]
    events = list(simulate([chosen], range(2022, 2024), seed=2, scale=0.2))
    by_year: dict[int, set] = defaultdict(set)
    for e in events:
        if e.event_type == "intake.DossierEventRecorded":
            by_year[e.occurred_at.year].add(e.payload.jeune_id)
    assert len(by_year[2022] & by_year[2023]) > 0.3 * len(by_year[2023])  # followed again the next year
    entered_2022 = {
        e.stream_id
        for e in events
        if e.event_type == "dispositifs.ProgrammeEntered" and e.payload.start_date.year == 2022
    }
    going_on = {
        e.stream_id
        for e in events
        if e.stream_id in entered_2022
        and e.event_type in ("dispositifs.AllowanceRequested", "dispositifs.ProgrammeExited")
        and e.occurred_at.year == 2023
    }
    assert going_on, "an enrolment of 2022 goes on in 2023 (an allowance, an exit)"
    welcomes = [e.payload.jeune_id for e in events if e.event_type == "intake.FirstWelcomeRecorded"]
    assert len(welcomes) == len(set(welcomes))  # each young person is welcomed once, whatever the years
