"""The console surface: the conversation in a terminal, scriptable through standard input.

Replies are printed as text; buttons become numbered choices that typing the number presses. Pushes
for this person are delivered into the open session by a sender restricted to them, so what a partner
would receive on a phone shows up here too.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.app import App
from domain.i18n import _, use_language
from domain.kb import KnowledgeBase
from handlers.model import (
    Attachment,
    Button,
    Chat,
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

PLATFORM = "console"
PUSH_POLL_SECONDS = 2.0
logger = logging.getLogger(__name__)
# Control characters (ESC starts colours, cursor moves and OSC 8 hyperlinks) and bidirectional overrides
# (which reorder what is shown): a terminal would obey them, so data shows them as `\x1b`, `\u202e`.
_TERMINAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain(text: str) -> str:
    """Data as the terminal should show it: as written, with nothing the terminal would act on."""
    return _TERMINAL_CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def render(message: Message, number_from: int = 1) -> tuple[str, list[Button]]:
    """Text for the terminal and the buttons in the order they were numbered; plain text, no markup."""
    lines: list[str] = []
    if message.title:
        lines.append(f"== {plain(message.title)} ==")
    if message.text:
        lines.append(plain(message.text))
    lines.extend(f"  {plain(k)}: {plain(v)}" for k, v in message.fields)
    lines.extend(f"  • {plain(item)}" for item in message.items)
    numbered: list[Button] = []
    choices = []
    for button in message.buttons:
        if button.url:
            choices.append(f"{plain(button.label)}: {plain(button.url)}")
            continue
        numbered.append(button)
        choices.append(f"[{number_from + len(numbered) - 1}] {plain(button.label)}")
    if choices:
        lines.append("  " + "   ".join(choices))
    if message.suggestions:
        lines.append("  " + "   ".join(f"({n}) {plain(s)}" for n, s in enumerate(message.suggestions, start=1)))
    if message.footer:
        lines.append(f"  ({plain(message.footer)})")
    if message.attachment is not None:
        lines.append(
            f"  [{plain(message.attachment.title or message.attachment.filename)}: {saved(message.attachment)}]"
        )
    return "\n".join(lines), numbered


def saved(attachment: Attachment) -> str:
    """The terminal cannot show a picture: the file is written where the person can open it."""
    folder = Path(tempfile.gettempdir()) / "partnerbot"
    folder.mkdir(exist_ok=True)
    path = folder / Path(attachment.filename).name
    path.write_bytes(attachment.content)
    return str(path)


class ConsoleTransport:
    """Delivers pushes to the open terminal; message ids are numbers local to the session."""

    platform = PLATFORM

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session

    async def send(self, chat_id: str, message: Message) -> str:
        return self.session.show(message, label=_("notification"))

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        self.session.show(message, label=_("updated #%(id)s") % {"id": message_id}, message_id=message_id)

    def limits(self, chat_id: str) -> list[tuple[str, float]]:
        return []


class ConsoleSession:
    def __init__(self, app: App, email: str, out: TextIO) -> None:
        self.app = app
        self.email = email
        self.out = out
        self.person_id: int | None = None
        self.language: str | None = None
        self._next_id = 1
        self._buttons: list[tuple[Button, str]] = []
        self._shown: dict[str, str] = {}
        self.transport = ConsoleTransport(self)

    def show(self, message: Message, *, label: str | None = None, message_id: str | None = None) -> str:
        mid = message_id or str(self._next_id)
        if message_id is None:
            self._next_id += 1
        text, buttons = render(message, number_from=len(self._buttons) + 1 if not label else 1)
        if message_id is not None and self._shown.get(mid) == text:
            return mid  # like Telegram's "message is not modified": an identical edit shows nothing
        self._shown[mid] = text
        if not label or buttons:
            if label:
                self._buttons = []
            self._buttons.extend((b, mid) for b in buttons)
        header = f"[{label}] " if label else ""
        self.out.write(f"{header}{text}\n\n")
        self.out.flush()
        return mid

    def request_for(self, line: str) -> Request | None:
        chat = Chat(PLATFORM, self.email)
        text = line.strip()
        if not text:
            return None
        base = Request(chat=chat, user_id=self.email, kind="text", args=text)
        if text.startswith("/"):
            name, _sep, args = text[1:].partition(" ")
            base.kind, base.name, base.args = "command", name, args.strip()
        elif text.isdigit() and self._buttons and 1 <= int(text) <= len(self._buttons):
            button, mid = self._buttons[int(text) - 1]
            base.kind, base.name, base.value, base.message_id, base.args = (
                "action",
                button.action,
                button.value,
                mid,
                "",
            )
        return base

    def present(self, items: list[ReplyItem], req: Request) -> None:
        # New buttons replace the numbered choices; a reply without buttons keeps the earlier ones usable.
        if any(isinstance(i, (Reply, Edit)) and any(not b.url for b in i.message.buttons) for i in items):
            self._buttons = []
        for item in items:
            if isinstance(item, Reply):
                self.show(item.message)
            elif isinstance(item, Edit):
                self.show(
                    item.message,
                    label=_("updated #%(id)s") % {"id": item.message_id or req.message_id},
                    message_id=item.message_id or req.message_id,
                )
            elif isinstance(item, Notice):
                self.out.write(f"({plain(item.text)})\n\n")
            elif isinstance(item, InPrivate):  # the console is a private chat; never from a group
                self.present(item.items, req)
            elif isinstance(item, (OpenForm, FormErrors, CloseForm)):
                # The console has no modals: the dispatcher already asks field by field.
                continue
        self.out.flush()

    async def handle_line(self, line: str) -> None:
        req = self.request_for(line)
        if req is None:
            return
        items = await self.app.dispatcher.handle(req)
        self.present(items, req)
        await self.deliver_pushes()

    async def deliver_pushes(self) -> None:
        if self.person_id is None:
            await self._identify()
        if self.person_id is None:
            return
        sender = self.app.sender({PLATFORM: self.transport}, person_id=self.person_id)
        await sender.drain(max_rounds=20)

    async def _identify(self) -> None:
        from domain.people import who_is

        person = await who_is(self.app.uow, PLATFORM, self.email)
        if person is not None:
            self.person_id = person.id
            self.language = person.language


async def ensure_console_identity(app: App, email: str) -> str:
    """The terminal is trusted (whoever runs it has the database): link the console to that person."""
    from domain.people import link_trusted

    return await link_trusted(app.uow, email, PLATFORM, app.deps.now())


async def run_chat(
    app: App,
    email: str,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    interactive: bool | None = None,
    banner: Callable[[], str] | None = None,
) -> None:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    email = await ensure_console_identity(app, email)
    warming = asyncio.create_task(app.deps.services[KnowledgeBase].warm())  # while the person types
    session = ConsoleSession(app, email, out)
    await session.deliver_pushes()
    interactive = stdin.isatty() if interactive is None else interactive
    if interactive:
        with use_language(session.language or app.settings.language):
            out.write(
                (
                    banner()
                    if banner
                    else _("Chatting as %(email)s. /help lists what you can do; Ctrl-D quits.") % {"email": email}
                )
                + "\n\n"
            )
    loop = asyncio.get_running_loop()
    # At a terminal, pushes (offers, reminders) arrive while the person is idle, as on a phone.
    pusher = asyncio.create_task(_deliver_while_idle(session)) if interactive else None
    try:
        while True:
            if interactive:
                out.write("> ")
                out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            if not interactive:
                out.write(f"> {line.rstrip()}\n")
            await session.handle_line(line)
    finally:
        warming.cancel()
        if pusher is not None:
            pusher.cancel()


async def _deliver_while_idle(session: ConsoleSession, every: float = PUSH_POLL_SECONDS) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await session.deliver_pushes()
        except Exception:
            logger.exception("console push delivery failed")
