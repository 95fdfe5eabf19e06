"""The live cache brings a cached Mission Locale's figures up to date with what each commit of the
projection stored, instead of computing them again (`delta.py`): after every commit, its answer
must be exactly the one computed from scratch, whatever the commits held — re-deliveries,
cancellations, late profiles, programme events, another replica's commits."""

import random
import uuid
from datetime import date

import pytest
from relais_cli.audit import scratch_engine
from relais_reporting.cache import IndicatorCache, LiveFold
from relais_reporting.indicators import Query, compute
from relais_reporting.projection import apply, rows_of, store
from support.builder import History
from support.histories import random_history

YEAR = Query(date(2023, 1, 1), date(2023, 12, 31))


def additive_history(seed: int) -> list:
    """A year of what counselors record most: welcomes, interviews and workshops, new profiles,
    contracts, trainings, aids, offers and referrals — nothing that cancels or changes an enrolment."""
    rnd = random.Random(seed)
    events = []
    for ml in ("ML-A", "ML-B"):
        h = History(ml)
        session = uuid.uuid4()
        for _ in range(25):
            day = lambda: f"2023-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} 10:00"  # noqa: E731
            j = h.welcome(day(), nature=rnd.choice(["individual_interview", "phone"]), birth_month="2006-05")
            for _ in range(rnd.randint(0, 3)):
                nature = rnd.choice(["individual_interview", "workshop", "phone"])
                h.dossier_event(j, nature, day(), session=session if nature == "workshop" else None)
            if rnd.random() < 0.4:
                h.profile(j, day(), commune_insee=rnd.choice(["94076", "10387"]), zrr=rnd.random() < 0.5)
            if rnd.random() < 0.4:
                h.contract(
                    j, rnd.choice(["CDI", "CAE", "APPRENTICESHIP"]), date(2023, rnd.randint(1, 12), 1), None, day()
                )
            if rnd.random() < 0.2:
                h.aid(j, "faj", 5000, day())
        events += h.events
    return events


def fold_in_commits(events: list, seed: int, queries: list[Query], engine=None):
    """Fold the first half at once, then the rest in small commits through the live fold, some
    delivered twice; after each commit, the cache's answers and those computed from scratch
    (in SQLite, or the `engine` given); last, the cache."""
    rnd = random.Random(seed)
    engine = engine or scratch_engine()
    cache = IndicatorCache()
    fold = LiveFold(cache)
    half = len(events) // 2
    with engine.begin() as conn:
        apply(conn, events[:half])
    with engine.connect() as conn:
        for q in queries:
            cache.compute(conn, q)
    rest = events[half:]
    batches = []
    while rest:
        size = rnd.randint(1, 6)
        batches.append(rest[:size])
        rest = rest[size:]
        if rnd.random() < 0.15:
            batches.append(batches[-1])  # delivered again: nothing new is stored
    for batch in batches:
        with engine.begin() as conn:
            fold.apply(conn, batch)
        fold.committed()
        with engine.connect() as conn:
            yield [(cache.compute(conn, q), compute(conn, q)) for q in queries]
    yield cache


QUERIES = [YEAR, Query(YEAR.date_from, YEAR.date_to, "ML-A"), Query(date(2023, 6, 1), date(2023, 6, 30), "ML-B")]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_brought_up_to_date_commit_by_commit_are_those_computed_again(seed):
    *answers, cache = fold_in_commits(random_history(seed, youths=20), seed, QUERIES)
    for commit, pairs in enumerate(answers):
        for live, fresh in pairs:
            assert live == fresh, f"commit {commit}"
    # Both ways were taken: brought up to date, and (cancellations, enrolments) computed again.
    assert 3 < cache.recomputed < len(answers) * 2


def test_commits_that_only_add_never_compute_a_mission_locale_again():
    *answers, cache = fold_in_commits(additive_history(7), 7, QUERIES)
    assert all(live == fresh for pairs in answers for live, fresh in pairs)
    assert len(answers) > 20
    assert cache.recomputed == 3  # the first answers only: the year's two Parts, and June's one


def test_another_replica_s_commit_makes_the_part_computed_again():
    events = additive_history(8)
    engine = scratch_engine()
    cache = IndicatorCache()
    with engine.begin() as conn:
        apply(conn, events[:100])
    with engine.connect() as conn:
        cache.compute(conn, YEAR)
    recomputed = cache.recomputed
    with engine.begin() as conn:
        store(conn, rows_of(events[100:110]))  # folded by another process: no delta here
    with engine.connect() as conn:
        assert cache.compute(conn, YEAR) == compute(conn, YEAR)
    assert cache.recomputed > recomputed


def test_with_few_rows_kept_the_oldest_go_and_a_part_behind_them_is_computed_again(monkeypatch):
    import relais_reporting.cache as live_cache

    monkeypatch.setattr(live_cache, "ROWS_KEPT", 30)  # and a commit of more than 3 rows is not kept
    *answers, cache = fold_in_commits(additive_history(9), 9, QUERIES)
    assert all(live == fresh for pairs in answers for live, fresh in pairs)
    assert cache._rows <= 30
    assert cache.recomputed > 3
