"""Deal tests run on the demo program in the console chat unless they are about a platform."""

from __future__ import annotations

from typing import Any

from tests.chat import FakeChat
from tests.slack.conftest import harness  # noqa: F401  (the Slack harness fixture)

ANA, BEN, ARNO, CARLA, DIEGO = (
    "ana@acme.example",
    "ben@globex.example",
    "arno@acme.example",
    "carla.cam@vendor.example",
    "diego.cam@vendor.example",
)
VALUES: dict[str, str] = {
    "company": "Harbor Logistics Ltd",
    "domain": "harborlogistics.co.uk",
    "contact_name": "Lee Park",
    "contact_email": "lee@harborlogistics.co.uk",
    "amount": "48000",
    "currency": "EUR",
    "close_date": "2027-03-31",
    "product": "cloud-suite",
    "notes": "",
}


async def register(chat: FakeChat, **changes: Any) -> str:
    """Submit the deal form (as a modal) and return the registration's reference."""
    answer = await chat.submit("deal.register", {**VALUES, **changes})
    assert "Deal D-" in answer.text, answer.text
    return answer.text.split("Deal ", 1)[1].split(" ", 1)[0]
