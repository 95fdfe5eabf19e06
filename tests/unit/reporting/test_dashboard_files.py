"""The dashboard's files: the page and its scripts are served, Chart.js from the npm install,
and nothing outside the named files can be read through /static/."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from relais_reporting.dashboard import dashboard_router
from relais_runtime.settings import get_settings


def client_for(folder: Path) -> TestClient:
    app = FastAPI()
    app.include_router(dashboard_router(folder))
    return TestClient(app)


def test_the_page_its_scripts_and_chart_js_are_served():
    client = client_for(get_settings().dashboard_dir)
    page = client.get("/")
    assert page.status_code == 200 and 'lang="fr"' in page.text
    for name in ("chart.umd.min.js", "figures.js", "app.js"):
        assert f'src="/static/{name}"' in page.text
        served = client.get(f"/static/{name}")
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/javascript")
    assert "Chart" in client.get("/static/chart.umd.min.js").text


@pytest.mark.parametrize("name", ["index.html", "package.json", "..%2F..%2Fpyproject.toml", "node_modules", "chart.js"])
def test_nothing_else_is_served(name):
    assert client_for(get_settings().dashboard_dir).get(f"/static/{name}").status_code == 404


def test_without_the_npm_install_the_page_still_loads_and_the_missing_library_is_logged(tmp_path, caplog):
    (tmp_path / "index.html").write_text('<!doctype html><html lang="fr"></html>', encoding="utf-8")
    client = client_for(tmp_path)
    assert "npm ci" in caplog.text
    assert client.get("/").status_code == 200
    assert client.get("/static/chart.umd.min.js").status_code == 404
