"""The catalogue of figures is the indicator document's one definition: what the query computes is
exactly its model, every figure has a French label, a chapter and a unit, and what is published
(the JSON Schema in contracts/, the OpenAPI description, GET /v1/catalogue) is derived from it."""

import pytest
from relais_cli.simulation.generator import simulate
from relais_cli.simulation.profiles import PROFILES
from relais_reporting.bootstrap import create_app
from relais_reporting.catalogue import (
    CATALOGUE,
    CHAPTERS,
    COVERAGE_FILE,
    SCHEMA_FILE,
    IndicatorDocument,
    coverage_markdown,
    entry_of,
    schema_text,
    whole_of,
)
from relais_reporting.spreadsheet import flatten
from support.histories import random_history
from support.http import bearer, in_process, offline
from support.reporting import document

REGENERATE = "regenerate with: .venv/bin/python -m relais_reporting.catalogue"


@pytest.fixture(scope="module")
def network_document() -> dict:
    events = random_history(23, youths=30, mls=("ML-A", "ML-B", "ML-C"))
    events += list(simulate([PROFILES["nord-ouest-aubeois"]], 2023, seed=3, scale=0.05))
    return document(events, ml_id=None)


def test_what_the_query_computes_is_exactly_the_catalogue_s_model(network_document):
    """No key more (the model forbids extras), no key less (every field is required), no value
    changed on the way (a round trip gives the same document)."""
    assert len(network_document["by_ml"]) == 4
    parsed = IndicatorDocument.model_validate(network_document)
    assert parsed.model_dump(by_alias=True) == network_document


def test_a_figure_the_catalogue_does_not_know_is_refused():
    doc = document(random_history(5, youths=4), ml_id="ML-A")
    doc["indicators"]["invented_figure"] = 1
    with pytest.raises(ValueError, match="invented_figure"):
        IndicatorDocument.model_validate(doc)


def test_every_figure_of_a_document_has_a_french_label_a_chapter_and_a_unit(network_document):
    keys = {"events_considered", "events_skipped", *flatten(network_document["indicators"])}
    for key in keys:
        entry, french = entry_of(key)
        assert entry is not None, f"{key} is in the document, not in the catalogue"
        assert entry.chapter in CHAPTERS and entry.unit in ("youths", "count", "rate", "cents", "target", "days")
        assert "_" not in french.replace("18_21", "").replace("22_25", ""), f"{key}: {french}"
    assert entry_of("programmes.PACEA.invented")[0] is None


def test_a_share_is_of_a_whole_the_document_has(network_document):
    """The report prints « 44 % sont des femmes » beside the count: the whole named by the
    catalogue is a figure of the same document, the same programme's for a programme's."""
    keys = {"events_considered", "events_skipped", *flatten(network_document["indicators"])}
    with_whole = [(key, entry) for key in keys if (entry := entry_of(key)[0]) is not None and entry.whole]
    assert len(with_whole) > 50
    for key, entry in with_whole:
        whole = whole_of(entry, key)
        assert whole is None or whole in keys, (key, whole)
    youths_with_situation = CATALOGUE["programmes.*.youths_with_situation"]
    assert whole_of(youths_with_situation, "programmes.CEJ.youths_with_situation") == "programmes.CEJ.active_youths"
    assert whole_of(CATALOGUE["training_obligation.minors"], "training_obligation.minors") is None


def test_the_report_lines_quoted_are_lines_of_the_seed_reports():
    """A report line is quoted word for word: its words are found in the seed report it names."""
    from pathlib import Path

    seeds = {p.read_text() for p in (Path(__file__).resolve().parents[3].parent / "shared" / "seeds").glob("*.txt")}
    quoted = [line for e in CATALOGUE.values() for line in e.report_lines]
    assert len(quoted) >= 30
    for line in quoted:
        words = line.split("« ", 1)[1].rsplit(" »", 1)[0].replace("...", "").strip()
        assert any(words in " ".join(seed.replace("**", "").split()) for seed in seeds), line


def test_the_published_schema_and_coverage_table_have_not_drifted_from_the_catalogue():
    assert SCHEMA_FILE.read_text() == schema_text(), REGENERATE
    assert COVERAGE_FILE.read_text() == coverage_markdown(), REGENERATE


def test_the_openapi_description_declares_the_document_and_the_catalogue_serves_the_dashboard():
    client = in_process(create_app(offline()))
    spec = client.get("/openapi.json").json()
    answer = spec["paths"]["/v1/indicators"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["$ref"].endswith("/IndicatorDocument")
    first = spec["components"]["schemas"]["Indicators"]["properties"]["first_welcomes"]
    assert first["x-label"] == "jeunes en premier accueil" and first["x-chapter"] == "year"

    served = client.get("/v1/catalogue", headers=bearer("counselor", ("ML-A",)))
    assert served.status_code == 200
    body = served.json()
    assert list(body["chapters"].values())[0] == "L'année en chiffres"
    assert {f["key"] for f in body["figures"]} == set(CATALOGUE)
    assert client.get("/v1/catalogue").status_code == 401
