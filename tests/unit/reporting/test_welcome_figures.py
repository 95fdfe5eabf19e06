"""The figures of the first welcome and of the counselors' work that the activity reports publish
(#16): the welcome's own profile, who sent the young people and what they asked for, welcomes and
dossier events by mode, themes, sites, and each counselor's activity."""

from support.builder import History
from support.reporting import figures


def history() -> tuple[History, dict]:
    h = History()
    first = h.welcome(
        "2023-02-01 09:00",
        nature="individual_interview",
        mode="outreach",
        site="CACHAN",
        referral_source="france_travail",
        requests=("housing", "employment"),
        housing="hosted",
        children=1,
    )
    h.profile(first, "2023-05-01 09:00", housing="own")  # moved: the welcome's profile stays as it was
    second = h.welcome("2023-03-01 09:00", site="ANTENNE", requests=("training",), actor="c2", has_car=True)
    h.dossier_event(
        second, "individual_interview", "2023-03-08 09:00", mode="remote", themes=("training", "mobility"), actor="c2"
    )
    wrong = h.dossier_event(second, "workshop", "2023-03-09 09:00", themes=("health",), actor="c2")
    h.cancel(wrong, "2023-03-10 09:00")
    earlier = h.welcome("2022-11-02 09:00", site="CACHAN", referral_source="school", nationality_zone="eu")
    h.dossier_event(earlier, "group_information", "2023-04-04 09:00", themes=("employment",))
    return h, figures(h.events)


def test_the_welcome_s_own_profile_is_kept_beside_the_latest():
    _, f = history()
    welcomed, accompanied = f["first_welcome_profile"], f["profile_of_accompanied"]
    assert f["first_welcomes"] == 2 and f["accompanied"] == 3
    assert welcomed["housing"]["hosted"] == 1 and welcomed["housing"]["parents"] == 1
    assert accompanied["housing"]["own"] == 1 and accompanied["housing"]["hosted"] == 0
    assert (welcomed["with_children"], welcomed["has_car"]) == (1, 1)
    assert accompanied["nationality_zone"] == {"fr": 2, "eu": 1, "non_eu": 0}  # welcomed in 2022, accompanied now
    assert welcomed["nationality_zone"]["eu"] == 0
    assert accompanied["france_travail_registered"] == 3


def test_referral_sources_and_requests_count_the_young_people_welcomed_in_the_period():
    _, f = history()
    assert {k: v for k, v in f["referral_sources"].items() if v} == {"france_travail": 1, "self": 1}
    assert {k: v for k, v in f["requests"].items() if v} == {"housing": 1, "employment": 1, "training": 1}


def test_modes_and_themes_count_what_was_not_cancelled():
    _, f = history()
    assert f["by_mode"]["outreach"] == {"first_welcomes": 1, "dossier_events": 0}
    assert f["by_mode"]["remote"] == {"first_welcomes": 0, "dossier_events": 1}
    assert f["by_mode"]["on_site"] == {"first_welcomes": 1, "dossier_events": 1}
    assert {k: v for k, v in f["themes"].items() if v} == {"training": 1, "mobility": 1, "employment": 1}


def test_sites_are_the_dossier_s_whatever_year_it_was_opened():
    _, f = history()
    assert f["by_site"] == {
        "ANTENNE": {"first_welcomes": 1, "accompanied": 1},
        "CACHAN": {"first_welcomes": 1, "accompanied": 2},
    }


def test_each_counselor_s_interviews_participations_and_young_people():
    _, f = history()
    assert f["counselors"] == {
        "c1": {"individual_interviews": 1, "workshop_participations": 1, "youths": 2},
        "c2": {"individual_interviews": 1, "workshop_participations": 0, "youths": 1},
    }


def test_a_read_model_folded_by_older_rules_gets_these_figures_once_upgraded():
    """Fold rules 5: a read model that version 4 created (no modes, requests, themes, sites, nor
    the profile's other fields) gets the columns and their values from the stored envelopes."""
    from relais_cli.audit import scratch_engine
    from relais_reporting.projection import apply, upgrade_derived_columns
    from relais_reporting.readmodel import fold_rules
    from sqlalchemy import insert, text
    from support.reporting import figures as figures_of

    h, expected = history()
    engine = scratch_engine()
    with engine.begin() as conn:
        apply(conn, h.events)
        for table, column in (
            ("report_events", "mode"),
            ("report_events", "tags"),
            *(("report_profiles", c) for c in ("housing", "has_car", "children", "nationality_zone")),
            *(("report_profiles", c) for c in ("france_travail_registered", "site", "welcome")),
        ):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("UPDATE report_events SET category = NULL WHERE event_type = 'intake.FirstWelcomeRecorded'"))
        conn.execute(insert(fold_rules).values(version=4))
    assert upgrade_derived_columns(engine) > 0
    assert figures_of([], engine=engine) == expected
    assert upgrade_derived_columns(engine) == 0  # once


def test_the_network_s_profiles_communes_and_sites_added_up_are_those_walked_young_person_by_young_person():
    """The network document adds its Missions Locales' profiles, communes and sites up when no
    young person counts in two of them, and walks every young person otherwise: both the same."""
    from datetime import date

    from relais_cli.audit import scratch_engine
    from relais_reporting.indicators import Part, Query, _indicators, _merge, assemble, parts
    from relais_reporting.projection import apply
    from support.histories import random_history

    def both_ways(events: list) -> tuple[dict, dict]:
        engine = scratch_engine()
        with engine.begin() as conn:
            apply(conn, events)
        q = Query(date(2023, 1, 1), date(2023, 12, 31))
        with engine.connect() as conn:
            doc = assemble(q, parts(conn, q, None))
        with engine.connect() as conn:
            found = parts(conn, q, None)
        merged = Part()
        for part in found.values():
            _merge(merged.scope, part.scope)
            merged.attributes.update(part.attributes)
            merged.welcomed_as.update(part.welcomed_as)
        walked = _indicators(merged.scope, merged.attributes, merged.welcomed_as, q.date_to)
        return doc["indicators"], walked

    added, walked = both_ways(random_history(41, youths=25, mls=("ML-A", "ML-B", "ML-C")))
    assert added == walked
    h_a, h_b = History("ML-A"), History("ML-B")
    shared = h_a.welcome("2023-02-01 09:00", nature="individual_interview", site="A")
    h_b.dossier_event(shared, "individual_interview", "2023-03-01 09:00")  # the same young person in two
    added, walked = both_ways(h_a.events + h_b.events)
    assert added == walked and added["accompanied"] == 1
