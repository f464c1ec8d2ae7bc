"""The dispatcher: the one place that decides who may do what, and turns failures into replies.

Every surface hands it a neutral `Request`; it resolves the person, sets their language, enforces the
rules shared by all capabilities (unlinked people get linking instructions, roles, nothing private in a
group, forms field by field, friendly errors with a reference) and calls the capability's handler.

Nothing private in a group or channel is one rule, in `_run`, for commands, buttons and forms on every
surface: a route answers in place only in the kinds of chat it declares (`Route.chats`; by default only a
private chat); anywhere else the chat gets only "let's continue in a private chat" and the request runs for
the person in their private chat (the one their chat identity records), where every answer goes.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from rapidfuzz import process

from domain import linking
from domain.errors import UserFacingError
from domain.i18n import _, set_language
from domain.people import PersonView, private_chat_of, who_is
from handlers import forms, intents
from handlers.deps import Deps
from handlers.errors import error_reply, unexpected_reply
from handlers.form_machine import FormMachine, cancelled
from handlers.model import (
    Button,
    Chat,
    ChatKind,
    CloseForm,
    Edit,
    FormErrors,
    InPrivate,
    Message,
    Notice,
    OpenForm,
    Reply,
    ReplyItem,
    Request,
)
from handlers.router import ActionHook, FormRoute, Renderer, Route, Router

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

CANCEL_WORDS = frozenset({"cancel", "/cancel", "stop", "abbrechen", "cancelar", "キャンセル"})


def _register(table: dict[str, _T], items: Mapping[str, _T], router: Router) -> None:
    """Add one router's entries to a dispatcher table; a name registered twice is a programming error."""
    clash = set(table) & set(items)
    if clash:
        raise ValueError(f"router {router.name} registers {sorted(clash)} twice")
    table.update(items)


class Dispatcher:
    def __init__(self, routers: Iterable[Router], deps: Deps) -> None:
        self.deps = deps
        self.commands: dict[str, Route] = {}
        self.actions: dict[str, Route] = {}
        self.forms: dict[str, FormRoute] = {}
        self.renderers: dict[str, Renderer] = {}
        self.text_route: Route | None = None
        self.replies: dict[str, Route] = {}
        self.action_hooks: list[ActionHook] = []
        for router in routers:
            self.action_hooks += router.action_hooks
            _register(self.commands, router.commands, router)
            _register(self.actions, router.actions, router)
            _register(self.forms, router.forms, router)
            _register(self.renderers, router.renderers, router)
            _register(self.replies, router.replies, router)
            if router.text_handler is not None:
                self.text_route = Route("text", router.text_handler)
        self.form_machine = FormMachine(self.forms, deps)

    def visible_commands(self, person: PersonView | None) -> list[Route]:
        """The commands this person may use, for `help` and for suggestions."""
        return [r for r in self.commands.values() if r.help and r.allows(person)]

    async def handle(self, req: Request, *, person: PersonView | None = None) -> list[ReplyItem]:
        """`person`: the sender, when the surface already looked them up for this very update (in the
        transaction that recorded it, which saves a read per update); None to look them up here."""
        # Control characters (a NUL byte above all, which PostgreSQL refuses in text) never reach a handler.
        req.args, req.value = forms.strip_controls(req.args), forms.strip_controls(req.value)
        req.values = {k: forms.strip_controls(v) for k, v in req.values.items()}
        set_language(req.platform_language or self.deps.default_language)
        try:
            req.person = person if person is not None else await self._resolve_person(req)
            if req.person is not None:
                set_language(req.person.language or self.deps.default_language)
            return await self._route(req)
        except UserFacingError as exc:
            return self._refusal(req, error_reply(exc))
        except Exception:
            return self._refusal(req, unexpected_reply(f"{req.kind} {req.name}"))

    def _refusal(self, req: Request, text: str) -> list[ReplyItem]:
        if req.kind == "action":
            return [Notice(text, alert=True)]
        if req.kind == "form" and req.supports_modals:
            return [CloseForm(), Reply(Message(text=text))]
        return [Reply(Message(text=text))]

    async def _resolve_person(self, req: Request) -> PersonView | None:
        person = await who_is(self.deps.uow, req.platform, req.user_id)
        private_chat = req.chat.chat_id if req.chat.is_private else req.private_chat_id
        if person is not None or private_chat is None:
            return person
        return await linking.link_on_first_contact(
            self.deps.uow,
            platform=req.platform,
            user_id=req.user_id,
            chat_id=private_chat,
            username=req.username,
            email=req.email,
            now=self.deps.now(),
        )

    async def _route(self, req: Request) -> list[ReplyItem]:
        if req.kind == "command":
            items = await self._command(req)
        elif req.kind == "action":
            items = await self._action(req)
        elif req.kind == "form":
            items = await self._form_submission(req)
        elif req.kind == "field":
            items = await self._live_field(req)
        elif req.reply_to:
            items = await self._reply(req)
        else:
            items = await self._text(req)
        return await self._forms_in_chat(req, items)

    async def _forms_in_chat(self, req: Request, items: list[ReplyItem]) -> list[ReplyItem]:
        """Where the surface has no modals, a form is asked field by field in the chat."""
        out: list[ReplyItem] = []
        for item in items:
            if isinstance(item, OpenForm) and not req.supports_modals:
                out.extend(await self.open_form(req, item.spec.name, item.values, item.context))
            else:
                out.append(item)
        return out

    async def _run(
        self, req: Request, where: frozenset[ChatKind], run: Callable[[Request], Awaitable[list[ReplyItem]]]
    ) -> list[ReplyItem]:
        """The one rule for private data: answer in place where the route allows, else continue privately.

        Pressed or typed in a group or channel, a route that shows private data is performed for the person
        who asked (the platform vouches for who they are; the domain checks what they may do, as it would in
        their private chat) and everything it answers, refusals included, goes to their private chat. The
        group or channel gets only the pointer to the private chat — a notice only the presser sees for a
        button — and the message the button was on is left as it is.
        """
        if req.chat.kind in where:
            return await run(req)
        pointer = self.go_private(req)
        here: ReplyItem = Reply(pointer)
        if req.kind == "action":
            here = Notice(pointer.text)
        elif req.kind == "form":
            here = CloseForm()  # a submitted modal was seen by its author only; its answers go private
        private = await self._private_chat(req)
        if private is None:  # not linked: nobody to continue with (the route was `linked=False`)
            return [here]
        there = dataclasses.replace(req, chat=private, message_id=None)
        try:
            items = await self._forms_in_chat(there, await run(there))
        except UserFacingError as exc:
            items = [Reply(Message(text=error_reply(exc)))]
        moved: list[ReplyItem] = []
        for item in items:
            if isinstance(item, Notice):
                moved.append(Reply(Message(text=item.text)))
            elif isinstance(item, Edit) and item.message_id is None:
                continue  # the message pressed on is in the group: it keeps showing what it showed
            elif not isinstance(item, (CloseForm, FormErrors)):
                moved.append(item)
        return [here, InPrivate(private, moved)]

    async def _private_chat(self, req: Request) -> Chat | None:
        """The person's private chat on this platform: where their chat identity was linked."""
        if req.person is None:
            return None
        chat_id = await private_chat_of(self.deps.uow, req.platform, req.user_id)
        return Chat(req.platform, chat_id, ChatKind.PRIVATE) if chat_id else None

    async def _command(self, req: Request) -> list[ReplyItem]:
        name = req.name.lower().lstrip("/")
        route = self.commands.get(name)
        prefix: list[ReplyItem] = []
        if req.person is not None and name != "help" and req.chat.is_private:
            if await self.form_machine.drop(req) and name != "cancel":
                prefix.append(Reply(Message(text=_("Your unfinished form was cancelled."))))
        if route is None:
            return [*prefix, Reply(self._unknown_command(name, req.person))]
        if req.person is None and route.linked:
            return [Reply(self.linking_instructions())]
        if not route.allows(req.person):
            return [
                Reply(
                    Message(text=_("The %(command)s command is not available for your role.") % {"command": "/" + name})
                )
            ]
        return prefix + await self._run(req, route.chats, lambda r: route.handler(r, self.deps))

    def _unknown_command(self, name: str, person: PersonView | None) -> Message:
        names = [r.name for r in self.visible_commands(person)]
        match = process.extractOne(name, names, score_cutoff=60) if names and name else None
        if match:
            text = _("Unknown command /%(name)s. Did you mean /%(suggestion)s?") % {
                "name": name,
                "suggestion": match[0],
            }
        else:
            text = _("Unknown command /%(name)s. Send /help to see what you can do.") % {"name": name}
        return Message(text=text)

    def linking_instructions(self) -> Message:
        return Message(
            title=_("Link your chat to the partner program"),
            text=_(
                "I don't know you yet. Ask your partner admin or channel account manager for a link code, "
                "then send /start CODE (or /link CODE) here. Codes are valid for 7 days and work once."
            ),
        )

    def go_private(self, req: Request) -> Message:
        buttons = [Button(label=_("Open a private chat"), url=req.private_chat_url)] if req.private_chat_url else []
        return Message(text=_("Let's continue in a private chat, so nothing private is shown here."), buttons=buttons)

    async def _action(self, req: Request) -> list[ReplyItem]:
        route = self.actions.get(req.name)
        if route is None:
            logger.warning("unknown action id %r from %s", req.name, req.platform)
            return [Notice(_("This button is no longer supported."), alert=True)]
        if req.person is None:
            return [Notice(_("Link your chat first: send /start CODE with the code from your admin."), alert=True)]
        if not route.allows(req.person):
            return [Notice(_("This button is not available for your role."), alert=True)]
        items = await self._run(req, route.chats, lambda r: route.handler(r, self.deps))
        for hook in self.action_hooks:  # after the press was carried out; a hook never fails the press
            try:
                await hook(req, self.deps)
            except Exception:
                logger.exception("action hook %s failed for %s", getattr(hook, "__name__", hook), req.name)
        return items

    async def open_form(
        self, req: Request, name: str, values: dict[str, Any] | None = None, context: dict[str, Any] | None = None
    ) -> list[ReplyItem]:
        """Start a form: one modal where the surface has modals, else question by question in private."""
        if not req.supports_modals and not req.chat.is_private:
            return [Reply(self.go_private(req))]
        return await self.form_machine.open(req, name, values, context)

    async def _text(self, req: Request) -> list[ReplyItem]:
        text = req.args.strip()
        if req.person is None:
            return [Reply(self.linking_instructions())] if req.chat.is_private else []
        if not req.chat.is_private:
            return []
        if text.lower() in CANCEL_WORDS:
            return [Reply(cancelled(await self.form_machine.drop(req)))]
        paused = await self.form_machine.paused_form(req)
        step = None if paused is not None else await self.form_machine.step(req, text)
        if step is not None:
            return step
        meant = intents.understand(text, [r.name for r in self.visible_commands(req.person)])
        if meant is not None:  # "my leads", "claim l-1001": the command they mean, through its own checks
            command = dataclasses.replace(req, kind="command", name=meant.command, args=meant.args)
            said = f"/{meant.command} {meant.args}".strip()
            note = [Reply(Message(text=_("Understood as %(command)s") % {"command": said}))] if meant.guessed else []
            return [*note, *await self._command(command), *(paused or [])]
        if self.text_route is None or not text:
            return [Reply(Message(text=_("Send /help to see what you can do."))), *(paused or [])]
        return [*await self.text_route.handler(req, self.deps), *(paused or [])]

    async def _reply(self, req: Request) -> list[ReplyItem]:
        """A reply to one of our messages goes to the capability that owns that message's ref key."""
        route = self.replies.get((req.reply_to or "").split(":", 1)[0])
        if route is None or not req.args.strip():
            return []
        if req.person is None:
            return [Reply(self.linking_instructions())]
        if not route.allows(req.person):
            return []
        return await self._run(req, route.chats, lambda r: route.handler(r, self.deps))

    async def _live_field(self, req: Request) -> list[ReplyItem]:
        """A live field of an open modal was entered: what its form says about it (nothing is saved)."""
        route = self.forms.get(req.name)
        if route is None or route.answered is None or req.person is None or len(req.values) != 1:
            return []
        if route.roles is not None and req.person.role not in route.roles:
            return []
        ((field, raw),) = req.values.items()
        return await route.answered(req, self.deps, field, raw)

    async def _form_submission(self, req: Request) -> list[ReplyItem]:
        route = self.forms.get(req.name)
        if route is None:
            logger.warning("submission of unknown form %r", req.name)
            return [CloseForm()]
        if req.person is None:
            return [CloseForm(), Reply(self.linking_instructions())]
        if route.roles is not None and req.person.role not in route.roles:
            return [CloseForm(), Reply(Message(text=_("This form is not available for your role.")))]
        values, errors = forms.validate_all(route.spec(), req.values)
        if errors:
            return [FormErrors(errors)]
        context: dict[str, Any] = dict(req.raw.get("context", {})) if isinstance(req.raw, dict) else {}

        async def submit(r: Request) -> list[ReplyItem]:
            return [CloseForm(), *await route.submit(r, self.deps, values, context)]

        return await self._run(req, route.chats, submit)

    def render(self, kind: str, payload: dict[str, Any], person: PersonView | None) -> Message:
        """Render a push in the current language; unknown kinds fail loudly for the sender to park."""
        renderer = self.renderers.get(kind)
        if renderer is None:
            raise LookupError(f"no renderer for push kind {kind!r}")
        return renderer(payload, person)
