"""What a year of a Mission Locale looks like, taken from the 2023 activity reports (seeds).

Each figure is the report's own where it gives one (the comment says where); the others are
estimates, marked `# estimate`, chosen to be consistent with the reported ones.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    name: str
    ml_code: str
    first_welcomes: int
    accompanied: int
    interviews: int
    workshop_participations: int
    youths_with_situation_rate: float  # of the accompanied
    situation_entries_per_youth: float
    situation_mix: dict[str, float]  # situation kind -> share of entries
    pacea_entries: int
    pacea_active: int  # young people in a PACEA at some time of the year (« en parcours »)
    pacea_allowance_youths: int  # young people with a PACEA allowance in the year
    pacea_allowance_cents: int  # requested in the year, all of them
    cej_entries: int
    cej_jr_entries: int
    cej_active: int
    cej_allowance_youths: int
    cej_allowance_cents: int
    ppae_entries: int
    ppae_active: int
    employers: int
    offers: int
    referrals: int
    hires: int
    recruitment_sessions: int
    recruitment_participants: int
    communes: dict[str, float]  # INSEE code -> share of the young people
    minors_rate: float
    qpv_rate: float
    rqth_rate: float
    no_diploma_rate: float
    neet_rate: float
    # Aids by kind: (count, amount in cents, young people) in the year.
    aids: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    zrr_communes: frozenset[str] = frozenset()  # the communes in a rural revitalisation zone
    female_rate: float = 0.48  # estimate
    late_entry_rate: float = 0.12  # estimate: events entered days after they happened
    correction_rate: float = 0.02  # estimate: dossier events cancelled afterwards
    sponsorship_entries: int = 0  # young people who entered a parrainage in the year
    extras: dict[str, int] = field(default_factory=dict)


INNOVAM = Profile(
    name="innovam",
    ml_code="ML-INNOVAM",
    first_welcomes=1073,  # « 1073 jeunes nouveaux »
    accompanied=2228,  # « accompagné 2228 jeunes »
    interviews=15_600,  # estimate: 7 interviews per accompanied, as in the Aube report
    workshop_participations=4_300,  # estimate: 679 job-search workshop participations plus the CEJ collective offer
    youths_with_situation_rate=0.55,  # « 55 % des jeunes accompagnés ont accédé à une situation »
    situation_entries_per_youth=1564 / 1230,  # « 1564 entrées en situation pour 1230 jeunes »
    situation_mix={
        "employment": 0.56,
        "alternance": 0.09,
        "training": 0.20,
        "schooling": 0.02,
        "immersion": 0.072,
        "volunteering": 0.058,
    },  # 112 PMSMP of 1564; others estimated
    pacea_entries=426,  # « 426 contrats ont été signés »
    pacea_active=800,  # estimate: entries over two years, PACEA lasting up to 24 months
    pacea_allowance_youths=426,
    pacea_allowance_cents=18_483_700,  # « 184 837 € d'allocations PACEA ont été versées à 426 jeunes »
    cej_entries=325,
    cej_jr_entries=25,  # « 350 contractualisations dont 25 CEJ pour les jeunes en rupture »
    cej_active=450,  # estimate: this year's entries and last year's still in their twelve months
    cej_allowance_youths=420,  # estimate
    cej_allowance_cents=72_000_000,  # estimate: about 1 700 € a young person, as in the Aube report
    ppae_entries=180,  # estimate: 8 % of the accompanied
    ppae_active=400,  # estimate
    sponsorship_entries=30,  # « 30 jeunes ont été parrainés en 2023 »
    employers=112,
    offers=179,
    referrals=379,
    hires=126,  # « 112 entreprises ... 179 offres ... 379 ... 126 »
    recruitment_sessions=15,
    recruitment_participants=107,  # « 15 recrutements collectifs ... 107 jeunes »
    communes={"94003": 0.15, "94016": 0.22, "94037": 0.11, "94043": 0.15, "94076": 0.37},  # accueillis by town
    minors_rate=315 / 2228,  # « 315 mineurs accompagnés » of the 2228
    qpv_rate=0.25,
    rqth_rate=0.03,
    no_diploma_rate=0.33,
    neet_rate=0.85,  # estimates
    aids={
        "mobility_voucher": (971, 7_106_400, 700),  # « 971 aides à la mobilité ... 71 064 € »; young people estimated
        "service_ticket": (210, 1_635_000, 159),  # « 16 350 € ont été remis en 2023 pour 159 jeunes »; count estimated
        "faj": (150, 1_500_000, 140),  # estimate
        "housing": (40, 600_000, 40),  # estimate
    },
)

NORD_OUEST_AUBOIS = Profile(
    name="nord-ouest-aubeois",
    ml_code="ML-NOA",
    first_welcomes=420,  # « 420 Jeunes en 1er accueil »
    accompanied=1022,  # « 1 022 Jeunes accompagnés »
    interviews=7168,  # « 7 168 Entretiens individuels »
    workshop_participations=5172,  # « 5 172 présents aux ateliers et informations collectives »
    youths_with_situation_rate=0.52,  # estimate: 398 in employment, 151 in training, 52 in alternance
    situation_entries_per_youth=1.89,  # estimate: 622 contracts, 52 alternance, 160 PMSMP, 151 trainings for ~530
    situation_mix={
        "employment": 0.622,
        "alternance": 0.052,
        "training": 0.13,
        "schooling": 0.022,
        "immersion": 0.16,
        "volunteering": 0.014,
    },  # 622 contracts (52 alternance), 160 PMSMP, 129+22 trainings
    pacea_entries=323,  # « 323 jeunes entrés sur ce parcours »
    pacea_active=627,  # « 627 jeunes en parcours »
    pacea_allowance_youths=287,
    pacea_allowance_cents=11_203_000,  # « 112 030 € Montant des allocations demandées, 287 jeunes concernés »
    cej_entries=243,  # « 243 jeunes entrés dans le dispositif »
    cej_jr_entries=0,
    cej_active=330,  # estimate: at least the 319 with an allowance request
    cej_allowance_youths=319,
    cej_allowance_cents=54_457_400,  # « 544 574 € Montant des allocations demandées, 319 jeunes concernés »
    ppae_entries=170,  # « 170 jeunes demandeurs d'emploi sont entrés en suivi délégué France Travail »
    ppae_active=397,  # « 397 jeunes ont bénéficié de cet accompagnement en 2023 »
    employers=98,
    offers=216,
    referrals=1047,
    hires=160,  # « 98 entreprises », « 216 offres », « 1 047 positionnements »; hires estimated
    recruitment_sessions=6,
    recruitment_participants=40,  # estimate
    communes={
        "10268": 0.38,
        "10323": 0.24,
        "10006": 0.10,
        "10245": 0.08,
        "10333": 0.06,
        "10362": 0.06,
        "10034": 0.04,
        "10418": 0.04,
    },  # estimate: Romilly, Nogent and the rural communes around
    minors_rate=0.09,
    qpv_rate=0.07,
    rqth_rate=0.036,
    no_diploma_rate=0.33,
    neet_rate=0.91,  # « 9 % mineurs », « 7 % QPV », « 3,6 % RQTH », « 33 % sans diplôme », « 91 % NEET »
    aids={  # estimates: the report gives no aid figures
        "mobility_voucher": (80, 400_000, 70),
        "faj": (60, 600_000, 55),
        "service_ticket": (40, 200_000, 35),
        "housing": (10, 150_000, 10),
    },
    # « 44 % [des jeunes en CEJ] sont dans le secteur rural »: the communes outside Romilly and Nogent.
    zrr_communes=frozenset({"10006", "10245", "10333", "10362", "10034", "10418"}),
)

PROFILES = {p.name: p for p in (INNOVAM, NORD_OUEST_AUBOIS)}
