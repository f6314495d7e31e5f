"""The built-in ingest sources, registered through the ``jsna.sources`` entry point."""

from jsna.ingest.activity import ActivitySource
from jsna.ingest.analysis_inputs import PopulationTotalsSource, PrevalenceSource, SpendSource
from jsna.ingest.assessments import AssessmentsSource
from jsna.ingest.deprivation import DeprivationSource
from jsna.ingest.ees import EesSource
from jsna.ingest.events import DeathsSource, EventsSource
from jsna.ingest.fingertips import FingertipsSource
from jsna.ingest.geography import BoundariesSource, LookupSource
from jsna.ingest.indicator_long import IndicatorSource
from jsna.ingest.pcn import PcnSource, RegistrationsLsoaSource
from jsna.ingest.phb import PhbBudgetsSource, PhbUptakeSource
from jsna.ingest.population import PopulationSource
from jsna.ingest.practice_counts import PracticeCountsSource
from jsna.ingest.published import PublishedSource
from jsna.ingest.registrations import RegistrationsSource
from jsna.ingest.survey import SurveySource

SOURCES = [
    PopulationSource(),
    DeathsSource(),
    EventsSource(),
    FingertipsSource(),
    IndicatorSource(),
    PublishedSource(),
    EesSource(),
    DeprivationSource(),
    BoundariesSource(),
    LookupSource(),
    RegistrationsSource(),
    PracticeCountsSource(),
    RegistrationsLsoaSource(),
    PcnSource(),
    PhbUptakeSource(),
    PhbBudgetsSource(),
    AssessmentsSource(),
    SurveySource(),
    ActivitySource(),
    SpendSource(),
    PrevalenceSource(),
    PopulationTotalsSource(),
]
