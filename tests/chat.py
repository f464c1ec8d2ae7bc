"""A `FakeChat` that drives the real dispatcher and collects what a person would see (STYLE.md §10).

It talks to the dispatcher directly and delivers pushes through the real sender into a recording
transport, so handler tests need no platform and no sleeps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import App
from bot.demo import demo_file
from bot.importer import import_file
from domain.people import attach_identity, require_by_email
from handlers.model import (
    Button,
    Chat,
    ChatKind,
    Edit,
    InPrivate,
    Message,
    Notice,
    OpenForm,
    Reply,
    ReplyItem,
    Request,
)

DEMO = Path(__file__).resolve().parent.parent / "bot" / "demo"


class Clock:
    """A settable clock: tests move time instead of sleeping."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> dt.datetime:
        self.now += dt.timedelta(**kwargs)
        return self.now


@dataclass
class Delivered:
    chat_id: str
    message_id: str
    message: Message
    edits: list[Message] = field(default_factory=list)

    @property
    def current(self) -> Message:
        return self.edits[-1] if self.edits else self.message


class RecordingTransport:
    """A transport that keeps every message and edit per chat, like a phone's chat history."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.messages: list[Delivered] = []

    async def send(self, chat_id: str, message: Message) -> str:
        delivered = Delivered(chat_id, str(len(self.messages) + 1), message)
        self.messages.append(delivered)
        return delivered.message_id

    async def edit(self, chat_id: str, message_id: str, message: Message) -> None:
        for delivered in self.messages:
            if delivered.message_id == message_id and delivered.chat_id == chat_id:
                delivered.edits.append(message)
                return
        from bot.transport import MessageGone

        raise MessageGone("message to edit not found")

    def limits(self, chat_id: str) -> list[tuple[str, float]]:
        return []

    def to(self, chat_id: str) -> list[Delivered]:
        return [m for m in self.messages if m.chat_id == chat_id]


@dataclass
class Answer:
    items: list[ReplyItem]

    @property
    def messages(self) -> list[Message]:
        return [i.message for i in self.items if isinstance(i, (Reply, Edit))]

    @property
    def text(self) -> str:
        parts = [m.plain_text() for m in self.messages]
        parts += [i.text for i in self.items if isinstance(i, Notice)]
        return "\n".join(parts)

    @property
    def buttons(self) -> list[Button]:
        return [b for m in self.messages for b in m.buttons]

    def button(self, action: str) -> Button:
        return next(b for b in self.buttons if b.action == action)

    @property
    def form(self) -> OpenForm | None:
        return next((i for i in self.items if isinstance(i, OpenForm)), None)

    @property
    def private(self) -> Answer:
        """What went to the person's private chat instead (asked in a group or channel); `text` and the
        other properties are only what the chat itself was shown."""
        return Answer([i for item in self.items if isinstance(item, InPrivate) for i in item.items])


class FakeChat:
    def __init__(self, app: App, email: str, platform: str, user_id: str, kind: ChatKind = ChatKind.PRIVATE) -> None:
        self.app = app
        self.email = email
        self.chat = Chat(platform, user_id if kind is ChatKind.PRIVATE else f"group-{user_id}", kind)
        self.user_id = user_id

    async def _handle(self, req: Request) -> Answer:
        return Answer(await self.app.dispatcher.handle(req))

    async def command(self, name: str, args: str = "") -> Answer:
        return await self._handle(Request(chat=self.chat, user_id=self.user_id, kind="command", name=name, args=args))

    async def send(self, text: str) -> Answer:
        if text.startswith("/"):
            name, _sep, args = text[1:].partition(" ")
            return await self.command(name, args)
        return await self._handle(Request(chat=self.chat, user_id=self.user_id, kind="text", args=text))

    async def press(self, action: str, value: str = "", message_id: str | None = None) -> Answer:
        return await self._handle(
            Request(
                chat=self.chat, user_id=self.user_id, kind="action", name=action, value=value, message_id=message_id
            )
        )

    async def submit(self, form: str, values: dict[str, str]) -> Answer:
        return await self._handle(
            Request(chat=self.chat, user_id=self.user_id, kind="form", name=form, values=values, supports_modals=True)
        )


class ChatFactory:
    def __init__(self, app: App, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.transport = RecordingTransport("console")

    async def seed_program(self) -> None:
        for kind in ("partners", "people"):
            result, errors = await import_file(self.app, kind, demo_file(kind), skip_invalid=False)
            assert result is not None, errors

    async def linked(self, email: str, *, platform: str = "console") -> FakeChat:
        """A chat of a person already linked on `platform` (user id = their email)."""
        if platform == "console":
            # Like a served app's platform transports: what a handler delivers at once lands here too.
            self.app.transports.setdefault("console", self.transport)
        async with self.app.uow() as uow:
            person = await require_by_email(uow.session, email)
            await attach_identity(
                uow.session, person, platform=platform, user_id=email, chat_id=email, username=None, now=self.clock()
            )
            await uow.commit()
        return FakeChat(self.app, email, platform, email)

    def stranger(self, user_id: str = "stranger", platform: str = "console") -> FakeChat:
        return FakeChat(self.app, "", platform, user_id)

    def group(self, email: str, platform: str = "console") -> FakeChat:
        return FakeChat(self.app, email, platform, email, ChatKind.GROUP)

    def channel(self, email: str, platform: str = "console") -> FakeChat:
        return FakeChat(self.app, email, platform, email, ChatKind.CHANNEL)

    async def deliver(self) -> int:
        """Run the real sender once over everything due, into the recording transport."""
        return await self.app.sender({"console": self.transport}).drain()
