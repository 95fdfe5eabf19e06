"""`GET /v1/indicators.csv`: the same figures as the JSON document, one row per figure and
Mission Locale, French labels, opened right by a French spreadsheet; the same access rules."""

import csv
import io

from relais_reporting.bootstrap import create_app
from relais_reporting.projection import apply
from relais_reporting.spreadsheet import flatten
from support.histories import random_history
from support.http import bearer, in_process, offline

PERIOD = {"from": "2023-01-01", "to": "2023-12-31"}


def client_with_history():
    app = create_app(offline())
    with app.state.engine.begin() as conn:
        apply(conn, random_history(17, youths=8))
    return in_process(app)


def test_the_csv_holds_every_figure_of_the_document_for_the_network_and_each_mission_locale():
    client, headers = client_with_history(), bearer("network_analyst", ("*",))
    doc = client.get("/v1/indicators", params=PERIOD, headers=headers).json()
    r = client.get("/v1/indicators.csv", params=PERIOD, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert (
        r.headers["content-disposition"] == 'attachment; filename="relais-indicateurs-reseau-2023-01-01-2023-12-31.csv"'
    )
    assert r.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff")), delimiter=";"))
    value = {(row["mission_locale"], row["indicateur"]): row["valeur"] for row in rows}
    assert {ml for ml, _ in value} == {"Réseau", "ML-A", "ML-B"}
    assert value[("Réseau", "first_welcomes")] == str(doc["indicators"]["first_welcomes"])
    assert value[("ML-B", "programmes.PACEA.entries")] == str(
        doc["by_ml"]["ML-B"]["indicators"]["programmes"]["PACEA"]["entries"]
    )
    rate = doc["by_ml"]["ML-A"]["indicators"]["situation_rate"]
    assert value[("ML-A", "situation_rate")] == (
        "" if rate is None else str(rate).replace(".", ",")
    )  # 0,5 for Excel FR
    figures = flatten(doc["by_ml"]["ML-A"]["indicators"])
    assert {k for (ml, k) in value if ml == "ML-A"} == {*figures, "events_considered", "events_skipped"}
    assert all(value[("ML-A", k)] == str(v) for k, v in figures.items() if isinstance(v, int))
    labels = {row["indicateur"]: row["libellé"] for row in rows}
    assert labels["programmes.PACEA.entries"] == "dispositifs — PACEA — entrées"
    assert (
        labels["offers.by_sector.F"]
        == "offres d'emploi — offres par secteur ROME — F — construction, bâtiment et travaux publics"
    )
    assert labels["profile_of_accompanied.sex.F"] == "profil des accompagnés — sexe — femmes"
    assert labels["first_welcomes"] == "jeunes en premier accueil"
    assert all((row["du"], row["au"], row["connus_au"]) == ("2023-01-01", "2023-12-31", "") for row in rows)


def test_the_csv_follows_the_same_access_rules_as_the_document():
    client = client_with_history()
    director = bearer("director", ("ML-A",))
    assert client.get("/v1/indicators.csv", params=PERIOD, headers=director).status_code == 403  # the network
    mine = client.get("/v1/indicators.csv", params={**PERIOD, "ml_id": "ML-A"}, headers=director)
    assert mine.status_code == 200 and {line.split(";")[0] for line in mine.text.splitlines()[1:]} == {"ML-A"}
    assert client.get("/v1/indicators.csv", params={**PERIOD, "ml_id": "ML-B"}, headers=director).status_code == 403
    bad = client.get(
        "/v1/indicators.csv", params={"from": "2023-12-31", "to": "2023-01-01", "ml_id": "ML-A"}, headers=director
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.from"
