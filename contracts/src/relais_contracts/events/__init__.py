"""Every event payload of the catalogue (events.md), one module per producing service."""
