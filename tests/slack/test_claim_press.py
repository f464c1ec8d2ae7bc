"""Claim presses over Slack, all at once: one winner, every presser answered once, and the winner told
before their card is handed over (the card is committed with the claim; its pacing is no reason to keep
the answer waiting). Signed `block_actions` to our `/slack/events`, the fake Web API over real HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.fakes import FakeSlackAPI, block_actions_payload, interaction_body, message_event, slack_signed_request
from tests.leads.helpers import import_leads, lead_row
from tests.slack.conftest import SECRET, SlackHarness

PEOPLE = {
    "U0ANA": "ana@acme.example",
    "U0ARNO": "arno@acme.example",
    "U0BEN": "ben@globex.example",
    "U0GWEN": "gwen@globex.example",
}


async def _offers(harness: SlackHarness, fake_slack: FakeSlackAPI) -> dict[str, dict[str, Any]]:
    for user, email in PEOPLE.items():
        if user != "U0ANA":  # the harness knows Ana already
            fake_slack.add_user(user, email, email.split("@")[0])
        await harness.event(message_event("/help", user=user, channel=fake_slack.dm_channel(user)))
    result, errors = await import_leads(harness.app, [lead_row("L-1")])
    assert errors == [] and result is not None and result.created == 1
    await harness.app.sender().drain()
    offers = {}
    for user in PEOPLE:
        [offer] = [m for m in harness.dm(user) if "L-1" in m["text"]]
        offers[user] = offer
    return offers


async def test_simultaneous_presses_have_one_winner_told_first_and_every_loser_answered_once(
    harness: SlackHarness, fake_slack: FakeSlackAPI
) -> None:
    offers = await _offers(harness, fake_slack)
    fake_slack.reset_calls()
    fake_slack.ephemerals.clear()

    async def press(user: str) -> int:
        payload = block_actions_payload(
            "lead.claim",
            "L-1",
            user_id=user,
            channel_id=fake_slack.dm_channel(user),
            message=offers[user],
            response_url=fake_slack.response_url(),
        )
        body = interaction_body(payload)
        signed = slack_signed_request(SECRET, body)
        response = await harness.client.post("/slack/events", data=body.encode(), headers=signed)
        await response.read()
        return response.status

    assert await asyncio.gather(*(press(user) for user in PEOPLE)) == [200] * len(PEOPLE)
    await harness.adapter.idle()

    answers = {user: [e["text"] for e in fake_slack.ephemerals if e["user"] == user] for user in PEOPLE}
    assert all(len(texts) == 1 for texts in answers.values()), answers
    winners = [user for user, texts in answers.items() if "You got it" in texts[0]]
    assert len(winners) == 1, answers
    [winner] = winners
    for user, texts in answers.items():
        if user != winner:
            # Claimed by another partner, or by their own team (in the presser's language); nothing leaked.
            assert "L-1" in texts[0] and "pat@" not in texts[0], texts

    dm = fake_slack.dm_channel(winner)
    calls = fake_slack.calls
    told = next(n for n, c in enumerate(calls) if c.method == "chat.postEphemeral" and c.params["user"] == winner)
    card = next(
        n
        for n, c in enumerate(calls)
        if c.method == "chat.postMessage" and c.params.get("channel") == dm and "pat@l-1.example" in str(c.params)
    )
    assert told < card, "the winner hears they won before the card is handed over"
    assert [m for m in harness.dm(winner) if "pat@l-1.example" in m["text"]], "the card reached the winner"

    await harness.app.sender().drain()
    for user in PEOPLE:
        blocks = fake_slack.message(fake_slack.dm_channel(user), offers[user]["ts"]).get("blocks") or []
        assert all(block.get("type") != "actions" for block in blocks), f"{user}'s offer still has its buttons"
