"""The employment and training figures the activity reports publish (#16): contracts by type and
by sector, offers by contract type and the share filled, collective recruitments, trainings by
type, funder and regional plan, immersions by objective."""

import uuid
from datetime import date

from support.builder import History
from support.reporting import figures


def history() -> tuple[History, dict]:
    h = History()
    a, b, c = (h.welcome("2023-01-05 09:00") for _ in range(3))
    h.contract(a, "APPRENTICESHIP", date(2023, 9, 1), date(2025, 8, 31), "2023-08-20 09:00", sector="D")
    h.contract(b, "CDD", date(2023, 3, 1), date(2023, 5, 31), "2023-02-20 09:00", sector="D")
    h.contract(c, "CAE", date(2023, 4, 1), None, "2023-03-20 09:00", sector="K")
    mistaken = h.contract(c, "CDI", date(2023, 6, 1), None, "2023-05-20 09:00", sector="K")
    h.correct(mistaken, "2023-05-21 09:00")
    h.training(a, "e2c", date(2023, 2, 1), "2023-01-20 09:00", funder="region", regional_plan=True)
    h.training(b, "poei", date(2023, 2, 1), "2023-01-20 09:00", funder="france_travail", regional_plan=False)
    h.immersion(c, date(2023, 3, 1), "2023-02-25 09:00", objective="recruit")
    employer = uuid.uuid4()
    filled = h.offer(employer, "D", "2023-02-01 09:00", contract_type="CDI")
    h.offer(employer, "D", "2023-02-02 09:00")
    h.close_offer(filled, "filled", "2023-03-01 09:00")
    h.recruitment_session(date(2023, 6, 15), [a, b, c], "2023-06-15 18:00")
    h.recruitment_session(date(2023, 10, 5), [a], "2023-10-05 18:00")
    return h, figures(h.events)


def nonzero(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if v}


def test_contracts_by_type_and_sector_leave_out_what_was_corrected():
    _, f = history()
    assert nonzero(f["contracts_by_type"]) == {"APPRENTICESHIP": 1, "CDD": 1, "CAE": 1}
    assert f["contracts_by_sector"]["D"] == {"employment": 1, "alternance": 1}
    assert f["contracts_by_sector"]["K"] == {"employment": 1, "alternance": 0}


def test_offers_by_contract_type_and_the_share_filled():
    _, f = history()
    assert nonzero(f["offers"]["by_contract_type"]) == {"CDI": 1, "CDD": 1}
    assert f["offers"]["filled_rate"] == 0.5


def test_collective_recruitments_count_sessions_and_participants():
    _, f = history()
    assert f["recruitment_sessions"] == {"sessions": 2, "participants": 4}


def test_trainings_by_type_funder_and_regional_plan_and_immersions_by_objective():
    _, f = history()
    assert nonzero(f["training_by_type"]) == {"e2c": 1, "poei": 1}
    assert nonzero(f["training_by_funder"]) == {"region": 1, "france_travail": 1}
    assert f["training_regional_plan"] == 1
    assert nonzero(f["immersions_by_objective"]) == {"recruit": 1}


def test_a_read_model_folded_by_fold_rules_5_gets_them_once_upgraded():
    from relais_cli.audit import scratch_engine
    from relais_reporting.projection import apply, upgrade_derived_columns
    from relais_reporting.readmodel import fold_rules
    from sqlalchemy import insert, text

    h, expected = history()
    engine = scratch_engine()
    with engine.begin() as conn:
        apply(conn, h.events)
        for column in ("kind", "funder", "regional_plan", "participants"):
            conn.execute(text(f"ALTER TABLE report_events DROP COLUMN {column}"))
        conn.execute(text("UPDATE report_events SET sector = NULL WHERE event_type <> 'employment.JobOfferReceived'"))
        conn.execute(insert(fold_rules).values(version=5))
    assert upgrade_derived_columns(engine) > 0
    assert figures([], engine=engine) == expected
    assert upgrade_derived_columns(engine) == 0


def test_programme_exits_by_reason_and_situation_partners_and_durations():
    h = History()
    a, b = h.welcome("2023-01-05 09:00"), h.welcome("2023-01-05 09:00")
    first = h.enter(a, "CEJ_JR", date(2023, 1, 10), "2023-01-10 09:00", date(2023, 7, 9), partner="CLLAJ")
    second = h.enter(b, "CEJ_JR", date(2023, 3, 1), "2023-03-01 09:00", date(2023, 12, 26), partner="ASPHALTE")
    h.exit(a, first, "CEJ_JR", date(2023, 6, 9), "employment", "2023-06-09 09:00", reason="employment")
    h.exit(b, second, "CEJ_JR", date(2023, 3, 31), "none", "2023-03-31 09:00", reason="abandonment")
    h.referral_to_partner(a, "housing", "2023-02-01 09:00")
    f = figures(h.events)
    jr = f["programmes"]["CEJ_JR"]
    assert nonzero(jr["exits_by_situation"]) == {"employment": 1, "none": 1}
    assert nonzero(jr["exits_by_reason"]) == {"employment": 1, "abandonment": 1}
    assert jr["entries_by_partner"] == {"ASPHALTE": 1, "CLLAJ": 1}
    assert jr["planned_days"] == (180 + 300) // 2  # 10 Jan → 9 Jul, 1 Mar → 26 Dec
    assert jr["effective_days"] == (150 + 30) // 2  # 10 Jan → 9 Jun, 1 Mar → 31 Mar
    assert f["programmes"]["PACEA"]["planned_days"] is None
    assert f["social_referrals"]["housing"]["by_partner"] == {"CLLAJ": 1}
