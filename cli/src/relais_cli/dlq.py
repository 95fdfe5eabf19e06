"""`relais dlq`: what the consumers set aside, and why.

A consumer that cannot decode or validate a message publishes it to `<topic>.dlq` with headers
saying where it came from and what was wrong (runtime/consumer.py), then goes on. This reads
those topics from the beginning. The message itself is not printed unless asked: a malformed
message may carry what should never have left a service.
"""

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from relais_contracts import dlq_topic
from relais_runtime.kafka import read_to_end
from relais_runtime.kernel.calendar import PARIS
from relais_runtime.settings import Settings


@dataclass(frozen=True)
class DeadLetter:
    at: str  # when it was set aside, Paris time
    where: str  # <topic>.dlq[partition]@offset
    original: str  # <topic>[partition]@offset it came from
    consumer_group: str  # which consumer could not read it
    error: str
    size: int
    value: str | None = None  # the message, only with --show-value

    def line(self) -> str:
        text = f"{self.at}  {self.original:<28} {self.consumer_group:<24} {self.error}"
        return text if self.value is None else f"{text}\n    {self.value}"


async def dead_letters(settings: Settings, topics: list[str], show_value: bool = False) -> list[DeadLetter]:
    records = await read_to_end(settings, [dlq_topic(t) for t in topics])
    letters = []
    for r in sorted(records, key=lambda r: (r.timestamp, r.topic, r.partition, r.offset)):
        h = {k: v.decode("utf-8", "replace") for k, v in r.headers or ()}
        letters.append(
            DeadLetter(
                at=datetime.fromtimestamp(r.timestamp / 1000, UTC).astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S"),
                where=f"{r.topic}[{r.partition}]@{r.offset}",
                original=(
                    f"{h.get('original_topic', '?')}[{h.get('original_partition', '?')}]"
                    f"@{h.get('original_offset', '?')}"
                ),
                consumer_group=h.get("consumer_group", "?"),
                error=h.get("error", "?"),
                size=len(r.value or b""),
                value=(r.value or b"").decode("utf-8", "replace") if show_value else None,
            )
        )
    return letters


def as_json_lines(letters: list[DeadLetter]) -> str:
    return "\n".join(
        json.dumps({k: v for k, v in asdict(d).items() if v is not None}, ensure_ascii=False) for d in letters
    )
