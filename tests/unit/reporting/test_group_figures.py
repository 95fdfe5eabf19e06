"""The figures the reports give of groups of young people (#16): contrats aidés for a fixed or
an open term, the minors under the training obligation and their situations, each programme's
followers who entered a situation and its entrants' profile, the profiles of the young people in
employment, alternance and training; and the monthly series, which must be each month's own
figures."""

from calendar import monthrange
from datetime import date

from relais_cli.audit import scratch_engine
from relais_reporting.indicators import Query, compute
from relais_reporting.monthly import SERIES, monthly
from relais_reporting.projection import apply
from support.builder import History
from support.histories import random_history
from support.reporting import figures


def history() -> History:
    h = History()
    minor = h.welcome("2023-01-05 09:00", birth_month="2007-03", nature="individual_interview", sex="F")
    adult = h.welcome("2023-01-06 09:00", birth_month="2001-03", nature="individual_interview", zrr=True, sex="M")
    rural = h.welcome("2023-01-07 09:00", birth_month="2002-03", nature="individual_interview", zrr=True, sex="F")
    h.training(minor, "schooling", date(2023, 9, 1), "2023-08-25 09:00")
    h.contract(adult, "CAE", date(2023, 4, 1), None, "2023-03-20 09:00")
    h.contract(rural, "CIE", date(2023, 4, 1), date(2023, 12, 31), "2023-03-20 09:00")
    h.contract(rural, "CIE", date(2023, 5, 1), None, "2023-04-20 09:00")
    mistaken = h.contract(adult, "CAE", date(2023, 6, 1), date(2023, 9, 30), "2023-05-20 09:00")
    h.correct(mistaken, "2023-05-21 09:00")
    h.enter(adult, "SPONSORSHIP", date(2023, 2, 1), "2023-02-01 09:00")
    h.enter(rural, "SPONSORSHIP", date(2023, 2, 1), "2023-02-01 09:00")
    h.enter(minor, "CEJ", date(2023, 2, 1), "2023-02-01 10:00")
    h.enter(rural, "CEJ", date(2023, 2, 2), "2023-02-02 10:00")
    return h


def test_contrats_aides_count_a_fixed_term_apart_from_an_open_one_and_leave_out_the_corrected():
    f = figures(history().events)
    assert f["aided_contracts"] == {
        "CAE": {"fixed_term": 0, "open_ended": 1},
        "CIE": {"fixed_term": 1, "open_ended": 1},
    }


def test_the_minors_under_the_training_obligation_and_their_situations():
    f = figures(history().events)
    assert f["training_obligation"]["minors"] == 1
    assert f["training_obligation"]["with_situation"] == 1
    assert {k: v for k, v in f["training_obligation"]["by_kind"].items() if v} == {"schooling": 1}


def test_a_programme_s_followers_in_situation_and_its_entrants_profile():
    f = figures(history().events)
    sponsored = f["programmes"]["SPONSORSHIP"]
    assert sponsored["active_youths"] == 2 and sponsored["youths_with_situation"] == 2
    assert {k: v for k, v in sponsored["situations_by_kind"].items() if v} == {"employment": 2}
    cej = f["programmes"]["CEJ"]
    assert cej["entrants_profile"]["minors"] == 1 and cej["entrants_profile"]["zrr"] == 1
    assert cej["entrants_profile"]["sex"] == {"F": 2, "M": 0, "X": 0}
    assert cej["active_zrr"] == 1 and f["profile_of_accompanied"]["zrr"] == 2  # « 50 % des jeunes ruraux »


def test_the_profiles_of_the_young_people_in_employment_and_in_training():
    f = figures(history().events)
    assert f["situation_profiles"]["employment"]["sex"] == {"F": 1, "M": 1, "X": 0}
    assert f["situation_profiles"]["training"]["minors"] == 1
    assert f["situation_profiles"]["alternance"]["sex"] == {"F": 0, "M": 0, "X": 0}


def test_the_network_adds_its_missions_locales_group_figures_up_as_a_walk_would():
    a, b = history(), History("ML-B")
    b.events = [e.model_copy(update={"ml_id": "ML-B"}) for e in history().events]
    network = figures(a.events + b.events, ml_id=None)
    one = figures(a.events)
    assert network["training_obligation"]["minors"] == 2 * one["training_obligation"]["minors"]
    assert network["programmes"]["CEJ"]["entrants_profile"]["zrr"] == 2
    assert network["situation_profiles"]["employment"]["sex"]["F"] == 2


def test_each_month_of_a_series_is_that_month_s_own_figure():
    """The monthly series come from one grouped query; each value must be what the document of
    that month alone says (distinct young people counted once per month)."""
    engine = scratch_engine()
    with engine.begin() as conn:
        apply(conn, random_history(41, youths=60))
    with engine.connect() as conn:
        series = monthly(conn, 2023, "ML-A").series
        for m in range(1, 13):
            q = Query(date(2023, m, 1), date(2023, m, monthrange(2023, m)[1]), "ML-A")
            f = compute(conn, q)["indicators"]
            month = {key: series[key][m - 1] for key in SERIES}
            programme_entries = sum(p["entries"] for p in f["programmes"].values())
            assert month == {**{k: f[k] for k in SERIES if k in f}, "programme_entries": programme_entries}
        assert (
            sum(series["individual_interviews"])
            == compute(conn, Query(date(2023, 1, 1), date(2023, 12, 31), "ML-A"))["indicators"]["individual_interviews"]
        )
        assert sum(series["first_welcomes"]) > 0 and sum(series["situation_entries"]) > 0


def test_the_monthly_series_are_served_under_the_indicators_access_rules():
    from relais_reporting.bootstrap import create_app
    from support.http import bearer, in_process, offline

    app = create_app(offline())
    with app.state.engine.begin() as conn:
        apply(conn, random_history(17, youths=8))
    client = in_process(app)
    director = bearer("director", ("ML-A",))
    mine = client.get("/v1/indicators/monthly", params={"year": 2023, "ml_id": "ML-A"}, headers=director)
    assert mine.status_code == 200
    with app.state.engine.connect() as conn:
        assert mine.json()["series"] == monthly(conn, 2023, "ML-A").series
    assert mine.json()["captions"]["first_welcomes"] == "Premiers accueils par mois"
    assert (
        client.get("/v1/indicators/monthly", params={"year": 2023, "ml_id": "ML-B"}, headers=director).status_code
        == 403
    )
    assert client.get("/v1/indicators/monthly", params={"year": 2023}, headers=director).status_code == 403
    analyst = bearer("network_analyst", ("*",))
    assert client.get("/v1/indicators/monthly", params={"year": 2023}, headers=analyst).status_code == 200
    bad = client.get("/v1/indicators/monthly", params={"year": 20230, "ml_id": "ML-A"}, headers=director)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.year"
    assert client.get("/v1/indicators/monthly", params={"year": 2023}).status_code == 401
