"""A service's query table kept by a projection: each event applied once, its rows and its
tracking record in one transaction, the position of a `follower_positions` table adopted, and
the tables kept up to date in the background after commits."""

import asyncio

import pytest
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from relais_runtime.projection import Follows, SqlView
from relais_runtime.service import keep_views_up_to_date
from relais_runtime.settings import Settings
from relais_runtime.sql import engine_for
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text
from support.dossier import Dossier, DossierApp

metadata = MetaData()
interviews = Table("interviews", metadata, Column("position", Integer, primary_key=True), Column("ml_id", String(64)))


class Interviews(Projection[SqlView]):
    name = "interviews"
    fail_at: int | None = None

    @singledispatchmethod
    def process_event(self, event: object, tracking: Tracking) -> None:
        pass

    @process_event.register
    def _interviewed(self, event: Dossier.Interviewed, tracking: Tracking) -> None:
        if tracking.notification_id == self.fail_at:
            raise RuntimeError("the view's database went away")
        self.view.connection.execute(insert(interviews).values(position=tracking.notification_id, ml_id=event.ml_id))


@pytest.fixture
def app():
    return DossierApp(Settings(persistence="memory"))


@pytest.fixture
def engine(tmp_path):
    # A file, as a service's views are: the in-memory engine is one connection for every thread,
    # so a test reading while the background task writes would share its transaction.
    engine = engine_for(Settings(persistence="sqlite", data_dir=tmp_path), "views")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(interviews)).scalar_one()


def test_each_event_is_applied_once_and_only_what_the_projection_registers(app, engine):
    follows = Follows(app, Interviews(SqlView(engine, "interviews")), batch=2)
    app.welcome_with_interviews(3)
    assert follows.catch_up() == 4  # the welcome is read, changes nothing, and is tracked too
    assert rows(engine) == 3
    assert follows.view.max_tracking_id(app.name) == 4
    assert follows.catch_up() == 0
    app.welcome_with_interviews(1)
    assert follows.catch_up() == 2
    assert rows(engine) == 4


def test_a_failing_batch_keeps_neither_its_rows_nor_its_tracking_record(app, engine):
    projection = Interviews(SqlView(engine, "interviews"))
    follows = Follows(app, projection, batch=10)
    app.welcome_with_interviews(3)
    projection.fail_at = 3
    with pytest.raises(RuntimeError):
        follows.catch_up()
    assert rows(engine) == 0
    assert follows.view.max_tracking_id(app.name) is None
    projection.fail_at = None
    assert follows.catch_up() == 4
    assert rows(engine) == 3


def test_a_view_tracked_by_an_earlier_version_keeps_its_position(app, engine):
    app.welcome_with_interviews(3)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE follower_positions (name VARCHAR(128) PRIMARY KEY, position BIGINT)"))
        conn.execute(text("INSERT INTO follower_positions VALUES ('interviews', 2)"))
    follows = Follows(app, Interviews(SqlView(engine, "interviews")))
    assert follows.catch_up() == 2  # events 3 and 4 only
    assert rows(engine) == 2


async def test_the_views_are_brought_up_to_date_after_commits_without_a_reader(app, engine):
    """Commands no longer catch the views up on their own path (#17): the service's background
    task does, woken by each commit; and it stops when the service does."""
    follows = app.follow(Interviews(SqlView(engine, "interviews")))
    stop = asyncio.Event()
    task = asyncio.create_task(keep_views_up_to_date(app, stop))
    await asyncio.to_thread(app.welcome_with_interviews, 3)
    deadline = asyncio.get_running_loop().time() + 5
    while rows(engine) < 3 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert rows(engine) == 3
    assert follows.view.max_tracking_id(app.name) == 4
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert app.commit_listeners == []  # nothing left to wake a stopped task


async def test_a_view_that_fails_in_the_background_is_retried_and_the_task_goes_on(app, engine):
    projection = Interviews(SqlView(engine, "interviews"))
    app.follow(projection)
    projection.fail_at = 2
    stop = asyncio.Event()
    task = asyncio.create_task(keep_views_up_to_date(app, stop))
    await asyncio.to_thread(app.welcome_with_interviews, 2)
    await asyncio.sleep(0.3)
    assert rows(engine) == 0 and not task.done()  # the batch failed whole; the task lives on
    projection.fail_at = None
    await asyncio.to_thread(app.welcome_with_interviews, 1)  # the next commit wakes it again
    deadline = asyncio.get_running_loop().time() + 5
    while rows(engine) < 3 and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert rows(engine) == 3
    stop.set()
    await asyncio.wait_for(task, timeout=5)


def test_a_view_up_to_date_is_read_without_taking_its_lock(app, engine):
    """Every read catches its view up first: when nothing was written since, that costs two
    reads, not a locking transaction (which writes, and so waits for a disk sync)."""
    follows = Follows(app, Interviews(SqlView(engine, "interviews")))
    app.welcome_with_interviews(1)
    assert follows.catch_up() == 2

    def locked(application_name):
        raise AssertionError("the view's lock was taken with nothing to apply")

    follows.view.batch = locked
    assert follows.catch_up() == 0
    app.welcome_with_interviews(1)
    with pytest.raises(AssertionError):  # something new: the locked path, as before
        follows.catch_up()
