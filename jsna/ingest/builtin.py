"""The built-in ingest sources, registered through the ``jsna.sources`` entry point."""

from jsna.ingest.deprivation import DeprivationSource
from jsna.ingest.events import DeathsSource, EventsSource
from jsna.ingest.fingertips import FingertipsSource
from jsna.ingest.geography import BoundariesSource, LookupSource
from jsna.ingest.population import PopulationSource

SOURCES = [
    PopulationSource(),
    DeathsSource(),
    EventsSource(),
    FingertipsSource(),
    DeprivationSource(),
    BoundariesSource(),
    LookupSource(),
]
