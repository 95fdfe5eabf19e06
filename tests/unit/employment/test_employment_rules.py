"""The employment desk's rules, each at its edge (aggregates alone)."""

import uuid
from datetime import UTC, date, datetime, timedelta

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


def youth(birth_month="2003-05", rqth=False, **facts) -> YouthFacts:
    return YouthFacts(uuid.uuid4(), "ML-A", birth_month, rqth, False, **facts)


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
    ],
)
def test_contract_rules(contract_type, start, end, rule):
    assert rule_of(lambda: sign(career(), youth(), contract_type, start, end)) == rule


def test_apprenticeship_lasts_up_to_four_years_with_an_rqth_and_may_be_open_ended():
    """R6222-46 (four years for a disabled worker); L6222-7-1 (a contract for an indefinite period,
    whose apprenticeship period is not recorded here)."""
    four_years = (date(2024, 1, 1), date(2027, 12, 31))
    assert rule_of(lambda: sign(career(), youth(), "APPRENTICESHIP", *four_years)) == "apprenticeship-duration"
    sign(career(), youth(rqth=True), "APPRENTICESHIP", *four_years)
    assert (
        rule_of(lambda: sign(career(), youth(rqth=True), "APPRENTICESHIP", date(2024, 1, 1), date(2028, 1, 1)))
        == "apprenticeship-duration"
    )
    sign(career(), youth(), "APPRENTICESHIP", date(2024, 1, 1), None)


@pytest.mark.parametrize(
    ("facts", "longest_end"),
    [
        ({"education_level": 4, "diploma": True}, date(2025, 12, 31)),  # a baccalauréat: 24 months by agreement
        ({"education_level": 3, "diploma": True}, date(2025, 12, 31)),  # a CAP is a vocational diploma
        ({"education_level": 4, "diploma": False}, date(2026, 12, 31)),  # no diploma: 36 months
        ({"education_level": 2, "diploma": True}, date(2026, 12, 31)),
    ],
)
def test_professionalisation_lasts_up_to_36_months_for_a_young_person_without_qualification(facts, longest_end):
    """L6325-11 (6 to 12 months; 36 for the people of L6325-1-1: 16 to 25 without upper secondary
    education completed nor a vocational diploma) and L6325-12 (24 months by agreement)."""
    y = youth(**facts)
    sign(career(), y, "PROFESSIONALISATION", date(2024, 1, 1), longest_end)
    too_long = longest_end + timedelta(days=1)
    assert (
        rule_of(lambda: sign(career(), y, "PROFESSIONALISATION", date(2024, 1, 1), too_long))
        == "professionalisation-duration"
    )
    sign(career(), y, "PROFESSIONALISATION", date(2024, 1, 1), None)  # a CDI: L6325-3


def test_professionalisation_beyond_25_is_not_extended_to_36_months():
    older = youth("1997-01", education_level=2, diploma=False)  # 27 in 2024
    assert (
        rule_of(lambda: sign(career(), older, "PROFESSIONALISATION", date(2024, 1, 1), date(2026, 12, 31)))
        == "professionalisation-duration"
    )


def test_contract_edges_that_are_accepted():
    c = career()
    sign(c, youth(), "CDI", date(2024, 1, 1), None)
    sign(c, youth(), "APPRENTICESHIP", date(2024, 1, 1), date(2024, 6, 30))  # six months
    sign(c, youth(), "APPRENTICESHIP", date(2024, 1, 1), date(2026, 12, 31))  # three years
    assert len(c.situations) == 3


def test_apprenticeship_age_16_to_29_without_limit_for_rqth():
    assert (
        rule_of(lambda: sign(career(), youth("1993-12"), "APPRENTICESHIP", date(2024, 1, 1), date(2025, 12, 31)))
        == "apprenticeship-age"
    )
    # Born in January 1994: may turn 30 only on the 31st, so still 29 on 1 January 2024 in their favour.
    sign(career(), youth("1994-01"), "APPRENTICESHIP", date(2024, 1, 1), date(2025, 12, 31))
    sign(career(), youth("1990-01", rqth=True), "APPRENTICESHIP", date(2024, 1, 1), date(2025, 12, 31))
    assert (
        rule_of(lambda: sign(career(), youth("2008-02"), "APPRENTICESHIP", date(2024, 1, 1), date(2025, 12, 31)))
        == "apprenticeship-age"
    )


def test_pmsmp_lasts_a_month_and_is_renewable_once():
    c = career()
    employer = uuid.uuid4()

    def start(s, e, objective="discover"):
        started = contract.ImmersionStarted(
            jeune_id=c.id, employer_id=employer, start_date=s, end_date=e, objective=objective
        )
        return c.begin(CTX, youth(), started, occurred_at=None)

    assert rule_of(lambda: start(date(2024, 3, 1), date(2024, 4, 1))) == "pmsmp-duration"
    start(date(2024, 3, 1), date(2024, 3, 31))
    start(date(2024, 4, 1), date(2024, 4, 29))  # renewed once: 60 days in all
    assert rule_of(lambda: start(date(2024, 5, 1), date(2024, 5, 10))) == "pmsmp-host-limit"


@pytest.mark.parametrize(
    ("earlier", "then", "allowed"),
    [
        # Two objectives with one host, 60 days at most in all.
        ([("discover", "2024-01-01", "2024-01-31")], ("confirm", "2024-06-01", "2024-06-29"), True),
        ([("discover", "2024-01-01", "2024-01-31")], ("confirm", "2024-06-01", "2024-06-30"), False),
        # A third objective within twelve months, however short.
        (
            [("discover", "2024-01-01", "2024-01-05"), ("confirm", "2024-03-01", "2024-03-05")],
            ("recruit", "2024-12-31", "2025-01-02"),
            False,
        ),
        # Twelve months later the count starts again.
        (
            [("discover", "2024-01-01", "2024-01-31"), ("discover", "2024-02-01", "2024-02-29")],
            ("discover", "2025-01-01", "2025-01-31"),
            True,
        ),
        # A convention recorded late, between two others: the busiest twelve months hold three.
        (
            [("discover", "2024-01-01", "2024-01-05"), ("recruit", "2024-11-01", "2024-11-05")],
            ("confirm", "2024-06-01", "2024-06-05"),
            False,
        ),
    ],
)
def test_pmsmp_with_one_host_over_twelve_months_whatever_the_objective(earlier, then, allowed):
    """D5135-3: with the same host over any twelve consecutive months, at most two conventions of
    different objectives (each renewable once) and sixty days in all, renewals included."""
    c, host = career(), uuid.uuid4()

    def start(objective, s, e):
        started = contract.ImmersionStarted(
            jeune_id=c.id,
            employer_id=host,
            start_date=date.fromisoformat(s),
            end_date=date.fromisoformat(e),
            objective=objective,
        )
        c.begin(CTX, youth(), started, occurred_at=None)

    for immersion in earlier:
        start(*immersion)
    if allowed:
        start(*then)
    else:
        assert rule_of(lambda: start(*then)) == "pmsmp-host-limit"
    other_host = contract.ImmersionStarted(
        jeune_id=c.id,
        employer_id=uuid.uuid4(),
        start_date=date(2024, 6, 1),
        end_date=date(2024, 6, 30),
        objective="discover",
    )
    c.begin(CTX, youth(), other_host, occurred_at=None)  # another host is not limited by these


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
