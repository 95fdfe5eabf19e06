"""contracts/asyncapi.json is the document FastStream generates from the contracts today."""

import json

from relais_contracts import ALL_TOPICS, dlq_topic
from relais_runtime.asyncapi import render
from relais_runtime.settings import PROJECT_ROOT

CHECKED_IN = PROJECT_ROOT / "contracts" / "asyncapi.json"


def test_checked_in_asyncapi_document_has_not_drifted():
    assert CHECKED_IN.read_text(encoding="utf-8") == render(), (
        "regenerate with: .venv/bin/python -m relais_runtime.asyncapi > contracts/asyncapi.json"
    )


def test_document_describes_every_topic_and_its_dead_letter_topic():
    channels = json.loads(render())["channels"]
    assert set(channels) == {t for name in ALL_TOPICS for t in (name, dlq_topic(name))}
