"""The Grafana dashboard and the Prometheus configuration use metrics the services really expose."""

import json
import re

import relais_runtime.metrics  # noqa: F401 - registers the metrics
import yaml
from prometheus_client import REGISTRY
from relais_runtime.settings import PROJECT_ROOT, SERVICE_PORTS

DASHBOARD = json.loads((PROJECT_ROOT / "deploy" / "grafana" / "dashboards" / "relais.json").read_text())
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
EXPOSED = {m.name + suffix for m in REGISTRY.collect() for suffix in SUFFIXES.get(m.type, ("",))}
NEEDED = {
    "relais_commands_total",
    "relais_events_published_total",
    "relais_relay_lag_events",
    "relais_consumer_lag_messages",
    "relais_fold_batch_seconds_bucket",
    "relais_dead_letters_total",
    "relais_events_skipped_total",
}


def dashboard_metrics() -> set[str]:
    exprs = [t["expr"] for p in DASHBOARD["panels"] for t in p["targets"]]
    return {name for e in exprs for name in re.findall(r"\b(relais_[a-z_]+)\b", e)}


def test_every_panel_queries_an_exposed_metric():
    used = dashboard_metrics()
    assert used <= EXPOSED, f"unknown metrics in the dashboard: {used - EXPOSED}"


def test_the_dashboard_covers_what_an_operator_needs():
    assert NEEDED <= dashboard_metrics()
    assert len({p["id"] for p in DASHBOARD["panels"]}) == len(DASHBOARD["panels"])


def test_prometheus_scrapes_every_service_locally():
    config = yaml.safe_load((PROJECT_ROOT / "deploy" / "prometheus" / "prometheus.local.yml").read_text())
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {f"127.0.0.1:{port}" for port in SERVICE_PORTS.values()}
