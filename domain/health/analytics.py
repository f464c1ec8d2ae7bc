"""Which pushes lead to action: `partnerbot report notifications`.

Every push that went out has its kind, the platform it reached and when; every button carried out is
recorded (`ActionTaken`). A push counts as acted on when its recipient pressed one of the actions its kind
offers within 7 days after it was delivered; each press credits one push, the latest it can answer (two
offers and one claim are one of two acted on), and the time between them is the time to action.
Pushes to a channel (a CAM channel) have no single recipient and count as delivered only.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.db import transactional
from domain.health.models import ActionTaken
from domain.models import OutboxMessage
from domain.reporting import Formats, percent_chart

WINDOW = dt.timedelta(days=7)


async def record(session: AsyncSession, person_id: int, action: str, platform: str, at: dt.datetime) -> None:
    session.add(ActionTaken(person_id=person_id, action=action[:60], platform=platform[:20], at=at))


record_action = transactional(record)


@dataclass
class PushStats:
    kind: str
    platform: str
    offers: str
    delivered: int = 0
    acted: int = 0
    acted_pct: float | None = None
    median_minutes_to_action: float | None = None


async def notifications_report(
    session: AsyncSession, since: dt.datetime | None, offers: Mapping[str, tuple[str, ...]]
) -> list[PushStats]:
    query = select(
        OutboxMessage.kind,
        OutboxMessage.delivered_on,
        OutboxMessage.platform,
        OutboxMessage.person_id,
        OutboxMessage.sent_at,
    ).where(OutboxMessage.status == "sent", OutboxMessage.sent_at.is_not(None))
    actions = select(ActionTaken.person_id, ActionTaken.action, ActionTaken.at)
    if since is not None:
        query = query.where(OutboxMessage.sent_at >= since)
        actions = actions.where(ActionTaken.at >= since)
    pressed: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for person_id, action, at in await session.execute(actions.order_by(ActionTaken.at)):
        pressed[person_id].append((at, action))
    rows: dict[tuple[str, str], PushStats] = {}
    minutes: dict[tuple[str, str], list[float]] = defaultdict(list)
    pushes: dict[int, list[tuple[dt.datetime, tuple[str, str]]]] = defaultdict(list)
    for kind, delivered_on, platform, recipient, sent_at in await session.execute(query):
        key = (kind, delivered_on or platform or "?")
        rows.setdefault(key, PushStats(kind, key[1], ", ".join(offers.get(kind, ())))).delivered += 1
        if offers.get(kind) and recipient is not None and sent_at is not None:
            pushes[recipient].append((sent_at, key))
    for person_id, theirs in pushes.items():
        theirs.sort()
        credited: set[int] = set()
        for at, action in pressed.get(person_id, []):  # each press credits one push: the latest it answers
            for index in range(len(theirs) - 1, -1, -1):
                sent_at, key = theirs[index]
                if index not in credited and action in offers[key[0]] and sent_at <= at <= sent_at + WINDOW:
                    credited.add(index)
                    rows[key].acted += 1
                    minutes[key].append((at - sent_at).total_seconds() / 60)
                    break
    for key, line in rows.items():
        if offers.get(line.kind):
            line.acted_pct = round(100.0 * line.acted / line.delivered, 1) if line.delivered else None
            line.median_minutes_to_action = round(statistics.median(minutes[key]), 1) if minutes[key] else None
    return sorted(rows.values(), key=lambda r: (-(r.acted_pct or -1), r.kind, r.platform))


COLUMNS = (
    ("kind", "push"),
    ("platform", "platform"),
    ("offers", "offers"),
    ("delivered", "delivered"),
    ("acted", "acted on"),
    ("acted_pct", "acted %"),
    ("median_minutes_to_action", "median min to action"),
)
FORMATS = Formats("notifications", "kinds", COLUMNS, text_columns=3, empty="(nothing delivered in this period)")
as_table, as_csv, as_json = FORMATS.as_table, FORMATS.as_csv, FORMATS.as_json


def chart(rows: list[PushStats], path: Path, title: str = "Pushes that led to action") -> Path:
    shown = [r for r in rows if r.acted_pct is not None]
    return percent_chart(
        path,
        [f"{r.kind} ({r.platform})" for r in shown],
        [r.acted_pct or 0.0 for r in shown],
        ylabel="acted on %",
        title=title,
    )
