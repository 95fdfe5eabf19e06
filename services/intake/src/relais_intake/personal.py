"""Personal data stays home: sealed with a key per young person, searchable only blindly.

- `PersonalDataVault` seals a young person's identity (name, birth date, contacts, address)
  with AES-GCM under a key of their own, kept in the `personal_data_keys` table of the vault
  database (`relais_intake_vault`, apart from the event store). The events hold only the sealed
  text; `erase` destroys the key, and every copy of that text — in events, backups, exports —
  becomes unreadable (crypto-shredding).
- The name search uses a blind index: HMACs of the normalised name words and their prefixes, so
  the index table holds no name in clear either.

A deleted row is not gone from disk: PostgreSQL leaves it in its page until the page is
rewritten. So both tables are hash-partitioned by young person into small partitions, and an
erasure rewrites (VACUUM FULL) the partitions that held that person's rows: the old files are
emptied at once, and the key's bytes are in no data file of the vault any more. What remains is
the write-ahead log until it is recycled, and backups until they expire: that is the erasure
delay the README states. SQLite files are opened with `secure_delete`, which overwrites what is
deleted.
"""

import base64
import hmac
import os
import unicodedata
import uuid
from datetime import date
from hashlib import sha256

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, ConfigDict
from relais_runtime.sql import dialect_of
from sqlalchemy import Boolean, Column, Connection, Engine, LargeBinary, MetaData, String, Table, Uuid, delete, select
from sqlalchemy import text as sql
from sqlalchemy.dialects import postgresql

metadata = MetaData()
PARTITIONS = 32  # a region's 400 000 keys: 12 500 a partition, rewritten in milliseconds
personal_data_keys = Table(
    "personal_data_keys",
    metadata,
    Column("jeune_id", Uuid, primary_key=True),
    Column("key", LargeBinary(32), nullable=False),
    postgresql_partition_by="HASH (jeune_id)",
)


class PersonalData(BaseModel):
    """Who the young person is. Lives in the intake store only, sealed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_name: str
    last_name: str
    birth_date: date
    email: str | None = None
    phone: str | None = None
    address: str | None = None


PERSONAL_FIELDS = frozenset(PersonalData.model_fields)


class PersonalDataVault:
    def __init__(self, engine: Engine):
        self.engine = engine
        create_vault_tables(engine)

    def _key(self, jeune_id: uuid.UUID, conn: Connection | None = None) -> bytes | None:
        query = select(personal_data_keys.c.key).where(personal_data_keys.c.jeune_id == jeune_id)
        if conn is not None:
            return conn.execute(query).scalar_one_or_none()
        with self.engine.connect() as own:
            return own.execute(query).scalar_one_or_none()

    def key_or_new(self, jeune_id: uuid.UUID) -> bytes:
        """The young person's key, made on first use (one round trip either way when new)."""
        # The key commits before any event that uses it: a crash leaves at worst an unused key.
        # Two first welcomes retried at once (same idempotency key, so same jeune_id) race here:
        # the first key inserted wins and both seal with it.
        with self.engine.begin() as conn:
            made = conn.execute(
                dialect_of(conn)
                .insert(personal_data_keys)
                .on_conflict_do_nothing(index_elements=["jeune_id"])
                .returning(personal_data_keys.c.key),
                {"jeune_id": jeune_id, "key": AESGCM.generate_key(bit_length=256)},
            ).scalar_one_or_none()
            if made is not None:
                return bytes(made)
            key = self._key(jeune_id, conn)
        assert key is not None
        return key

    def seal(self, jeune_id: uuid.UUID, data: PersonalData, key: bytes | None = None) -> str:
        """The personal data sealed under the young person's key (`key`, when the caller already
        holds it from `key_or_new`)."""
        nonce = os.urandom(12)
        sealed = AESGCM(key or self.key_or_new(jeune_id)).encrypt(
            nonce, orjson.dumps(data.model_dump(mode="json")), jeune_id.bytes
        )
        return base64.b64encode(nonce + sealed).decode()

    def is_kept(self, jeune_id: uuid.UUID) -> bool:
        """Whether this young person's key still exists (not erased)."""
        return self._key(jeune_id) is not None

    def digest(self, jeune_id: uuid.UUID, fields: dict[str, object], key: bytes | None = None) -> bytes:
        """An HMAC of personal fields under the young person's own key: it identifies a request
        for idempotency, and erasing the key makes it meaningless."""
        data = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
        return hmac.new(key or self.key_or_new(jeune_id), data, sha256).digest()

    def open(self, jeune_id: uuid.UUID, sealed: str, conn: Connection | None = None) -> PersonalData | None:
        """The personal data, or None once erased (`conn`: read within that transaction)."""
        key = self._key(jeune_id, conn)
        return None if key is None else self.open_with(jeune_id, sealed, key)

    def keys_of(self, jeune_ids: list[uuid.UUID], conn: Connection) -> dict[uuid.UUID, bytes]:
        """The keys of several young people in one query (those erased are missing)."""
        rows = conn.execute(
            select(personal_data_keys.c.jeune_id, personal_data_keys.c.key).where(
                personal_data_keys.c.jeune_id.in_(jeune_ids)
            )
        )
        return {r.jeune_id: bytes(r.key) for r in rows}

    def open_with(self, jeune_id: uuid.UUID, sealed: str, key: bytes) -> PersonalData:
        raw = base64.b64decode(sealed)
        return PersonalData.model_validate_json(AESGCM(key).decrypt(raw[:12], raw[12:], jeune_id.bytes))

    def erase(self, jeune_id: uuid.UUID) -> None:
        """Delete the key, the name index rows and the search card, then rewrite their partitions."""
        with self.engine.begin() as conn:
            conn.execute(delete(personal_data_keys).where(personal_data_keys.c.jeune_id == jeune_id))
            conn.execute(delete(directory).where(directory.c.jeune_id == jeune_id))
            conn.execute(delete(search_cards).where(search_cards.c.jeune_id == jeune_id))
        rewrite_partitions_of(self.engine, jeune_id)


def move_keys_to_vault(old: Engine, vault: PersonalDataVault) -> None:
    """Before the vault, keys and the name index lived in the event store's database: move the
    keys (the index is rebuilt by its follower) and drop the old tables, whose files go with them.
    Nothing to do on a store that never had them."""
    if old.dialect.name != "postgresql":
        return
    with old.connect() as conn:
        if conn.execute(sql("SELECT to_regclass('personal_data_keys')")).scalar_one() is None:
            return
        rows = [dict(r._mapping) for r in conn.execute(sql("SELECT jeune_id, key FROM personal_data_keys"))]
    if rows:
        with vault.engine.begin() as conn:
            conn.execute(
                postgresql.insert(personal_data_keys).on_conflict_do_nothing(index_elements=["jeune_id"]), rows
            )
    with old.begin() as conn:
        conn.execute(sql("DROP TABLE IF EXISTS personal_data_keys, youth_search_tokens"))
        conn.execute(sql("DELETE FROM follower_positions WHERE name LIKE 'youth-directory%'"))


def normalise(text: str) -> list[str]:
    """Lower-case words without accents: « Éloïse DUPONT-Lefèvre » → [eloise, dupont, lefevre]."""
    stripped = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(c if c.isalnum() else " " for c in stripped).split()
    return [w for w in words if w]


MIN_PREFIX = 2


class BlindIndex:
    """HMAC tokens of name words and their prefixes: search without names in clear."""

    def __init__(self, key: bytes):
        self.key = key

    def token(self, ml_id: str, word: str) -> str:
        return hmac.new(self.key, f"{ml_id}\x1f{word}".encode(), sha256).hexdigest()[:32]

    def tokens_of(self, ml_id: str, data: PersonalData) -> set[str]:
        words = normalise(f"{data.first_name} {data.last_name}")
        return {self.token(ml_id, w[:n]) for w in words for n in range(MIN_PREFIX, len(w) + 1)}

    def query_tokens(self, ml_id: str, query: str) -> list[str]:
        return [self.token(ml_id, w) for w in normalise(query) if len(w) >= MIN_PREFIX]


directory = Table(
    "youth_search_tokens",
    metadata,
    Column("ml_id", String(64), primary_key=True),
    Column("token", String(32), primary_key=True),
    Column("jeune_id", Uuid, primary_key=True),
    postgresql_partition_by="HASH (jeune_id)",
)
# What a search answers for each young person found, kept beside the name index so that a
# search reads one row per match (not the whole dossier): the sealed personal data (unreadable
# once the key is erased, and deleted with it) and whether the dossier is open.
search_cards = Table(
    "youth_search_cards",
    metadata,
    Column("jeune_id", Uuid, primary_key=True),
    Column("ml_id", String(64), nullable=False),
    Column("sealed", String, nullable=False),
    Column("closed", Boolean, nullable=False, default=False),
    postgresql_partition_by="HASH (jeune_id)",
)
PARTITIONED = (personal_data_keys, directory, search_cards)


def create_vault_tables(engine: Engine) -> None:
    """The tables, and on PostgreSQL their partitions; SQLite overwrites what it deletes."""
    metadata.create_all(engine)
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in PARTITIONED:
            for i in range(PARTITIONS):
                conn.execute(
                    sql(
                        f"CREATE TABLE IF NOT EXISTS {table.name}_p{i} PARTITION OF {table.name} "
                        f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {i})"
                    )
                )


def rewrite_partitions_of(engine: Engine, jeune_id: uuid.UUID) -> None:
    """Rewrite the partitions that held this young person's rows, so that their deleted bytes
    leave the data files (PostgreSQL); SQLite's secure_delete already overwrote them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        names = [
            conn.execute(
                sql(
                    f"SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    f"WHERE i.inhparent = '{table.name}'::regclass "
                    f"AND satisfies_hash_partition('{table.name}'::regclass, {PARTITIONS}, "
                    f"substring(c.relname from '_p([0-9]+)$')::int, CAST(:id AS uuid))"
                ),
                {"id": jeune_id},
            ).scalar_one()
            for table in PARTITIONED
        ]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in names:
            conn.execute(sql(f'VACUUM FULL "{name}"'))
