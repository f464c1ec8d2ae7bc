"""Plumbing shared by the fake chat APIs: a real aiohttp server on a free loopback port.

The fakes are real HTTP servers (not mocks) so the real slack_sdk / python-telegram-bot clients
exercise their own serialisation, error mapping and retry code against them.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from multidict import MultiDictProxy


@dataclass(frozen=True)
class Call:
    """One API request the code under test made; tests assert on these instead of mocking."""

    method: str
    params: dict[str, Any]


@dataclass
class Hold:
    """A request held by the fake: `arrived` is set when it comes in, and it is answered only after
    `release` (or never, if the process that sent it is killed meanwhile). `after=True` holds it after
    the fake has done what it asks (the platform has the message, the caller never hears so)."""

    method: str
    after: bool
    skip: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class Failure:
    """An injected failure, consumed by the next call to its method."""

    status: int
    error: str | None = None
    retry_after: int | None = None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeServer:
    """Start/stop, call log and failure injection common to both fakes."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.port: int = 0
        self._failures: defaultdict[str, deque[Failure]] = defaultdict(deque)
        self._holds: list[Hold] = []
        self._runner: web.AppRunner | None = None
        self._waiters: set[asyncio.Future[None]] = set()

    # -- lifecycle -----------------------------------------------------------------------------
    def _build_app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> None:
        """Bind port 0 ourselves so the OS picks a free port and we can read it back reliably."""
        self._runner = web.AppRunner(self._build_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        """Stop serving; idempotent so a failing test's teardown never masks the real error."""
        for hold in self._holds:
            hold.release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def root_url(self) -> str:
        """http://127.0.0.1:PORT without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    # -- waiting for what the product does -----------------------------------------------------
    def _observed(self, handler: Handler) -> Handler:
        """Wrap a route handler so that `until` looks again after every request served."""

        async def observed(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            finally:
                self._changed()

        return observed

    def _changed(self) -> None:
        """Something may have changed (a call arrived or was answered): wake whoever waits in `until`."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def until(self, condition: Callable[[], bool], within: float = 5.0) -> None:
        """Return once `condition()` holds, looking again after each request this fake serves (no
        guessed sleeps); fail after `within` seconds of it not holding."""
        async with asyncio.timeout(within):
            while not condition():
                waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters.add(waiter)
                try:
                    await waiter
                finally:
                    self._waiters.discard(waiter)

    # -- call log ------------------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        """The calls of one API method, in order."""
        return [c for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget recorded calls (state such as messages is kept) to assert on one step only."""
        self.calls.clear()

    # -- holding requests (crash tests: kill the caller while its request is in a known place) ---
    def hold_next(self, method: str, *, after: bool, skip: int = 0) -> Hold:
        """Hold the next call of `method` (after letting `skip` calls through): before doing it, or
        after doing it but before answering."""
        hold = Hold(method, after, skip)
        self._holds.append(hold)
        return hold

    async def _hold(self, method: str, *, after: bool, params: dict[str, Any] | None = None) -> None:
        hold = next((h for h in self._holds if h.method == method and h.after == after), None)
        if hold is None:
            return
        if hold.skip:
            hold.skip -= 1
            return
        self._holds.remove(hold)
        hold.params.update(params or {})
        hold.arrived.set()
        await hold.release.wait()

    # -- failure injection ---------------------------------------------------------------------
    def _queue_failure(self, method: str, failure: Failure, times: int) -> None:
        for _ in range(times):
            self._failures[method].append(failure)

    def _take_failure(self, method: str) -> Failure | None:
        queue = self._failures.get(method)
        return queue.popleft() if queue else None


async def read_params(request: web.Request, json_fields: frozenset[str]) -> dict[str, Any]:
    """Merge query string, form (urlencoded or multipart) and JSON bodies into one dict.

    Real clients mix these: slack_sdk sends JSON for some methods, form or query for others;
    PTB sends form fields whose structured values (reply_markup, commands) are JSON strings.
    Structured fields are decoded here so the fakes see the same objects whatever the encoding.
    """
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            raw = await request.text()
            if raw.strip():
                body = json.loads(raw)
                if isinstance(body, dict):
                    params.update(body)
        else:
            form: MultiDictProxy[Any] = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
            # An uploaded file (Telegram's sendPhoto): its name and bytes, as the API would store them.
            params.update(
                {k: {"filename": v.filename, "content": v.file.read()} for k, v in form.items() if hasattr(v, "file")}
            )
    for key in json_fields & params.keys():
        value = params[key]
        if isinstance(value, str) and value[:1] in "[{":
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass  # left as a string: the method handler reports it the way the real API does
    return params
