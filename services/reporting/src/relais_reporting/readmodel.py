"""The reporting read models: one row per distinct event, shaped for the indicator queries.

Folding appends (an event is never updated), so its cost per event stays flat however long the
history; de-duplication is the primary key on `event_id`. Everything that depends on other events
(cancellations, the latest profile, exits, `as_of`) is resolved when a query runs, which is what
makes the answer independent of the order in which events arrived.

Instants are stored as integer microseconds since the epoch (UTC) and calendar dates as
`YYYY-MM-DD` text, so the same queries run on PostgreSQL (live) and SQLite (the auditor's CLI).
"""

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, MetaData, SmallInteger, String, Table, Text, Uuid

metadata = MetaData()

events = Table(
    "report_events",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("ml_id", String(64), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("jeune_id", Uuid),
    Column("stream_id", Uuid, nullable=False),
    Column("stream_position", Integer, nullable=False),
    Column("business_date", String(10), nullable=False),  # indicators.md, rule 1
    Column("occurred_us", BigInteger, nullable=False),
    Column("recorded_us", BigInteger, nullable=False),
    Column("actor_id", String(128), nullable=False),
    # What the indicators need of each type (null where it does not apply).
    Column("nature", String(32)),  # DossierEventRecorded
    Column("session_id", Uuid),  # DossierEventRecorded
    Column("cancelled_event_id", Uuid),  # DossierEventCancelled, EntryCancelled
    Column("programme", String(32)),  # programmes and allowances
    # situation kind, exit situation, aid kind, referral domain, outcome; a welcome's referral source
    Column("category", String(32)),
    Column("amount_cents", BigInteger),  # allowances and aids
    Column("contract_type", String(32)),  # ContractSigned, JobOfferReceived
    Column("durable", Boolean),  # ContractSigned: a durable job contract (v2.md)
    Column("employer_id", Uuid),  # JobOfferReceived
    Column("sector", String(1)),  # JobOfferReceived, ContractSigned, RecruitmentSessionHeld: ROME domain
    Column("planned_end", String(10)),  # ProgrammeEntered's planned end, ProgrammeExtended's new one
    Column("objective_year", SmallInteger),  # ObjectiveSet
    Column("target", Integer),  # ObjectiveSet
    Column("mode", String(16)),  # FirstWelcomeRecorded, DossierEventRecorded: on_site, remote, outreach
    Column("tags", String(300)),  # the welcome's requests, the dossier event's themes: sorted, comma-joined
    # TrainingEntered's training type, ImmersionStarted's objective, ProgrammeExited's reason,
    # ContractSigned's term (fixed_term, open_ended)
    Column("kind", String(32)),
    Column("funder", String(16)),  # TrainingEntered
    Column("regional_plan", Boolean),  # TrainingEntered: under the Region's training plan
    Column("participants", SmallInteger),  # RecruitmentSessionHeld: how many young people took part
    Column("partner", String(64)),  # ProgrammeEntered (CEJ-JR...), SocialReferralMade: the partner's code
    Column("envelope", Text, nullable=False),  # the event as published, for timelines and audits
    Index("ix_report_events_period", "ml_id", "event_type", "business_date"),
    Index("ix_report_events_jeune", "jeune_id"),
    Index("ix_report_events_type_date", "event_type", "business_date"),
)

# FirstWelcomeRecorded and ProfileUpdated, one row each, the fields they carry (null: unchanged).
profiles = Table(
    "report_profiles",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("ml_id", String(64), nullable=False),
    Column("jeune_id", Uuid, nullable=False),
    Column("occurred_us", BigInteger, nullable=False),
    Column("recorded_us", BigInteger, nullable=False),
    Column("business_date", String(10), nullable=False),
    Column("stream_position", Integer, nullable=False),
    Column("birth_month", String(7)),
    Column("sex", String(1)),
    Column("commune_insee", String(5)),
    Column("qpv", Boolean),
    Column("zrr", Boolean),
    Column("education_level", SmallInteger),
    Column("diploma", Boolean),
    Column("rqth", Boolean),
    Column("neet", Boolean),
    Column("driving_licence", Boolean),
    Column("housing", String(24)),
    Column("has_car", Boolean),
    Column("children", SmallInteger),
    Column("nationality_zone", String(8)),
    Column("france_travail_registered", Boolean),
    Column("site", String(64)),  # the dossier's site, set by the first welcome
    Column("welcome", Boolean),  # a FirstWelcomeRecorded's row (its profile is the welcome's own)
    Index("ix_report_profiles_jeune", "jeune_id"),
    # One Mission Locale's profiles up to a period's end (rule 7), without reading the others'.
    Index("ix_report_profiles_ml_date", "ml_id", "business_date"),
)

# Events this code could not interpret (unknown type, newer version): counted, never folded.
skipped = Table(
    "report_skipped",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("ml_id", String(64)),
    Column("recorded_us", BigInteger),
    Column("reason", String(200), nullable=False),
)

# One row per Mission Locale ('' for skipped events that name none): a token the projection
# replaces in the same transaction as each batch that touches that Mission Locale. The live API
# keeps each Mission Locale's figures until its token changes (cache.py).
changes = Table(
    "report_changes",
    metadata,
    Column("ml_id", String(64), primary_key=True),
    Column("token", String(32), nullable=False),
)

# The version of the fold's rules the stored rows were derived with (projection.py).
fold_rules = Table("report_fold_rules", metadata, Column("version", Integer, nullable=False))

PROFILE_FIELDS = (
    "birth_month",
    "sex",
    "commune_insee",
    "qpv",
    "zrr",
    "education_level",
    "diploma",
    "rqth",
    "neet",
    "driving_licence",
    "housing",
    "has_car",
    "children",
    "nationality_zone",
    "france_travail_registered",
)
# What a young person's attributes hold (rule 7): the profile's fields and the dossier's site.
ATTRIBUTES = (*PROFILE_FIELDS, "site")
READ_MODEL_TABLES = (events, profiles, skipped)
