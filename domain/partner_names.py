"""Finding a partner by what a CAM types: its id, or its name or part of it, typos included.

`assign L-1001 acme` should not need the CAM to remember `P-ACME`; when several partners fit, the
CAM picks one from buttons rather than getting a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.models import Partner
from domain.people import PersonView

GOOD = 80.0
CLEAR_LEAD = 10.0
PICKED = 5


@dataclass(frozen=True)
class PartnerChoice:
    external_id: str
    name: str


async def matching_partners(session: AsyncSession, person: PersonView, typed: str) -> list[PartnerChoice]:
    """The partners `typed` may mean, best first: one when it is an id or clearly one name, several
    when it fits more than one, none when nothing fits. Names are looked up among a CAM's own
    partners; an id is taken as typed (assigning then says whether it is theirs)."""
    wanted = typed.strip()
    by_id = await session.scalar(select(Partner.external_id).where(func.lower(Partner.external_id) == wanted.lower()))
    if by_id is not None or not wanted:
        return [PartnerChoice(by_id, "")] if by_id is not None else []
    query = select(Partner.external_id, Partner.name).order_by(Partner.name)
    if person.role == "cam":
        query = query.where(func.lower(Partner.cam_email) == person.email.lower())
    partners = [PartnerChoice(pid, name) for pid, name in (await session.execute(query)).all()]
    exact = [p for p in partners if p.name.lower() == wanted.lower()]
    if exact:
        return exact
    contains = [p for p in partners if utils.default_process(wanted) in utils.default_process(p.name)]
    if len(contains) == 1:
        return contains
    scored = process.extract(
        wanted,
        {i: p.name for i, p in enumerate(partners)},
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=PICKED,
        score_cutoff=GOOD - 20,
    )
    if contains:
        return contains[:PICKED]
    if not scored:
        return []
    best = scored[0][1]
    if best >= GOOD and (len(scored) == 1 or best - scored[1][1] >= CLEAR_LEAD):
        return [partners[scored[0][2]]]
    return [partners[key] for _name, _score, key in scored]
