"""People type, not only slash (issue 17, item 1): plain words in a private chat reach the command they
mean, a guess says what it understood, and a question stays a knowledge-base search."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import App
from handlers.intents import Understood, understand
from tests.chat import ChatFactory
from tests.leads.helpers import import_leads, lead_row

COMMANDS = ["help", "leads", "claim", "tickets", "ticket", "lang", "deals", "deal", "commission", "settings", "cancel"]


def test_what_people_type_is_understood() -> None:
    cases = {
        "my leads": ("leads", "", True),
        "Show my tickets": ("tickets", "", True),
        "claim l-1001": ("claim", "L-1001", True),
        "claim L-1001": ("claim", "L-1001", False),
        "L1001": ("leads", "L-1001", True),
        "lang de": ("lang", "de", False),
        "Sprache de": ("lang", "de", True),
        "meine Leads": ("leads", "", True),
        "ajuda": ("help", "", True),
        "lesds": ("leads", "", True),
        "commission 2026-11": ("commission", "2026-11", False),
        "ticket T-000001 Could you send the request id from the failing sync?": (
            "ticket",
            "T-000001 Could you send the request id from the failing sync?",
            False,
        ),
        "Ticket t42 it works now, thanks": ("ticket", "T-42 it works now, thanks", True),
        "deal D-000007 Yes, the customer signed the NDA on Monday and wants a quote by Friday": (
            "deal",
            "D-000007 Yes, the customer signed the NDA on Monday and wants a quote by Friday",
            False,
        ),
    }
    for typed, (command, args, guessed) in cases.items():
        meant = understand(typed, COMMANDS)
        assert meant is not None and (meant.command, meant.args, meant.guessed) == (command, args, guessed), typed


def test_questions_and_sentences_stay_searches() -> None:
    for typed in (
        "How do I claim a lead?",
        "deal registration process",
        "What is MDF",
        "claim",
        "ticket T-000042",
        "claim L-1001 now please",
        "leads for retail in germany",
        "ticket about the portal login, which fails every morning",
        "deal T-000042 is not a deal id",
        "ticket L-1001 lost its contact",
    ):
        assert understand(typed, COMMANDS) is None, typed


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_known_command_or_left_alone(text: str) -> None:
    meant = understand(text, COMMANDS)
    assert meant is None or meant.command in COMMANDS


async def test_in_the_chat_a_guess_says_what_it_understood(app: App, chats: ChatFactory) -> None:
    await chats.seed_program()
    ana = await chats.linked("ana@acme.example")
    await import_leads(app, [lead_row("L-1001")])
    claimed = await ana.send("claim l-1001")
    assert "Understood as /claim L-1001" in claimed.text and "yours" in claimed.text
    listed = await ana.send("my leads")
    assert "Understood as /leads" in listed.text and "L-1001" in listed.text
    asked = await ana.send("How do I register a deal?")
    assert "Understood as" not in asked.text
    ben = await chats.linked("ben@globex.example")
    assert (
        "not available" in (await ben.send("partners")).text.lower()
        or "Understood" not in (await ben.send("partners")).text
    )


async def test_leads_with_the_id_of_an_offer_shows_the_offer_not_a_refusal(app: App, chats: ChatFactory) -> None:
    """Issue 17, item 6: an offered lead is the partner's to see (its public fields), with Claim."""
    await chats.seed_program()
    ana = await chats.linked("ana@acme.example")
    await import_leads(app, [lead_row("L-1001")])
    shown = await ana.send("/leads l1001")
    assert "Open offer L-1001" in shown.text and shown.button("lead.claim")
    assert "pat@l-1001.example" not in shown.text and "Pat Buyer" not in shown.text  # contact only after a claim
    assert "not available" in (await ana.send("/leads L-9999")).text


def test_a_misspelled_question_near_a_command_stays_a_search() -> None:
    assert understand("comission payot date", COMMANDS) is None  # a question about payouts, with typos
    assert understand("comission", COMMANDS) == Understood("commission", "", True)  # a bare word: the command


async def test_a_ticket_message_typed_without_a_slash_lands_on_the_ticket(app: App, chats: ChatFactory) -> None:
    """The partner and the agent write on a ticket the way they type: "ticket T-1 …" of any length."""
    await chats.seed_program()
    ana = await chats.linked("ana@acme.example")
    values = {"category": "technical_product", "severity": "high", "subject": "API returns 500", "description": "x"}
    assert "T-000001" in (await ana.submit("ticket.open", values)).text
    sam = await chats.linked("sam.support@vendor.example")
    asked = await sam.send("ticket T-000001 Could you send the request id from the failing sync? Thanks, Sam")
    assert "Sent to the partner on T-000001" in asked.text and "Understood as" not in asked.text
    await app.sender().drain()
    assert any("Could you send the request id" in m.current.plain_text() for m in chats.transport.to(ana.user_id))
    added = await ana.send("ticket t1 It is req-7f3a, from this morning at 9:02.")
    assert "Understood as /ticket T-1" in added.text and "Added to T-000001" in added.text
    noted = await sam.send("ticket t1 note: customer is on the EU cluster")
    assert "Note kept on T-000001" in noted.text  # the ticket's own reference, not what was typed
    queue = await sam.send("tickets")  # support has no `tickets`: their open tickets are the queue
    assert "Understood as /queue" in queue.text and "T-000001" in queue.text
