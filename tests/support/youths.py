"""Make a service know a young person as if `relais.intake` had told it."""

import uuid

from relais_contracts.events import intake
from relais_runtime.youth_facts import apply_intake_events
from support.samples import PROFILE, envelope_of


def welcomed(
    engine,
    ml_id: str = "ML-A",
    birth_month: str = "2003-05",
    rqth: bool = False,
    closed: bool = False,
    **profile_fields,
) -> uuid.UUID:
    jeune = uuid.uuid4()
    profile = PROFILE.model_copy(update={"birth_month": birth_month, "rqth": rqth, **profile_fields})
    events = [
        envelope_of(
            intake.FirstWelcomeRecorded(
                jeune_id=jeune,
                nature="individual_interview",
                mode="on_site",
                site="S",
                referral_source="self",
                requests=["employment"],
                profile=profile,
            ),
            ml_id=ml_id,
        )
    ]
    if closed:
        events.append(envelope_of(intake.DossierClosed(jeune_id=jeune, reason="moved"), position=2, ml_id=ml_id))
    with engine.begin() as conn:
        apply_intake_events(conn, events)
    return jeune
