"""Cases of `youth_facts` written once and run on every backend (SQLite in the unit tests,
PostgreSQL on the stack)."""

import uuid

from relais_runtime.consumer import GroupPosition, _upsert_offsets
from relais_runtime.youth_facts import YouthDirectory
from sqlalchemy import Boolean, Column, Engine, MetaData, String, Table, Uuid, insert


def a_table_from_before_the_profile_facts_gains_them(engine: Engine) -> None:
    """A `youth_facts` created by a version without NEET, education level and diploma gains the
    columns on start, and its consumer group starts again from the beginning of `relais.intake`
    to fill them (other groups keep their positions); a second start changes nothing more."""
    before = Table(
        "youth_facts",
        MetaData(),
        Column("jeune_id", Uuid, primary_key=True),
        Column("ml_id", String(64), nullable=False),
        Column("birth_month", String(7), nullable=False),
        Column("rqth", Boolean, nullable=False),
        Column("closed", Boolean, nullable=False),
    )
    before.create(engine)
    jeune = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            insert(before).values(jeune_id=jeune, ml_id="ML-A", birth_month="2003-05", rqth=False, closed=False)
        )
    mine, other = GroupPosition(engine, "dispositifs.youth-facts"), GroupPosition(engine, "reporting")
    with engine.begin() as conn:
        _upsert_offsets(conn, mine.group_id, {("relais.intake", 0): 120})
        _upsert_offsets(conn, other.group_id, {("relais.intake", 0): 120})

    directory = YouthDirectory(engine, "dispositifs")
    facts = directory.known("ML-A", jeune)
    assert (facts.neet, facts.education_level, facts.diploma) == (None, None, None)  # not known until the refold
    assert mine.offsets() == {} and other.offsets() == {("relais.intake", 0): 120}

    with engine.begin() as conn:  # the refold sets them; a second start changes nothing more
        _upsert_offsets(conn, mine.group_id, {("relais.intake", 0): 120})
    YouthDirectory(engine, "dispositifs")
    assert mine.offsets() == {("relais.intake", 0): 120}
