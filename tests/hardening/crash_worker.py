"""A partnerbot process for the crash tests, run as `python -m tests.hardening.crash_worker SETTINGS MODE …`.

SETTINGS is a JSON object of settings (database URL, fake platform URLs and tokens). MODE:
- `send`: the real sender over the real platform transports until nothing is due (what `serve` runs);
- `claim EMAIL PLATFORM LEAD`: the person presses Claim on LEAD through the real dispatcher, the way
  an adapter hands it a button press, with the platform transports installed as `serve` has them.
The test kills it with SIGKILL wherever the fake platform holds its request.
"""

from __future__ import annotations

import asyncio
import json
import sys

from bot.app import build_app
from bot.config import load_settings
from bot.runtime import platform_transports
from domain.people import require_by_email
from handlers.model import Chat, ChatKind, Request


async def main(settings: dict[str, object], mode: str, *args: str) -> None:
    app = build_app(load_settings(**settings))
    try:
        await platform_transports(app)
        if mode == "send":
            handled = await app.sender().drain()
            print(f"handled {handled}", flush=True)
        elif mode == "claim":
            email, platform, lead = args
            async with app.uow() as uow:
                person = await require_by_email(uow.session, email)
                identity = next(i for i in person.identities if i.platform == platform)
                user_id, chat_id = identity.external_id, identity.chat_id
            chat = Chat(platform, chat_id, ChatKind.PRIVATE)
            request = Request(chat=chat, user_id=user_id, kind="action", name="lead.claim", value=lead)
            items = await app.dispatcher.handle(request)
            print(f"answered {len(items)}", flush=True)
        else:
            raise SystemExit(f"unknown mode {mode!r}")
    finally:
        await app.close()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1]), sys.argv[2], *sys.argv[3:]))
