"""PTB's HTTP layer on aiohttp: the Bot, its serialisation and its error mapping stay PTB's own.

python-telegram-bot sends through httpx by default, whose connection pool looks at every open
connection (a system call each) for every request: with twenty replies in flight that was most of
the cost of an update, three times what the same call costs through aiohttp, which this process
runs anyway. `BaseRequest` is PTB's documented seam for another client: it turns the status and
body we return into the same exceptions (`RetryAfter`, `BadRequest`, `Forbidden`, ...) as before.
Like httpx, it honours the proxy environment variables and checks certificates against certifi's.
"""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
import certifi
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_DEFAULT = type(BaseRequest.DEFAULT_NONE)
"""PTB's "not given" marker: a timeout of this type means "use this request's own"."""


def _given(value: Any, default: float | None) -> float | None:
    return default if isinstance(value, _DEFAULT) else value


class AiohttpRequest(BaseRequest):
    """One aiohttp session (one keep-alive pool) per Bot request slot, opened on first use."""

    def __init__(
        self,
        connection_pool_size: int = 128,
        *,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
    ) -> None:
        """The timeouts mean what they mean to PTB's httpx request, except that aiohttp has no write
        timeout: a call's `write_timeout` is accepted and unused, and an upload is bounded by the read
        timeout that follows it."""
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._shut = False

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    def _open(self) -> aiohttp.ClientSession:
        if self._shut:  # as with httpx: usable from the start, but not after shutdown until initialised again
            raise RuntimeError("this AiohttpRequest is shut down")
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size, ssl=ssl.create_default_context(cafile=certifi.where())
            )
            self._session = aiohttp.ClientSession(connector=connector, trust_env=True)
        return self._session

    async def initialize(self) -> None:
        self._shut = False
        self._open()

    async def shutdown(self) -> None:
        self._shut = True
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        data: aiohttp.FormData | dict[str, str] | None = fields
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            data = form
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if pool is None or connect is None else pool + connect,  # a free connection, then opening it
            sock_connect=connect,
            sock_read=_given(read_timeout, self._read_timeout),
        )
        try:
            async with self._open().request(
                method, url, data=data, headers={"User-Agent": self.USER_AGENT}, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
