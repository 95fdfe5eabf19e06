"""Generate `contracts/schemas/<event_type>.json`, one JSON Schema per event type.

    python -m relais_contracts.schemas [DIR]

The files are checked in; `tests/unit/contracts/test_schemas.py` fails when one drifts from its
model, so a contract change is always a visible diff.
"""

import json
import sys
from pathlib import Path
from typing import Any

from relais_contracts.catalogue import PAYLOAD_TYPES, envelope_model

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "schemas"


def schema_of(event_type: str) -> dict[str, Any]:
    schema = envelope_model(event_type).model_json_schema(mode="serialization")
    schema["$id"] = f"https://relais.example/contracts/{event_type}.json"
    schema["title"] = event_type
    return schema


def render(event_type: str) -> str:
    return json.dumps(schema_of(event_type), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_all(directory: Path = DEFAULT_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type in sorted(PAYLOAD_TYPES):
        path = directory / f"{event_type}.json"
        path.write_text(render(event_type), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    for p in write_all(target):
        print(p)
