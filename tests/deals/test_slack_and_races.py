"""The deal modal on Slack warns as soon as the company is entered; two CAMs deciding one deal at the same
instant on two workers make one decision (PostgreSQL)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from domain.deals import services
from domain.deals.models import Deal
from domain.deals.policy import DealPolicy
from domain.errors import Conflict
from domain.people import require_by_email, view_of
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.deals.conftest import ANA, BEN, CARLA, register
from tests.fakes import block_actions_payload, message_event
from tests.slack.conftest import SlackHarness


async def test_the_slack_modal_warns_while_typing_and_names_nobody(harness: SlackHarness) -> None:
    chats = ChatFactory(harness.app, harness.clock)
    await register(await chats.linked(BEN), company="Nordwind Maschinenbau GmbH", domain="nordwind.de")
    harness.slack.add_user("U0ANA", ANA, "ana", real_name="Ana Schmidt")
    await harness.event(message_event("/help", user="U0ANA", channel="D0ANA"))  # Ana links by her email
    await harness.command("deal", user="U0ANA", trigger_id="T0TRIGGER")
    [view] = harness.slack.views.values()
    company = next(b for b in view["blocks"] if b.get("block_id") == "company")
    assert view["callback_id"] == "deal.register" and company["dispatch_action"] is True

    pressed = block_actions_payload("company", user_id="U0ANA", view=view, action_type="plain_text_input")
    pressed["actions"][0]["value"] = "Nordwind Maschinenbau AG"
    await harness.interact(pressed)
    shown = str(harness.slack.views[view["id"]]["blocks"])
    assert "may already be registered" in shown
    assert "Globex" not in shown and "D-000001" not in shown and "Ben" not in shown


@pytest.mark.postgres
async def test_two_cams_deciding_at_the_same_instant_on_two_workers_make_one_decision(
    postgres_url: str, clock: Clock
) -> None:
    first, second = make_app(postgres_url, clock), make_app(postgres_url, clock)
    try:
        chats = ChatFactory(first, clock)
        await chats.seed_program()
        ref = await register(await chats.linked(ANA))
        async with first.uow() as uow:
            carla = view_of(await require_by_email(uow.session, CARLA))
        policy = first.deps.services[DealPolicy]
        outcomes = await asyncio.gather(
            services.decide(first.uow, carla, ref, "approve", None, clock(), policy),
            services.decide(second.uow, carla, ref, "reject", "duplicate", clock(), policy),
            return_exceptions=True,
        )
        lost = [o for o in outcomes if isinstance(o, Conflict)]
        won = [o for o in outcomes if isinstance(o, Deal)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert "already" in lost[0].message
        async with first.uow.reader() as uow:
            deal = (await uow.session.scalars(select(Deal))).one()
        assert deal.status == won[0].status and deal.version == 2
    finally:
        await first.close()
        await second.close()
