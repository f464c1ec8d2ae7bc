"""The console surface: the conversation in a terminal, scriptable through standard input.

Replies are printed as text; buttons become numbered choices that typing the number presses. Numbers
grow across the session, so each names one button of one message, and only the buttons of the latest
message with buttons can be pressed: an older number is answered with the message it was on, and
presses nothing. Pushes for this person are delivered into the open session by a sender restricted to
them, so what a partner would receive on a phone shows up here too. At a terminal, lines are read with
line editing and a history (bot.console_input).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot.app import App
from bot.console_input import LineReader, Numbering
from domain.conversations import ChatKey, Conversations
from domain.i18n import _, use_language
from domain.kb import KnowledgeBase
from handlers.form_machine import PAUSED_AFTER
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
# A typed button number: ASCII digits only (`int` would also read "３" or "٣"), and short enough to be one.
_NUMBER = re.compile(r"[0-9]{1,9}")


def plain(text: str) -> str:
    """Data as the terminal should show it: as written, with nothing the terminal would act on."""
    return _TERMINAL_CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)


def render(message: Message, number_from: int = 1, numbers: Sequence[int] | None = None) -> tuple[str, list[Button]]:
    """Text for the terminal and the buttons in the order they were numbered; plain text, no markup.

    The pressable buttons get `numbers` (one each), or consecutive numbers from `number_from`."""
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
        number = numbers[len(numbered)] if numbers is not None else number_from + len(numbered)
        numbered.append(button)
        choices.append(f"[{number}] {plain(button.label)}")
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
        self.numbering = Numbering()
        self.printed = 0
        self._next_id = 1
        self._latest: str | None = None
        self._shown: dict[str, str] = {}
        self.transport = ConsoleTransport(self)

    def show(self, message: Message, *, label: str | None = None, message_id: str | None = None) -> str:
        mid = message_id or str(self._next_id)
        if message_id is None:
            self._next_id += 1
        numbers = self.numbering.assign(mid, message)
        text = render(message, numbers=numbers)[0]
        if message_id is not None and self._shown.get(mid) == text:
            return mid  # like Telegram's "message is not modified": an identical edit shows nothing
        self._shown[mid] = text
        self.numbering.record(mid, message, numbers)
        self._latest = mid
        header = f"[{label}] " if label else ""
        self.out.write(f"{header}{text}\n\n")
        self.out.flush()
        self.printed += 1
        return mid

    def request_for(self, line: str) -> Request | None:
        """What a typed line asks for: a command, or text (a typed number is `choose`'s to read)."""
        chat = Chat(PLATFORM, self.email)
        text = line.strip()
        if not text:
            return None
        base = Request(chat=chat, user_id=self.email, kind="text", args=text)
        if text.startswith("/"):
            name, _sep, args = text[1:].partition(" ")
            base.kind, base.name, base.args = "command", name, args.strip()
        return base

    async def choose(self, number: int) -> Request | str | None:
        """A typed number: the press of a live button; None when it is the answer to an open form's
        question (an amount, the number of a choice); else why nothing was pressed."""
        numbering = self.numbering
        live = number in numbering.live
        if live and numbering.live_message == self._latest:  # the buttons right above the prompt
            return self._press(number)
        if await self._form_waiting():
            return None
        if live:  # the latest message with buttons; a reply without buttons (an article) came after it
            return self._press(number)
        await self._identify()
        with use_language(self.language or self.app.settings.language):
            return self._not_pressed(number)

    def _press(self, number: int) -> Request:
        shown = self.numbering.shown[number]
        return Request(
            chat=Chat(PLATFORM, self.email),
            user_id=self.email,
            kind="action",
            name=shown.button.action,
            value=shown.button.value,
            message_id=shown.message_id,
        )

    def _not_pressed(self, number: int) -> str:
        shown, tag = self.numbering.shown.get(number), f"[{number}]"
        if shown is None:
            # TRANSLATORS: %(number)s is a button number as the terminal shows it, e.g. [12].
            said = _("There is no button %(number)s; nothing was pressed.") % {"number": tag}
        elif shown.message_id == self.numbering.live_message:
            # TRANSLATORS: %(message)s is the message's title or first line, e.g. “Your open leads”.
            said = _("%(number)s is no longer on “%(message)s”; nothing was pressed.") % {
                "number": tag,
                "message": plain(shown.about),
            }
        else:
            # TRANSLATORS: %(message)s is the earlier message's title or first line, e.g. “Your open leads”.
            said = _("%(number)s was on an earlier message, “%(message)s”; nothing was pressed.") % {
                "number": tag,
                "message": plain(shown.about),
            }
        live = ", ".join(f"[{n}] {plain(self.numbering.shown[n].button.label)}" for n in self.numbering.live)
        if not live:
            return f"{said} " + _("No button can be pressed now.")
        # TRANSLATORS: %(buttons)s lists the buttons that can be pressed, e.g. "[7] Claim L-1001, [8] Pass".
        return f"{said} " + _("Only the buttons of the latest message can be pressed: %(buttons)s.") % {"buttons": live}

    async def _form_waiting(self) -> bool:
        """Whether a form asked here waits for its answer, as the dispatcher sees it: open, and not left
        alone long enough to be paused (then the next message is not taken as its answer)."""
        if self.person_id is None:
            await self._identify()
        if self.person_id is None:
            return False
        now = self.app.deps.now()
        state = await Conversations(self.app.uow).current(ChatKey(PLATFORM, self.email, self.person_id), now)
        return state is not None and (state.updated_at is None or now - state.updated_at < PAUSED_AFTER)

    def present(self, items: list[ReplyItem], req: Request) -> None:
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
        text = line.strip()
        req: Request | None = None
        if _NUMBER.fullmatch(text):
            chosen = await self.choose(int(text))
            if isinstance(chosen, str):
                self.out.write(f"({chosen})\n\n")
                self.out.flush()
                await self.deliver_pushes()
                return
            req = chosen
        req = req or self.request_for(text)
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
        """Who is chatting, and in which language they read now (/lang may have changed it)."""
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
    reader = LineReader(stdin, out, interactive=interactive)
    # At a terminal, pushes (offers, reminders) arrive while the person is idle, as on a phone.
    pusher = asyncio.create_task(_deliver_while_idle(session, reader)) if interactive else None
    try:
        while (line := await reader.read()) is not None:
            await session.handle_line(line)
    finally:
        warming.cancel()
        if pusher is not None:
            pusher.cancel()
        reader.close()


async def _deliver_while_idle(session: ConsoleSession, reader: LineReader, every: float = PUSH_POLL_SECONDS) -> None:
    while True:
        await asyncio.sleep(every)
        printed = session.printed
        try:
            await session.deliver_pushes()
        except Exception:
            logger.exception("console push delivery failed")
        if session.printed != printed:
            reader.reprompt()
