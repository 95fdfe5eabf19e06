"""A simulated 2023 of each seed profile, folded by the reporting code, finds each headline figure
of its activity report within ±10 %. The expected figures are the reports' own, written out."""

import pytest
from relais_cli.simulation.generator import simulate
from relais_cli.simulation.profiles import PROFILES
from support.reporting import document

# (figure, path in the indicator document, value printed in the 2023 report)
INNOVAM_REPORT = [
    ("jeunes nouveaux (premiers accueils)", ("first_welcomes",), 1073),
    ("jeunes accompagnés", ("accompanied",), 2228),
    ("entrées en situation", ("situation_entries",), 1564),
    ("jeunes entrés en situation", ("youths_with_situation",), 1230),
    ("part des accompagnés en situation", ("situation_rate",), 0.55),
    ("PMSMP", ("immersions",), 112),
    ("contrats PACEA signés", ("programmes", "PACEA", "entries"), 426),
    ("allocations PACEA versées (centimes)", ("programmes", "PACEA", "allowance_paid_cents"), 18_483_700),
    ("CEJ contractualisés (hors CEJ-JR)", ("programmes", "CEJ", "entries"), 325),
    ("CEJ jeunes en rupture", ("programmes", "CEJ_JR", "entries"), 25),
    ("offres confiées", ("offers", "received"), 179),
    ("entreprises", ("offers", "employers"), 112),
    ("mises en relation", ("offers", "referrals"), 379),
    ("recrutements", ("offers", "hires"), 126),
]
NOA_REPORT = [
    ("jeunes en 1er accueil", ("first_welcomes",), 420),
    ("jeunes accompagnés", ("accompanied",), 1022),
    ("entretiens individuels", ("individual_interviews",), 7168),
    ("présents aux ateliers et informations collectives", ("workshop_participations",), 5172),
    ("contrats de travail signés (hors alternance)", ("situation_entries_by_kind", "employment"), 570),
    ("PMSMP", ("immersions",), 160),
    ("entrées en alternance", ("situation_entries_by_kind", "alternance"), 52),
    ("offres d'emploi collectées", ("offers", "received"), 216),
    ("entreprises", ("offers", "employers"), 98),
    ("positionnements", ("offers", "referrals"), 1047),
    ("CEJ", ("programmes", "CEJ", "entries"), 287),
]


def figure(doc: dict, path: tuple[str, ...]):
    value = doc["indicators"]
    for key in path:
        value = value[key]
    return value


@pytest.mark.parametrize(("profile", "report"), [("innovam", INNOVAM_REPORT), ("nord-ouest-aubeois", NOA_REPORT)])
def test_a_simulated_year_finds_the_report_within_ten_percent(profile, report):
    chosen = PROFILES[profile]
    doc = document(list(simulate([chosen], 2023, seed=1)), ml_id=chosen.ml_code)
    off = [
        (name, figure(doc, path), expected)
        for name, path, expected in report
        if not 0.9 * expected <= figure(doc, path) <= 1.1 * expected
    ]
    assert off == [], "figures outside ±10 % of the report (name, simulated, reported)"


def test_the_simulation_is_deterministic_and_realistic():
    chosen = PROFILES["nord-ouest-aubeois"]
    first = list(simulate([chosen], 2023, seed=7, scale=0.05))
    assert first == list(simulate([chosen], 2023, seed=7, scale=0.05))
    assert first != list(simulate([chosen], 2023, seed=8, scale=0.05))
    late = sum((e.recorded_at - e.occurred_at).days >= 1 for e in first)
    assert 0.03 < late / len(first) < 0.3  # entered days late, as counselors do
    assert any(e.event_type == "intake.DossierEventCancelled" for e in first)
