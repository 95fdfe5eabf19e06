"""The rules of programmes and allowances, each at its edge (aggregates alone)."""

import uuid
from datetime import UTC, date, datetime

import pytest
from relais_contracts import event_id_for
from relais_contracts.events import dispositifs
from relais_dispositifs import reference_amounts as amounts
from relais_dispositifs.domain import Enrolment, FinancialAid, Requested, YouthEnrolments, add_months
from relais_runtime.kernel.commands import CommandContext
from relais_runtime.kernel.errors import DomainRuleBroken
from relais_runtime.kernel.youth import YouthFacts

NOW = datetime(2024, 6, 15, 10, 0, tzinfo=UTC)
CTX = CommandContext(ml_id="ML-A", actor_id="c1", correlation_id=uuid.uuid4(), received_at=NOW)
JEUNE = uuid.uuid4()


def youth(birth_month="2003-05", rqth=False) -> YouthFacts:
    return YouthFacts(JEUNE, "ML-A", birth_month, rqth, False)


def enter(programme="CEJ", start=date(2024, 2, 1), end=date(2025, 1, 31), hours=15, who=None) -> Enrolment:
    who = who or youth()
    entered = dispositifs.ProgrammeEntered(
        jeune_id=who.jeune_id,
        programme=programme,
        start_date=start,
        planned_end_date=end,
        partner=None,
        weekly_hours=hours,
    )
    return Enrolment.enter(uuid.uuid4(), CTX, who, entered, occurred_at=None)


def rule_of(action) -> str:
    with pytest.raises(DomainRuleBroken) as caught:
        action()
    return caught.value.rule


def test_add_months_keeps_the_day_or_the_month_end():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)


@pytest.mark.parametrize(
    ("birth_month", "rqth", "start", "accepted"),
    [
        ("1998-06", False, date(2024, 6, 29), True),  # may still be 25: born on 30 June at the latest
        ("1998-06", False, date(2024, 6, 30), False),  # 26 whatever the day of June they were born
        ("1994-06", True, date(2024, 6, 29), True),  # 29 with RQTH, in the same way
        ("1994-06", True, date(2024, 6, 30), False),  # 30 with RQTH
        ("2008-03", False, date(2024, 3, 1), True),  # may be 16 already: born on 1 March at the earliest
        ("2008-03", False, date(2024, 2, 29), False),  # 15 whatever the day
    ],
)
def test_age_at_entry_is_decided_in_the_young_persons_favour_within_the_birth_month(birth_month, rqth, start, accepted):
    """L5131-3 and L5131-6 (16 to 25 years old, 29 with an RQTH); only the birth month is known, so
    a limit is decided in the young person's favour within that month."""
    action = lambda: enter("PACEA", start=start, end=None, hours=None, who=youth(birth_month, rqth))  # noqa: E731
    if accepted:
        assert action().status == "active"
    else:
        assert rule_of(action) == "age-out-of-range"


def test_training_obligation_is_for_16_and_17_year_olds():
    assert (
        enter("TRAINING_OBLIGATION", start=date(2024, 2, 1), end=None, hours=None, who=youth("2007-02")).programme
        == "TRAINING_OBLIGATION"
    )
    assert (
        rule_of(
            lambda: enter("TRAINING_OBLIGATION", start=date(2024, 2, 1), end=None, hours=None, who=youth("2006-01"))
        )
        == "training-obligation-age"
    )


@pytest.mark.parametrize(
    ("end", "accepted"),
    [
        (date(2024, 7, 30), False),  # just under 6 months
        (date(2024, 7, 31), True),  # 6 months
        (date(2025, 1, 31), True),  # the 12th month
        (date(2025, 2, 1), False),  # into the 13th month
        (None, False),
    ],
)
def test_cej_lasts_six_to_twelve_months(end, accepted):
    if accepted:
        assert enter(end=end).planned_end_date == end
    else:
        assert rule_of(lambda: enter(end=end)) == "cej-duration"


@pytest.mark.parametrize(("hours", "accepted"), [(14, False), (15, True), (20, True), (21, False), (None, False)])
def test_cej_weekly_activity_is_15_to_20_hours(hours, accepted):
    if accepted:
        enter(hours=hours)
    else:
        assert rule_of(lambda: enter(hours=hours)) == "cej-weekly-hours"


def test_cej_extends_to_eighteen_months_and_never_past_the_26th_birthday():
    cej = enter()
    assert (
        rule_of(lambda: cej.extend(CTX, new_planned_end_date=date(2025, 8, 1), occurred_at=None))
        == "cej-extension-limit"
    )
    cej.extend(CTX, new_planned_end_date=date(2025, 7, 31), occurred_at=None)
    assert (
        rule_of(lambda: cej.extend(CTX, new_planned_end_date=date(2025, 7, 1), occurred_at=None))
        == "extension-not-later"
    )
    old = youth("1999-03")  # 26 in March 2025: on the 31st at the latest, so the eve is the 30th
    assert rule_of(lambda: enter(start=date(2024, 4, 1), end=date(2025, 3, 31), who=old)) == "cej-beyond-age-limit"
    near = enter(start=date(2024, 4, 1), end=date(2024, 12, 31), who=old)
    assert (
        rule_of(lambda: near.extend(CTX, new_planned_end_date=date(2025, 3, 31), occurred_at=None))
        == "cej-beyond-age-limit"
    )
    near.extend(CTX, new_planned_end_date=date(2025, 3, 30), occurred_at=None)


def test_one_contractual_accompaniment_at_a_time_cej_or_pacea():
    """Code du travail L5131-6 (the CEJ, a form the accompaniment of L5131-3 « peut également
    prendre ») and L5131-5 (no PACEA allowance for a young person in a CEJ): never both at once."""
    registry = YouthEnrolments.open(JEUNE)
    first = enter()
    registry.activate("CEJ", first.id)
    assert rule_of(lambda: registry.activate("CEJ_JR", uuid.uuid4())) == "already-enrolled"
    assert rule_of(lambda: registry.activate("PACEA", uuid.uuid4())) == "already-enrolled"
    registry.activate("PPAE", uuid.uuid4())  # another programme beside it
    registry.release("CEJ", first.id)
    pacea = uuid.uuid4()
    registry.activate("PACEA", pacea)  # the day after the CEJ ends
    assert rule_of(lambda: registry.activate("CEJ", uuid.uuid4())) == "already-enrolled"
    registry.release("PACEA", pacea)
    registry.activate("CEJ", uuid.uuid4())


def test_a_registry_written_before_the_cej_and_pacea_became_one_family_still_holds():
    registry = YouthEnrolments.open(JEUNE)
    old_cej = uuid.uuid4()
    registry.trigger_event(YouthEnrolments.Activated, family="CEJ", enrolment_id=old_cej)  # as stored then
    assert rule_of(lambda: registry.activate("PACEA", uuid.uuid4())) == "already-enrolled"
    registry.release("CEJ", old_cej)
    registry.activate("PACEA", uuid.uuid4())


def test_suspension_resumption_exit_dates_and_states():
    cej = enter()
    assert rule_of(lambda: cej.resume(CTX, on=date(2024, 3, 1), reason="x", occurred_at=None)) == "not-suspended"
    assert rule_of(lambda: cej.suspend(CTX, on=date(2024, 1, 31), reason="x", occurred_at=None)) == "date-before-entry"
    cej.suspend(CTX, on=date(2024, 3, 1), reason="health", occurred_at=None)
    assert rule_of(lambda: cej.suspend(CTX, on=date(2024, 3, 2), reason="x", occurred_at=None)) == "not-suspendable"
    cej.resume(CTX, on=date(2024, 4, 1), reason="back", occurred_at=None)
    assert (
        rule_of(
            lambda: cej.exit(
                CTX, exit_date=date(2024, 1, 15), reason="employment", exit_situation="employment", occurred_at=None
            )
        )
        == "date-before-entry"
    )
    cej.exit(CTX, exit_date=date(2024, 9, 30), reason="employment", exit_situation="employment", occurred_at=None)
    assert cej.status == "exited"
    assert (
        rule_of(lambda: cej.extend(CTX, new_planned_end_date=date(2025, 6, 1), occurred_at=None)) == "enrolment-exited"
    )


def test_cej_allowance_within_the_enrolment_once_a_month_under_the_cap_by_age():
    cej = enter()
    adult_cap = amounts.in_force(amounts.CEJ_MAX_ADULT, date(2024, 4, 1))
    assert adult_cap == 55_229
    assert (
        rule_of(lambda: cej.request_allowance(CTX, youth(), month="2024-01", amount_cents=100, occurred_at=None))
        == "allowance-outside-enrolment"
    )
    assert (
        rule_of(
            lambda: cej.request_allowance(CTX, youth(), month="2024-04", amount_cents=adult_cap + 1, occurred_at=None)
        )
        == "allowance-above-monthly-cap"
    )
    cej.request_allowance(CTX, youth(), month="2024-04", amount_cents=adult_cap, occurred_at=None)
    # Before the April revaluation the cap was lower.
    assert (
        rule_of(lambda: cej.request_allowance(CTX, youth(), month="2024-03", amount_cents=adult_cap, occurred_at=None))
        == "allowance-above-monthly-cap"
    )
    assert (
        rule_of(lambda: cej.request_allowance(CTX, youth(), month="2024-04", amount_cents=100, occurred_at=None))
        == "allowance-month-already-requested"
    )
    minor = youth("2007-09")  # 16 in 2024
    young_cej = enter(start=date(2024, 2, 1), end=date(2025, 1, 31), who=minor)
    assert (
        rule_of(lambda: young_cej.request_allowance(CTX, minor, month="2024-05", amount_cents=30_000, occurred_at=None))
        == "allowance-above-monthly-cap"
    )
    young_cej.request_allowance(CTX, minor, month="2024-05", amount_cents=22_092, occurred_at=None)


def test_cej_jr_allowance_is_a_cej_allowance_and_other_programmes_have_none():
    jr = enter("CEJ_JR")
    jr.request_allowance(CTX, youth(), month="2024-05", amount_cents=10_000, occurred_at=None)
    event = list(jr.collect_events())[-1]
    assert event.to_envelope().payload.programme == "CEJ"
    pial = enter("PIAL", end=None, hours=None)
    assert (
        rule_of(lambda: pial.request_allowance(CTX, youth(), month="2024-05", amount_cents=100, occurred_at=None))
        == "allowance-not-for-programme"
    )


def test_pacea_allowance_is_capped_at_six_rsa_over_twelve_months():
    pacea = enter("PACEA", start=date(2023, 1, 1), end=date(2024, 12, 31), hours=None)
    rsa = amounts.in_force(amounts.RSA_SINGLE, date(2023, 1, 1))
    assert (
        rule_of(lambda: pacea.request_allowance(CTX, youth(), month="2023-01", amount_cents=rsa + 1, occurred_at=None))
        == "allowance-above-monthly-cap"
    )
    for month in ("2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06"):
        pacea.request_allowance(CTX, youth(), month=month, amount_cents=rsa, occurred_at=None)
    # Six allowances of the 2022 RSA used; July 2023's cap is six RSA of April 2023.
    remaining = 6 * amounts.in_force(amounts.RSA_SINGLE, date(2023, 7, 1)) - 6 * rsa
    assert 0 < remaining < rsa
    assert (
        rule_of(
            lambda: pacea.request_allowance(CTX, youth(), month="2023-07", amount_cents=remaining + 1, occurred_at=None)
        )
        == "pacea-yearly-cap"
    )
    pacea.request_allowance(CTX, youth(), month="2023-07", amount_cents=remaining, occurred_at=None)
    assert (
        rule_of(lambda: pacea.request_allowance(CTX, youth(), month="2023-12", amount_cents=100, occurred_at=None))
        == "pacea-yearly-cap"
    )
    # Twelve months after January 2023, its amount leaves the window.
    pacea.request_allowance(CTX, youth(), month="2024-01", amount_cents=rsa, occurred_at=None)


def test_the_pacea_yearly_cap_counts_every_pacea_of_the_young_person():
    """Six RSA over twelve months is a ceiling per young person (D5131-11 ff., décret n° 2020-1783),
    not per enrolment: what an earlier PACEA asked for counts."""
    rsa = amounts.in_force(amounts.RSA_SINGLE, date(2023, 6, 1))
    earlier = [Requested("PACEA", f"2023-0{m}", rsa) for m in range(4, 10)]  # April to September
    pacea = enter("PACEA", start=date(2023, 10, 1), end=date(2024, 9, 30), hours=None)
    assert (
        rule_of(
            lambda: pacea.request_allowance(
                CTX, youth(), month="2023-10", amount_cents=100, elsewhere=earlier, occurred_at=None
            )
        )
        == "pacea-yearly-cap"
    )
    # April 2024: April 2023 has left the twelve months, so one RSA is free again.
    pacea.request_allowance(CTX, youth(), month="2024-04", amount_cents=100, elsewhere=earlier, occurred_at=None)


def test_never_both_allowances_for_one_month():
    """L5131-5: no PACEA allowance for the young people of L5131-6 (those in a CEJ); a month
    already paid by an exited CEJ is not paid again by the PACEA that follows it."""
    pacea = enter("PACEA", start=date(2024, 3, 20), end=None, hours=None)
    cej_march = [Requested("CEJ", "2024-03", 52_800)]
    assert (
        rule_of(
            lambda: pacea.request_allowance(
                CTX, youth(), month="2024-03", amount_cents=100, elsewhere=cej_march, occurred_at=None
            )
        )
        == "allowance-month-already-requested"
    )
    pacea.request_allowance(CTX, youth(), month="2024-04", amount_cents=100, elsewhere=cej_march, occurred_at=None)


def test_a_pacea_without_planned_end_still_ends_after_24_months():
    """R5131-4 ff.: 24 consecutive months at most, with or without a planned end."""
    pacea = enter("PACEA", start=date(2022, 3, 15), end=None, hours=None)
    pacea.request_allowance(CTX, youth(), month="2024-03", amount_cents=100, occurred_at=None)  # to 14 March
    assert (
        rule_of(lambda: pacea.request_allowance(CTX, youth(), month="2024-04", amount_cents=100, occurred_at=None))
        == "allowance-outside-enrolment"
    )


def test_no_allowance_for_a_month_suspended_throughout():
    """A month every day of which the enrolment was suspended pays no allowance; a month with a
    single active day does, and a past month may be asked for while the enrolment is suspended."""
    cej = enter()
    cej.suspend(CTX, on=date(2024, 4, 2), reason="health", occurred_at=None)
    cej.request_allowance(CTX, youth(), month="2024-03", amount_cents=100, occurred_at=None)  # before: fine now too
    cej.request_allowance(CTX, youth(), month="2024-04", amount_cents=100, occurred_at=None)  # active on 1 April
    cej.resume(CTX, on=date(2024, 6, 1), reason="back", occurred_at=None)
    assert (
        rule_of(lambda: cej.request_allowance(CTX, youth(), month="2024-05", amount_cents=100, occurred_at=None))
        == "allowance-outside-enrolment"
    )
    cej.request_allowance(CTX, youth(), month="2024-06", amount_cents=100, occurred_at=None)


def test_a_cej_is_for_a_young_person_neither_student_nor_in_training():
    """L5131-6 and R5131-15, read from the profile's NEET status; unknown is decided in favour."""
    student = YouthFacts(JEUNE, "ML-A", "2003-05", False, False, neet=False)
    assert rule_of(lambda: enter(who=student)) == "cej-not-neet"
    enter("PACEA", end=None, hours=None, who=student)  # the PACEA has no such condition
    enter(who=YouthFacts(JEUNE, "ML-A", "2003-05", False, False, neet=True))
    enter(who=youth())  # neet unknown


def test_a_new_cej_begins_six_months_after_the_previous_one_ended():
    def again(start):
        entered = dispositifs.ProgrammeEntered(
            jeune_id=JEUNE,
            programme="CEJ",
            start_date=start,
            planned_end_date=add_months(start, 7),
            partner=None,
            weekly_hours=15,
        )
        return Enrolment.enter(uuid.uuid4(), CTX, youth(), entered, last_cej_exit=date(2024, 1, 31), occurred_at=None)

    assert rule_of(lambda: again(date(2024, 7, 30))) == "cej-too-soon"
    again(date(2024, 7, 31))


def test_an_allowance_is_paid_once_at_most_what_was_requested():
    cej = enter()
    cej.request_allowance(CTX, youth(), month="2024-05", amount_cents=40_000, occurred_at=None)
    request_id = event_id_for("dispositifs", cej.id, cej.version)
    assert (
        rule_of(lambda: cej.pay_allowance(CTX, request_event_id=uuid.uuid4(), amount_cents=None, occurred_at=None))
        == "allowance-request-unknown"
    )
    assert (
        rule_of(lambda: cej.pay_allowance(CTX, request_event_id=request_id, amount_cents=40_001, occurred_at=None))
        == "payment-above-request"
    )
    cej.pay_allowance(CTX, request_event_id=request_id, amount_cents=None, occurred_at=None)
    assert (
        rule_of(lambda: cej.pay_allowance(CTX, request_event_id=request_id, amount_cents=None, occurred_at=None))
        == "allowance-already-paid"
    )


def test_an_entry_recorded_by_mistake_is_cancelled_unless_money_was_asked_for():
    """v2.md, E2: cancelling the entry voids the enrolment; once an allowance is requested it is
    exited instead; a paid request stays, an unpaid one may be cancelled and its month asked again."""
    cej = enter(start=date(2024, 2, 1), end=date(2025, 1, 31))
    cej.request_allowance(CTX, youth(), month="2024-03", amount_cents=20_000, occurred_at=None)
    request = event_id_for("dispositifs", cej.id, cej.version)
    cancel = lambda event_id: cej.cancel_entry(CTX, event_id, reason="entry_error", occurred_at=None)  # noqa: E731
    assert rule_of(lambda: cancel(cej.entry_event_id)) == "enrolment-has-allowances"
    assert rule_of(lambda: cancel(uuid.uuid4())) == "cancelled-event-unknown"
    cancel(request)
    cej.request_allowance(CTX, youth(), month="2024-03", amount_cents=20_000, occurred_at=None)  # asked again
    paid = event_id_for("dispositifs", cej.id, cej.version)
    cej.pay_allowance(CTX, request_event_id=paid, amount_cents=None, occurred_at=None)
    assert rule_of(lambda: cancel(paid)) == "allowance-already-paid"

    mistaken = enter()
    mistaken.cancel_entry(CTX, mistaken.entry_event_id, reason="duplicate", occurred_at=None)
    assert rule_of(lambda: mistaken.extend(CTX, new_planned_end_date=date(2025, 3, 1), occurred_at=None)) == (
        "enrolment-cancelled"
    )
    assert rule_of(
        lambda: mistaken.cancel_entry(CTX, mistaken.entry_event_id, reason="duplicate", occurred_at=None)
    ) == ("enrolment-cancelled")


def test_an_aid_is_cancelled_once():
    granted = dispositifs.FinancialAidGranted(jeune_id=JEUNE, kind="faj", amount_cents=10_000, funder="CD")
    aid = FinancialAid.grant(uuid.uuid4(), CTX, granted, occurred_at=None)
    aid.cancel(CTX, reason="duplicate", occurred_at=None)
    assert aid.collect_events()[-1].to_envelope().payload.cancelled_event_id == event_id_for("dispositifs", aid.id, 1)
    assert rule_of(lambda: aid.cancel(CTX, reason="duplicate", occurred_at=None)) == "entry-already-cancelled"
