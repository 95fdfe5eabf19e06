"""The local stack: genuine Apache Kafka (KRaft, one node) and PostgreSQL, on 127.0.0.1 only,
with their data under `.relais/` (git-ignored). Driven by `relais stack up|down|status`."""
