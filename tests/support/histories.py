"""Random but reproducible histories, for property tests and tests that kill things."""

import random
import uuid
from datetime import date, timedelta

from support.builder import History

NATURES = ["individual_interview", "workshop", "group_information", "phone", "administrative"]


def random_history(seed: int, youths: int = 6, mls: tuple[str, ...] = ("ML-A", "ML-B")) -> list:
    """A small but busy year of Missions Locales (two by default), decided by `seed`."""
    rnd = random.Random(seed)
    events = []
    for ml in mls:
        h = History(ml)
        session = uuid.uuid4()
        for _ in range(youths):
            day = lambda: f"2023-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d} {rnd.randint(0, 23):02d}:30"  # noqa: E731
            jeune = h.welcome(
                day(),
                nature=rnd.choice(["individual_interview", "group_information", "phone", "visit"]),
                commune=rnd.choice(["94003", "94041", "10387"]),
                birth_month=f"{rnd.randint(1998, 2007)}-0{rnd.randint(1, 9)}",
            )
            recorded = [
                h.dossier_event(jeune, rnd.choice(NATURES), day(), session=session if rnd.random() < 0.5 else None)
                for _ in range(rnd.randint(0, 4))
            ]
            if recorded and rnd.random() < 0.4:
                h.cancel(rnd.choice(recorded), day())
            if rnd.random() < 0.5:
                h.profile(jeune, day(), commune_insee=rnd.choice(["94076", "10387"]), neet=rnd.random() < 0.5)
            if rnd.random() < 0.5:
                start = date(2023, rnd.randint(1, 12), 1)
                h.contract(
                    jeune,
                    rnd.choice(["CDI", "CDD", "APPRENTICESHIP"]),
                    start,
                    None if rnd.random() < 0.3 else start + timedelta(days=rnd.randint(30, 400)),
                    day(),
                )
            if rnd.random() < 0.4:
                start = date(2022 + rnd.randint(0, 1), rnd.randint(1, 12), 1)
                planned = None if rnd.random() < 0.3 else start + timedelta(days=rnd.randint(60, 500))
                enrolment = h.enter(jeune, rnd.choice(["CEJ", "PACEA"]), start, day(), planned_end=planned)
                if planned is not None and rnd.random() < 0.3:
                    h.extend(jeune, enrolment, "PACEA", planned + timedelta(days=rnd.randint(1, 200)), day())
                h.allowance(jeune, enrolment, "2023-06", 30_000, day(), paid=rnd.random() < 0.5)
                if rnd.random() < 0.5:
                    h.exit(jeune, enrolment, "CEJ", date(2023, 12, 1), rnd.choice(["employment", "none"]), day())
                if rnd.random() < 0.15:  # v2.md, E2: the entry was a mistake
                    h.correct(h.entry(enrolment), day())
            if rnd.random() < 0.3:  # v2.md, E2 in employment: a referral, its outcome, either corrected
                offer = h.offer(uuid.uuid4(), rnd.choice("DIN"), day())
                h.refer(offer, jeune, rnd.choice([None, "hired", "rejected"]), day())
                mine = [e for e in h.events if e.stream_id == offer and e.event_type.startswith("employment.")]
                if rnd.random() < 0.5:
                    h.correct(mine[-1], day())
            if rnd.random() < 0.2:
                aid = h.aid(jeune, rnd.choice(["faj", "mobility_voucher"]), rnd.randint(1, 20) * 1000, day())
                if rnd.random() < 0.5:
                    h.correct(aid, day())
        for _ in range(rnd.randint(0, 3)):  # v2.md, E3: objectives set and revised; the latest counts
            h.objective(rnd.choice(["CEJ", "PACEA"]), 2023, rnd.randint(0, 400), day())
        events += h.events
    return events
