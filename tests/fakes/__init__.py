"""Local fake servers of the Slack Web API and the Telegram Bot API, and builders of the payloads
those platforms send us, so adapter tests drive the real SDK clients over HTTP (no mocks)."""

from tests.fakes._server import Call
from tests.fakes.slack_api import DEFAULT_SLACK_TOKEN, FakeSlackAPI, SlackUser
from tests.fakes.slack_payloads import (
    app_home_opened_event,
    app_mention_event,
    block_actions_payload,
    event_body,
    event_callback,
    form_body,
    interaction_body,
    message_event,
    reaction_added_event,
    slack_signed_request,
    slash_command_body,
    url_verification_body,
    view_submission_payload,
)
from tests.fakes.telegram_api import DEFAULT_TELEGRAM_TOKEN, FakeTelegramAPI
from tests.fakes.telegram_updates import (
    tg_callback_query_update,
    tg_channel_post_update,
    tg_edited_message_update,
    tg_group_chat,
    tg_message,
    tg_message_update,
    tg_photo_update,
    tg_private_chat,
    tg_start_update,
    tg_sticker_update,
    tg_user,
)

__all__ = [
    "DEFAULT_SLACK_TOKEN",
    "DEFAULT_TELEGRAM_TOKEN",
    "Call",
    "FakeSlackAPI",
    "FakeTelegramAPI",
    "SlackUser",
    "app_home_opened_event",
    "app_mention_event",
    "block_actions_payload",
    "event_body",
    "event_callback",
    "form_body",
    "interaction_body",
    "message_event",
    "reaction_added_event",
    "slack_signed_request",
    "slash_command_body",
    "tg_callback_query_update",
    "tg_channel_post_update",
    "tg_edited_message_update",
    "tg_group_chat",
    "tg_message",
    "tg_message_update",
    "tg_photo_update",
    "tg_private_chat",
    "tg_start_update",
    "tg_sticker_update",
    "tg_user",
    "url_verification_body",
    "view_submission_payload",
]
