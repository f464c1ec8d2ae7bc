"""`POST /slack/events`: one endpoint for events, interactivity, the slash command and options.

The signature is checked on the raw bytes before anything is parsed (401 and nothing changes when it is
missing, wrong or older than 5 minutes); then slack-bolt routes the payload to our listeners. Bad input
is a 4xx, never a 500: malformed bodies and payload types nobody listens to get 400 and a log line.
"""

from __future__ import annotations

import logging
import urllib.parse

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot import metrics
from bot.payloads import PayloadError, check, load_json
from bot.slack.adapter import PLATFORM, SlackAdapter

logger = logging.getLogger(__name__)
SLACK_KEY = web.AppKey("slack_adapter", SlackAdapter)
PATH = "/slack/events"


def signature_ok(verifier: SignatureVerifier, body: bytes, request: web.Request) -> bool:
    try:
        return verifier.is_valid(
            body=body,
            timestamp=request.headers.get("X-Slack-Request-Timestamp"),
            signature=request.headers.get("X-Slack-Signature"),
        )
    except (ValueError, TypeError):
        return False


def _check_body(raw: bytes, content_type: str) -> None:
    """What slack-bolt will parse must be a JSON object within `bot.payloads` limits, or `PayloadError`.

    Mirrors bolt's own reading (JSON, or a form whose `payload` field is JSON); bolt itself fails with an
    AttributeError on a signed `[]` or `null`, which would be a 500.
    """
    text = raw.decode("utf-8")
    if content_type.startswith("application/json") or text.lstrip().startswith(("{", "[")):
        data = load_json(text)
    else:
        form = urllib.parse.parse_qs(text)
        data = load_json(form["payload"][0]) if "payload" in form else form
    if not isinstance(data, dict) or not data:
        raise PayloadError(f"not a JSON object ({type(data).__name__})")


async def slack_events(request: web.Request) -> web.Response:
    adapter = request.app[SLACK_KEY]
    raw = await request.read()
    if not signature_ok(adapter.verifier, raw, request):
        logger.warning("slack: rejected a request with a missing, invalid or stale signature")
        metrics.UPDATES.labels(PLATFORM, "unauthorized").inc()
        return web.json_response({"error": "invalid signature"}, status=401)
    try:
        _check_body(raw, request.headers.get("Content-Type", ""))
        bolt_request = AsyncBoltRequest(body=raw.decode("utf-8"), query=request.query_string, headers=request.headers)  # type: ignore[arg-type]
        check(bolt_request.body)
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, too deep, an integer beyond 64 bits
        logger.warning(
            "slack: malformed request body: %s", exc if isinstance(exc, PayloadError) else type(exc).__name__
        )
        metrics.UPDATES.labels(PLATFORM, "malformed").inc()
        return web.json_response({"error": "malformed body"}, status=400)
    if not isinstance(bolt_request.body, dict) or not bolt_request.body:
        logger.warning(
            "slack: a signed body that is not a JSON object (%s); answered 400", type(bolt_request.body).__name__
        )
        metrics.UPDATES.labels(PLATFORM, "malformed").inc()
        return web.json_response({"error": "malformed body"}, status=400)
    try:
        response = await adapter.bolt.async_dispatch(bolt_request)
    except Exception:
        logger.exception("slack: dispatching a request failed")
        return web.Response(status=200)
    if response.status == 404:
        kind = bolt_request.body.get("type") or bolt_request.body.get("command") or "unknown"
        logger.warning("slack: no handler for payload type %r; answered 400", kind)
        metrics.UPDATES.labels(PLATFORM, "unhandled").inc()
        return web.json_response({"error": "unsupported payload"}, status=400)
    if response.status >= 500:
        logger.error("slack: a listener failed; acknowledged anyway so Slack does not retry")
        return web.Response(status=200)
    return await to_aiohttp_response(response)


def mount(adapter: SlackAdapter, web_app: web.Application) -> None:
    web_app[SLACK_KEY] = adapter
    web_app.router.add_post(PATH, slack_events)
