"""The Slack adapter's plumbing: clients, caches, in-flight work, event ids (answers: `replies.py`).

Slack wants an answer within 3 seconds, so listeners acknowledge and hand the work to `spawn`; the
tasks are kept (not fire-and-forget) so shutdown can finish them and tests can `await adapter.idle()`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.app import App
from bot.config import SettingsError
from bot.sender import AFTER_ANSWER, Sender
from bot.slack.replies import PLATFORM, Origin, Replies
from bot.slack.transport import SlackTransport, call, transport_client
from bot.transport import DeliveryError, PermanentError, TransientError
from domain.people import PersonView
from domain.updates import first_deliveries
from handlers.errors import unexpected_reply
from handlers.model import Chat, Request

logger = logging.getLogger(__name__)


class _DropMessage(logging.Filter):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.text


def _bolt_logger() -> logging.Logger:
    """Bolt's logger, without its warning that SLACK_BOT_TOKEN "will be unused": bolt reads the variable
    itself although our client already carries that very token, so the warning means nothing here."""
    bolt_logger = logging.getLogger("slack_bolt")
    unused = warning_client_prioritized_and_token_skipped()
    if not any(isinstance(f, _DropMessage) and f.text == unused for f in bolt_logger.filters):
        bolt_logger.addFilter(_DropMessage(unused))
    return bolt_logger


DISPATCH_AT_ONCE = 8
"""Acknowledged requests the dispatcher works on at once in this process; the others wait their turn.

The work is CPU and database bound on one event loop, so running more at once only shares the loop
thinner: 200 presses on one lead that all progress together finish together, at the end of the storm,
the winner among them, and every write after the claim (its card, its record) queues behind 199 losers.
Taken a few at a time (enough to overlap each one's database round trips) they finish one after another
and each presser is answered as soon as their own request is done (benchmarks/leads_claim_storm.py)."""
PROFILE_TTL = 15 * 60
PROFILE_MISS_TTL = 60
CACHE_MAX = 10_000


@dataclass(frozen=True)
class Profile:
    """What users.info tells us about a member: the email links them, the locale picks a language."""

    email: str | None
    locale: str | None
    name: str | None
    username: str | None


class SlackAdapter(Replies):
    def __init__(self, app: App) -> None:
        settings = app.settings
        if settings.slack_bot_token is None or settings.slack_signing_secret is None:
            raise SettingsError("SLACK_BOT_TOKEN: Slack needs a bot token and SLACK_SIGNING_SECRET")
        token = settings.slack_bot_token.get_secret_value()
        base_url = settings.slack_api_url.rstrip("/") + "/"  # slack_sdk appends the method name as is
        self.app = app
        self.signing_secret = settings.slack_signing_secret.get_secret_value()
        self.command = settings.slack_command
        # Interactive answers may wait out one short 429; deliveries leave 429s to the sender.
        self.client = AsyncWebClient(
            token=token,
            base_url=base_url,
            timeout=10,
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=1),
                AsyncRateLimitErrorRetryHandler(max_retry_count=1),
            ],
        )
        self.verifier = SignatureVerifier(self.signing_secret)
        # process_before_response: our listeners return at once (they ack and spawn), and bolt then
        # starts no untracked background futures of its own.
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=self.signing_secret,
            process_before_response=True,
            logger=_bolt_logger(),
        )
        self.replies = SlackTransport(self.client)
        self.transport = SlackTransport(transport_client(token, base_url))
        self.bot_user_id: str | None = None
        self.team_ids: set[str] = set()
        self._identity_lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._dispatching = asyncio.Semaphore(DISPATCH_AT_ONCE)
        self._profiles: dict[str, tuple[float, Profile | None]] = {}
        self._dms: dict[str, str] = {}

    # -- lifecycle -----------------------------------------------------------------------------
    async def setup(self, app: App) -> None:
        """Start-up: one HTTP session for all calls, and who we are (auth.test) so bad tokens fail early."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self.client.session = self._session
            self.transport.client.session = self._session
        await self.identity(strict=True)

    async def close(self) -> None:
        """Let in-flight work finish briefly, then cancel what is left and close the session."""
        if self._tasks:
            _done, pending = await asyncio.wait(list(self._tasks), timeout=5)
            for task in pending:
                task.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
            self.client.session = None
            self.transport.client.session = None

    async def identity(self, *, strict: bool = False) -> None:
        """Learn our bot user and workspace once; until Slack answers, payloads are not filtered by team."""
        if self.bot_user_id is not None:
            return
        async with self._identity_lock:
            if self.bot_user_id is not None:
                return
            try:
                result = await self.client.auth_test()
            except SlackApiError as exc:
                code = exc.response.get("error") if exc.response is not None else None
                if strict and code in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
                    raise SettingsError(f"SLACK_BOT_TOKEN: Slack refused the token ({code})") from None
                logger.warning("slack auth.test failed: %s", code)
                return
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                logger.warning("slack auth.test unreachable: %s", type(exc).__name__)
                return
            self.team_ids = {str(v) for v in (result.get("team_id"), result.get("enterprise_id")) if v}
            self.bot_user_id = str(result.get("user_id") or "")
            logger.info("slack: connected as %s in team %s", self.bot_user_id, result.get("team_id"))

    def spawn(self, work: Coroutine[Any, Any, None], where: str, origin: Origin | None = None) -> None:
        """Run work after the acknowledgement, keeping a reference so it is neither lost nor collected."""
        task = asyncio.create_task(self._guard(work, where, origin))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until every piece of acknowledged work has finished (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _guard(self, work: Coroutine[Any, Any, None], where: str, origin: Origin | None) -> None:
        started = time.perf_counter()
        try:
            await work
            metrics.UPDATES.labels(PLATFORM, "ok").inc()
        except Exception:
            metrics.UPDATES.labels(PLATFORM, "error").inc()
            text = unexpected_reply(f"slack {where}")
            if origin is not None:
                try:
                    await self.notice(origin, text)
                except Exception:
                    logger.warning("could not tell slack user %s about the error", origin.user_id)
        finally:
            metrics.HANDLER_LATENCY.labels(PLATFORM).observe(time.perf_counter() - started)

    # -- look-ups ------------------------------------------------------------------------------
    async def first_delivery(self, event_id: str) -> bool:
        """Record an event id; False when it was recorded before (a retry, here or on another worker)."""
        return bool(await first_deliveries(self.app.uow, PLATFORM, [event_id], self.app.deps.now()))

    async def profile(self, user_id: str) -> Profile | None:
        """users.info, cached: the email for auto-linking, the locale for a first language."""
        now = time.monotonic()
        cached = self._profiles.get(user_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        profile: Profile | None = None
        ttl = PROFILE_MISS_TTL
        try:
            user = (await self.client.users_info(user=user_id, include_locale=True))["user"]
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            logger.info("slack users.info %s failed: %s", user_id, getattr(exc, "response", {}) or type(exc).__name__)
        else:
            info = user.get("profile") or {}
            usable = not user.get("deleted") and not user.get("is_bot")
            profile = Profile(
                email=(info.get("email") or None) if usable else None,
                locale=user.get("locale"),
                name=user.get("real_name") or info.get("real_name") or user.get("name"),
                username=user.get("name"),
            )
            ttl = PROFILE_TTL
        if len(self._profiles) > CACHE_MAX:
            self._profiles.clear()
        self._profiles[user_id] = (now + ttl, profile)
        return profile

    async def message_at(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message at `ts` in `channel` (conversations.history, `latest` inclusive), or None."""
        try:
            response = await call(
                lambda: self.client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
            )
        except (PermanentError, TransientError) as exc:
            logger.warning("slack: cannot read message %s in %s: %s", ts, channel, exc)
            return None
        found = [m for m in response.get("messages") or [] if str(m.get("ts")) == ts]
        return dict(found[0]) if found else None

    async def dm_channel(self, user_id: str, fallback: str | None = None) -> str:
        """The bot's DM channel with a user: the person's private chat (else `fallback`, else the user id,
        which chat.postMessage also takes)."""
        return await self.opened_dm(user_id) or fallback or user_id

    async def opened_dm(self, user_id: str) -> str | None:
        """The bot's DM channel with a user (conversations.open, cached); None when Slack refuses it."""
        if user_id in self._dms:
            return self._dms[user_id]
        try:
            opened = await call(lambda: self.client.conversations_open(users=user_id))
        except DeliveryError as exc:
            logger.warning("slack conversations.open %s failed: %s", user_id, exc)
            return None
        if len(self._dms) > CACHE_MAX:
            self._dms.clear()
        self._dms[user_id] = str(opened["channel"]["id"])
        return self._dms[user_id]

    async def request(self, chat: Chat, user_id: str, kind: str, **fields: Any) -> Request:
        """A neutral request with the person's email and locale filled in from users.info, and, from a
        channel, the person's DM with the bot (where a first contact there is linked to)."""
        profile = await self.profile(user_id)
        if not chat.is_private and profile is not None and profile.email:
            fields.setdefault("private_chat_id", await self.opened_dm(user_id))
        return Request(
            chat=chat,
            user_id=user_id,
            kind=kind,  # type: ignore[arg-type]
            email=profile.email if profile else None,
            platform_language=profile.locale if profile else None,
            display_name=profile.name if profile else None,
            username=profile.username if profile else None,
            **fields,
        )

    @staticmethod
    def private_chat_url(body: dict[str, Any]) -> str | None:
        """A link that opens the app's Messages tab, for "continue in a private chat" pointers."""
        app_id = body.get("api_app_id")
        team = body.get("team_id") or (body.get("team") or {}).get("id")
        if not app_id or not team:
            return None
        return f"https://slack.com/app_redirect?app={app_id}&team={team}"

    async def handle(self, req: Request, origin: Origin, *, person: PersonView | None = None) -> None:
        """Dispatch, answer, then hand over what the action queued for the person (the winner's card):
        the answer does not wait for pacing that only the card needs. `person`: the sender, when the
        event's first look already found them (`Dispatcher.handle`)."""
        later: list[Sender] = []
        token = AFTER_ANSWER.set(later)
        try:
            async with self._dispatching:
                items = await self.app.dispatcher.handle(req, person=person)
        finally:
            AFTER_ANSWER.reset(token)
        await self.deliver(items, req, origin)
        for sender in later:
            try:
                await sender.drain()
            except Exception:
                logger.exception("slack: handing over queued answers to %s failed", req.user_id)
