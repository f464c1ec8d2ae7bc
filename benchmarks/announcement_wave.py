"""Announcement wave: one program announcement to N people (default 20,000), half on Slack and half on
Telegram, through the fakes with their limits on — time ÷ the platforms' floor (aim ≤ 1.1), 429s (aim 0),
chats with more than one message (aim 0). The machinery of `leads_offer_wave.py`; the wave is
`partnerbot announce` (domain/health/announcements) instead of a lead's offers.

    python benchmarks/announcement_wave.py [--people N] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import warnings
from pathlib import Path

import leads_offer_wave as wave
from scratch_pg import scratch_database

from bot.app import App


async def _queue_announcement(app: App, workdir: Path) -> str:
    from domain.health.announcements import announce

    async with app.uow() as uow:
        await announce(
            uow.session,
            "bench.md",
            {"en": "# Price list\n\nNew **partner prices** from 1 April."},
            {},
            again=True,
            default_language="en",
            now=app.deps.now(),
        )
        await uow.commit()
    return "announcement"


async def main(n: int, postgres: bool) -> wave.Result:
    with tempfile.TemporaryDirectory(prefix="announcement-wave-") as tmp:
        workdir = Path(tmp)
        if not postgres:
            url = f"sqlite+aiosqlite:///{workdir / 'wave.db'}"
            return await wave.run(url, "sqlite", n, workdir, queue=_queue_announcement)
        async with scratch_database() as url:
            return await wave.run(url, "postgresql", n, workdir, queue=_queue_announcement)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore", message=".*retry_after.*", category=DeprecationWarning)
    wave.TIMEOUT = max(wave.TIMEOUT, args.people / 10)
    result = asyncio.run(main(args.people, args.postgres))
    wave.report(result)
    print("  (an announcement, not an offer: the table's words are the offer wave's)")


if __name__ == "__main__":
    cli()
