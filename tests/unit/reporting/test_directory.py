"""The network directory: names instead of codes, from a file the network's administrator keeps;
a file that cannot be used stops the service with its reason."""

import json

import pytest
from relais_reporting.bootstrap import create_app
from relais_reporting.directory import Directory, DirectoryInvalid, load_directory
from relais_runtime.settings import get_settings
from support.http import bearer, in_process, offline


def test_the_project_s_directory_names_the_seed_and_demo_missions_locales():
    directory = load_directory(get_settings().directory_file)
    assert directory.name_of("ML-NOA") == "Mission Locale du Nord-Ouest Aubeois"
    assert directory.names("ML-INNOVAM")["94043"] == "Le Kremlin-Bicêtre"
    assert directory.name_of("ML-UNKNOWN") == "Mission Locale ML-UNKNOWN"  # a code it does not name
    assert directory.name_of(None) == "Le réseau des Missions Locales"


def test_no_file_means_codes_and_a_bad_file_says_where_it_is_wrong(tmp_path):
    assert load_directory(tmp_path / "missing.json") == Directory()
    bad = tmp_path / "directory.json"
    bad.write_text(json.dumps({"missions_locales": {"ML-A": {"name": "A", "communes": {"7500": "Paris"}}}}))
    with pytest.raises(DirectoryInvalid, match="missions_locales.ML-A.communes.7500"):
        load_directory(bad)
    bad.write_text("{not json")
    with pytest.raises(DirectoryInvalid, match="directory.json"):
        load_directory(bad)


def test_the_dashboard_reads_the_directory_with_an_indicator_reader_s_token():
    client = in_process(create_app(offline()))
    answer = client.get("/v1/directory", headers=bearer("counselor", ("ML-A",)))
    assert answer.status_code == 200
    assert answer.json()["missions_locales"]["ML-INNOVAM"]["name"] == "Mission Locale INNOVAM"
    assert client.get("/v1/directory").status_code == 401
