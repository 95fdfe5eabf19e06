"""Prometheus metrics shared by every service (one registry per process, served on /metrics)."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "relais_http_requests_total",
    "HTTP requests answered, by route and status code.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "relais_http_request_seconds",
    "HTTP request latency.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
COMMANDS = Counter(
    "relais_commands_total",
    "Commands handled, by command type and outcome (ok, rejected, conflict, error).",
    ["service", "command", "outcome"],
)
EVENTS_PUBLISHED = Counter(
    "relais_events_published_total",
    "Events the outbox relay published and the broker acknowledged.",
    ["topic"],
)
RELAY_POSITION = Gauge(
    "relais_relay_position",
    "Last notification id of the event store acknowledged by Kafka.",
    ["topic"],
)
RELAY_LAG = Gauge(
    "relais_relay_lag_events",
    "Events stored but not yet acknowledged by Kafka.",
    ["topic"],
)
RELAY_LEADER = Gauge(
    "relais_relay_leader",
    "1 on the replica that holds the event store's leader lock and relays it, 0 on the others.",
    ["topic"],
)
RELAY_ERRORS = Counter(
    "relais_relay_errors_total",
    "Relay cycles that failed and will be retried from the stored position.",
    ["topic"],
)
EVENTS_CONSUMED = Counter(
    "relais_events_consumed_total",
    "Events a consumer applied to its tables, by consumer group and topic.",
    ["group", "topic"],
)
EVENTS_SKIPPED = Counter(
    "relais_events_skipped_total",
    "Events skipped: unknown event type or newer schema version than this code knows.",
    ["group", "topic", "reason"],
)
DUPLICATES_DROPPED = Counter(
    "relais_duplicates_dropped_total",
    "Messages dropped because their offset or event_id was already applied.",
    ["group", "topic"],
)
DEAD_LETTERS = Counter(
    "relais_dead_letters_total",
    "Messages sent to a .dlq topic because they could not be decoded or validated.",
    ["group", "topic"],
)
FOLD_SECONDS = Histogram(
    "relais_fold_batch_seconds",
    "Time to apply one consumed batch and store its offsets, in one transaction.",
    ["group"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
CONSUMER_LAG = Gauge(
    "relais_consumer_lag_messages",
    "Messages on the partition not yet applied by the consumer group.",
    ["group", "topic", "partition"],
)
