"""The dispositifs event-sourced application (commands land here, events leave through the relay)."""

from relais_runtime.eventstore import RelaisApplication
from relais_runtime.settings import Settings


class DispositifsApplication(RelaisApplication):
    def __init__(self, settings: Settings):
        super().__init__(settings, service="dispositifs")
