"""deploy/compose agrees with the settings module: commands, ports, environment, databases."""

import re

import pytest
import yaml
from relais_runtime.settings import DATABASES, PROJECT_ROOT, SERVICE_PORTS, Settings

COMPOSE_DIR = PROJECT_ROOT / "deploy" / "compose"
COMPOSE = yaml.safe_load((COMPOSE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
SETTING_VARS = {f"RELAIS_{name.upper()}" for name in Settings.model_fields}


def test_compose_runs_every_service_and_its_infrastructure():
    assert {"kafka", "postgres", "prometheus", "grafana", *SERVICE_PORTS} <= set(SERVICES)


@pytest.mark.parametrize("service", sorted(SERVICE_PORTS))
def test_service_command_and_port_match_the_settings(service):
    spec = SERVICES[service]
    port = SERVICE_PORTS[service]
    assert spec["command"][:3] == ["relais", "serve", service]
    assert spec["command"][spec["command"].index("--port") + 1] == str(port)
    assert spec["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert spec["image"] == "relais:local"


@pytest.mark.parametrize("service", sorted([*SERVICE_PORTS, "topics"]))
def test_service_environment_is_made_of_real_settings(service):
    env = SERVICES[service]["environment"]
    assert set(env) <= SETTING_VARS, f"unknown settings: {set(env) - SETTING_VARS}"
    settings = Settings(**{k.removeprefix("RELAIS_").lower(): v for k, v in env.items()})
    assert settings.persistence == "postgres"
    kafka_host, kafka_port = settings.kafka_bootstrap.split(":")
    assert kafka_host == "kafka"
    assert f"PLAINTEXT://kafka:{kafka_port}" in SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert settings.pg_host == "postgres"
    assert SERVICES["postgres"]["environment"]["POSTGRES_USER"] == settings.pg_user
    assert SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"] == settings.pg_password


def test_postgres_creates_the_databases_the_local_stack_creates():
    sql = (COMPOSE_DIR / "initdb" / "10-create-databases.sql").read_text()
    created = set(re.findall(r"CREATE DATABASE (\w+);", sql))
    assert created == {Settings().database(s) for s in DATABASES}
    assert {Settings().database(s) for s in SERVICE_PORTS} < created  # one per service, and the vault


def test_prometheus_scrapes_every_service_on_its_port():
    config = yaml.safe_load((PROJECT_ROOT / "deploy" / "prometheus" / "prometheus.compose.yml").read_text())
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {f"{s}:{p}" for s, p in SERVICE_PORTS.items()}


def test_the_image_installs_chart_js_where_the_reporting_service_looks_for_it():
    dockerfile = (COMPOSE_DIR / "Dockerfile").read_text()
    web = Settings().dashboard_dir.relative_to(PROJECT_ROOT)
    assert f"COPY --from=dashboard /web/node_modules /app/{web}/node_modules" in dockerfile
    assert f"COPY {web}/package.json {web}/package-lock.json" in dockerfile and "npm ci --omit=dev" in dockerfile
