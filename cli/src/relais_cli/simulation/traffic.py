"""Live traffic: counselors' commands sent to the services' HTTP APIs at a target rate.

Open loop: a command is sent every 1/rate seconds whether or not the previous ones answered,
as real users would, so a slow service shows up as latency, not as a lower rate. The mix follows
a Mission Locale's day: first welcomes, interviews and workshops sharing their session (intake),
employers, their offers, contracts and trainings (employment), PACEA and CEJ entries, financial
aids and social referrals (dispositifs), for young people welcomed earlier in the run.
"""

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import httpx
from relais_runtime.auth import Role, issue_token
from relais_runtime.kernel.calendar import add_months
from relais_runtime.settings import SERVICE_PORTS, Settings

from relais_cli.simulation.profiles import Profile

YOUTH_FACTS_DELAY = 3.0  # seconds after a welcome before other services are asked about that young person
FIRST_NAMES = ("Inès", "Lucas", "Yasmine", "Hugo", "Chloé", "Rayan", "Léa", "Nathan", "Sarah", "Adam")
EMPLOYERS = ("Boulangerie", "Garage", "Transports", "Restaurant", "Menuiserie", "Supermarché", "Plomberie")
LAST_NAMES = ("Martin", "Bernard", "Diallo", "Petit", "Nguyen", "Moreau", "Traoré", "Laurent", "Roux", "Fontaine")


@dataclass
class Stats:
    sent: int = 0
    ok: int = 0
    failed: int = 0
    latencies: list[float] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)  # (service, status, problem type) → count
    retries: int = 0
    # Every command answered 201: (service, event id, path), what the system promised to keep.
    acknowledged: list[tuple[str, str, str]] = field(default_factory=list)

    def refusal_summary(self) -> str:
        return ", ".join(
            f"{service} {status} {kind} ×{n}" for (service, status, kind), n in self.refusals.most_common(5)
        )


class Traffic:
    def __init__(
        self,
        settings: Settings,
        profiles: dict[str, Profile],
        rate: float,
        seed: int,
        host: str = "127.0.0.1",
        ports: dict[str, int] | None = None,
        retry_for: float = 0.0,
    ):
        """`profiles`: each Mission Locale's id → the profile its young people are drawn from.
        `retry_for`: as a careful client does, send each command with an Idempotency-Key and
        send it again (same key) while the service is unreachable or answers 5xx, for up to
        that many seconds (0: once, no key)."""
        self.rate = rate
        self.profiles = profiles
        self.ml_ids = ml_ids = list(profiles)
        self.rnd = random.Random(seed)
        self.base = {s: f"http://{host}:{p}" for s, p in (ports or SERVICE_PORTS).items()}
        self.retry_for = retry_for
        token = issue_token(settings, sub="simulator", role=Role.COUNSELOR, ml_ids=ml_ids)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.youths: dict[str, list[str]] = {ml: [] for ml in ml_ids}
        self.births: dict[str, date] = {}
        self.welcomed_at: dict[str, float] = {}
        self.enrolled: set[tuple[str, str]] = set()  # (jeune_id, programme family) asked for once
        # Each Mission Locale's employers (registered during the run) and its workshop of the
        # moment: attendees share its session id until the next one starts.
        self.employers: dict[str, list[str]] = {ml: [] for ml in ml_ids}
        self.workshop: dict[str, str] = {ml: str(uuid.uuid4()) for ml in ml_ids}
        self.stats = Stats()

    def _welcome(self, ml: str) -> dict:
        r, p = self.rnd, self.profiles[ml]
        birth = date.today() - timedelta(days=365 * r.randint(16, 25) + r.randint(0, 364))
        return {
            "first_name": r.choice(FIRST_NAMES),
            "last_name": r.choice(LAST_NAMES),
            "birth_date": birth.isoformat(),
            "site": "SIEGE",
            "referral_source": r.choice(["self", "france_travail", "family_friends", "school"]),
            "requests": ["employment"],
            "profile": {
                "sex": "F" if r.random() < p.female_rate else "M",
                "commune_insee": r.choices(list(p.communes), weights=list(p.communes.values()))[0],
                "qpv": r.random() < p.qpv_rate,
                "zrr": False,
                "education_level": r.choice([3, 3, 4, 5]),
                "diploma": r.random() >= p.no_diploma_rate,
                "rqth": r.random() < p.rqth_rate,
                "housing": "parents",
                "driving_licence": r.random() < 0.3,
                "has_car": False,
                "children": 0,
                "nationality_zone": "fr",
                "france_travail_registered": r.random() < 0.4,
                "neet": True,
            },
        }

    def next_command(self) -> tuple[str, str, dict]:
        r = self.rnd
        ml = r.choice(self.ml_ids)
        known = self.youths[ml]
        roll = r.random()
        if not known or roll < 0.25:
            return "intake", f"/v1/{ml}/youths", self._welcome(ml)
        jeune = r.choice(known)
        start = date.today()
        if roll >= 0.62 and time.monotonic() - self.welcomed_at.get(jeune, 0) < YOUTH_FACTS_DELAY:
            roll = 0.5  # dispositifs and employment learn of a welcome through Kafka: an interview meanwhile
        if 0.78 <= roll < 0.86:
            entry = self._programme_entry(ml, jeune, start)
            if entry:
                return entry
            roll = 0.5  # nothing this young person may still enter: an interview instead
        if roll < 0.62:
            nature = r.choice(["individual_interview", "individual_interview", "workshop", "phone"])
            event = {"nature": nature, "mode": "on_site", "themes": ["employment"]}
            if nature == "workshop":
                if r.random() < 1 / 6:  # about six attendees a workshop
                    self.workshop[ml] = str(uuid.uuid4())
                event["session_id"] = self.workshop[ml]
            return "intake", f"/v1/{ml}/youths/{jeune}/events", event
        if roll < 0.72:
            return self._employment(ml, jeune, start)
        if roll < 0.78:
            return (
                "employment",
                f"/v1/{ml}/youths/{jeune}/trainings",
                {
                    "training_type": "qualifying",
                    "funder": "region",
                    "regional_plan": True,
                    "start_date": start.isoformat(),
                    "end_date": (start + timedelta(days=120)).isoformat(),
                },
            )
        if roll < 0.93:
            return (
                "dispositifs",
                f"/v1/{ml}/youths/{jeune}/aids",
                {
                    "kind": r.choice(["mobility_voucher", "service_ticket", "faj", "faj", "housing"]),
                    "amount_cents": r.choice([5_000, 10_000, 15_000, 30_000]),
                    "funder": r.choice(["departement", "region", "ml"]),
                },
            )
        return (
            "dispositifs",
            f"/v1/{ml}/youths/{jeune}/referrals",
            {
                "domain": r.choice(["housing", "health", "mental_health", "rights", "justice"]),
                "partner": "partenaire-local",
            },
        )

    def _employment(self, ml: str, jeune: str, start: date) -> tuple[str, str, dict]:
        """A contract, most with one of the employers registered so far; now and then an employer
        registered, or one of its offers received."""
        r, employers = self.rnd, self.employers[ml]
        sector = r.choice("DGHIN")
        if not employers or r.random() < 0.05:
            body = {"name": f"{r.choice(EMPLOYERS)} {r.choice(LAST_NAMES)}", "sector": sector, "size_band": "0-9"}
            return "employment", f"/v1/{ml}/employers", body | {"commune_insee": self._town(ml)}
        contract_type = r.choice(["CDD", "CDD", "INTERIM", "CDI"])
        if r.random() < 0.1:
            offer = {"employer_id": r.choice(employers), "sector": sector, "contract_type": contract_type}
            return "employment", f"/v1/{ml}/offers", offer | {"positions": 1, "commune_insee": self._town(ml)}
        end = None if contract_type == "CDI" else (start + timedelta(days=90)).isoformat()
        body = {
            "contract_type": contract_type,
            "start_date": start.isoformat(),
            "end_date": end,
            "weekly_hours": 35,
            "sector": sector,
        }
        if r.random() < 0.6:
            body["employer_id"] = r.choice(employers)
        return "employment", f"/v1/{ml}/youths/{jeune}/contracts", body

    def _town(self, ml: str) -> str:
        communes = self.profiles[ml].communes
        return self.rnd.choices(list(communes), weights=list(communes.values()))[0]

    def _programme_entry(self, ml: str, jeune: str, start: date) -> tuple[str, str, dict] | None:
        """A PACEA, or a CEJ for a young person far enough from 26 to do six months of it; one of
        them at most per young person (never both at once: Code du travail L5131-4 to L5131-6)."""
        birth = self.births.get(jeune)
        young_enough = birth is not None and birth > add_months(start, -25 * 12)
        if any((jeune, p) in self.enrolled for p in ("PACEA", "CEJ")):
            return None
        open_to = ["PACEA", "CEJ"] if young_enough else ["PACEA"]
        programme = self.rnd.choice(open_to)
        self.enrolled.add((jeune, programme))
        body = {"programme": programme, "start_date": start.isoformat()}
        if programme == "CEJ":
            body |= {"planned_end_date": (start + timedelta(days=200)).isoformat(), "weekly_hours": 15}
        return "dispositifs", f"/v1/{ml}/youths/{jeune}/programmes", body

    async def _post(self, client: httpx.AsyncClient, service: str, path: str, body: dict) -> httpx.Response:
        if not self.retry_for:
            return await client.post(self.base[service] + path, json=body, headers=self.headers)
        headers = {**self.headers, "Idempotency-Key": str(uuid.uuid4())}
        deadline = time.monotonic() + self.retry_for
        while True:
            try:
                r = await client.post(self.base[service] + path, json=body, headers=headers)
                if r.status_code < 500 or time.monotonic() > deadline:
                    return r
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            self.stats.retries += 1
            await asyncio.sleep(0.5)

    async def _send(self, client: httpx.AsyncClient, service: str, path: str, body: dict) -> None:
        started = time.perf_counter()
        try:
            r = await self._post(client, service, path, body)
            ok = r.status_code == 201
            if ok and self.retry_for:  # only a bounded run (the fault suite) keeps what was acknowledged
                self.stats.acknowledged.append((service, r.json()["event_id"], path))
            if not ok:
                kind = (
                    r.json().get("type", "").rsplit("/", 1)[-1] if "json" in r.headers.get("content-type", "") else ""
                )
                self.stats.refusals[(service, r.status_code, kind)] += 1
            if ok and path.endswith("/employers"):
                self.employers[path.split("/")[2]].append(r.json()["id"])
            if ok and path.endswith("/youths"):
                self.youths[path.split("/")[2]].append(r.json()["id"])
                self.births[r.json()["id"]] = date.fromisoformat(body["birth_date"])
                self.welcomed_at[r.json()["id"]] = time.monotonic()
        except httpx.HTTPError as exc:
            ok = False
            self.stats.refusals[(service, 0, type(exc).__name__)] += 1
        self.stats.latencies.append(time.perf_counter() - started)
        self.stats.ok += ok
        self.stats.failed += not ok

    async def run(self, duration: float | None, on_tick=None, mounts: dict | None = None) -> Stats:
        """Send commands for `duration` seconds (None: until cancelled). `mounts` routes base
        URLs to other transports (tests send the traffic to in-process services)."""
        interval = 1 / self.rate
        pending: set[asyncio.Task] = set()
        async with httpx.AsyncClient(timeout=30, mounts=mounts) as client:
            started = time.perf_counter()
            while duration is None or time.perf_counter() - started < duration:
                task = asyncio.create_task(self._send(client, *self.next_command()))
                pending.add(task)
                task.add_done_callback(pending.discard)
                self.stats.sent += 1
                if on_tick:
                    on_tick(self.stats)
                await asyncio.sleep(max(0.0, started + self.stats.sent * interval - time.perf_counter()))
            if pending:
                await asyncio.wait(pending, timeout=30 + self.retry_for)
        return self.stats
