"""A local fake of the Slack Web API for adapter and end-to-end tests.

It speaks HTTP like slack.com/api/ does, so the real slack_sdk AsyncWebClient and slack-bolt
AsyncApp run unmodified against it (`AsyncWebClient(token=..., base_url=slack.url)`); it returns
Slack's real response shapes and error codes, and keeps enough state (messages, views, users)
for tests to assert on the outcome rather than on the calls alone.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from tests.fakes._ratelimit import Clock, RateLimiter
from tests.fakes._server import Call, Failure, FakeServer, read_params
from tests.fakes.slack_blocks import block_errors, view_errors

DEFAULT_SLACK_TOKEN = "xoxb-fake-bot-token"
DEFAULT_TEAM_ID = "T0FAKETEAM"
DEFAULT_APP_ID = "A0FAKEAPP"
DEFAULT_BOT_USER_ID = "U0FAKEBOT"
MAX_TEXT = 40_000
JSON_FIELDS = frozenset({"blocks", "attachments", "view", "metadata"})

Response = dict[str, Any]


class SlackError(Exception):
    """Raised inside a method handler to answer `{"ok": false, "error": code, ...}`."""

    def __init__(self, code: str, messages: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.messages = messages or []

    def body(self) -> Response:
        body: Response = {"ok": False, "error": self.code}
        if self.messages:
            body["errors"] = self.messages
            body["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
        return body


@dataclass
class SlackUser:
    """A workspace member as users.info describes it."""

    id: str
    email: str
    name: str
    real_name: str
    display_name: str
    tz: str
    team_id: str
    is_bot: bool = False

    def to_api(self) -> Response:
        offset = datetime.now(ZoneInfo(self.tz)).utcoffset()
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_bot": self.is_bot,
            "is_admin": False,
            "is_app_user": False,
            "profile": {
                "email": self.email,
                "display_name": self.display_name,
                "real_name": self.real_name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.display_name,
                "team": self.team_id,
            },
        }


class FakeSlackAPI(FakeServer):
    """Fake https://slack.com/api/ on a free local port; use as `async with FakeSlackAPI() as slack`."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_SLACK_TOKEN,
        team_id: str = DEFAULT_TEAM_ID,
        team: str = "Fake Workspace",
        bot_user_id: str = DEFAULT_BOT_USER_ID,
        bot_id: str = "B0FAKEBOT",
        app_id: str = DEFAULT_APP_ID,
        strict_channels: bool = True,
        channel_rate_per_s: float | None = None,
        channel_burst: float = 1.0,
        channel_limited_methods: Iterable[str] = ("chat.postMessage",),
        method_rate_per_s: Mapping[str, float] | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__()
        self.tokens: set[str] = {token}
        self.token = token
        self.team_id, self.team = team_id, team
        self.bot_user_id, self.bot_id, self.app_id = bot_user_id, bot_id, app_id
        self.strict_channels = strict_channels
        self.users: dict[str, SlackUser] = {}
        self.channels: dict[str, Response] = {}
        self.views: dict[str, Response] = {}
        self.home_views: dict[str, Response] = {}
        self.ephemerals: list[Response] = []
        self.responses: list[Call] = []
        self.rate_limited_count = 0
        self._messages: dict[str, dict[str, Response]] = {}
        self._dms: dict[str, str] = {}
        self._expired_triggers: set[str] = set()
        self._ts = itertools.count(100, 100)
        self._ids = itertools.count(1)
        self._channel_methods = frozenset(channel_limited_methods)
        self._channel_limiter = RateLimiter(channel_rate_per_s, channel_burst, clock) if channel_rate_per_s else None
        self._method_limiters = {m: RateLimiter(rate, 1.0, clock) for m, rate in (method_rate_per_s or {}).items()}
        self._methods: dict[str, Callable[[Response], Response]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "reactions.add": self._reactions_add,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }
        self.files: list[Response] = []
        self._uploads: dict[str, Response] = {}

    # -- public test API -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL for `AsyncWebClient(base_url=...)` and SLACK_API_URL; ends in "/api/"."""
        return f"{self.root_url}/api/"

    def add_user(
        self,
        user_id: str,
        email: str,
        name: str,
        *,
        tz: str = "UTC",
        real_name: str | None = None,
        display_name: str | None = None,
        is_bot: bool = False,
    ) -> SlackUser:
        """Register a member so users.info, users.lookupByEmail and DMs know them."""
        user = SlackUser(user_id, email, name, real_name or name, display_name or name, tz, self.team_id, is_bot)
        self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_private: bool = False,
        members: Iterable[str] = (),
    ) -> None:
        """Register a channel the bot is in; `members` (if given) limits who may get ephemerals."""
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name or channel_id.lower(),
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": channel_id.startswith("D"),
            "is_private": is_private,
            "is_member": True,
            "created": 1700000000,
            "members": list(members),
        }
        self._messages.setdefault(channel_id, {})

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail: an error code, a 5xx, or 429 ratelimited."""
        if status == 429:
            failure = Failure(429, "ratelimited", 1 if retry_after is None else retry_after)
        elif status >= 500:
            failure = Failure(status, error or "internal_error")
        else:
            failure = Failure(status, error or "fatal_error")
        self._queue_failure(method, failure, times)

    def expire_trigger(self, trigger_id: str) -> None:
        """Make views.open with this trigger_id fail like a trigger older than 3 seconds."""
        self._expired_triggers.add(trigger_id)

    def response_url(self, name: str | None = None) -> str:
        """A response_url for slash-command/interaction payloads; posts land in `slack.responses`."""
        return f"{self.root_url}/response/{name or next(self._ids)}"

    def message(self, channel: str, ts: str) -> Response:
        """The current state of a message (text, blocks, thread_ts, edited, reactions)."""
        return self._messages[self._resolve(channel, create=False)][ts]

    def messages(self, channel: str) -> list[Response]:
        """All messages posted in a channel (thread replies included), oldest first."""
        return list(self._messages.get(self._resolve(channel, create=False), {}).values())

    def replies(self, channel: str, thread_ts: str) -> list[Response]:
        """The replies in one thread, oldest first, without the parent."""
        return [m for m in self.messages(channel) if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]

    def post_as_user(self, channel: str, user: str, text: str) -> str:
        """A person's own message in a channel (as a client would post it); returns its ts."""
        channel_id = self._resolve(channel, create=False)
        ts = self._next_ts()
        self._messages[channel_id][ts] = {"type": "message", "user": user, "text": text, "ts": ts}
        return ts

    def dm_channel(self, user_id: str) -> str:
        """The D... channel of the bot's DM with a user (opened on demand, like conversations.open)."""
        if user_id not in self._dms:
            channel_id = f"D{next(self._ids):09d}"
            self._dms[user_id] = channel_id
            self.add_channel(channel_id, user_id, members=[user_id, self.bot_user_id])
        return self._dms[user_id]

    # -- HTTP ----------------------------------------------------------------------------------
    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._observed(self._handle))
        app.router.add_post("/response/{name}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        return app

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: the bytes, of the announced length."""
        pending = self._uploads.get(request.match_info["file_id"])
        if pending is None:
            return web.Response(status=404, text="not found")
        body = await request.read()
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            upload = next((v for v in form.values() if hasattr(v, "file")), None)
            body = upload.file.read() if upload is not None else b""
        if len(body) != pending["length"]:
            return web.Response(status=400, text=f"length mismatch: {len(body)} != {pending['length']}")
        pending["content"] = body
        return web.Response(text=f"OK - {len(body)}")

    def _files_get_upload_url(self, params: Response) -> Response:
        if not params.get("filename") or not str(params.get("length") or "").isdigit():
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._ids):09d}"
        self._uploads[file_id] = {"id": file_id, "filename": params["filename"], "length": int(params["length"])}
        return {"ok": True, "upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: Response) -> Response:
        files = params.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        done = []
        for entry in files or []:
            pending = self._uploads.get(str(entry.get("id")))
            if pending is None or "content" not in pending:
                raise SlackError("file_not_found")
            channel = self._resolve(params.get("channel_id")) if params.get("channel_id") else None
            record = {**pending, "title": entry.get("title"), "channel": channel, "thread_ts": params.get("thread_ts")}
            self.files.append(record)
            done.append({"id": pending["id"], "title": entry.get("title"), "name": pending["filename"]})
        return {"ok": True, "files": done}

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await read_params(request, JSON_FIELDS)
        token = params.pop("token", None)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ").strip()
        self.calls.append(Call(method, params))
        self._changed()  # a held call (a long poll) counts as arrived
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if token not in self.tokens:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        failure = self._take_failure(method)
        if failure is not None:
            return self._failure_response(failure)
        limited = self._rate_limit(method, params)
        if limited is not None:
            return limited
        handler = self._methods.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        await self._hold(method, after=False, params=params)
        try:
            body = handler(params)
        except SlackError as exc:
            return web.json_response(exc.body())
        await self._hold(method, after=True, params=params)
        return web.json_response(body)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text())
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        self.responses.append(Call(request.match_info["name"], body))
        return web.Response(text="ok")

    def _failure_response(self, failure: Failure) -> web.Response:
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
        if failure.status == 429:
            self.rate_limited_count += 1
        return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)

    def _rate_limit(self, method: str, params: Response) -> web.Response | None:
        checks: list[tuple[RateLimiter, object]] = []
        if method in self._method_limiters:
            checks.append((self._method_limiters[method], method))
        if self._channel_limiter and method in self._channel_methods and "channel" in params:
            checks.append((self._channel_limiter, (method, str(params["channel"]))))
        wait = max((limiter.retry_after(key) for limiter, key in checks), default=0)
        if wait:
            return self._failure_response(Failure(429, "ratelimited", wait))
        for limiter, key in checks:
            limiter.spend(key)
        return None

    # -- helpers -------------------------------------------------------------------------------
    def _resolve(self, channel: Any, *, create: bool = True) -> str:
        """Channel id, name, "#name" or a user id (its DM) → channel id, as Slack accepts them."""
        if not isinstance(channel, str) or not channel:
            raise SlackError("channel_not_found")
        if channel in self.channels:
            return channel
        name = channel.removeprefix("#")
        for channel_id, info in self.channels.items():
            if info["name"] == name and not info["is_im"]:
                return channel_id
        if channel in self.users:
            return self.dm_channel(channel)
        if self.strict_channels or not create:
            raise SlackError("channel_not_found")
        self.add_channel(channel)
        return channel

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1700000000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def _content(self, params: Response, *, require: bool = True) -> tuple[str | None, list[Any] | None]:
        """Validate text/blocks the way chat.postMessage and chat.update do."""
        text = params.get("text")
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            raise SlackError("invalid_blocks_format")
        if blocks is not None and not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        if require and not text and not blocks and not params.get("attachments"):
            raise SlackError("no_text")
        if isinstance(text, str) and len(text) > MAX_TEXT:
            raise SlackError("msg_too_long")
        if blocks:
            errors = block_errors(blocks)
            if errors:
                raise SlackError("invalid_blocks", errors)
        return text, blocks

    def _find(self, channel_id: str, ts: Any) -> Response:
        message = self._messages.get(channel_id, {}).get(str(ts))
        if message is None:
            raise SlackError("message_not_found")
        return message

    # -- methods -------------------------------------------------------------------------------
    def _auth_test(self, params: Response) -> Response:
        return {
            "ok": True,
            "url": "https://fake-workspace.slack.com/",
            "team": self.team,
            "user": "partnerbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: Response) -> Response:
        channel_id = self._resolve(params.get("channel"))
        text, blocks = self._content(params)
        ts = self._next_ts()
        message: Response = {
            "user": self.bot_user_id,
            "type": "message",
            "ts": ts,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": text or "",
            "team": self.team_id,
            "bot_profile": {"id": self.bot_id, "app_id": self.app_id, "name": "partnerbot", "deleted": False},
        }
        if blocks is not None:
            message["blocks"] = blocks
        if params.get("thread_ts"):
            message["thread_ts"] = str(params["thread_ts"])
            parent = self._messages[channel_id].get(message["thread_ts"])
            if parent is not None:
                message["parent_user_id"] = parent["user"]
                parent.setdefault("thread_ts", parent["ts"])
                parent["reply_count"] = parent.get("reply_count", 0) + 1
        if params.get("metadata"):
            message["metadata"] = params["metadata"]
        self._messages[channel_id][ts] = message
        return {"ok": True, "channel": channel_id, "ts": ts, "message": dict(message)}

    def _chat_update(self, params: Response) -> Response:
        channel_id = self._resolve(params.get("channel"), create=False)
        message = self._find(channel_id, params.get("ts"))
        text, blocks = self._content(params, require=False)
        if text is not None:
            message["text"] = text
        if "blocks" in params:
            message["blocks"] = blocks or []
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel_id,
            "ts": message["ts"],
            "text": message["text"],
            "message": dict(message),
        }

    def _chat_post_ephemeral(self, params: Response) -> Response:
        channel_id = self._resolve(params.get("channel"))
        user = params.get("user")
        members = self.channels[channel_id]["members"]
        if not user or (members and user not in members) or (self.users and user not in self.users):
            raise SlackError("user_not_in_channel")
        text, blocks = self._content(params)
        ts = self._next_ts()
        self.ephemerals.append(
            {"channel": channel_id, "user": user, "text": text or "", "blocks": blocks, "message_ts": ts}
        )
        return {"ok": True, "message_ts": ts}

    def _chat_delete(self, params: Response) -> Response:
        channel_id = self._resolve(params.get("channel"), create=False)
        message = self._find(channel_id, params.get("ts"))
        del self._messages[channel_id][message["ts"]]
        return {"ok": True, "channel": channel_id, "ts": message["ts"]}

    def _chat_get_permalink(self, params: Response) -> Response:
        channel_id = self._resolve(params.get("channel"), create=False)
        message = self._find(channel_id, params.get("message_ts"))
        link = f"https://fake-workspace.slack.com/archives/{channel_id}/p{message['ts'].replace('.', '')}"
        return {"ok": True, "channel": channel_id, "permalink": link}

    def _reactions_add(self, params: Response) -> Response:
        channel_id = self._resolve(params.get("channel"), create=False)
        message = self._find(channel_id, params.get("timestamp"))
        name = params.get("name")
        if not name:
            raise SlackError("invalid_name")
        reactions = message.setdefault("reactions", [])
        for reaction in reactions:
            if reaction["name"] == name:
                if self.bot_user_id in reaction["users"]:
                    raise SlackError("already_reacted")
                reaction["users"].append(self.bot_user_id)
                reaction["count"] += 1
                return {"ok": True}
        reactions.append({"name": name, "users": [self.bot_user_id], "count": 1})
        return {"ok": True}

    def _store_view(self, view: Any, *, view_id: str | None = None, previous: Response | None = None) -> Response:
        errors = view_errors(view)
        if errors:
            raise SlackError("invalid_arguments", errors)
        view_id = view_id or f"V{next(self._ids):09d}"
        stored: Response = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view["blocks"],
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08x}",
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "previous_view_id": None,
            "root_view_id": previous["root_view_id"] if previous else view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self.views[view_id] = stored
        return stored

    def _views_open(self, params: Response) -> Response:
        trigger_id = params.get("trigger_id")
        if not trigger_id:
            raise SlackError("invalid_arguments", ["missing required field: trigger_id"])
        if trigger_id in self._expired_triggers:
            raise SlackError("expired_trigger_id")
        return {"ok": True, "view": self._store_view(params.get("view"))}

    def _views_update(self, params: Response) -> Response:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            view_id = next((v["id"] for v in self.views.values() if v["external_id"] == params["external_id"]), None)
        current = self.views.get(view_id or "")
        if current is None:
            raise SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        return {
            "ok": True,
            "view": self._store_view(params.get("view"), view_id=current["id"], previous=current),
        }

    def _views_publish(self, params: Response) -> Response:
        user_id = params.get("user_id")
        if not user_id or (self.users and user_id not in self.users):
            raise SlackError("user_not_found")
        view = params.get("view")
        if isinstance(view, dict) and view.get("type") != "home":
            raise SlackError("invalid_arguments", ["must be home [json-pointer:/view/type]"])
        previous = self.home_views.get(user_id)
        stored = self._store_view(view, view_id=previous["id"] if previous else None, previous=previous)
        self.home_views[user_id] = stored
        return {"ok": True, "view": stored}

    def _users_info(self, params: Response) -> Response:
        user = self.users.get(params.get("user", ""))
        if user is None:
            raise SlackError("user_not_found")
        return {"ok": True, "user": user.to_api()}

    def _users_lookup_by_email(self, params: Response) -> Response:
        for user in self.users.values():
            if user.email.lower() == str(params.get("email", "")).lower():
                return {"ok": True, "user": user.to_api()}
        raise SlackError("users_not_found")

    def _conversations_open(self, params: Response) -> Response:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": self._resolve(params["channel"], create=False)}}
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        for user_id in users:
            if self.users and user_id not in self.users:
                raise SlackError("user_not_found")
        if len(users) > 1:
            channel_id = f"G{next(self._ids):09d}"
            self.add_channel(channel_id, f"mpdm-{'--'.join(users)}-1", is_private=True, members=users)
            return {"ok": True, "channel": {"id": channel_id}}
        existed = users[0] in self._dms
        body: Response = {"ok": True, "channel": {"id": self.dm_channel(users[0])}}
        if existed:
            body.update(no_op=True, already_open=True)
        return body

    def _conversations_info(self, params: Response) -> Response:
        channel_id = self._resolve(params.get("channel"), create=False)
        info = {k: v for k, v in self.channels[channel_id].items() if k != "members"}
        return {"ok": True, "channel": info}

    def _conversations_history(self, params: Response) -> Response:
        """Newest first; `latest` bounds the ts range (`inclusive` keeps it), `limit` cuts. `oldest` is not
        applied: this fake's ts count from 2023, not from the test's clock, so a wall-clock bound would be
        meaningless here."""
        channel_id = self._resolve(params.get("channel"), create=False)
        top = [m for m in self._messages[channel_id].values() if m.get("thread_ts", m["ts"]) == m["ts"]]
        inclusive = params.get("inclusive") in (True, "true", "1", 1)
        if params.get("latest"):
            latest = float(params["latest"])
            top = [m for m in top if float(m["ts"]) < latest or (inclusive and float(m["ts"]) == latest)]
        newest_first = sorted(top, key=lambda m: float(m["ts"]), reverse=True)
        limit = int(params.get("limit") or 100)
        return {"ok": True, "messages": newest_first[:limit], "has_more": len(newest_first) > limit}

    def _conversations_replies(self, params: Response) -> Response:
        channel_id = self._resolve(params.get("channel"), create=False)
        parent = self._messages[channel_id].get(str(params.get("ts")))
        if parent is None:
            raise SlackError("thread_not_found")
        replies = [m for m in self._messages[channel_id].values() if m.get("thread_ts") == parent["ts"]]
        return {"ok": True, "messages": [parent, *[m for m in replies if m is not parent]], "has_more": False}
