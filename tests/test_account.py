"""Linking, help, settings, language, roles and group privacy, as a person in a chat sees them."""

from __future__ import annotations

import datetime as dt

from bot.app import build_app
from bot.config import load_settings
from domain import linking
from domain.people import by_email
from handlers.dispatch import Dispatcher
from handlers.model import Message, Reply
from handlers.router import Router
from tests.chat import ChatFactory, FakeChat


async def issue(chats: ChatFactory, email: str) -> str:
    async with chats.app.uow() as uow:
        code = await linking.issue_code(uow.session, email, chats.clock())
        await uow.commit()
    return code.code


async def test_stranger_gets_only_linking_instructions(chats: ChatFactory) -> None:
    stranger = chats.stranger()
    for text in ("/help", "/settings", "/kb deal", "how do I register a deal"):
        answer = await stranger.send(text)
        assert "link code" in answer.text.lower(), text
        assert "Your settings" not in answer.text


async def test_link_code_links_once_and_welcomes(chats: ChatFactory) -> None:
    code = await issue(chats, "ana@acme.example")
    chat = FakeChat(chats.app, "", "telegram", "777")
    answer = await chat.send(f"/start {code}")
    assert "Welcome, Ana Schmidt" in answer.text
    assert "Acme Cloud Resellers" in answer.text
    assert "Your settings" in (await chat.send("/settings")).text

    thief = FakeChat(chats.app, "", "telegram", "888")
    assert "already used" in (await thief.send(f"/link {code}")).text
    assert "link code" in (await thief.send("/settings")).text.lower()


async def test_expired_and_unknown_codes_are_refused(chats: ChatFactory) -> None:
    code = await issue(chats, "ben@globex.example")
    chats.clock.advance(days=7, seconds=1)
    chat = FakeChat(chats.app, "", "telegram", "999")
    assert "expired" in (await chat.send(f"/start {code}")).text
    assert "not valid" in (await chat.send("/start nope-nope")).text
    assert "link code" in (await chat.send("/help")).text.lower()


async def test_codes_are_easy_to_type_and_safe_for_telegram_start_parameter(chats: ChatFactory) -> None:
    """Issue 17, item 4: 10 characters without look-alikes (no 0/O, 1/I/L), still Telegram-safe."""
    for _ in range(20):
        code = await issue(chats, "ana@acme.example")
        assert len(code) == 10 and all(c.isalnum() or c in "_-" for c in code)
        assert not set(code) & set("0O1IL") and code == code.upper()


async def test_a_code_typed_in_lower_case_with_spaces_and_dashes_still_links(chats: ChatFactory) -> None:
    code = await issue(chats, "ana@acme.example")
    typed = f"{code[:5].lower()}-{code[5:].lower()}"
    chat = FakeChat(chats.app, "", "telegram", "777")
    assert "Welcome, Ana Schmidt" in (await chat.send(f"/link {typed}")).text


async def test_a_chat_that_keeps_guessing_is_stopped_for_an_hour(chats: ChatFactory) -> None:
    code = await issue(chats, "ana@acme.example")
    guesser = FakeChat(chats.app, "", "telegram", "666")
    for n in range(5):
        assert "not valid" in (await guesser.send(f"/link WRONG{n:05d}")).text
    stopped = await guesser.send(f"/link {code}")  # even the right code waits: guessing must not pay
    assert "Too many wrong link codes" in stopped.text
    other = FakeChat(chats.app, "", "telegram", "667")  # another chat is not held up by this one
    assert "Welcome, Ana Schmidt" in (await other.send(f"/link {code}")).text
    chats.clock.advance(hours=1, seconds=1)
    assert "already used" in (await guesser.send(f"/link {code}")).text  # after the hour: answered again


async def test_guesses_closing_in_on_one_code_from_many_chats_spend_that_code(chats: ChatFactory) -> None:
    """Per code, not only per chat: three near misses of one live code, each from a fresh chat, and the
    code stops working; a wrong code nowhere near it counts against no code."""
    code = await issue(chats, "ana@acme.example")
    near = [code[:-1] + ("2" if code[-1] != "2" else "3"), code[:-2] + "XY", "Z" + code[1:]]
    far = FakeChat(chats.app, "", "telegram", "800")
    assert "not valid" in (await far.send("/link 2345678923")).text  # far from it: the code is not touched
    for n, guess in enumerate(near[:2]):
        assert "not valid" in (await FakeChat(chats.app, "", "telegram", str(801 + n)).send(f"/link {guess}")).text
    spent = await FakeChat(chats.app, "", "telegram", "803").send(f"/link {near[2]}")
    assert "typed wrongly too many times" in spent.text
    owner = FakeChat(chats.app, "", "telegram", "804")
    assert "Welcome" not in (await owner.send(f"/link {code}")).text  # the right code no longer links
    fresh = await issue(chats, "ana@acme.example")  # a new code works at once
    assert "Welcome, Ana Schmidt" in (await owner.send(f"/link {fresh}")).text


async def test_help_lists_only_what_the_role_can_do(chats: ChatFactory) -> None:
    staff_only = Router("staff")

    @staff_only.command("queue", roles=frozenset({"support_agent"}), help="open tickets by SLA due")
    async def queue(req, deps):  # type: ignore[no-untyped-def]
        return [Reply(Message(text="the queue"))]

    from handlers import account

    dispatcher = Dispatcher([account.router, staff_only], chats.app.deps)
    chats.app.deps.services.provide(dispatcher)
    chats.app.dispatcher = dispatcher
    partner = await chats.linked("ana@acme.example")
    agent = await chats.linked("sam.support@vendor.example")
    assert "/queue" not in (await partner.send("/help")).text
    assert "/queue" in (await agent.send("/help")).text
    refused = await partner.send("/queue")
    assert "not available for your role" in refused.text
    assert "the queue" == (await agent.send("/queue")).text


async def test_unknown_command_suggests_the_closest(chats: ChatFactory) -> None:
    chat = await chats.linked("ana@acme.example")
    assert "Did you mean /settings?" in (await chat.send("/setings")).text
    assert "Send /help" in (await chat.send("/xyzzy")).text


async def test_nothing_private_in_a_group(chats: ChatFactory) -> None:
    await chats.linked("ana@acme.example")
    group = chats.group("ana@acme.example")
    answer = await group.send("/settings")
    assert "private chat" in answer.text
    assert "Europe/Berlin" not in answer.text and "Timezone" not in answer.text
    assert await group.send("what is the payout date") == type(answer)([])


async def test_settings_change_one_value_with_validation(chats: ChatFactory) -> None:
    chat = await chats.linked("ana@acme.example")
    assert "Unknown timezone" in (await chat.send("/settings timezone Mars/Olympus")).text
    answer = await chat.send("/settings timezone America/Sao_Paulo")
    assert "Saved" in answer.text and "America/Sao_Paulo" in answer.text
    assert "look like 20:00-08:00" in (await chat.send("/settings quiet 25:00-08:00")).text
    assert "22:00-06:00" in (await chat.send("/settings quiet 22:00-06:00")).text
    async with chats.app.uow() as uow:
        person = await by_email(uow.session, "ana@acme.example")
        assert person is not None
        assert (person.timezone, person.quiet_hours) == ("America/Sao_Paulo", "22:00-06:00")


async def test_settings_form_field_by_field_asks_again_and_cancel_saves_nothing(chats: ChatFactory) -> None:
    chat = await chats.linked("ana@acme.example")
    first = await chat.send("/settings edit")
    assert "step 1 of 5" in first.text
    again = await chat.send("Klingon")
    assert "Choose one of" in again.text and "step 1 of 5" in again.text
    assert "step 2 of 5" in (await chat.send("3")).text
    assert "Unknown timezone" in (await chat.send("Asia/Nowhere")).text
    assert "Cancelled" in (await chat.send("/cancel")).text
    async with chats.app.uow() as uow:
        person = await by_email(uow.session, "ana@acme.example")
        assert person is not None and person.language == "en"
    assert "nothing to cancel" in (await chat.send("cancel")).text


async def test_half_filled_form_survives_a_restart(chats: ChatFactory, database_url: str) -> None:
    chat = await chats.linked("ana@acme.example")
    await chat.send("/settings edit")
    await chat.send("English")
    restarted = build_app(load_settings(database_url=database_url), clock=chats.clock)
    try:
        chat.app = restarted
        for value in ("Asia/Tokyo", "off", "no"):
            await chat.send(value)
        done = await chat.send("-")
        assert "Saved" in done.text and "Asia/Tokyo" in done.text
    finally:
        await restarted.close()


async def test_modal_submission_reports_errors_per_field(chats: ChatFactory) -> None:
    chat = await chats.linked("ana@acme.example")
    opened = await chat.send("/settings edit")
    assert opened.text  # console has no modals: the first question
    bad = await chat.submit(
        "settings", {"language": "de", "timezone": "Nowhere/X", "quiet_hours": "off", "urgent_in_quiet_hours": "off"}
    )
    from handlers.model import FormErrors

    errors = next(i for i in bad.items if isinstance(i, FormErrors)).errors
    assert set(errors) == {"timezone"}
    good = await chat.submit(
        "settings",
        {
            "language": "de",
            "timezone": "Europe/Berlin",
            "quiet_hours": "off",
            "urgent_in_quiet_hours": "on",
            "preferred_platform": "",
        },
    )
    assert "Gespeichert" in good.text or "Saved" in good.text


async def test_lang_switches_the_language_of_replies(chats: ChatFactory) -> None:
    chat = await chats.linked("ana@acme.example")
    assert "Sprache" in (await chat.send("/lang de")).text
    assert "Was Sie tun können" in (await chat.send("/help")).text
    assert "日本語" in (await chat.send("/lang ja")).text
    assert "Idioma" in (await chat.send("/lang pt-br")).text
    assert (
        "Unknown language" in (await chat.send("/lang xx")).text
        or "Idioma desconhecido" in (await chat.send("/lang xx")).text
    )


async def test_help_names_what_to_type_in_the_readers_language(chats: ChatFactory) -> None:
    """Issue 17, item 4: no English placeholders in German, Japanese or Portuguese help ("Lead" and
    "Code" are German words too)."""
    chat = await chats.linked("ana@acme.example")
    english = {"QUESTION", "MESSAGE", "ANSWER", "VALUE"}
    for language, shown, also_english in (
        ("de", "/kb FRAGE", {"YYYY"}),
        ("ja", "/kb 質問", {"LEAD_ID", "CODE"}),  # YYYY-MM is how dates are written there too
        ("pt-br", "/kb PERGUNTA", {"LEAD_ID", "CODE", "YYYY"}),
    ):
        await chat.send(f"/lang {language}")
        text = (await chat.send("/help")).text
        assert shown in text and "/ticket [T-000042 " in text, text
        assert not [word for word in english | also_english if word in text], text
    await chat.send("/lang en")
    assert "/kb QUESTION" in (await chat.send("/help")).text


async def test_a_crash_in_a_handler_is_a_friendly_line_with_a_reference(chats: ChatFactory) -> None:
    broken = Router("broken")

    @broken.command("boom", help="explodes")
    async def boom(req, deps):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    chats.app.dispatcher = Dispatcher([broken], chats.app.deps)
    chat = await chats.linked("ana@acme.example")
    answer = await chat.send("/boom")
    assert "Something went wrong (ref " in answer.text
    assert "secret internals" not in answer.text


async def test_dates_are_shown_in_the_persons_locale_and_timezone(chats: ChatFactory) -> None:
    chats.clock.now = dt.datetime(2026, 11, 25, 16, 30, tzinfo=dt.UTC)
    chat = await chats.linked("kenji@kaiju.example")
    text = (await chat.send("/settings")).text
    assert "2026/11/26 1:30:00" in text  # Asia/Tokyo, Japanese medium format


async def test_control_characters_never_reach_the_database(chats: ChatFactory) -> None:
    chat = await chats.linked("ana@acme.example")
    assert "Saved" in (await chat.send("/settings timezone Europe/Paris\x00")).text
    await chat.send("/settings edit")
    assert "step 2 of 5" in (await chat.send("English\x00\x1b")).text
    assert "Something went wrong" not in (await chat.send("\x00\x00")).text
