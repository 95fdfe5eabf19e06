"""The live API's cache answers exactly what a full computation answers, at every moment of a
history folded batch by batch: whatever the batches, skipped events, several periods asked in
turn, and a rebuild of the read models."""

from datetime import date

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relais_cli.audit import clear_live, scratch_engine
from relais_reporting.cache import IndicatorCache, give_tokens_to_known
from relais_reporting.indicators import Query, compute
from relais_reporting.projection import apply, record_skipped
from relais_runtime.consumer import consumer_offsets
from support.histories import random_history

MLS = ("ML-A", "ML-B", "ML-C")
QUERIES = [
    Query(date(2023, 1, 1), date(2023, 12, 31)),
    Query(date(2023, 1, 1), date(2023, 6, 30)),
    Query(date(2023, 1, 1), date(2023, 12, 31), "ML-B"),
    Query(date(2023, 4, 1), date(2023, 9, 30), "ML-C"),
    Query(date(2023, 1, 1), date(2023, 12, 31), "ML-NOBODY"),
]


def skipped_event(n: int, ml_id: str | None) -> tuple[bytes, str]:
    raw = {"event_id": f"unknown-{n}", "event_type": "intake.SomethingNew", "recorded_at": "2023-05-01T10:00:00+00:00"}
    return orjson.dumps(raw | ({"ml_id": ml_id} if ml_id else {})), "unknown event type"


def assert_cache_agrees(engine, cache: IndicatorCache) -> None:
    with engine.connect() as conn:
        for q in QUERIES:
            assert cache.compute(conn, q) == compute(conn, q), q


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(0, 10_000), data=st.data())
def test_the_cache_always_answers_what_a_full_computation_answers(seed, data):
    events = data.draw(st.permutations(random_history(seed, youths=4, mls=MLS)))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(events)), max_size=6)))
    engine, cache = scratch_engine(), IndicatorCache(periods=2)  # fewer periods than asked: some are forgotten
    consumer_offsets.create(engine)  # as in the live database, which `clear_live` also resets
    assert_cache_agrees(engine, cache)
    for n, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(events)], strict=True)):
        with engine.begin() as conn:
            apply(conn, events[start:end])
            if data.draw(st.booleans()):
                record_skipped(conn, [skipped_event(n, data.draw(st.sampled_from([None, *MLS])))])
        assert_cache_agrees(engine, cache)

    clear_live(engine)  # `relais replay --rebuild-live`: emptied, then folded again
    assert_cache_agrees(engine, cache)
    with engine.begin() as conn:
        apply(conn, events[: len(events) // 2])
    assert_cache_agrees(engine, cache)


def test_read_models_folded_before_change_tokens_existed_are_not_missed():
    engine = scratch_engine()
    with engine.begin() as conn:
        apply(conn, random_history(3, youths=3, mls=MLS))
        conn.exec_driver_sql("DELETE FROM report_changes")  # as in a database of the previous version
    give_tokens_to_known(engine)
    assert_cache_agrees(engine, IndicatorCache())


def test_one_new_event_recomputes_only_its_mission_locale(monkeypatch):
    import relais_reporting.cache as cache_module

    engine, cache = scratch_engine(), IndicatorCache()
    history = random_history(5, youths=4, mls=MLS)
    late = [e for e in history if e.ml_id == "ML-B"][-1]
    with engine.begin() as conn:
        apply(conn, [e for e in history if e is not late])
    asked: list[set] = []
    real_parts = cache_module.parts
    monkeypatch.setattr(cache_module, "parts", lambda conn, q, only: asked.append(only) or real_parts(conn, q, only))
    network = QUERIES[0]
    with engine.connect() as conn:
        cache.compute(conn, network)
    with engine.begin() as conn:
        apply(conn, [late])
    with engine.connect() as conn:
        assert cache.compute(conn, network) == compute(conn, network)
        cache.compute(conn, network)
    assert asked == [set(MLS), {"ML-B"}]  # all at first, then only the one that changed, then none
