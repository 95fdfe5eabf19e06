"""One hand-built history per counting rule of indicators.md, with the expected figures written
out (the fold and the query of the reporting service, on SQLite)."""

import uuid
from datetime import date

from relais_cli.audit import scratch_engine
from relais_reporting.projection import apply, upgrade_derived_columns
from relais_reporting.readmodel import changes, events, fold_rules
from sqlalchemy import insert, select, text, update
from support.builder import History, at
from support.reporting import document, figures


def test_rule_1_the_period_is_by_business_date_in_paris():
    h = History()
    late_night = h.welcome("2023-12-31T23:30:00Z")  # 1 January 2024 in Paris
    new_year_eve = h.welcome("2023-12-31T22:30:00Z")  # still 31 December in Paris
    jeune = h.welcome("2023-06-01 10:00")
    h.contract(jeune, "CDD", date(2024, 1, 2), date(2024, 3, 1), "2023-12-20 10:00")  # signed in Dec, starts in Jan
    enrolment = h.enter(jeune, "PACEA", date(2023, 11, 1), "2024-01-05 10:00")  # entered late, counts in 2023
    h.exit(jeune, enrolment, "PACEA", date(2024, 2, 1), "employment", "2023-12-28 10:00")
    f2023, f2024 = figures(h.events), figures(h.events, start="2024-01-01", end="2024-12-31")
    assert (f2023["first_welcomes"], f2024["first_welcomes"]) == (2, 1)
    assert (f2023["employment_contracts"], f2024["employment_contracts"]) == (0, 1)
    assert (f2023["programmes"]["PACEA"]["entries"], f2024["programmes"]["PACEA"]["entries"]) == (1, 0)
    assert (f2023["programmes"]["PACEA"]["exits"], f2024["programmes"]["PACEA"]["exits"]) == (0, 1)
    assert late_night != new_year_eve


def test_rule_2_as_of_keeps_what_was_recorded_by_then():
    h = History()
    jeune = h.welcome("2023-03-01 09:00", recorded="2023-03-01 10:00")
    interview = h.dossier_event(jeune, "individual_interview", "2023-03-02 09:00", recorded="2023-03-20 10:00")
    h.cancel(interview, "2023-04-01 09:00", recorded="2023-04-01 10:00")
    assert figures(h.events, as_of=at("2023-03-10 00:00"))["individual_interviews"] == 0  # entered late
    assert figures(h.events, as_of=at("2023-03-25 00:00"))["individual_interviews"] == 1  # known, not yet cancelled
    assert figures(h.events, as_of=at("2023-04-02 00:00"))["individual_interviews"] == 0  # cancelled
    doc = document(h.events, as_of=at("2023-03-25 00:00"))
    assert doc["as_of"] == "2023-03-25T00:00:00+00:00"


def test_rule_3_each_event_counts_once():
    h = History()
    jeune = h.welcome("2023-03-01 09:00")
    interview = h.dossier_event(jeune, "individual_interview", "2023-03-02 09:00")
    assert figures(h.events + [interview, interview])["individual_interviews"] == 1
    assert document(h.events + [interview])["events_considered"] == 2


def test_rule_4_a_cancellation_wins_whatever_the_arrival_order():
    h = History()
    jeune = h.welcome("2023-03-01 09:00")
    workshop = h.dossier_event(jeune, "workshop", "2023-03-02 09:00", session=uuid.uuid4())
    cancellation = h.cancel(workshop, "2023-03-05 09:00")
    welcome = h.events[0]
    for order in ([welcome, workshop, cancellation], [cancellation, welcome, workshop]):
        f = figures(order)
        assert (f["accompanied"], f["workshop_participations"], f["workshop_sessions"]) == (0, 0, 0)
        assert f["in_contact"] == 1  # the first welcome itself


def test_rule_6_tenants_and_the_network():
    a, b = History("ML-A"), History("ML-B")
    for h, n in ((a, 3), (b, 2)):
        for _ in range(n):
            h.dossier_event(h.welcome("2023-05-01 09:00"), "individual_interview", "2023-05-02 09:00")
    events = a.events + b.events
    assert figures(events, ml_id="ML-A")["accompanied"] == 3
    network = document(events, ml_id=None)
    assert network["ml_id"] is None and network["indicators"]["accompanied"] == 5
    assert {ml: d["indicators"]["accompanied"] for ml, d in network["by_ml"].items()} == {"ML-A": 3, "ML-B": 2}
    assert document(events, ml_id="ML-A")["by_ml"] is None


def test_rule_7_attributes_are_those_of_the_latest_profile_at_the_period_end():
    h = History()
    jeune = h.welcome("2023-02-01 09:00", commune="94003", birth_month="2005-12", qpv=False)
    h.dossier_event(jeune, "individual_interview", "2023-02-02 09:00")
    # Moved in November (entered in January 2024 with its true date), and again in 2024.
    h.profile(jeune, "2024-03-01 09:00", commune_insee="94041")
    h.profile(jeune, "2023-11-15 09:00", recorded="2024-01-10 09:00", commune_insee="94076", qpv=True)
    f = figures(h.events)
    assert list(f["by_commune"]) == ["94076"]
    assert f["profile_of_accompanied"]["qpv"] == 1
    # Born December 2005: 18 on 31 December 2023, the 1st of the month standing for the birthday.
    assert f["profile_of_accompanied"]["age_band"]["18_21"] == 1 and f["profile_of_accompanied"]["minors"] == 0
    # As of before the late entry, the November move was not known.
    assert list(figures(h.events, as_of=at("2023-12-31 00:00"))["by_commune"]) == ["94003"]


def test_rule_8_unknown_types_are_skipped_and_counted():
    import orjson
    from relais_cli.audit import Folded, fold, scratch_engine

    h = History()
    h.welcome("2023-03-01 09:00")
    from relais_contracts import encode

    lines = [encode(e) for e in h.events]
    unknown = orjson.loads(lines[0])
    unknown.update(event_type="intake.Teleported", event_id=str(uuid.uuid4()))
    newer = orjson.loads(lines[0])
    newer.update(schema_version=9, event_id=str(uuid.uuid4()))
    engine = scratch_engine()
    folded = fold(engine, lines + [orjson.dumps(unknown), orjson.dumps(newer)], Folded())
    assert (folded.events, folded.skipped) == (1, 2)
    doc = document([], engine=engine)
    assert doc["events_skipped"] == 2 and doc["indicators"]["first_welcomes"] == 1


def test_young_people_indicators():
    h = History()
    session = uuid.uuid4()
    a, b, c, d = (h.welcome("2023-01-10 09:00") for _ in range(4))
    h.dossier_event(a, "individual_interview", "2023-02-01 09:00")
    h.dossier_event(a, "individual_interview", "2023-03-01 09:00")
    h.dossier_event(b, "workshop", "2023-02-01 09:00", session=session)
    h.dossier_event(c, "group_information", "2023-02-01 09:00", session=session)
    h.dossier_event(c, "workshop", "2023-02-03 09:00")  # no session: a participation, not a session
    h.dossier_event(d, "phone", "2023-02-01 09:00")
    old = h.welcome("2022-05-10 09:00")
    h.dossier_event(old, "administrative", "2023-02-01 09:00")
    f = figures(h.events)
    assert f["first_welcomes"] == 4
    assert f["accompanied"] == 3  # a, b, c
    assert f["in_contact"] == 4  # the four welcomed; `old` only had paperwork
    assert f["individual_interviews"] == 2
    assert (f["workshop_sessions"], f["workshop_participations"]) == (1, 3)


def test_situations_contracts_and_rates():
    h = History()
    a, b, c = (h.welcome("2023-01-10 09:00") for _ in range(3))
    for j in (a, b):
        h.dossier_event(j, "individual_interview", "2023-02-01 09:00")
    h.contract(a, "CDI", date(2023, 3, 1), None, "2023-03-01 09:00")
    h.contract(a, "CDD", date(2023, 9, 1), date(2024, 2, 29), "2023-09-01 09:00")  # six calendar months: durable
    h.contract(c, "CDD", date(2023, 9, 1), date(2024, 2, 28), "2023-09-01 09:00")  # a day short
    h.contract(c, "APPRENTICESHIP", date(2023, 10, 1), date(2025, 9, 30), "2023-10-01 09:00")
    h.training(b, "schooling", date(2023, 9, 4), "2023-09-04 09:00")
    h.training(b, "qualifying", date(2023, 11, 6), "2023-11-06 09:00")
    h.immersion(c, date(2023, 5, 2), "2023-05-02 09:00")
    h.civic_service(c, date(2023, 6, 1), "2023-06-01 09:00")
    f = figures(h.events)
    assert f["situation_entries"] == 8
    assert f["situation_entries_by_kind"] == {
        "employment": 3,
        "alternance": 1,
        "training": 1,
        "schooling": 1,
        "immersion": 1,
        "volunteering": 1,
    }
    assert (f["youths_with_situation"], f["accompanied_with_situation"], f["situation_rate"]) == (3, 2, 1.0)
    # v2.md: job contracts and alternance apart; an apprenticeship is never a durable job contract.
    assert (f["employment_contracts"], f["job_contracts"], f["alternance_contracts"]) == (4, 3, 1)
    assert (f["youths_in_employment"], f["youths_in_alternance"]) == (2, 1)
    assert (f["durable_contracts"], f["durable_rate"]) == (2, 0.6667)
    assert (f["training_entries"], f["training_youths"], f["immersions"], f["immersion_youths"]) == (2, 1, 1, 1)
    commune = f["by_commune"]["94003"]
    assert commune == {"first_welcomes": 3, "accompanied": 2, "accompanied_with_situation": 2, "situation_rate": 1.0}


def test_rate_is_rounded_and_null_without_accompanied():
    h = History()
    people = [h.welcome("2023-01-10 09:00") for _ in range(3)]
    for j in people:
        h.dossier_event(j, "individual_interview", "2023-02-01 09:00")
    h.immersion(people[0], date(2023, 5, 2), "2023-05-02 09:00")
    assert figures(h.events)["situation_rate"] == 0.3333
    assert figures([])["situation_rate"] is None


def test_programmes_allowances_aids_and_referrals():
    h = History()
    a, b = h.welcome("2022-10-01 09:00"), h.welcome("2022-10-01 09:00")
    old = h.enter(a, "CEJ", date(2022, 11, 1), "2022-11-01 09:00")  # active across the period
    gone = h.enter(b, "PACEA", date(2022, 3, 1), "2022-03-01 09:00")
    h.exit(b, gone, "PACEA", date(2022, 12, 20), "none", "2022-12-20 09:00")  # exited before: not active
    new = h.enter(b, "PACEA", date(2023, 2, 1), "2023-02-01 09:00")
    h.exit(b, new, "PACEA", date(2023, 9, 30), "alternance", "2023-09-30 09:00")
    h.exit(a, old, "CEJ", date(2023, 10, 31), "unknown", "2023-10-31 09:00")
    h.allowance(a, old, "2023-01", 52_800, "2023-01-25 09:00", paid=True)
    h.allowance(a, old, "2023-02", 52_800, "2023-02-25 09:00", paid=False)
    h.allowance(b, old, "2023-03", 30_000, "2023-03-25 09:00", paid=False)  # requested, never paid
    h.aid(a, "faj", 15_000, "2023-04-01 09:00")
    h.aid(b, "faj", 5_000, "2023-04-02 09:00")
    h.referral_to_partner(b, "housing", "2023-04-02 09:00")
    h.referral_to_partner(b, "housing", "2023-06-02 09:00")
    f = figures(h.events)
    cej, pacea = f["programmes"]["CEJ"], f["programmes"]["PACEA"]
    assert {k: cej[k] for k in list(cej)[:10]} == {
        "entries": 0,
        "objective": None,
        "objective_rate": None,
        "active_youths": 1,
        "exits": 1,
        "positive_exits": 0,
        "allowance_requested_cents": 135_600,
        "allowance_paid_cents": 52_800,
        "allowance_requested_youths": 2,  # v2.md: the reports count young people « concernés »
        "allowance_paid_youths": 1,
    }
    assert {k: pacea[k] for k in list(pacea)[:10]} == {
        "entries": 1,
        "objective": None,
        "objective_rate": None,
        "active_youths": 1,
        "exits": 1,
        "positive_exits": 1,
        "allowance_requested_cents": 0,
        "allowance_paid_cents": 0,
        "allowance_requested_youths": 0,
        "allowance_paid_youths": 0,
    }
    assert (cej["effective_days"], pacea["effective_days"]) == (364, 241)  # entry to exit, exited in 2023
    assert cej["exits_by_situation"]["unknown"] == 1 and pacea["exits_by_reason"]["completed"] == 1
    assert len(f["programmes"]) == 13
    assert f["financial_aids"]["faj"] == {"count": 2, "amount_cents": 20_000, "youths": 2}
    assert f["social_referrals"]["housing"] == {"count": 2, "youths": 1, "by_partner": {"CLLAJ": 2}}
    assert f["social_referrals"]["health"] == {"count": 0, "youths": 0, "by_partner": {}}


def test_offers():
    h = History()
    x, y = uuid.uuid4(), uuid.uuid4()
    jeune = h.welcome("2023-01-10 09:00")
    o1, o2 = h.offer(x, "D", "2023-03-01 09:00"), h.offer(x, "D", "2023-03-02 09:00")
    h.offer(y, "N", "2023-04-01 09:00")
    h.refer(o1, jeune, "hired", "2023-03-05 09:00")
    h.refer(o2, jeune, "rejected", "2023-03-06 09:00")
    h.close_offer(o1, "filled", "2023-03-10 09:00")
    h.close_offer(o2, "expired", "2023-05-10 09:00")
    offers = figures(h.events)["offers"]
    keys = ("received", "employers", "referrals", "referred_youths", "hires", "hired_youths", "filled")
    assert {k: offers[k] for k in keys} == {
        "received": 3,
        "employers": 2,
        "referrals": 2,
        "referred_youths": 1,
        "hires": 1,
        "hired_youths": 1,
        "filled": 1,
    }
    assert (offers["by_sector"]["D"], offers["by_sector"]["N"], offers["by_sector"]["A"]) == (2, 1, 0)


def test_e2_a_cancelled_outcome_or_referral_counts_nowhere():
    """v2.md, E2 on employment: the hire is cancelled on one offer, the referral itself on the
    other; what remains is one referral and no hire."""
    h = History()
    jeune = h.welcome("2023-01-10 09:00")
    employer = uuid.uuid4()
    kept, mistaken = h.offer(employer, "D", "2023-03-01 09:00"), h.offer(employer, "D", "2023-03-01 09:00")
    h.refer(kept, jeune, "hired", "2023-03-05 09:00")
    h.refer(mistaken, jeune, None, "2023-03-05 09:00")
    hire = next(e for e in h.events if e.event_type == "employment.ReferralOutcomeRecorded")
    referral = next(e for e in h.events if e.event_type == "employment.CandidateReferred" and e.stream_id == mistaken)
    h.correct(hire, "2023-03-06 09:00")
    h.correct(referral, "2023-03-06 09:00")
    offers = figures(h.events)["offers"]
    assert (offers["referrals"], offers["referred_youths"], offers["hires"], offers["hired_youths"]) == (1, 1, 0, 0)


def test_durable_is_a_job_contract_of_six_calendar_months_or_without_end():
    """v2.md: 1 January → 30 June is durable, → 29 June is not; a CAE, CIE or IAE without end is;
    alternance never is."""
    h = History()
    j = h.welcome("2023-01-02 09:00")
    h.contract(j, "CDD", date(2023, 1, 1), date(2023, 6, 30), "2023-01-02 09:00")  # durable
    h.contract(j, "CDD", date(2023, 1, 1), date(2023, 6, 29), "2023-01-02 09:00")
    h.contract(j, "CAE", date(2023, 2, 1), None, "2023-02-01 09:00")  # durable
    h.contract(j, "INTERIM", date(2023, 3, 1), None, "2023-03-01 09:00")
    h.contract(j, "PROFESSIONALISATION", date(2023, 4, 1), date(2024, 3, 31), "2023-04-01 09:00")
    f = figures(h.events)
    assert (f["job_contracts"], f["durable_contracts"], f["durable_rate"]) == (4, 2, 0.5)
    assert figures([])["durable_rate"] is None


def test_a_read_model_folded_under_the_v1_durable_rule_is_brought_to_v2_once():
    h = History()
    j = h.welcome("2023-01-02 09:00")
    h.contract(j, "APPRENTICESHIP", date(2023, 1, 1), date(2024, 12, 31), "2023-01-02 09:00")  # v1: durable
    h.contract(j, "CDD", date(2023, 1, 1), date(2023, 6, 30), "2023-01-02 09:00")  # v1: a day short
    engine = scratch_engine()
    with engine.begin() as conn:
        apply(conn, h.events)
        # What version 1 of the fold stored, and no record of the rules' version.
        conn.execute(update(events).where(events.c.contract_type == "APPRENTICESHIP").values(durable=True))
        conn.execute(update(events).where(events.c.contract_type == "CDD").values(durable=False))
        token_before = conn.execute(select(changes.c.token).where(changes.c.ml_id == "ML-A")).scalar_one()
    assert upgrade_derived_columns(engine) == 2
    assert upgrade_derived_columns(engine) == 0
    with engine.connect() as conn:
        token_after = conn.execute(select(changes.c.token).where(changes.c.ml_id == "ML-A")).scalar_one()
    assert token_after != token_before  # no replica keeps serving the old figures
    assert figures([], engine=engine)["durable_contracts"] == 1


def test_r9_a_first_welcome_counts_as_an_evenement_dossier_of_its_nature():
    """v2.md, R9: a young person welcomed in an individual interview is accompanied; a collective
    welcome is a group information; a welcome by phone puts in contact only."""
    h = History()
    h.welcome("2023-03-01 09:00", nature="individual_interview")
    h.welcome("2023-03-02 09:00", nature="group_information")
    h.welcome("2023-03-03 09:00", nature="phone")
    h.welcome("2022-12-01 09:00", nature="individual_interview")  # another year
    f = figures(h.events)
    assert (f["first_welcomes"], f["in_contact"], f["accompanied"]) == (3, 3, 2)
    assert (f["individual_interviews"], f["workshop_participations"]) == (1, 1)
    assert f["profile_of_accompanied"]["sex"]["F"] + f["profile_of_accompanied"]["sex"]["M"] == 2


def test_a_read_model_folded_before_r9_gets_its_welcomes_nature_once():
    h = History()
    h.welcome("2023-03-01 09:00", nature="individual_interview")
    engine = scratch_engine()
    with engine.begin() as conn:
        apply(conn, h.events)
        conn.execute(update(events).where(events.c.event_type == "intake.FirstWelcomeRecorded").values(nature=None))
    assert figures([], engine=engine)["accompanied"] == 0  # what v1's fold left
    assert upgrade_derived_columns(engine) == 1
    assert figures([], engine=engine)["accompanied"] == 1


def test_an_enrolment_is_active_until_its_planned_end_even_without_an_exit():
    """v2.md, `active_youths`: started by the period's end, not exited before its start, and a
    planned end (the latest of the entry's and its extensions') on or after its start."""
    h = History()
    a, b, c, d_ = (h.welcome("2022-01-03 09:00") for _ in range(4))
    h.enter(a, "PACEA", date(2022, 1, 3), "2022-01-03 09:00", planned_end=date(2022, 12, 31))  # over before 2023
    extended = h.enter(b, "PACEA", date(2022, 1, 3), "2022-01-03 09:00", planned_end=date(2022, 12, 31))
    h.extend(b, extended, "PACEA", date(2023, 1, 1), "2022-12-20 09:00")  # the last day counts
    h.enter(c, "PACEA", date(2022, 6, 1), "2022-06-01 09:00")  # no planned end: active until its exit
    late = h.enter(d_, "PACEA", date(2022, 2, 1), "2022-02-01 09:00", planned_end=date(2022, 6, 30))
    h.extend(d_, late, "PACEA", date(2023, 9, 30), "2023-05-02 09:00")
    assert figures(h.events)["programmes"]["PACEA"]["active_youths"] == 3  # b, c, d_
    known_before = figures(h.events, as_of=at("2023-05-01 09:00"))
    assert known_before["programmes"]["PACEA"]["active_youths"] == 2  # d_'s extension not known yet


def test_a_read_model_without_planned_ends_gets_the_column_and_its_values_once():
    h = History()
    j = h.welcome("2022-01-03 09:00")
    h.enter(j, "PACEA", date(2022, 1, 3), "2022-01-03 09:00", planned_end=date(2022, 12, 31))
    engine = scratch_engine()
    with engine.begin() as conn:
        apply(conn, h.events)
        conn.execute(text("ALTER TABLE report_events DROP COLUMN planned_end"))  # as version 3 created it
        conn.execute(insert(fold_rules).values(version=3))
    assert upgrade_derived_columns(engine) == 1
    assert figures([], engine=engine)["programmes"]["PACEA"]["active_youths"] == 0


def test_r4_corrections_win_in_every_service_whatever_the_order():
    """v2.md, R4 and E2: a cancelled programme entry voids its whole enrolment; a cancelled aid,
    referral or situation start counts nowhere; cancellations count only in events_considered."""
    h = History()
    a, b = h.welcome("2023-01-10 09:00"), h.welcome("2023-01-10 09:00")
    mistaken = h.enter(a, "CEJ", date(2023, 2, 1), "2023-02-01 09:00", planned_end=date(2023, 12, 31))
    h.allowance(a, mistaken, "2023-02", 52_800, "2023-02-25 09:00", paid=True)
    h.exit(a, mistaken, "CEJ", date(2023, 6, 30), "employment", "2023-06-30 09:00")
    h.enter(b, "CEJ", date(2023, 3, 1), "2023-03-01 09:00", planned_end=date(2023, 12, 31))
    aid = h.aid(a, "faj", 10_000, "2023-04-01 09:00")
    h.aid(b, "faj", 5_000, "2023-04-01 09:00")
    contract = h.contract(b, "CDI", date(2023, 5, 2), None, "2023-05-02 09:00")
    h.contract(a, "CDD", date(2023, 5, 2), date(2023, 12, 31), "2023-05-02 09:00")
    corrections = [
        h.correct(h.entry(mistaken), "2023-07-01 09:00"),
        h.correct(aid, "2023-07-01 09:00"),
        h.correct(contract, "2023-07-01 09:00"),
    ]
    before = len(h.events) - len(corrections)
    # The corrections first: the answer does not depend on the order of arrival.
    doc = document(corrections + h.events[:before])
    f = doc["indicators"]
    cej = f["programmes"]["CEJ"]
    assert (cej["entries"], cej["active_youths"], cej["exits"], cej["allowance_paid_cents"]) == (1, 1, 0, 0)
    assert f["financial_aids"]["faj"] == {"count": 1, "amount_cents": 5_000, "youths": 1}
    assert (f["employment_contracts"], f["youths_in_employment"]) == (1, 1)
    assert doc["events_considered"] == len(h.events)
    known_before = figures(h.events, as_of=at("2023-07-01 09:30"))  # recorded an hour after: not yet
    assert known_before["programmes"]["CEJ"]["entries"] == 2


def test_e3_the_latest_objective_of_the_year_counts_and_the_network_adds_them_up():
    h, other = History("ML-A"), History("ML-B")
    h.objective("CEJ", 2023, 100, "2023-01-15 09:00")
    h.objective("CEJ", 2023, 80, "2023-03-01 09:00", recorded="2023-03-01 10:00")  # revised down
    h.objective("CEJ", 2024, 500, "2023-12-01 09:00")  # another year
    other.objective("CEJ", 2023, 40, "2023-02-01 09:00")
    for j in (h.welcome("2023-01-10 09:00") for _ in range(2)):
        h.enter(j, "CEJ", date(2023, 4, 3), "2023-04-03 09:00")
    f = figures(other.events + h.events)
    assert (f["programmes"]["CEJ"]["objective"], f["programmes"]["CEJ"]["objective_rate"]) == (80, 0.025)
    assert figures(h.events, as_of=at("2023-02-01 09:00"))["programmes"]["CEJ"]["objective"] == 100
    network = document(other.events + h.events, ml_id=None)["indicators"]["programmes"]["CEJ"]
    assert network["objective"] == 120
    assert figures(h.events)["programmes"]["PACEA"]["objective"] is None
