"""Forms asked one question at a time, on surfaces without modals (Telegram, the console).

The open form of a chat lives in domain.conversations; this machine asks the next question, parses
each answer (re-asking with the reason when it does not parse), shows back what it kept, and hands
the complete values to the form's submit handler. It never opens a transaction itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from domain.conversations import ChatKey, Conversations
from domain.errors import UserFacingError
from domain.i18n import _
from handlers import forms
from handlers.deps import Deps
from handlers.errors import error_reply
from handlers.model import Message, OpenForm, Reply, ReplyItem, Request
from handlers.router import FormRoute

PAUSED_AFTER = dt.timedelta(minutes=30)


def chat_key(req: Request) -> ChatKey:
    assert req.person is not None
    return ChatKey(req.platform, req.chat.chat_id, req.person.id)


class FormMachine:
    def __init__(self, routes: Mapping[str, FormRoute], deps: Deps) -> None:
        self.routes = routes
        self.deps = deps
        self.conversations = Conversations(deps.uow)

    async def open(
        self, req: Request, name: str, values: dict[str, Any] | None = None, context: dict[str, Any] | None = None
    ) -> list[ReplyItem]:
        """Start a form: one modal where the surface has modals, else the first question in the chat."""
        spec = self.routes[name].spec()
        if req.supports_modals:
            return [OpenForm(spec, {k: str(v) for k, v in (values or {}).items() if v is not None}, context or {})]
        await self.conversations.start(
            chat_key(req), name, prefill=values or {}, context=context or {}, now=self.deps.now()
        )
        first = spec.fields[0]
        return [Reply(forms.question(spec, 0, prefill=(values or {}).get(first.name)))]

    async def drop(self, req: Request) -> bool:
        return await self.conversations.drop(chat_key(req))

    async def paused_form(self, req: Request) -> list[ReplyItem] | None:
        """A form left alone for PAUSED_AFTER does not swallow the next message: that message is handled
        as if no form were open, and the person is asked whether to go on (once; then answers count)."""
        key, now = chat_key(req), self.deps.now()
        state = await self.conversations.current(key, now)
        if state is None or state.updated_at is None or now - state.updated_at < PAUSED_AFTER:
            return None
        route = self.routes.get(state.form)
        if route is None:
            return None
        await self.conversations.advance(key, state.values, state.step, now, state.context)
        spec = route.spec()
        question = forms.question(
            spec, state.step, prefill=state.context.get("prefill", {}).get(spec.fields[state.step].name)
        )
        question.text = (
            _("You were filling in “%(form)s”. To go on, answer this; to stop, send /cancel.") % {"form": spec.title}
            + "\n"
            + question.text
        )
        return [Reply(question)]

    async def step(self, req: Request, text: str) -> list[ReplyItem] | None:
        """Feed typed text to the open form; None when no form is open in this chat."""
        key, now = chat_key(req), self.deps.now()
        state = await self.conversations.current(key, now)
        if state is None:
            return None
        route = self.routes.get(state.form)
        if route is None:  # a form of a capability no longer loaded
            await self.conversations.drop(key)
            return None
        spec = route.spec()
        field = spec.fields[state.step]
        prefill = state.context.get("prefill", {})
        try:
            value = forms.parse_value(field, text)
        except UserFacingError as exc:
            return [Reply(forms.question(spec, state.step, prefill=prefill.get(field.name), reason=error_reply(exc)))]
        values = {**state.values, field.name: value}
        try:  # the form may refuse a value only it can judge (a close date against the person's today)
            said = await route.answered(req, self.deps, field.name, value) if route.answered else []
        except UserFacingError as exc:
            return [Reply(forms.question(spec, state.step, prefill=prefill.get(field.name), reason=error_reply(exc)))]
        if state.step + 1 < len(spec.fields):
            await self.conversations.advance(key, values, state.step + 1, now)
            nxt = spec.fields[state.step + 1]
            noted = forms.shown_back(field, value)
            return [*said, Reply(forms.question(spec, state.step + 1, prefill=prefill.get(nxt.name), reason=noted))]
        await self.conversations.drop(key)
        context = {k: v for k, v in state.context.items() if k != "prefill"}
        return await route.submit(req, self.deps, values, context)


def cancelled(dropped: bool) -> Message:
    return Message(text=_("Cancelled. Nothing was saved.") if dropped else _("There is nothing to cancel."))
