"""The employment desk's rules, each at its edge (aggregates alone)."""

import uuid
from datetime import UTC, date, datetime

import pytest
from relais_contracts import event_id_for
from relais_contracts.events import employment as contract
from relais_employment.domain import Career, Employer, Offer
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.kernel.youth import YouthFacts

CTX = CommandContext(
    ml_id="ML-A", actor_id="c1", correlation_id=uuid.uuid4(), received_at=datetime(2024, 6, 15, tzinfo=UTC)
)
EMPLOYER = Employer.register(
    uuid.uuid4(), CTX, occurred_at=None, name="Garage Martin", sector="I", size_band="0-9", commune_insee="10387"
)


def youth(birth_month="2003-05", rqth=False) -> YouthFacts:
    return YouthFacts(uuid.uuid4(), "ML-A", birth_month, rqth, False)


def rule_of(action) -> str:
    with pytest.raises(DomainRuleBroken) as caught:
        action()
    return caught.value.rule


def offer(positions=1) -> Offer:
    return Offer.receive(
        uuid.uuid4(),
        CTX,
        EMPLOYER.id,
        occurred_at=None,
        sector="I",
        contract_type="CDD",
        positions=positions,
        commune_insee="10387",
    )


def test_referrals_outcomes_and_positions():
    o = offer(positions=1)
    a, b = youth(), youth()
    o.refer(CTX, a, occurred_at=None)
    assert rule_of(lambda: o.refer(CTX, a, occurred_at=None)) == "already-referred"
    o.refer(CTX, b, occurred_at=None)
    assert rule_of(lambda: o.record_outcome(CTX, uuid.uuid4(), outcome="hired", occurred_at=None)) == "not-referred"
    o.record_outcome(CTX, a.jeune_id, outcome="hired", occurred_at=None)
    assert (
        rule_of(lambda: o.record_outcome(CTX, a.jeune_id, outcome="rejected", occurred_at=None))
        == "outcome-already-recorded"
    )
    assert rule_of(lambda: o.record_outcome(CTX, b.jeune_id, outcome="hired", occurred_at=None)) == "positions-filled"
    o.record_outcome(CTX, b.jeune_id, outcome="rejected", occurred_at=None)
    o.close(CTX, outcome="filled", occurred_at=None)
    assert rule_of(lambda: o.refer(CTX, youth(), occurred_at=None)) == "offer-closed"


def career() -> Career:
    return Career.open(uuid.uuid4(), "ML-A")


def sign(c: Career, y: YouthFacts, contract_type: str, start: date, end: date | None):
    signed = contract.ContractSigned(
        jeune_id=c.id,
        contract_type=contract_type,
        start_date=start,
        end_date=end,
        weekly_hours=35,
        sector="I",
        employer_id=None,
        offer_id=None,
    )
    c.begin(CTX, y, signed, occurred_at=None)


@pytest.mark.parametrize(
    ("contract_type", "start", "end", "rule"),
    [
        ("CDI", date(2024, 1, 1), date(2024, 12, 31), "cdi-has-no-end"),
        ("CDD", date(2024, 1, 1), None, "end-date-required"),
        ("CDD", date(2024, 1, 10), date(2024, 1, 9), "end-before-start"),
        ("APPRENTICESHIP", date(2024, 1, 1), date(2024, 6, 29), "apprenticeship-duration"),
        ("APPRENTICESHIP", date(2024, 1, 1), date(2027, 1, 1), "apprenticeship-duration"),
        ("PROFESSIONALISATION", date(2024, 1, 1), date(2026, 1, 1), "professionalisation-duration"),
    ],
)
def test_contract_rules(contract_type, start, end, rule):
    assert rule_of(lambda: sign(career(), youth(), contract_type, start, end)) == rule


def test_contract_edges_that_are_accepted():
    c = career()
    sign(c, youth(), "CDI", date(2024, 1, 1), None)
    sign(c, youth(), "APPRENTICESHIP", date(2024, 1, 1), date(2024, 6, 30))  # six months
    sign(c, youth(), "APPRENTICESHIP", date(2024, 1, 1), date(2026, 12, 31))  # three years
    assert len(c.situations) == 3


def test_apprenticeship_age_16_to_29_without_limit_for_rqth():
    assert (
        rule_of(lambda: sign(career(), youth("1994-01"), "APPRENTICESHIP", date(2024, 1, 1), date(2025, 12, 31)))
        == "apprenticeship-age"
    )
    sign(career(), youth("1994-02"), "APPRENTICESHIP", date(2024, 1, 1), date(2025, 12, 31))  # 29
    sign(career(), youth("1990-01", rqth=True), "APPRENTICESHIP", date(2024, 1, 1), date(2025, 12, 31))
    assert (
        rule_of(lambda: sign(career(), youth("2008-02"), "APPRENTICESHIP", date(2024, 1, 1), date(2025, 12, 31)))
        == "apprenticeship-age"
    )


def test_pmsmp_lasts_a_month_and_is_renewable_once():
    c = career()
    employer = uuid.uuid4()

    def start(s, e):
        started = contract.ImmersionStarted(
            jeune_id=c.id, employer_id=employer, start_date=s, end_date=e, objective="discover"
        )
        return c.begin(CTX, youth(), started, occurred_at=None)

    assert rule_of(lambda: start(date(2024, 3, 1), date(2024, 4, 1))) == "pmsmp-duration"
    start(date(2024, 3, 1), date(2024, 3, 31))
    start(date(2024, 4, 1), date(2024, 4, 30))
    assert rule_of(lambda: start(date(2024, 5, 1), date(2024, 5, 10))) == "pmsmp-renewal-limit"


def test_a_situation_ends_once_not_before_it_began():
    c = career()
    entered = contract.TrainingEntered(
        jeune_id=c.id,
        training_type="qualifying",
        funder="region",
        regional_plan=True,
        start_date=date(2024, 9, 2),
        end_date=date(2025, 6, 30),
    )
    c.begin(CTX, youth(), entered, occurred_at=None)
    situation = event_id_for("employment", c.id, c.version)
    assert (
        rule_of(
            lambda: c.end_situation(
                CTX, uuid.uuid4(), end_date=date(2024, 10, 1), reason="abandonment", occurred_at=None
            )
        )
        == "situation-unknown"
    )
    assert (
        rule_of(
            lambda: c.end_situation(CTX, situation, end_date=date(2024, 9, 1), reason="abandonment", occurred_at=None)
        )
        == "end-before-start"
    )
    c.end_situation(CTX, situation, end_date=date(2024, 10, 1), reason="abandonment", occurred_at=None)
    assert (
        rule_of(lambda: c.end_situation(CTX, situation, end_date=date(2024, 10, 2), reason="other", occurred_at=None))
        == "situation-already-ended"
    )
    envelope = c.collect_events()[-1].to_envelope()
    assert envelope.stream_id == envelope.payload.jeune_id == c.id
    assert envelope.payload.situation_event_id == situation


def test_a_situation_recorded_by_mistake_is_cancelled_with_its_end():
    """v2.md, E2: the start and the end that names it go; the situation can no longer be ended."""
    c = career()
    sign(c, youth(), "CDI", date(2024, 1, 1), None)
    situation = event_id_for("employment", c.id, c.version)
    c.end_situation(CTX, situation, end_date=date(2024, 3, 1), reason="resignation", occurred_at=None)
    c.cancel_situation(CTX, situation, reason="wrong_youth", occurred_at=None)
    assert situation not in c.situations and situation not in c.ended
    assert rule_of(lambda: c.cancel_situation(CTX, situation, reason="duplicate", occurred_at=None)) == (
        "situation-unknown"
    )
    assert (
        rule_of(lambda: c.end_situation(CTX, situation, end_date=date(2024, 3, 2), reason="other", occurred_at=None))
        == "situation-unknown"
    )
