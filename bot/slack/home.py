"""The App Home tab: who the person is in the program and what they can do (or how to link)."""

from __future__ import annotations

from typing import Any

from bot.slack.adapter import SlackAdapter
from bot.slack.blocks import home_view
from bot.slack.replies import PLATFORM
from bot.slack.transport import call
from domain.i18n import N_, _
from handlers.model import Chat, ChatKind, Message, Reply
from handlers.model import Request as NeutralRequest

ROLE_LABELS = {
    "partner_rep": N_("Partner representative"),
    "partner_admin": N_("Partner admin"),
    "cam": N_("Channel account manager"),
    "support_agent": N_("Support agent"),
    "support_manager": N_("Support manager"),
    "admin": N_("Program admin"),
}


def _summary(req: NeutralRequest) -> Message | None:
    person = req.person
    if person is None:
        return None
    fields = [(_("Name"), person.name), (_("Email"), person.email)]
    if person.partner_name:
        fields.append((_("Partner"), person.partner_name))
    fields.append((_("Role"), _(ROLE_LABELS[person.role]) if person.role in ROLE_LABELS else person.role))
    return Message(title=_("Partner program"), fields=fields)


async def on_home(adapter: SlackAdapter, event: dict[str, Any], body: dict[str, Any]) -> None:
    """App Home: who the person is in the program and what they can do (or how to link)."""
    user = str(event["user"])
    chat = Chat(PLATFORM, await adapter.dm_channel(user, fallback=event.get("channel")), ChatKind.PRIVATE)
    req = await adapter.request(chat, user, "command", name="help", raw=body)
    items = await adapter.app.dispatcher.handle(req)
    parts = [m for m in [_summary(req)] if m] + [i.message for i in items if isinstance(i, Reply)]
    message = Message(
        title=parts[0].title if parts else None,
        text="\n\n".join(p.text for p in parts if p.text),
        fields=[f for p in parts for f in p.fields],
        items=[i for p in parts for i in p.items],
        footer=" ".join(p.footer for p in parts if p.footer) or None,
    )
    await call(lambda: adapter.client.views_publish(user_id=user, view=home_view(message)))
