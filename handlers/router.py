"""Routers: each capability module declares its commands, buttons, forms and push renderers on one.

A router is inert: it only records what its module can do. `bot/app.py` includes every router in one
`Dispatcher`, so a test can build a dispatcher with exactly the routers it needs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from domain.people import PersonView
from handlers.deps import Deps
from handlers.model import EVERYWHERE, PRIVATE_ONLY, ChatKind, FormSpec, Message, ReplyItem, Request

Handler = Callable[[Request, Deps], Awaitable[list[ReplyItem]]]
FormHandler = Callable[[Request, Deps, dict[str, Any], dict[str, Any]], Awaitable[list[ReplyItem]]]
SpecFactory = Callable[[], FormSpec]
Renderer = Callable[[dict[str, Any], PersonView | None], Message]
FieldHook = Callable[[Request, Deps, str, Any], Awaitable[list[ReplyItem]]]
ActionHook = Callable[[Request, Deps], Awaitable[None]]

OFFERS: dict[str, tuple[str, ...]] = {}
"""Push kind → the action ids its buttons offer, from every `Router.notification(…, offers=…)`."""
"""(request, deps, field name, its value) → what to say before the next question."""


def _chats(private: bool, chats: frozenset[ChatKind] | None) -> frozenset[ChatKind]:
    """Where a route answers in place: `chats` when given, else only a private chat for a route that shows
    private data (`private=True`, the default) and every kind of chat for one that does not."""
    if chats is not None:
        return frozenset(chats) | PRIVATE_ONLY
    return PRIVATE_ONLY if private else EVERYWHERE


@dataclass(frozen=True)
class Route:
    """A command or button. It answers in place only in `chats`; anywhere else the dispatcher answers "let's
    continue in a private chat" and runs it in the person's private chat instead."""

    name: str
    handler: Handler
    roles: frozenset[str] | None = None
    private: bool = True
    linked: bool = True
    help: str | None = None
    usage: str | None = None
    chats: frozenset[ChatKind] = PRIVATE_ONLY

    def answers_in(self, kind: ChatKind) -> bool:
        return kind in self.chats

    def allows(self, person: PersonView | None) -> bool:
        if person is None:
            return not self.linked
        return self.roles is None or person.role in self.roles


@dataclass(frozen=True)
class FormRoute:
    name: str
    spec: SpecFactory
    submit: FormHandler
    roles: frozenset[str] | None = None
    chats: frozenset[ChatKind] = PRIVATE_ONLY
    answered: FieldHook | None = None
    """Said after a field is answered, before the next question, where forms go field by field (the
    ticket form shows knowledge-base articles that may already answer the subject)."""

    def answers_in(self, kind: ChatKind) -> bool:
        return kind in self.chats


class Router:
    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: dict[str, Route] = {}
        self.actions: dict[str, Route] = {}
        self.forms: dict[str, FormRoute] = {}
        self.renderers: dict[str, Renderer] = {}
        self.text_handler: Handler | None = None
        self.replies: dict[str, Route] = {}
        self.action_hooks: list[ActionHook] = []

    def command(
        self,
        name: str,
        *,
        roles: frozenset[str] | None = None,
        private: bool = True,
        linked: bool = True,
        help: str | None = None,
        usage: str | None = None,
        chats: frozenset[ChatKind] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register `name`. A `private` command (the default: it shows private data) answers in a group or
        channel only with "let's continue in a private chat" and continues there; `chats` names the kinds
        of chat where it answers in place instead (a private chat always)."""

        def register(fn: Handler) -> Handler:
            where = _chats(private, chats)
            self.commands[name] = Route(name, fn, roles, where == PRIVATE_ONLY, linked, help, usage, where)
            return fn

        return register

    def action(
        self,
        action_id: str,
        *,
        roles: frozenset[str] | None = None,
        private: bool = True,
        chats: frozenset[ChatKind] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register a button; `private` and `chats` as for `command`: a press in a group or channel runs
        the action for the presser and sends its result to their private chat."""

        def register(fn: Handler) -> Handler:
            where = _chats(private, chats)
            self.actions[action_id] = Route(action_id, fn, roles, where == PRIVATE_ONLY, chats=where)
            return fn

        return register

    def form(
        self,
        name: str,
        spec: SpecFactory,
        *,
        roles: frozenset[str] | None = None,
        private: bool = True,
        chats: frozenset[ChatKind] | None = None,
        answered: FieldHook | None = None,
    ) -> Callable[[FormHandler], FormHandler]:
        def register(fn: FormHandler) -> FormHandler:
            self.forms[name] = FormRoute(name, spec, fn, roles, _chats(private, chats), answered)
            return fn

        return register

    def notification(self, kind: str, *, offers: tuple[str, ...] = ()) -> Callable[[Renderer], Renderer]:
        """Register how a push of this kind looks; it runs in the recipient's language at send time.
        `offers` names the action ids its buttons offer: the notifications report counts a press of one
        of them after the push as the action it led to."""

        def register(fn: Renderer) -> Renderer:
            self.renderers[kind] = fn
            if offers:
                OFFERS[kind] = offers
            return fn

        return register

    def on_action(self, hook: ActionHook) -> ActionHook:
        """Called after every button press that was carried out (the notifications report records them)."""
        self.action_hooks.append(hook)
        return hook

    def reply(
        self, prefix: str, *, roles: frozenset[str] | None = None, chats: frozenset[ChatKind] | None = None
    ) -> Callable[[Handler], Handler]:
        """Register what a person's reply to one of our messages does, for messages whose ref key starts
        with `prefix:` (a ticket's root message in the support channel: `ticket:42`)."""

        def register(fn: Handler) -> Handler:
            where = _chats(True, chats)
            self.replies[prefix] = Route(prefix, fn, roles, where == PRIVATE_ONLY, chats=where)
            return fn

        return register

    def text(self) -> Callable[[Handler], Handler]:
        """Register the handler for plain text in a private chat that is not a command (one per app)."""

        def register(fn: Handler) -> Handler:
            self.text_handler = fn
            return fn

        return register
