"""What the dispositifs and employment services know of a young person, folded from intake's
events, and how an older table is brought up to date."""

import uuid

from relais_contracts.events import intake
from relais_runtime.consumer import GroupPosition, _upsert_offsets
from relais_runtime.youth_facts import YouthDirectory, apply_intake_events
from sqlalchemy import create_engine, text
from support.samples import envelope_of
from support.youths import welcomed


def test_the_profile_facts_rules_need_follow_the_welcome_and_its_updates():
    engine = create_engine("sqlite://")
    directory = YouthDirectory(engine, "dispositifs")
    jeune = welcomed(engine, neet=True, education_level=3, diploma=False)
    facts = directory.known("ML-A", jeune)
    assert (facts.neet, facts.education_level, facts.diploma, facts.without_qualification) == (True, 3, False, True)

    change = intake.ProfileChange(neet=False, education_level=4, diploma=True)
    with engine.begin() as conn:
        apply_intake_events(conn, [envelope_of(intake.ProfileUpdated(jeune_id=jeune, profile=change), 2, "ML-A")])
    facts = directory.known("ML-A", jeune)
    assert (facts.neet, facts.education_level, facts.diploma, facts.without_qualification) == (False, 4, True, False)
    assert facts.birth_month == "2003-05"  # what the update leaves out stays


def test_a_table_from_before_the_profile_facts_gains_them_and_is_folded_again_from_the_start():
    engine = create_engine("sqlite://")
    jeune = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE youth_facts (jeune_id CHAR(32) PRIMARY KEY, ml_id VARCHAR(64) NOT NULL, "
                "birth_month VARCHAR(7) NOT NULL, rqth BOOLEAN NOT NULL, closed BOOLEAN NOT NULL)"
            )
        )
        conn.execute(text(f"INSERT INTO youth_facts VALUES ('{jeune.hex}', 'ML-A', '2003-05', 0, 0)"))
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
