"""What the dispositifs and employment services know of a young person, folded from intake's
events, and how an older table is brought up to date."""

from relais_contracts.events import intake
from relais_runtime.youth_facts import YouthDirectory, apply_intake_events
from sqlalchemy import create_engine
from support.samples import envelope_of
from support.youth_facts_cases import a_table_from_before_the_profile_facts_gains_them
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
    a_table_from_before_the_profile_facts_gains_them(create_engine("sqlite://"))
