"""The vault of personal data: one key per young person, made once, and nothing readable once erased."""

import uuid
from datetime import date

from relais_intake.personal import PersonalData, PersonalDataVault, personal_data_keys
from relais_runtime.settings import Settings
from relais_runtime.sql import engine_for
from sqlalchemy import func, select

PERSON = PersonalData(first_name="Éloïse", last_name="Dupont", birth_date=date(2006, 3, 14))


def vault() -> PersonalDataVault:
    return PersonalDataVault(engine_for(Settings(persistence="memory"), "vault"))


def keys(v: PersonalDataVault) -> int:
    with v.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(personal_data_keys)).scalar_one()


def test_a_young_persons_key_is_made_once_and_then_found():
    v, jeune_id = vault(), uuid.uuid4()
    first = v.key_or_new(jeune_id)
    assert v.key_or_new(jeune_id) == first  # a retried first welcome seals with the same key
    assert keys(v) == 1
    assert v.key_or_new(uuid.uuid4()) != first


def test_what_is_sealed_with_the_key_in_hand_opens_with_the_stored_one_until_erased():
    v, jeune_id = vault(), uuid.uuid4()
    sealed = v.seal(jeune_id, PERSON, v.key_or_new(jeune_id))
    assert "Dupont" not in sealed
    assert v.open(jeune_id, sealed) == PERSON
    assert v.digest(jeune_id, {"last_name": "Dupont"}) == v.digest(
        jeune_id, {"last_name": "Dupont"}, v.key_or_new(jeune_id)
    )
    v.erase(jeune_id)
    assert v.open(jeune_id, sealed) is None
    assert not v.is_kept(jeune_id)
