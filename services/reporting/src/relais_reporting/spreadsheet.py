"""The indicator document as a spreadsheet: one row per figure and Mission Locale ("long" form,
what a pivot table wants), with a French label beside each stable key. Semicolons and a byte
order mark, so that a double click opens it right in a French spreadsheet. The labels are the
catalogue's (catalogue.py)."""

import csv
import io
from typing import Any

from relais_reporting.catalogue import label

NETWORK = "Réseau"
HEADER = ("mission_locale", "du", "au", "connus_au", "indicateur", "libellé", "valeur")


def flatten(doc: Any, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} → {"a.b": 1}: every figure of a document under one dotted key."""
    if isinstance(doc, dict):
        out: dict[str, Any] = {}
        for k, v in doc.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: doc}


def figures_of(doc: dict[str, Any]) -> dict[str, Any]:
    """Every figure of a document under its dotted key (the catalogue's), its counts of events first."""
    return {
        "events_considered": doc["events_considered"],
        "events_skipped": doc["events_skipped"],
        **flatten(doc["indicators"]),
    }


def to_csv(doc: dict[str, Any]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    documents = [(doc["ml_id"] or NETWORK, doc)] + sorted((doc.get("by_ml") or {}).items())
    for ml, d in documents:
        for key, value in figures_of(d).items():
            shown = "" if value is None else str(value).replace(".", ",") if isinstance(value, float) else value
            writer.writerow((ml, d["from"], d["to"], d["as_of"] or "", key, label(key), shown))
    return out.getvalue()
