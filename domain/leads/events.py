"""What happens to a lead, as typed events, and the one typed shape a lead has in a push.

Services in this package publish these (domain.events.publish); domain/leads/notifications.py says
who hears of each, how urgently and with which template.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.addresses import Address
from domain.events import Event
from domain.leads.models import Lead

# The buttons of the tightest messenger carry "{action}|{value}" in at most 64 bytes; the longest is
# "lead.update|REF:disqualified".
MAX_REF_BYTES = 64 - len("lead.update|") - len(":disqualified")


def lead_ref(lead: Lead) -> str:
    """What buttons carry: the lead id when short enough for every messenger, else `#<row id>`."""
    return lead.external_id if len(lead.external_id.encode()) <= MAX_REF_BYTES else f"#{lead.id}"


@dataclass(frozen=True)
class LeadFacts:
    """A lead as a push may tell it: one shape, disclosed in two degrees.

    `offer()` is what anyone offered the lead may see before a claim (no company, domain or contact);
    `full()` adds them, for the holder and the CAMs. Payload keys are what the renderers read.
    """

    lead: str
    ref: str
    priority: str
    region: str
    country: str
    vertical: str
    product: str
    size: str
    value: float | None
    currency: str
    company: str
    domain: str
    contact_name: str
    contact_email: str
    contact_phone: str
    campaign: str
    notes: str

    PRIVATE = ("company", "domain", "contact_name", "contact_email", "contact_phone", "campaign", "notes")

    @classmethod
    def of(cls, lead: Lead) -> LeadFacts:
        return cls(
            lead=lead.external_id,
            ref=lead_ref(lead),
            priority=lead.priority,
            region=lead.region,
            country=lead.country or "",
            vertical=lead.vertical or "",
            product=lead.product or "",
            size=lead.company_size or "",
            value=lead.estimated_value,
            currency=lead.currency or "",
            company=lead.company,
            domain=lead.domain or "",
            contact_name=lead.contact_name or "",
            contact_email=lead.contact_email or "",
            contact_phone=lead.contact_phone or "",
            campaign=lead.campaign or "",
            notes=lead.notes or "",
        )

    def full(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def offer(self, *also: str) -> dict[str, Any]:
        """The offer's degree, plus any private field named in `also` (a reclaimed holder's company)."""
        return {k: v for k, v in self.full().items() if k not in self.PRIVATE or k in also}


@dataclass(frozen=True)
class AboutLead(Event):
    """Common to every lead event: which lead, in which round of offers, and its facts."""

    lead_id: int
    round: int
    facts: LeadFacts


@dataclass(frozen=True)
class LeadOffered(AboutLead):
    """Shark tank: offered to these partners at once; the first claim wins."""

    partner_ids: tuple[int, ...]
    expires_at: dt.datetime


@dataclass(frozen=True)
class LeadAssigned(AboutLead):
    """Round robin or direct: assigned to one partner, to accept or decline before `due_at`."""

    partner_id: int
    due_at: dt.datetime
    mode: str


@dataclass(frozen=True)
class OfferClosed(AboutLead):
    """The round's offer is over (claimed, expired, withdrawn …): its messages lose their buttons."""

    outcome: dict[str, Any]


@dataclass(frozen=True)
class LeadClaimed(Event):
    """Someone won the lead: their card with the contact details, an answer to their own press."""

    card: Any
    person_id: int
    round: int


@dataclass(frozen=True)
class FollowupDue(AboutLead):
    """Half the follow-up SLA is gone without an update: the holder is reminded."""

    holder_person_id: int | None
    partner_id: int | None
    due_at: dt.datetime | None


@dataclass(frozen=True)
class LeadReclaimed(AboutLead):
    """The follow-up SLA ran out: the lead was taken back from its holder."""

    holder_person_id: int | None
    partner_id: int | None
    sla_hours: int


@dataclass(frozen=True)
class CamAttentionNeeded(AboutLead):
    """A lead needs its CAM (unclaimed, reclaimed, declined, not accepted, no partner).

    `partner_ids` are the partners involved; their own channels, else `program_channel`, else their
    CAM by direct message, hear of it with up to three suggested partners to assign it to.
    """

    reason: str
    partner_ids: tuple[int, ...]
    partner_names: tuple[str, ...]
    suggestions: tuple[tuple[int, str], ...]
    program_channel: Address | None
    extra: dict[str, Any]
