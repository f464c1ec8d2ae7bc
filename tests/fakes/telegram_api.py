"""A local fake of the Telegram Bot API for adapter and end-to-end tests.

It serves `{url}/bot{token}/{method}` like api.telegram.org, so python-telegram-bot's real `Bot`
(and the product's own calls built from TELEGRAM_API_URL) run unmodified against it. It answers
with the Bot API's real shapes and its real error descriptions and status codes, keeps the
messages the bot sent (with edits) and queues updates for getUpdates.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes._ratelimit import Clock, Limiter, RateLimiter, WindowLimiter
from tests.fakes._server import Call, Failure, FakeServer, read_params
from tests.fakes.telegram_markup import EntityParseError, parse_text

DEFAULT_TELEGRAM_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
MAX_TEXT = 4096
MAX_CALLBACK_DATA_BYTES = 64
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
    }
)
SENDING_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendSticker", "copyMessage", "forwardMessage"}
)

TOO_LONG = "Bad Request: message is too long"
EDIT_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
TEXT_EMPTY = "Bad Request: message text is empty"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
TEXT_BUTTONS_UNALLOWED = (
    "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
CANT_EDIT = "Bad Request: message can't be edited"
DELETE_NOT_FOUND = "Bad Request: message to delete not found"
REPLY_NOT_FOUND = "Bad Request: message to be replied not found"
CHAT_NOT_FOUND = "Bad Request: chat not found"
BLOCKED = "Forbidden: bot was blocked by the user"
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
POLLING_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
COMMAND_INVALID = "Bad Request: BOT_COMMAND_INVALID"

Result = Any
Handler = Callable[[dict[str, Any]], Result | Awaitable[Result]]


class TelegramError(Exception):
    """Raised inside a method handler to answer `{"ok": false, "error_code": status, "description": ...}`."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def response(self) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.status)


def _bad(description: str) -> TelegramError:
    return TelegramError(400, description)


class FakeTelegramAPI(FakeServer):
    """Fake api.telegram.org on a free local port; use as `async with FakeTelegramAPI() as tg`."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TELEGRAM_TOKEN,
        username: str = "partnerbot_test_bot",
        first_name: str = "Partnerbot",
        strict_chats: bool = False,
        enforce_limits: bool = False,
        chat_rate_per_s: float = 1.0,
        chat_burst: float = 1.0,
        group_per_min: int = 20,
        bot_rate_per_s: float = 30.0,
        poll_max_wait: float = 0.5,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__()
        self.token = token
        self.tokens: set[str] = {token}
        self.me: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456789,
            "is_bot": True,
            "first_name": first_name,
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.strict_chats = strict_chats
        self.chats: dict[int, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.rate_limited_count = 0
        self.poll_max_wait = poll_max_wait
        self.polling_conflicts = 0
        self._long_polls = 0
        self._unknown_chats: set[int] = set()
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, dict[str, Any]]] = {}
        self._by_bot: dict[int, list[int]] = {}
        self._next_mid: dict[int, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._last_update_id = 0
        self._update_event: asyncio.Event | None = None
        self._limits: dict[str, Limiter] = (
            {
                "chat": RateLimiter(chat_rate_per_s, chat_burst, clock),
                "group": WindowLimiter(group_per_min, 60.0, clock),
                "bot": RateLimiter(bot_rate_per_s, bot_rate_per_s, clock),
            }
            if enforce_limits
            else {}
        )
        self._methods: dict[str, Handler] = {
            "getMe": lambda p: self._bot_user(),
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p: self.commands.get(self._scope_key(p), []),
            "deleteMyCommands": self._delete_my_commands,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendChatAction": lambda p: self._chat(p.get("chat_id")) is not None,
            "getChat": lambda p: dict(self._chat(p.get("chat_id"))),
        }
        self._lower = {name.lower(): name for name in self._methods}
        self.photos: list[dict[str, Any]] = []

    # -- public test API -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Root URL, the value for TELEGRAM_API_URL (calls go to {url}/bot{token}/{method})."""
        return self.root_url

    @property
    def base_url(self) -> str:
        """For PTB's `Bot(token, base_url=tg.base_url)`, which appends the token itself."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """For PTB's `Bot(..., base_file_url=tg.base_file_url)`; file downloads are not served."""
        return f"{self.root_url}/file/bot"

    def add_chat(
        self,
        chat_id: int,
        type: str | None = None,
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> dict[str, Any]:
        """Register a chat; without a type, >0 is private, -100… a supergroup, other <0 a group."""
        kind = type or ("private" if chat_id > 0 else "supergroup" if str(chat_id).startswith("-100") else "group")
        chat: dict[str, Any] = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = first_name or f"User{chat_id}"
        else:
            chat["title"] = title or f"Chat {chat_id}"
        if username:
            chat["username"] = username
        self.chats[chat_id] = chat
        self._unknown_chats.discard(chat_id)
        return chat

    def mark_chat_unknown(self, chat_id: int) -> None:
        """Calls to this chat fail with "chat not found" (a wrong id, or a user who never started the bot)."""
        self._unknown_chats.add(chat_id)
        self.chats.pop(chat_id, None)

    def block_chat(self, chat_id: int) -> None:
        """Sends to this chat fail with 403, as when the user blocked the bot (or removed it from a group)."""
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo block_chat."""
        self._blocked.discard(chat_id)

    def fail_next(
        self,
        method: str,
        *,
        status: int = 502,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail with this status (429 carries retry_after)."""
        if status == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        self._queue_failure(method, Failure(status, description or _default_description(status), retry_after), times)

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; assigns update_id when missing and returns it."""
        update = self._register_update(update)
        self._updates.append(update)
        if self._update_event is not None:
            self._update_event.set()
        return int(update["update_id"])

    async def deliver_webhook(self, update: dict[str, Any]) -> int:
        """POST an update to the webhook set with setWebhook, as Telegram would; returns the HTTP status."""
        if not self.webhook:
            raise RuntimeError("no webhook set: call setWebhook first")
        update = self._register_update(update)
        headers = {}
        if self.webhook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook["url"], json=update, headers=headers) as response,
        ):
            return response.status

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The current state of a message (text, entities, reply_markup after edits)."""
        return self._messages[chat_id][message_id]

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """Messages the bot sent to a chat, oldest first, in their current (edited) state."""
        store = self._messages.get(chat_id, {})
        return [store[mid] for mid in self._by_bot.get(chat_id, []) if mid in store]

    def texts_to(self, chat_id: int) -> list[str]:
        """Just the texts of sent_to(), for compact assertions."""
        return [m.get("text", "") for m in self.sent_to(chat_id)]

    # -- HTTP ----------------------------------------------------------------------------------
    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._observed(self._handle))
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.match_info["method"]
        method = self._lower.get(given.lower(), given)
        params = await read_params(request, JSON_FIELDS)
        self.calls.append(Call(method, params))
        self._changed()  # a held call (a long poll) counts as arrived
        try:
            if request.match_info["token"] not in self.tokens:
                raise TelegramError(401, "Unauthorized")
            failure = self._take_failure(method)
            if failure is not None:
                raise TelegramError(failure.status, failure.error or "", failure.retry_after)
            handler = self._methods.get(method)
            if handler is None:
                raise TelegramError(404, "Not Found")
            await self._hold(method, after=False, params=params)
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
            await self._hold(method, after=True, params=params)
        except TelegramError as exc:
            if exc.status == 429:
                self.rate_limited_count += 1
            return exc.response()
        body: dict[str, Any] = {"ok": True, "result": result}
        if method in ("setWebhook", "deleteWebhook"):
            body["description"] = self._webhook_description
        return web.json_response(body)

    # -- helpers -------------------------------------------------------------------------------
    def _bot_user(self) -> dict[str, Any]:
        return dict(self.me)

    def _chat(self, raw: Any) -> dict[str, Any]:
        if raw is None or raw == "":
            raise _bad("Bad Request: chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            found = next((c for c in self.chats.values() if c.get("username") == raw[1:]), None)
            if found is None:
                raise _bad(CHAT_NOT_FOUND)
            return found
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise _bad(CHAT_NOT_FOUND) from None
        if chat_id in self._unknown_chats or (self.strict_chats and chat_id not in self.chats):
            raise _bad(CHAT_NOT_FOUND)
        return self.chats.get(chat_id) or self.add_chat(chat_id)

    def _check_blocked(self, chat: dict[str, Any]) -> None:
        if chat["id"] in self._blocked:
            if chat["type"] == "private":
                raise TelegramError(403, BLOCKED)
            raise TelegramError(403, f"Forbidden: bot was kicked from the {chat['type']} chat")

    def _text(self, params: dict[str, Any], *, too_long: str) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise _bad(TEXT_EMPTY)
        if isinstance(params.get("entities"), list):
            text, entities = raw, list(params["entities"])
        else:
            try:
                text, entities = parse_text(raw, params.get("parse_mode"))
            except EntityParseError as exc:
                raise _bad(f"Bad Request: can't parse entities: {exc}") from None
            except ValueError:
                raise _bad("Bad Request: unsupported parse_mode") from None
        text = text.rstrip()
        if not text.strip():
            raise _bad(TEXT_EMPTY)
        if len(text) > MAX_TEXT:
            raise _bad(too_long)
        return text, entities

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad("Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if isinstance(data, str) and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    raise _bad(BUTTON_DATA_INVALID)
                if set(button) <= {"text"}:
                    raise _bad(TEXT_BUTTONS_UNALLOWED)
        return markup

    def _check_limits(self, method: str, chat: dict[str, Any]) -> None:
        if not self._limits or method not in SENDING_METHODS:
            return
        checks: list[tuple[Limiter, object]] = [
            (self._limits["chat"], chat["id"]),
            (self._limits["bot"], "bot"),
        ]
        if chat["type"] in ("group", "supergroup"):
            checks.append((self._limits["group"], chat["id"]))
        wait = max(limiter.retry_after(key) for limiter, key in checks)
        if wait:
            raise TelegramError(429, f"Too Many Requests: retry after {wait}", wait)
        for limiter, key in checks:
            limiter.spend(key)

    def _store(self, chat_id: int, message: dict[str, Any]) -> None:
        self._messages.setdefault(chat_id, {})[message["message_id"]] = message
        self._next_mid[chat_id] = max(self._next_mid.get(chat_id, 1), message["message_id"] + 1)

    def _register_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Learn chats, messages and callback ids from an incoming update, as Telegram would know them."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._last_update_id + 1
        self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if isinstance(message, dict) and isinstance(message.get("chat"), dict):
                chat = message["chat"]
                self.chats.setdefault(chat["id"], dict(chat))
                self._store(chat["id"], dict(message))
        return update

    def _find(self, params: dict[str, Any], not_found: str) -> tuple[dict[str, Any], dict[str, Any]]:
        chat = self._chat(params.get("chat_id"))
        try:
            message = self._messages[chat["id"]][int(params.get("message_id", 0))]
        except (KeyError, TypeError, ValueError):
            raise _bad(not_found) from None
        return chat, message

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return (
            str(sorted(scope.items())) if isinstance(scope, dict) else str(scope),
            params.get("language_code", ""),
        )

    # -- methods -------------------------------------------------------------------------------
    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        self._check_blocked(chat)
        text, entities = self._text(params, too_long=TOO_LONG)
        markup = self._markup(params)
        reply_to = params.get("reply_to_message_id") or (params.get("reply_parameters") or {}).get("message_id")
        if reply_to and int(reply_to) not in self._messages.get(chat["id"], {}):
            raise _bad(REPLY_NOT_FOUND)
        self._check_limits("sendMessage", chat)
        message_id = self._next_mid.get(chat["id"], 1)
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": dict(chat),
            "date": int(time.time()),
            "text": text,
        }
        if entities:
            message["entities"] = entities
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if reply_to:
            message["reply_to_message"] = dict(self._messages[chat["id"]][int(reply_to)])
        self._store(chat["id"], message)
        self._by_bot.setdefault(chat["id"], []).append(message_id)
        return message

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        """A photo uploaded as a file (multipart), with an optional caption of at most 1,024 characters."""
        chat = self._chat(params.get("chat_id"))
        self._check_blocked(chat)
        photo = params.get("photo")
        if not isinstance(photo, dict) or not photo.get("content"):
            raise _bad("Bad Request: there is no photo in the request")
        if len(str(params.get("caption") or "")) > 1024:
            raise _bad("Bad Request: message caption is too long")
        self._check_limits("sendPhoto", chat)
        message_id = self._next_mid.get(chat["id"], 1)
        size = len(photo["content"])
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": dict(chat),
            "date": int(time.time()),
            "photo": [
                {
                    "file_id": f"photo-{chat['id']}-{message_id}",
                    "file_unique_id": f"u{message_id}",
                    "width": 800,
                    "height": 600,
                    "file_size": size,
                }
            ],
        }
        if params.get("caption"):
            message["caption"] = str(params["caption"])
        self.photos.append({"chat_id": chat["id"], "filename": photo["filename"], "content": photo["content"]})
        self._store(chat["id"], message)
        self._by_bot.setdefault(chat["id"], []).append(message_id)
        return message

    def _editable(self, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        if params.get("inline_message_id"):
            return None
        chat, message = self._find(params, EDIT_NOT_FOUND)
        if message["message_id"] not in self._by_bot.get(chat["id"], []):
            raise _bad(CANT_EDIT)
        return chat, message

    def _apply_edit(self, message: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        current = {k: message.get(k) for k in changes}
        if current == changes:
            raise _bad(NOT_MODIFIED)
        for key, value in changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        message["edit_date"] = int(time.time())
        return message

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        text, entities = self._text(params, too_long=EDIT_TOO_LONG)
        markup = self._markup(params)
        found = self._editable(params)
        if found is None:
            return True
        _, message = found
        inline = markup if markup and "inline_keyboard" in markup else None
        return self._apply_edit(message, {"text": text, "entities": entities or None, "reply_markup": inline})

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = self._markup(params)
        found = self._editable(params)
        if found is None:
            return True
        _, message = found
        inline = markup if markup and markup.get("inline_keyboard") else None
        return self._apply_edit(message, {"reply_markup": inline})

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat, message = self._find(params, DELETE_NOT_FOUND)
        del self._messages[chat["id"]][message["message_id"]]
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if not query_id or query_id in self.callback_answers:
            raise _bad(QUERY_INVALID)
        self.callback_answers[query_id] = params
        return True

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("Bad Request: can't parse commands JSON object")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise _bad(COMMAND_INVALID)
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("Bad Request: command description is empty")
        self.commands[self._scope_key(params)] = commands
        return True

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    _webhook_description = ""

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            return self._delete_webhook(params)
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        self.webhook = {k: v for k, v in params.items() if k != "drop_pending_updates"}
        self._webhook_description = "Webhook was set"
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook_description = "Webhook was deleted" if self.webhook else "Webhook is already deleted"
        self.webhook = None
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook and self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise TelegramError(409, WEBHOOK_CONFLICT)
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        timeout = float(params.get("timeout") or 0)
        if self._long_polls:
            # Telegram serves one getUpdates caller per bot; a second one at the same time is refused.
            self.polling_conflicts += 1
            raise TelegramError(409, POLLING_CONFLICT)
        if not self._updates and timeout > 0:
            self._update_event = self._update_event or asyncio.Event()
            self._update_event.clear()
            self._long_polls += 1
            try:
                await asyncio.wait_for(self._update_event.wait(), min(timeout, self.poll_max_wait))
            except TimeoutError:
                pass
            finally:
                self._long_polls -= 1
        allowed = params.get("allowed_updates")
        updates = self._updates
        if isinstance(allowed, list) and allowed:
            updates = [u for u in updates if any(k in u for k in allowed)]
        return updates[:limit]


def _default_description(status: int) -> str:
    return {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }.get(status, "Error")
