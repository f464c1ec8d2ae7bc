"""The Slack adapter: Events API, interactivity, the slash command and App Home, over slack-bolt.

`install(app)` wires it into an application: the transport the sender uses, `POST /slack/events` on our
aiohttp server, an auth.test at start-up and a closer. Everything Slack-specific lives in this package.
"""

from __future__ import annotations

from functools import partial

from bot.app import App
from bot.slack.adapter import SlackAdapter
from bot.slack.endpoint import mount
from bot.slack.events import register

__all__ = ["SlackAdapter", "install"]


def install(app: App) -> None:
    """Switch Slack on for `app` (called when SLACK_BOT_TOKEN is set); the adapter is services["slack"]."""
    if "slack" in app.services:
        return  # already installed: a second mount of /slack/events would clash
    adapter = SlackAdapter(app)
    register(adapter.bolt, adapter)
    app.transports["slack"] = adapter.transport
    app.services["slack"] = adapter
    app.services.setdefault("http_mounts", []).append(partial(mount, adapter))
    app.services.setdefault("platform_setups", []).append(adapter.setup)
    app.services.setdefault("closers", []).append(adapter.close)
