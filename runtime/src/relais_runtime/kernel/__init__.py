"""The domain kernel the three write services' domains share, free of infrastructure.

What a domain may import besides the contracts and eventsourcing's domain classes: errors that
become problem documents, calendar and age rules, the Europe/Paris zone, what a service knows of
a young person, the command context and the base of published events. Nothing here talks to a
database, Kafka or HTTP: `.importlinter` holds that line in CI.
"""
