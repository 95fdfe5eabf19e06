"""The live traffic of `relais simulate --rate`: every command it sends is a valid request of the
service it targets, each Mission Locale's young people live in that Mission Locale's towns, and
nobody is asked twice into the same programme."""

import uuid

from relais_cli.simulation.profiles import PROFILES
from relais_cli.simulation.traffic import Traffic
from relais_dispositifs.api import AidRequest, EnterRequest, ReferralRequest
from relais_employment.api import ContractRequest, EmployerRequest, OfferRequest, TrainingRequest
from relais_intake.api import DossierEventRequest, WelcomeRequest
from support.http import offline

REQUESTS = {
    "youths": WelcomeRequest,
    "events": DossierEventRequest,
    "contracts": ContractRequest,
    "trainings": TrainingRequest,
    "employers": EmployerRequest,
    "offers": OfferRequest,
    "programmes": EnterRequest,
    "aids": AidRequest,
    "referrals": ReferralRequest,
}


def test_every_live_command_is_a_valid_request_and_welcomes_live_in_their_towns():
    towns = {"ML-CACHAN": PROFILES["innovam"], "ML-ROMILLY": PROFILES["nord-ouest-aubeois"]}
    traffic = Traffic(offline(), towns, rate=1, seed=7)
    for ml in towns:
        traffic.youths[ml].append(str(uuid.uuid4()))
        traffic.employers[ml].append(str(uuid.uuid4()))
    sent, communes = {}, {ml: set() for ml in towns}
    sessions: dict[str, int] = {}
    for _ in range(500):
        service, path, body = traffic.next_command()
        ml, kind = path.split("/")[2], path.rsplit("/", 1)[-1]
        REQUESTS[kind].model_validate(body)
        sent[kind] = sent.get(kind, 0) + 1
        if kind == "youths":
            communes[ml].add(body["profile"]["commune_insee"])
        if body.get("nature") == "workshop":
            sessions[body["session_id"]] = sessions.get(body["session_id"], 0) + 1
    assert set(sent) == set(REQUESTS)  # the mix covers the three write services
    assert 2 < sum(sessions.values()) / len(sessions) < 12  # a workshop's attendees share its session
    for ml, profile in towns.items():
        assert communes[ml] and communes[ml] <= set(profile.communes), ml


def test_programme_entries_are_asked_once_per_young_person_and_programme():
    traffic = Traffic(offline(), {"ML-CACHAN": PROFILES["innovam"]}, rate=1, seed=3)
    traffic.youths["ML-CACHAN"] = [str(uuid.uuid4()) for _ in range(3)]
    entries = []
    for _ in range(400):
        service, path, body = traffic.next_command()
        if path.endswith("/programmes"):
            entries.append((path.split("/")[4], body["programme"]))
    assert entries and len(entries) == len(set(entries))
    assert {p for _, p in entries} == {"PACEA"}  # no birth date known for them: no CEJ
