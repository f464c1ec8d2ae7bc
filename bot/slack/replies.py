"""How each neutral answer is shown on Slack: messages, edits, ephemeral notices and modals.

Kept apart from the adapter's plumbing; `SlackAdapter` mixes this in and supplies the clients.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.blocks import form_metadata, modal_view, render_message
from bot.slack.transport import SlackTransport, call
from bot.transport import DeliveryError, MessageGone
from handlers.model import Chat, ChatKind, Edit, InPrivate, Message, Notice, OpenForm, Reply, ReplyItem, Request

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.app import App

logger = logging.getLogger(__name__)
PLATFORM = "slack"


@dataclass
class Origin:
    """Where a request came from on Slack, and so how each kind of answer reaches the person."""

    user_id: str
    chat: Chat
    trigger_id: str | None = None
    response_url: str | None = None
    message_ts: str | None = None
    message_ephemeral: bool = False
    thread_ts: str | None = None
    ephemeral: bool = False


class Replies:
    """Answer delivery; needs `client`, `replies`, `app`, `_session` and `dm_channel` from the adapter."""

    app: App
    client: AsyncWebClient
    replies: SlackTransport
    _session: aiohttp.ClientSession | None

    async def dm_channel(self, user_id: str, fallback: str | None = None) -> str:
        raise NotImplementedError

    async def deliver(self, items: list[ReplyItem], req: Request, origin: Origin) -> None:
        """Show each answer the Slack way; one failed answer does not stop the others."""
        for item in items:
            try:
                if isinstance(item, Reply):
                    await self.reply(origin, item.message)
                elif isinstance(item, Edit):
                    await self.edit(origin, item)
                elif isinstance(item, Notice):
                    await self.notice(origin, item.text)
                elif isinstance(item, OpenForm):
                    await self.open_form(req, origin, item)
                elif isinstance(item, InPrivate):
                    private = Origin(origin.user_id, item.chat, trigger_id=origin.trigger_id)
                    await self.deliver(item.items, dataclasses.replace(req, chat=item.chat, message_id=None), private)
                # FormErrors / CloseForm only mean something in a view_submission's ack.
            except DeliveryError as exc:
                logger.warning("slack: %s to %s not delivered: %s", type(item).__name__, origin.chat.chat_id, exc)

    async def _respond(self, url: str, message: Message, *, replace: bool = False) -> None:
        text, blocks = render_message(message)
        webhook = AsyncWebhookClient(url, session=self._session, timeout=10)
        response = await webhook.send(
            text=text, blocks=blocks or None, response_type="ephemeral", replace_original=replace or None
        )
        if response.status_code >= 400:
            raise DeliveryError(f"response_url answered {response.status_code}")

    async def reply(self, origin: Origin, message: Message) -> None:
        if not origin.ephemeral:
            await self.replies.post(origin.chat.chat_id, message, thread_ts=origin.thread_ts)
            return
        if origin.response_url:
            try:
                await self._respond(origin.response_url, message)
                return
            except (DeliveryError, aiohttp.ClientError, TimeoutError) as exc:
                logger.info("slack response_url failed (%s); trying chat.postEphemeral", exc)
        await self.ephemeral(origin, message)

    async def ephemeral(self, origin: Origin, message: Message) -> None:
        text, blocks = render_message(message)
        await call(
            lambda: self.client.chat_postEphemeral(
                channel=origin.chat.chat_id,
                user=origin.user_id,
                text=text,
                blocks=blocks or None,
                thread_ts=origin.thread_ts,
            )
        )

    async def notice(self, origin: Origin, text: str) -> None:
        """A short answer only the presser sees; in a DM a plain message if ephemerals fail."""
        message = Message(text=text)
        try:
            await self.ephemeral(origin, message)
            return
        except DeliveryError as exc:
            logger.info("slack ephemeral to %s failed (%s)", origin.user_id, exc)
        if origin.response_url:
            try:
                await self._respond(origin.response_url, message)
                return
            except (DeliveryError, aiohttp.ClientError, TimeoutError):
                pass
        await self.replies.post(await self.dm_channel(origin.user_id), message)

    async def edit(self, origin: Origin, item: Edit) -> None:
        ts = item.message_id or origin.message_ts
        if ts is None:
            await self.reply(origin, item.message)
            return
        if item.message_id is None and origin.message_ephemeral and origin.response_url:
            await self._respond(origin.response_url, item.message, replace=True)
            return
        try:
            await self.replies.edit(origin.chat.chat_id, ts, item.message)
        except MessageGone:
            await self.reply(origin, item.message)

    async def open_form(self, req: Request, origin: Origin, form: OpenForm) -> None:
        """A modal while the trigger is fresh; otherwise the form is asked field by field in the DM."""
        where = {"chat": origin.chat.chat_id, "kind": origin.chat.kind.value, "ts": origin.message_ts}
        view = modal_view(form.spec, form.values, form_metadata(form.context, where))
        if origin.trigger_id:
            try:
                await call(lambda: self.client.views_open(trigger_id=origin.trigger_id, view=view))
                return
            except DeliveryError as exc:
                logger.info("slack views.open failed (%s); asking field by field", exc)
        private = Chat(PLATFORM, await self.dm_channel(origin.user_id), ChatKind.PRIVATE)
        chat_req = dataclasses.replace(req, chat=private, supports_modals=False)
        items = await self.app.dispatcher.open_form(chat_req, form.spec.name, form.values, form.context)
        await self.deliver(items, chat_req, Origin(origin.user_id, private))
