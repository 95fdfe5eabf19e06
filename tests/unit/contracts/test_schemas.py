"""contracts/schemas/ holds exactly one JSON Schema per event type, equal to its model."""

import json

import pytest
from relais_contracts import PAYLOAD_TYPES
from relais_contracts.schemas import DEFAULT_DIR, render

REGENERATE = "regenerate with: .venv/bin/python -m relais_contracts.schemas"


def test_one_schema_file_per_event_type():
    files = {p.name.removesuffix(".json") for p in DEFAULT_DIR.glob("*.json")}
    assert files == set(PAYLOAD_TYPES), REGENERATE


@pytest.mark.parametrize("event_type", sorted(PAYLOAD_TYPES))
def test_schema_file_has_not_drifted_from_its_model(event_type):
    on_disk = (DEFAULT_DIR / f"{event_type}.json").read_text(encoding="utf-8")
    assert on_disk == render(event_type), f"{event_type} drifted; {REGENERATE}"


def test_schemas_reject_extra_fields_and_pin_the_type():
    schema = json.loads(render("intake.FirstWelcomeRecorded"))
    assert schema["additionalProperties"] is False
    assert schema["properties"]["event_type"]["const"] == "intake.FirstWelcomeRecorded"
