"""How every deal push reads, rendered in the recipient's language at send time."""

from __future__ import annotations

from typing import Any

from domain.people import PersonView
from handlers.deals import cards
from handlers.deals.routes import router
from handlers.model import Message


@router.notification("deal.cam_alert", offers=("deal.approve", "deal.reject", "deal.info", "deal.review"))
def render_cam_alert(payload: dict[str, Any], person: PersonView | None) -> Message:
    return cards.cam_alert(payload)


@router.notification("deal.cam_note")
def render_cam_note(payload: dict[str, Any], person: PersonView | None) -> Message:
    return cards.cam_note(payload)


@router.notification("deal.decided")
def render_decided(payload: dict[str, Any], person: PersonView | None) -> Message:
    return cards.decided_message(payload)


@router.notification("deal.protection_ending", offers=("deal.extend",))
def render_protection_ending(payload: dict[str, Any], person: PersonView | None) -> Message:
    return cards.protection_ending(payload)


@router.notification("deal.expired")
def render_expired(payload: dict[str, Any], person: PersonView | None) -> Message:
    return cards.expired_message(payload)


@router.notification("deal.closed")
def render_closed(payload: dict[str, Any], person: PersonView | None) -> Message:
    return cards.closed_message(payload)
