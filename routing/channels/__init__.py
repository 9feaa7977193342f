"""Channels that take a digest to people: e-mail, Slack and Microsoft Teams.

`channels_for(team)` turns a team's `deliver:` list into ready channels, reading the secrets it
names; a channel that cannot be set up raises `PermanentFailure` naming what is missing.
"""

from __future__ import annotations

from echolot.config.teams import EmailChannel, Team, WebhookChannel
from routing.channels.base import (
    REACTIONS,
    Channel,
    DeliveryFailure,
    Outgoing,
    OutgoingItem,
    PermanentFailure,
    Reaction,
    TransientFailure,
)
from routing.channels.email import EmailDelivery
from routing.channels.secrets import (
    ConnectionInfo,
    ConnectionLookup,
    environment_connection,
    smtp_settings,
    webhook_url,
)
from routing.channels.slack import SlackDelivery
from routing.channels.teams import TeamsDelivery

__all__ = [
    "REACTIONS",
    "Channel",
    "ConnectionInfo",
    "ConnectionLookup",
    "DeliveryFailure",
    "Outgoing",
    "OutgoingItem",
    "PermanentFailure",
    "Reaction",
    "TransientFailure",
    "channels_for",
    "environment_connection",
]


def channels_for(team: Team, lookup: ConnectionLookup = environment_connection) -> list[Channel]:
    channels: list[Channel] = []
    for config in team.deliver:
        if isinstance(config, EmailChannel):
            channels.append(EmailDelivery(config, smtp_settings(lookup)))
            continue
        assert isinstance(config, WebhookChannel)
        url = webhook_url(config.webhook_env, config.webhook_connection, lookup)
        source = (f"environment variable {config.webhook_env}" if config.webhook_env
                  else f"connection {config.webhook_connection}")  # fmt: skip
        kind = SlackDelivery if config.type == "slack" else TeamsDelivery
        channels.append(kind(config.name, url, source))
    return channels
