"""Slack payloads → neutral requests, registered as slack-bolt listeners.

Every listener acknowledges first and hands the work to `adapter.spawn`, except a modal submission:
Slack shows validation errors only in the acknowledgement itself, so the form is checked before the ack
(the dispatcher's validation is quick) and the rest is delivered afterwards.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.message_refs import FirstReply, first_reply_to, ref_key_of
from bot.slack.adapter import SlackAdapter
from bot.slack.blocks import form_metadata, modal_view, truncate
from bot.slack.home import on_home
from bot.slack.replies import PLATFORM, Origin
from bot.slack.requests import (
    button_press,
    command_parts,
    form_values,
    from_known_team,
    message_is_for_us,
    plain_text,
    read_metadata,
    strip_mention,
    team_ids,
)
from bot.slack.transport import call
from bot.transport import DeliveryError
from handlers.model import Chat, ChatKind, CloseForm, FormErrors, OpenForm, Reply, ReplyItem

logger = logging.getLogger(__name__)
ANY = re.compile(".*")
FORM_ERROR_MAX = 150

EventHandler = Callable[[SlackAdapter, dict[str, Any], dict[str, Any]], Awaitable[None]]


def _chat(channel: str, *, private: bool, name: str | None = None, channel_type: str | None = None) -> Chat:
    return Chat(PLATFORM, channel, ChatKind.PRIVATE if private else _shared_kind(channel, name, channel_type))


def _shared_kind(channel: str, name: str | None, channel_type: str | None) -> ChatKind:
    """A multi-person DM is a group; public and private channels (C…, and G… that is not an mpdm) are channels."""
    if channel_type == "mpim" or (name or "").startswith("mpdm-"):
        return ChatKind.GROUP
    if channel_type in ("channel", "group") or channel.startswith(("C", "G")):
        return ChatKind.CHANNEL
    return ChatKind.GROUP


# -- Events API --------------------------------------------------------------------------------


async def on_event(adapter: SlackAdapter, body: dict[str, Any], handler: EventHandler | None) -> None:
    """Filter by workspace and relevance, record the event id (a retry stops here), then handle.

    Only events we act on are recorded, so channel chatter does not fill `processed_updates`.
    """
    event = body.get("event")
    if handler is None or not isinstance(event, dict) or not relevant(adapter, event):
        return
    await adapter.identity()
    if not from_known_team(body, adapter.team_ids):
        logger.warning("slack: ignoring an event from unknown workspace(s) %s", sorted(team_ids(body)))
        return
    if not relevant(adapter, event):  # the bot's own id may only be known now
        return
    event_id = body.get("event_id")
    event_id = event_id if isinstance(event_id, str) and event_id else None
    if handler is on_message and is_thread_reply(event):
        await on_thread_reply(adapter, event, body, event_id)
        return
    if event_id is not None and not await adapter.first_delivery(event_id):
        logger.info("slack: event %s already handled; retry ignored", event_id)
        return
    await handler(adapter, event, body)


def relevant(adapter: SlackAdapter, event: dict[str, Any]) -> bool:
    """Whether an event is something a person asked of us (not an edit, a bot, our echo, a channel)."""
    kind = event.get("type")
    if kind == "message":
        if not message_is_for_us(event, adapter.bot_user_id):
            return False
        # A DM, or a reply in a thread of a channel (maybe under one of our messages: a ticket's root).
        return event.get("channel_type") == "im" or is_thread_reply(event)
    if kind == "app_mention":
        user = event.get("user")
        return bool(user) and not event.get("bot_id") and user != adapter.bot_user_id
    if kind == "app_home_opened":
        return event.get("tab", "home") == "home" and bool(event.get("user"))
    if kind == "reaction_added":
        item = event.get("item") or {}
        return event.get("reaction") == TICKET_REACTION and item.get("type") == "message" and bool(event.get("user"))
    return False


def is_thread_reply(event: dict[str, Any]) -> bool:
    thread = event.get("thread_ts")
    return event.get("channel_type") in ("channel", "group") and bool(thread) and thread != event.get("ts")


async def on_thread_reply(
    adapter: SlackAdapter, event: dict[str, Any], body: dict[str, Any], event_id: str | None = None
) -> None:
    """A reply in a thread under one of our messages (a ticket's root) goes to the capability that owns
    that message. The event id is recorded, the root and the author looked up in one unit of work, and
    nothing is handled unless this is the event's first delivery."""
    channel, thread, user = str(event.get("channel", "")), str(event["thread_ts"]), str(event["user"])
    now = adapter.app.deps.now()
    if event_id is None:
        found = FirstReply(True, await ref_key_of(adapter.app.uow, PLATFORM, channel, thread))
    else:
        found = await first_reply_to(adapter.app.uow, PLATFORM, event_id, channel, thread, user, now)
    if not found.fresh:
        logger.info("slack: event %s already handled; retry ignored", event_id)
    if not found.fresh or found.ref_key is None:
        return
    chat = _chat(channel, private=False, channel_type=event.get("channel_type"))
    text = plain_text(str(event.get("text", "")))
    req = await adapter.request(chat, user, "text", args=text, reply_to=found.ref_key, raw=body)
    await adapter.handle(req, Origin(user, chat, thread_ts=thread), person=found.person)


async def on_message(adapter: SlackAdapter, event: dict[str, Any], body: dict[str, Any]) -> None:
    """A DM to the bot: a command when it starts with "/", otherwise free text (a KB question). (A reply
    in a channel's thread never comes here: `on_event` gives it to `on_thread_reply`.)"""
    user = str(event["user"])
    chat = _chat(await adapter.dm_channel(user, fallback=event.get("channel")), private=True)
    text = plain_text(str(event["text"]))
    fields: dict[str, Any] = {"private_chat_url": adapter.private_chat_url(body), "raw": body}
    if text.startswith("/"):
        name, args = command_parts(text)
        req = await adapter.request(chat, user, "command", name=name, args=args, **fields)
    else:
        req = await adapter.request(chat, user, "text", args=text, **fields)
    await adapter.handle(req, Origin(user, chat))


TICKET_REACTION = "ticket"


async def on_reaction(adapter: SlackAdapter, event: dict[str, Any], body: dict[str, Any]) -> None:
    """`:ticket:` on a message in a channel the bot is in: a ticket from that message, for its author.

    The message is read back from Slack (the event carries only its place); the capability decides
    whose ticket it is and whether the reacting person may open it.
    """
    item = event["item"]
    channel, ts = str(item.get("channel", "")), str(item.get("ts", ""))
    message = await adapter.message_at(channel, ts)
    if message is None or not str(message.get("text") or "").strip():
        return
    reactor = str(event["user"])
    chat = _chat(channel, private=channel.startswith("D"), channel_type=event.get("channel_type"))
    req = await adapter.request(
        chat,
        reactor,
        "action",
        name="ticket.from_message",
        value=f"{channel}:{ts}",
        values={"text": plain_text(str(message["text"])), "author": str(message.get("user") or "")},
        raw=body,
    )
    await adapter.handle(req, Origin(reactor, chat, thread_ts=ts))


async def on_mention(adapter: SlackAdapter, event: dict[str, Any], body: dict[str, Any]) -> None:
    """`@partnerbot help` in a channel: a command in a group chat, answered in the mention's thread."""
    user = str(event["user"])
    channel = str(event.get("channel", ""))
    private = channel.startswith("D")
    chat = _chat(
        await adapter.dm_channel(user) if private else channel,
        private=private,
        channel_type=event.get("channel_type"),
    )
    name, args = command_parts(plain_text(strip_mention(str(event.get("text", "")), adapter.bot_user_id)))
    req = await adapter.request(
        chat, user, "command", name=name, args=args, private_chat_url=adapter.private_chat_url(body), raw=body
    )
    thread = None if private else str(event.get("thread_ts") or event.get("ts") or "") or None
    await adapter.handle(req, Origin(user, chat, thread_ts=thread))


# -- slash command and interactivity -----------------------------------------------------------


async def on_command(adapter: SlackAdapter, body: dict[str, Any]) -> None:
    """`/partner cmd args`: in a DM the chat is the bot's DM; in a channel a group answered ephemerally."""
    await adapter.identity()
    if not from_known_team(body, adapter.team_ids):
        logger.warning("slack: ignoring a command from an unknown workspace")
        return
    user = str(body.get("user_id", ""))
    channel = str(body.get("channel_id", ""))
    private = channel.startswith("D") or body.get("channel_name") == "directmessage"
    chat = _chat(await adapter.dm_channel(user) if private else channel, private=private, name=body.get("channel_name"))
    name, args = command_parts(plain_text(str(body.get("text", ""))))
    trigger = body.get("trigger_id") or None
    origin = Origin(
        user, chat, trigger_id=trigger, response_url=body.get("response_url") or None, ephemeral=not private
    )
    req = await adapter.request(
        chat,
        user,
        "command",
        name=name,
        args=args,
        supports_modals=trigger is not None,
        private_chat_url=adapter.private_chat_url(body),
        raw=body,
    )
    await adapter.handle(req, origin)


LIVE_INPUTS = frozenset({"plain_text_input", "email_text_input", "number_input"})


async def on_live_field(adapter: SlackAdapter, body: dict[str, Any], action: dict[str, Any]) -> None:
    """Enter pressed in a live field of one of our modals: the form says what it has to say about the
    value (articles for a ticket's subject), shown under the field by updating the open modal."""
    view = body.get("view") or {}
    form = adapter.app.dispatcher.forms.get(str(view.get("callback_id") or ""))
    field, value = str(action.get("action_id") or ""), str(action.get("value") or "")
    if form is None or not view.get("id") or not value.strip():
        return
    user = str((body.get("user") or {}).get("id", ""))
    chat = _chat(await adapter.dm_channel(user), private=True)
    req = await adapter.request(
        chat, user, "field", name=form.name, values={field: value}, supports_modals=True, raw=body
    )
    items = await adapter.app.dispatcher.handle(req)
    notes = [item.message for item in items if isinstance(item, Reply)]
    if not notes:
        return
    values = {**form_values(view), field: value}
    updated = modal_view(form.spec(), values, str(view.get("private_metadata") or ""), {field: notes})
    try:
        await call(lambda: adapter.client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated))
    except DeliveryError as exc:  # the person sent or closed the modal meanwhile: nothing to show it in
        logger.info("slack: could not show notes in the modal: %s", exc)


async def on_action(adapter: SlackAdapter, body: dict[str, Any]) -> None:
    """A button press: the action id and record id, on the message (or view) it was pressed on."""
    await adapter.identity()
    if not from_known_team(body, adapter.team_ids):
        return
    container = body.get("container") or {}
    for action in body.get("actions") or []:
        if container.get("type") == "view" and isinstance(action, dict) and action.get("type") in LIVE_INPUTS:
            await on_live_field(adapter, body, action)
            return
    user = str((body.get("user") or {}).get("id", ""))
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if container.get("type") == "message" and channel:
        name = (body.get("channel") or {}).get("name")
        chat = _chat(str(channel), private=str(channel).startswith("D") or name == "directmessage", name=name)
    else:
        chat, ts = _chat(await adapter.dm_channel(user), private=True), None
    trigger = body.get("trigger_id") or None
    for action in body.get("actions") or []:
        press = button_press(action) if isinstance(action, dict) else None
        if press is None:
            continue
        origin = Origin(
            user,
            chat,
            trigger_id=trigger,
            response_url=body.get("response_url"),
            message_ts=ts,
            message_ephemeral=bool(container.get("is_ephemeral")),
        )
        req = await adapter.request(
            chat,
            user,
            "action",
            name=press[0],
            value=press[1],
            message_id=ts,
            supports_modals=trigger is not None,
            private_chat_url=adapter.private_chat_url(body),
            raw=body,
        )
        await adapter.handle(req, origin)
        trigger = None  # a trigger opens one modal only


async def on_submission(adapter: SlackAdapter, ack: AsyncAck, body: dict[str, Any]) -> None:
    """Validate a modal before acknowledging: errors go back beside the fields, else it closes."""
    await adapter.identity()
    if not from_known_team(body, adapter.team_ids):
        await ack()
        return
    view = body.get("view") or {}
    user = str((body.get("user") or {}).get("id", ""))
    meta = read_metadata(view.get("private_metadata"))
    kind = meta.get("kind")
    private = kind not in (ChatKind.GROUP.value, ChatKind.CHANNEL.value)
    channel = meta.get("chat") if isinstance(meta.get("chat"), str) else None
    chat = Chat(PLATFORM, channel or await adapter.dm_channel(user), ChatKind.PRIVATE if private else ChatKind(kind))
    ts = meta.get("ts") if isinstance(meta.get("ts"), str) else None
    origin = Origin(user, chat, message_ts=ts, ephemeral=not private)
    req = await adapter.request(
        chat,
        user,
        "form",
        name=str(view.get("callback_id", "")),
        values=form_values(view),
        message_id=ts,
        supports_modals=True,
        raw={"context": meta["ctx"]},
    )
    try:
        items = await adapter.app.dispatcher.handle(req)
    except Exception:
        await ack()
        raise
    errors = next((i for i in items if isinstance(i, FormErrors)), None)
    if errors is not None:
        await ack(response_action="errors", errors={k: truncate(v, FORM_ERROR_MAX) for k, v in errors.errors.items()})
        return
    follow_up = next((i for i in items if isinstance(i, OpenForm)), None)
    rest: list[ReplyItem] = [i for i in items if not isinstance(i, (CloseForm, FormErrors)) and i is not follow_up]
    if follow_up is not None:
        where = {"chat": chat.chat_id, "kind": chat.kind.value, "ts": ts}
        metadata = form_metadata(follow_up.context, where)
        await ack(response_action="update", view=modal_view(follow_up.spec, follow_up.values, metadata))
    else:
        await ack()
    adapter.spawn(adapter.deliver(rest, req, origin), "form replies", origin)


# -- registration ------------------------------------------------------------------------------


def register(bolt: AsyncApp, adapter: SlackAdapter) -> None:
    """Attach our listeners; specific event types first, then a catch-all so nothing is a 404."""

    @bolt.command(adapter.command)
    async def _command(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        origin = Origin(
            str(body.get("user_id", "")),
            _chat(str(body.get("channel_id", "")), private=False),
            response_url=body.get("response_url"),
        )
        adapter.spawn(on_command(adapter, body), "slash command", origin)

    @bolt.action(ANY)
    async def _action(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        adapter.spawn(on_action(adapter, body), "block action")

    @bolt.view_submission(ANY)
    async def _submission(ack: AsyncAck, body: dict[str, Any]) -> None:
        await on_submission(adapter, ack, body)

    @bolt.view_closed(ANY)
    async def _closed(ack: AsyncAck) -> None:
        await ack()  # nothing was saved; nothing to do

    @bolt.shortcut(ANY)
    async def _shortcut(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        logger.info("slack: shortcut %r is not used by partnerbot", body.get("callback_id"))

    @bolt.options(ANY)
    async def _options(ack: AsyncAck) -> None:
        await ack(options=[])

    handlers: dict[str, EventHandler | None] = {
        "message": on_message,
        "app_mention": on_mention,
        "app_home_opened": on_home,
        "reaction_added": on_reaction,
    }
    for event_type, handler in handlers.items():
        bolt.event(event_type)(_event_listener(adapter, handler, event_type))
    bolt.event(ANY)(_event_listener(adapter, None, "other"))


def _event_listener(adapter: SlackAdapter, handler: EventHandler | None, label: str) -> Callable[..., Awaitable[None]]:
    async def listener(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        adapter.spawn(on_event(adapter, body, handler), f"event {label}")

    return listener
