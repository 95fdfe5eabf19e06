"""Real time on the real stack: a command posted to intake changes the figure pushed on the
reporting service's SSE stream, without anyone asking again."""

import json
import threading
import uuid

import httpx
import pytest
from relais_cli.harness import ServiceProcess, welcome_body
from support.http import bearer

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]


def test_a_first_welcome_reaches_the_stream_of_its_mission_locale(stack):
    ml = f"ML-L{uuid.uuid4().hex[:6].upper()}"
    documents: list[dict] = []
    ready = threading.Event()
    changed = threading.Event()

    def listen(url: str) -> None:
        params = {"ml_id": ml, "access_token": bearer("director", (ml,))["Authorization"].split()[1]}
        with httpx.stream("GET", url + "/v1/indicators/stream", params=params, timeout=60) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("data: "):
                    documents.append(json.loads(line[6:]))
                    ready.set()
                    if documents[-1]["indicators"]["first_welcomes"] == 1:
                        changed.set()
                        return

    with ServiceProcess("reporting", 18180) as reporting, ServiceProcess("intake", 18181) as intake:
        listener = threading.Thread(target=listen, args=(reporting.url,), daemon=True)
        listener.start()
        assert ready.wait(20), "the stream sent no first document"
        assert documents[0]["indicators"]["first_welcomes"] == 0
        r = httpx.post(
            f"{intake.url}/v1/{ml}/youths",
            json=welcome_body(f"Live{uuid.uuid4().hex[:6]}"),
            headers=bearer(ml_ids=(ml,)),
        )
        assert r.status_code == 201, r.text
        assert changed.wait(30), "the new figure was not pushed"
    assert [d["indicators"]["first_welcomes"] for d in documents] == [0, 1]
