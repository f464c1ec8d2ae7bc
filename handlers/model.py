"""The platform-neutral conversation model: what a person asked, and what the bot answers.

Adapters turn a platform payload into a `Request` and render `Reply` objects as Block Kit, inline
keyboards or numbered console choices. Nothing here knows any platform; anything a platform cannot
show degrades to plain text in its adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from domain.people import PersonView


class ChatKind(StrEnum):
    """Where a request was made: the person's private chat with the bot, a group of people (a Telegram
    group or supergroup, a Slack multi-person DM) or a channel (a Slack public or private channel, a
    Telegram channel). Only a private chat is seen by the person alone."""

    PRIVATE = "private"
    GROUP = "group"
    CHANNEL = "channel"


EVERYWHERE = frozenset(ChatKind)
PRIVATE_ONLY = frozenset({ChatKind.PRIVATE})


@dataclass(frozen=True)
class Chat:
    platform: str
    chat_id: str
    kind: ChatKind = ChatKind.PRIVATE

    @property
    def is_private(self) -> bool:
        return self.kind is ChatKind.PRIVATE


@dataclass(frozen=True)
class Button:
    """A button: `action` is one of the contract's action ids; `url` makes it a link instead."""

    label: str
    action: str = ""
    value: str = ""
    style: Literal["primary", "danger"] | None = None
    url: str | None = None


class Markdown(str):
    """Rich text by the program's own authors (a knowledge-base article body): the one kind of string an
    adapter may format (headings, bold, links). Every other string in a `Message` is plain text, a
    translated template filled with data, that each adapter escapes for its surface, so a company name
    like `[Click here](https://evil.example)`, `*bold*` or `@channel` is shown as written, never as a link,
    formatting or mention. Markup comes only from the message's structure (title, fields, footer)."""

    __slots__ = ()


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a message (a chart): uploaded to Slack, sent as a photo on Telegram, saved to
    a file the console names."""

    filename: str
    content: bytes
    title: str = ""


@dataclass
class Message:
    """Text with a little structure; every string in it is already translated for its recipient.

    Strings are plain text (see `Markdown` for the one exception); the adapters add the markup."""

    text: str = ""
    title: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    footer: str | None = None
    suggestions: list[str] = field(default_factory=list)
    attachment: Attachment | None = None
    in_reply_to: str | None = None
    """The platform id of the message this one answers (a Slack thread's root); set by the sender for a
    push that asks to go in the thread of a message shown earlier, never by a handler."""

    def plain_text(self) -> str:
        """A plain-text rendering, used where a platform shows no structure (notifications' preview)."""
        parts: list[str] = []
        if self.title:
            parts.append(self.title)
        if self.text:
            parts.append(self.text)
        parts.extend(f"{k}: {v}" for k, v in self.fields)
        parts.extend(f"• {item}" for item in self.items)
        if self.footer:
            parts.append(self.footer)
        return "\n".join(parts)


FieldKind = Literal["text", "long_text", "choice", "date", "email", "number"]


@dataclass(frozen=True)
class FormField:
    """One typed input. `parse` turns the raw text into the stored value or raises `InvalidInput`."""

    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 200
    hint: str | None = None
    parse: Callable[[str], Any] | None = None
    live: bool = False
    """Answered as soon as it is entered, in a modal too (Slack: `dispatch_action` on Enter), so the form's
    `answered` hook can show something before the form is sent (articles for a ticket's subject)."""


@dataclass(frozen=True)
class FormSpec:
    name: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = "Submit"

    def field(self, name: str) -> FormField:
        return next(f for f in self.fields if f.name == name)


RequestKind = Literal["command", "action", "form", "text", "field"]
"""`field`: one live field of an open modal was entered (`name` = the form, `values` = that field)."""


@dataclass
class Request:
    """What one person did in one chat: a command, a button press, a form submission or free text."""

    chat: Chat
    user_id: str
    kind: RequestKind
    name: str = ""
    args: str = ""
    value: str = ""
    values: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None
    person: PersonView | None = None
    username: str | None = None
    display_name: str | None = None
    email: str | None = None
    platform_language: str | None = None
    supports_modals: bool = False
    private_chat_url: str | None = None
    private_chat_id: str | None = None
    """The person's private chat with the bot, for a request from elsewhere (a Slack channel) where the
    surface can name it: a first contact there is linked to it as a private one would be, so an agent who
    answers in a ticket's thread before ever writing to the bot is known by the email the platform vouches
    for, instead of being ignored."""
    reply_to: str | None = None
    """The ref key of the bot's message this text answers (a reply in a Slack thread): the dispatcher
    routes it to the capability that registered replies for that key's prefix (`Router.reply`)."""
    raw: Any = None

    @property
    def platform(self) -> str:
        return self.chat.platform


@dataclass
class Reply:
    """Send `message` to the chat the request came from."""

    message: Message


@dataclass
class Edit:
    """Replace a message shown earlier: the one the button was on when `message_id` is None."""

    message: Message
    message_id: str | None = None


@dataclass
class Notice:
    """A short answer only the presser sees: Telegram's callback answer, Slack's ephemeral message."""

    text: str
    alert: bool = False


@dataclass
class OpenForm:
    """Show a whole form at once (surfaces with modals); others are asked field by field."""

    spec: FormSpec
    values: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class FormErrors:
    """A submitted modal did not validate: field name → reason, shown beside each field."""

    errors: dict[str, str]


@dataclass
class CloseForm:
    """The modal was accepted; close it (what follows is sent as ordinary replies)."""


@dataclass
class InPrivate:
    """Answers that continue in the person's private chat `chat`, because the request came from a group or
    channel where they must not be shown (the dispatcher's one rule for private data)."""

    chat: Chat
    items: list[ReplyItem]


ReplyItem = Reply | Edit | Notice | OpenForm | FormErrors | CloseForm | InPrivate
