"""Reference amounts of the allowances, in euro cents, each dated by when it took effect.

They are revalued every 1 April: add a line, never edit an old one (history is recomputed with
the amounts in force at the time). Sources:
- CEJ allowance, maximum per month: décret n° 2022-199 du 18 février 2022 (Code du travail,
  art. D5131-20 and following): 500 € for a young adult of a non-taxable household, 200 € for a
  minor, revalued each 1 April from 2023 — 528 € / 211,20 € (2023), 552,29 € / 220,92 € (2024),
  561,68 € / 224,68 € (2025), as published by the ministry and relayed by CAF and UNAFO.
- PACEA allowance: at most the monthly RSA lump sum for a single person per month, and at most
  six times that amount over twelve months (Code du travail, art. D5131-11 ff., as amended by
  décret n° 2020-1783 du 30 décembre 2020, which raised the yearly cap from 3 to 6 RSA).
  RSA lump sum for one person: 565,34 € (04/2021), 575,52 € (04/2022), 598,54 € (07/2022),
  607,75 € (04/2023), 635,71 € (04/2024), 646,52 € (04/2025).
  Open question: whether the monthly ceiling is the RSA lump sum with or without the housing
  deduction (« forfait logement », CASF L262-9). The articles read for it (L5131-5, L5131-7) leave
  the amount to the decree, whose text the search tool does not hold; the ceiling here is the
  lump sum without the deduction, the higher of the two, so that no allowance the decree allows is
  refused (at worst a too high request passes, and the payment stays the counselor's decision).
"""

from bisect import bisect_right
from datetime import date

Schedule = list[tuple[date, int]]

CEJ_MAX_ADULT: Schedule = [
    (date(2022, 3, 1), 50_000),
    (date(2023, 4, 1), 52_800),
    (date(2024, 4, 1), 55_229),
    (date(2025, 4, 1), 56_168),
]
CEJ_MAX_MINOR: Schedule = [
    (date(2022, 3, 1), 20_000),
    (date(2023, 4, 1), 21_120),
    (date(2024, 4, 1), 22_092),
    (date(2025, 4, 1), 22_468),
]
RSA_SINGLE: Schedule = [
    (date(2021, 4, 1), 56_534),
    (date(2022, 4, 1), 57_552),
    (date(2022, 7, 1), 59_854),
    (date(2023, 4, 1), 60_775),
    (date(2024, 4, 1), 63_571),
    (date(2025, 4, 1), 64_652),
]
PACEA_YEARLY_RSA_MULTIPLE = 6


def in_force(schedule: Schedule, day: date) -> int | None:
    """The amount in force on `day`, or None before the first one."""
    i = bisect_right([since for since, _ in schedule], day)
    return schedule[i - 1][1] if i else None
