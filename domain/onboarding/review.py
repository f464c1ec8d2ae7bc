"""The 90-day review package: every milestone with its dates, the certifications, the first pipeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Partner
from domain.onboarding.models import MilestoneRecord
from domain.onboarding.progress import steps_of
from domain.onboarding.tracks import Track


async def package(session: AsyncSession, partner_id: int, track: Track) -> dict[str, Any]:
    from domain.onboarding.notifications import pipeline

    partner = await session.get(Partner, partner_id)
    assert partner is not None and partner.joined_on is not None
    steps = await steps_of(session, partner, track)
    certificates = (
        await session.scalars(
            select(MilestoneRecord).where(
                MilestoneRecord.partner_id == partner_id, MilestoneRecord.milestone.in_(("sales_cert", "tech_cert"))
            )
        )
    ).all()
    return {
        "partner": partner.name,
        "partner_id": partner.external_id,
        "type": partner.type,
        "tier": partner.tier,
        "joined_on": partner.joined_on.isoformat(),
        "steps": [
            {
                "milestone": s.milestone.key,
                "title": s.milestone.title,
                "status": s.status,
                "done_on": s.done_on.isoformat() if s.done_on else None,
                "due_on": s.due_on.isoformat(),
                "starts_on": s.starts_on.isoformat(),
            }
            for s in steps
        ],
        "certifications": [
            {
                "milestone": c.milestone,
                "status": c.status,
                "at": c.at.isoformat(),
                "person": c.person_email,
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            }
            for c in certificates
        ],
        **await pipeline(session, partner_id),
    }


def timeline_png(package: dict[str, Any]) -> bytes:
    """The journey as a timeline: each milestone's target window as a bar, a dot where it was done (green
    inside its window, orange after it), as PNG bytes."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    joined = dt.date.fromisoformat(package["joined_on"])
    steps = list(reversed(package["steps"]))
    fig, ax = plt.subplots(figsize=(8.0, 0.45 * len(steps) + 1.4))
    for y, step in enumerate(steps):
        start = (dt.date.fromisoformat(step["starts_on"]) - joined).days
        end = (dt.date.fromisoformat(step["due_on"]) - joined).days
        ax.barh(y, end - start, left=start, height=0.5, color="#d9d9d9")
        if step.get("done_on"):
            day = (dt.date.fromisoformat(step["done_on"]) - joined).days
            ax.plot(day, y, "o", color="#1b9e77" if day <= end else "#d95f02", markersize=8)
        else:
            ax.plot(end, y, "x", color="#e7298a", markersize=8)
    ax.set_yticks(range(len(steps)))
    ax.set_yticklabels([s["milestone"] for s in steps])
    ax.set_xlabel("days since joining")
    ax.set_xlim(0, 95)
    ax.set_title(f"{package['partner']}: first 90 days")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=90)
    plt.close(fig)
    return out.getvalue()
