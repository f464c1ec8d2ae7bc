"""The sender's view of Slack: post and update messages, and say what each failure means.

The client used here has no rate-limit retry handler: a 429 becomes `RetryAfter` so the sender
postpones the row and backs off the pacing key instead of blocking a delivery slot. Connection errors
get one quick retry from slack_sdk; anything else that is temporary becomes `TransientError`.

Pacing (`limits`): Slack allows about one message per second per channel ("1/s per Slack channel" in
DOMAIN.md) and publishes no fixed per-app figure for chat.postMessage, so the whole workspace is capped at
`workspace_rate` messages per second (default 20), well under the bursts Slack tolerates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.slack.blocks import render_message
from bot.transport import DeliveryError, MessageGone, PermanentError, RetryAfter, TransientError
from handlers.model import Attachment, Message

logger = logging.getLogger(__name__)

GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed", "thread_not_found"})
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "channel_is_archived",
        "user_not_found",
        "users_not_found",
        "user_not_in_channel",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "restricted_action",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "msg_too_long",
        "no_text",
        "invalid_blocks",
        "invalid_blocks_format",
        "team_access_not_granted",
    }
)
TRACE_EVENT = "partnerbot_delivery"
TRACE_SLACK = 300.0  # seconds: clock skew between us and Slack when looking back for a traced message
TEMPORARY = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"})


def transport_client(token: str, base_url: str) -> AsyncWebClient:
    """A Web API client for deliveries: no built-in 429 retries, one retry on a dropped connection."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=1)],
    )


def _header(response: Any, name: str) -> str | None:
    headers = getattr(response, "headers", None) or {}
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def delivery_error(exc: BaseException) -> DeliveryError:
    """Translate a slack_sdk/aiohttp failure into what the sender understands."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 200)
        code = str(response.get("error", "")) if response is not None else ""
        if status == 429 or code == "ratelimited":
            raw = _header(response, "Retry-After")
            try:
                seconds = max(float(raw), 0.0) if raw is not None else 1.0
            except ValueError:
                seconds = 1.0
            return RetryAfter(seconds)
        if status >= 500 or code in TEMPORARY:
            return TransientError(f"slack {status} {code}")
        if code in GONE:
            return MessageGone(code)
        if code not in PERMANENT:
            logger.warning("unexpected Slack error %r; not retrying", code)
        return PermanentError(code or f"http {status}")
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ClientError, ConnectionError, OSError)):
        return TransientError(type(exc).__name__)
    return PermanentError(type(exc).__name__)


async def call(request: Callable[[], Awaitable[AsyncSlackResponse]]) -> AsyncSlackResponse:
    """Run one Web API call, raising only `DeliveryError`s."""
    try:
        return await request()
    except (TimeoutError, SlackApiError, aiohttp.ClientError, ConnectionError, OSError) as exc:
        raise delivery_error(exc) from exc


class SlackTransport:
    """`Transport` for Slack: pushes go to a channel id, or to a user id / D… channel for a DM."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, *, workspace_rate: float = 20.0, channel_interval: float = 1.0):
        self.client = client
        self.workspace_interval = 1.0 / workspace_rate
        self.channel_interval = channel_interval
        self._dm: dict[str, str] = {}

    async def post(
        self, channel: str, message: Message, *, thread_ts: str | None = None, trace: str | None = None
    ) -> AsyncSlackResponse:
        """chat.postMessage; should Slack still refuse our blocks, the text alone is sent."""
        text, blocks = render_message(message)
        metadata = {"event_type": TRACE_EVENT, "event_payload": {"key": trace}} if trace else None
        try:
            return await call(
                lambda: self.client.chat_postMessage(
                    channel=channel,
                    text=text,
                    blocks=blocks or None,
                    thread_ts=thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=metadata,
                )
            )
        except PermanentError as exc:
            if str(exc) not in ("invalid_blocks", "invalid_blocks_format"):
                raise
            # Our renderer should have prevented this; the text still reaches the person.
            logger.error("Slack refused our blocks (%s); sending the text only", exc.__cause__)
            return await call(
                lambda: self.client.chat_postMessage(
                    channel=channel, text=text, thread_ts=thread_ts, unfurl_links=False, metadata=metadata
                )
            )

    async def send(self, chat_id: str, message: Message) -> str:
        return await self.send_traced(chat_id, message, None)

    async def send_traced(self, chat_id: str, message: Message, trace: str | None) -> str:
        """chat.postMessage carrying the outbox row's key in its message metadata (`find_traced`)."""
        response = await self.post(chat_id, message, thread_ts=message.in_reply_to, trace=trace)
        channel = str(response.get("channel") or chat_id)
        if channel != chat_id:
            self._dm[chat_id] = channel  # a user id was given: remember its DM for later edits
        if message.attachment is not None:  # in the message's thread, so the two stay together
            try:
                await self.upload(channel, message.attachment, thread_ts=str(response["ts"]))
            except DeliveryError as exc:  # the message is delivered; a retry would post it twice
                logger.warning("slack: %s not uploaded to %s: %s", message.attachment.filename, channel, exc)
        return str(response["ts"])

    async def upload(self, channel: str, attachment: Attachment, *, thread_ts: str | None = None) -> None:
        """files.getUploadURLExternal → upload → files.completeUploadExternal (files_upload_v2)."""
        await call(
            lambda: self.client.files_upload_v2(
                channel=channel,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.title or attachment.filename,
                thread_ts=thread_ts,
            )
        )

    async def find_traced(self, chat_id: str, trace: str, since: dt.datetime) -> str | None:
        """The ts of our message carrying `trace`, posted since `since`; None when it never arrived.

        After an interrupted send this tells "Slack has it" from "Slack never got it" (conversations.history
        needs the channels/groups/im:history scopes the manifest asks for). Delivery errors propagate,
        so an unanswered question retries later instead of guessing.
        """
        channel = await self._channel(chat_id)
        oldest = f"{since.timestamp() - TRACE_SLACK:.6f}"
        cursor: str | None = None
        for _page in range(10):
            response = await call(
                lambda page=cursor: self.client.conversations_history(
                    channel=channel, oldest=oldest, include_all_metadata=True, limit=200, cursor=page
                )
            )
            for found in response.get("messages") or []:
                metadata = found.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == TRACE_EVENT and payload.get("key") == trace:
                    return str(found["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not response.get("has_more") or not cursor:
                break
        return None

    async def _channel(self, chat_id: str) -> str:
        """chat.update needs the channel id; a DM addressed by user id is resolved once."""
        if chat_id in self._dm:
            return self._dm[chat_id]
        if chat_id[:1] in ("U", "W"):
            opened = await call(lambda: self.client.conversations_open(users=chat_id))
            self._dm[chat_id] = str(opened["channel"]["id"])
            return self._dm[chat_id]
        return chat_id

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        channel = await self._channel(chat_id)
        text, blocks = render_message(message)
        await call(lambda: self.client.chat_update(channel=channel, ts=message_id, text=text, blocks=blocks))

    def limits(self, chat_id: str) -> list[tuple[str, float]]:
        return [(f"slack:chat:{chat_id}", self.channel_interval), ("slack:workspace", self.workspace_interval)]
