"""The messengers the product speaks, as the operator's files, settings and people name them.

The domain knows a platform only as an opaque name in an identity or an address. This table is
where those names meet the contract: the people file's user-id column of each messenger, the
partners file's channel column, the setting of the program's CAM channel. Each adapter in ``bot/``
serves the platform of the same name, so a fourth messenger is an adapter plus one row here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.addresses import Address
from domain.directory import IdentityColumn
from domain.i18n import N_


@dataclass(frozen=True)
class Messenger:
    platform: str
    label: str
    people_column: str | None = None
    """The people file's column holding this messenger's user ids (linked on first contact)."""
    channel_column: str | None = None
    """The partners file's column naming the partner's own channel for CAM alerts."""
    cam_channel_setting: str | None = None
    """The setting naming the program's channel for CAM alerts on this messenger."""


MESSENGERS: tuple[Messenger, ...] = (
    Messenger("slack", "Slack", "slack_user_id", "slack_channel", "slack_cam_channel"),
    Messenger("telegram", "Telegram", "telegram_user_id"),
    Messenger("console", N_("Terminal")),
)

PLATFORMS: tuple[str, ...] = tuple(m.platform for m in MESSENGERS)

PEOPLE_ID_COLUMNS = tuple(IdentityColumn(m.people_column, m.platform) for m in MESSENGERS if m.people_column)
PARTNER_CHANNEL_COLUMNS = tuple(IdentityColumn(m.channel_column, m.platform) for m in MESSENGERS if m.channel_column)


def program_cam_channel(read_setting: Callable[[str], Any]) -> Address | None:
    """The program's CAM channel: the first messenger whose CAM-channel setting is set."""
    for messenger in MESSENGERS:
        if messenger.cam_channel_setting:
            value = read_setting(messenger.cam_channel_setting)
            if value:
                return Address(messenger.platform, str(value))
    return None


def channel_address(setting_name: str, read_setting: Callable[[str], Any]) -> Address | None:
    """A channel setting as an address on the messenger whose name prefixes it (`slack_support_channel`)."""
    value = read_setting(setting_name)
    platform = next((m.platform for m in MESSENGERS if setting_name.startswith(m.platform + "_")), None)
    return Address(platform, str(value)) if value and platform else None


CAM_CHANNEL_SETTINGS: tuple[str, ...] = tuple(m.cam_channel_setting for m in MESSENGERS if m.cam_channel_setting)
