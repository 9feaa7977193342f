"""The listening-project configuration: one YAML file, validated strictly.

Unknown keys are errors (a typo must not silently disable a routing rule), and every error
names the file and the key path. Secrets never live here: credentials come from the environment.

One module per section of the file, so a setting lives next to its neighbours:

    base        Strict (the forbid-extra, frozen base model), Name, FindingKind, Severity
    brands      brands, competitors, product areas, products
    sources     x, reddit, file sources (the `Source` union)
    campaigns   campaigns and owned accounts
    teams       routing per team: filters, detail, cadence
    nlp         languages, sentiment models, embeddings, intents, topics
    influence   reach stage weights and opinion-leader rules
    findings    detector tuning
    project     ProjectConfig (every section) and Schedule
    loader      load_config: YAML -> ProjectConfig, with errors naming file and key path
"""

from echolot.config.base import FindingKind, Name, Severity, Strict
from echolot.config.brands import Brand, Product, ProductArea
from echolot.config.campaigns import Campaign, OwnedAccount
from echolot.config.findings import (
    EmergingTopicSettings,
    FindingSettings,
    SentimentShiftSettings,
    VolumeSpikeSettings,
)
from echolot.config.influence import ComponentWeights, EdgeWeights, InfluenceSettings, LeaderRule
from echolot.config.loader import load_config
from echolot.config.nlp import (
    EmbeddingSettings,
    IntentName,
    IntentRules,
    NlpSettings,
    SentimentModelChoice,
    TopicSettings,
)
from echolot.config.project import ProjectConfig, Schedule
from echolot.config.sources import ColumnMapping, FileSource, RedditSource, Source, XSource
from echolot.config.teams import Cadence, Team, TeamFilters

__all__ = [
    "Brand",
    "Cadence",
    "Campaign",
    "ColumnMapping",
    "ComponentWeights",
    "EdgeWeights",
    "EmbeddingSettings",
    "EmergingTopicSettings",
    "FileSource",
    "FindingKind",
    "FindingSettings",
    "InfluenceSettings",
    "IntentName",
    "IntentRules",
    "LeaderRule",
    "Name",
    "NlpSettings",
    "OwnedAccount",
    "Product",
    "ProductArea",
    "ProjectConfig",
    "RedditSource",
    "Schedule",
    "SentimentModelChoice",
    "SentimentShiftSettings",
    "Severity",
    "Source",
    "Strict",
    "Team",
    "TeamFilters",
    "TopicSettings",
    "VolumeSpikeSettings",
    "XSource",
    "load_config",
]
