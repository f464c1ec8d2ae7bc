"""The authorization matrix (issue 11, "Beyond the list"): every command and every button of every router
the app wires × every role × every kind of chat, generated from the routing table, so a new command or
action is in it the day it is registered.

For each case it asserts what the routing table promises — unlinked people get linking instructions, a
role a route does not name is refused, a route answers in place only in the chats it declares and
anywhere else only with the private-chat pointer, continuing in the person's private chat — and that
nothing reaches anyone who must not see it: a held lead's contact details only its holder's team, their
CAM and the admin, and only in a private chat; internal articles only staff, only in a private chat.
Slack and Telegram get the same presses and commands through their fakes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import update

from bot.app import App
from bot.capabilities import authorization_table
from bot.importer import import_file
from domain.kb import KnowledgeBase
from domain.leads import claims
from domain.leads.policy import LeadPolicy
from domain.models import Partner, Person
from domain.people import require_by_email, view_of
from handlers.model import ChatKind, InPrivate, Notice, Reply, ReplyItem, Request
from handlers.router import Route
from tests.chat import Answer, ChatFactory, Clock
from tests.conftest import make_app
from tests.hardening.kb_articles import INTERNAL_ARTICLE, PARTNER_ARTICLE
from tests.leads.helpers import import_leads, lead_row, write_leads

START = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
ROLES = {
    "partner_user": "ana@acme.example",
    "partner_admin": "arno@acme.example",
    "other_partner_user": "ben@globex.example",
    "cam": "carla.cam@vendor.example",
    "other_cam": "diego.cam@vendor.example",
    "support_agent": "sam.support@vendor.example",
    "admin": "root@vendor.example",
    "unlinked": None,
}
SEES_HELD_LEAD = {"partner_user", "partner_admin", "cam", "admin"}
STAFF = {"cam", "other_cam", "support_agent", "admin"}
HELD_CONTACT = ("mira@m-1.example", "Mira Holder", "+49 30 555 0111")
INTERNAL = ("INTERNAL-BRIDGE-7731", "Agent runbook")
POINTER = "Let's continue in a private chat, so nothing private is shown here."

# What each route is probed with; a route not named here is probed with the held lead's id.
ARGS = {
    "lead.update": "M-1:contacted",
    "lead.assign": "M-2:P-ACME",
    "assign": "M-2 P-ACME",
    "kb": "escalate a ticket to engineering",
    "kb.article": "agent-escalation-runbook",
    "kb.helpful": "1",
    "kb.not_helpful": "1",
    "kb.open_ticket": "1",
    "lang": "en",
    "settings": "",
    "help": "",
    "cancel": "",
    "start": "",
    "link": "",
}


def _write_articles(folder: Path) -> None:
    folder.mkdir()
    (folder / "partner.md").write_text(PARTNER_ARTICLE, encoding="utf-8")
    (folder / "internal.md").write_text(INTERNAL_ARTICLE, encoding="utf-8")


ROUTES = authorization_table()
CASES = [pytest.param(kind, route, role, id=f"{route.name}-{role}") for kind, route in ROUTES for role in ROLES]


async def _seed(app: App, kb_dir: Path) -> None:
    """The demo program, everyone but the stranger linked on the console, a lead Ana holds (M-1), an open
    offer (M-2), one partner and one internal article, and one search (id 1) by Ana."""
    chats = ChatFactory(app, Clock(START))
    await chats.seed_program()
    async with app.uow() as uow:  # the assertions read English
        await uow.session.execute(update(Person).values(language="en"))
        await uow.session.execute(update(Partner).values(language="en"))
        await uow.commit()
    for email in (e for e in ROLES.values() if e):
        await chats.linked(email)
    rows = [
        lead_row("M-1", contact_name="Mira Holder", contact_email="mira@m-1.example", contact_phone=HELD_CONTACT[2]),
        lead_row("M-2", region="latam", product="backup", assignment="round_robin"),
    ]
    result, errors = await import_file(app, "leads", write_leads(rows, kb_dir.parent / "leads.csv"), skip_invalid=False)
    assert result is not None, errors
    async with app.uow() as uow:
        ana = view_of(await require_by_email(uow.session, ROLES["partner_user"] or ""))
        await claims.claim(uow.session, ana, "M-1", START, LeadPolicy())
        await uow.commit()
    await app.deps.services[KnowledgeBase].import_dir(kb_dir, now=START)
    await app.deps.services[KnowledgeBase].search("escalation", language="en", person_id=ana.id, now=START)


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    folder = tmp_path_factory.mktemp("matrix")
    kb_dir = folder / "kb"
    _write_articles(kb_dir)
    path = folder / "seeded.db"
    shutil.copy(sqlite_template, path)

    async def seed() -> None:
        app = make_app(f"sqlite+aiosqlite:///{path}", Clock(START), PARTNERBOT_KB_SENTENCE_MODEL="false")
        try:
            await _seed(app, kb_dir)
        finally:
            await app.close()

    asyncio.run(seed())
    return path


@pytest_asyncio.fixture
async def matrix_app(seeded_template: Path, tmp_path: Path) -> AsyncIterator[App]:
    path = tmp_path / "case.db"
    shutil.copy(seeded_template, path)
    app = make_app(f"sqlite+aiosqlite:///{path}", Clock(START))
    yield app
    await app.close()


def _request(kind: str, route: Route, role: str, chat_kind: ChatKind) -> Request:
    from handlers.model import Chat

    user = ROLES[role] or "stranger@nowhere.example"
    chat = Chat("console", user if chat_kind is ChatKind.PRIVATE else f"{chat_kind}-room", chat_kind)
    arg = ARGS.get(route.name, "M-1")
    if kind == "command":
        return Request(chat=chat, user_id=user, kind="command", name=route.name, args=arg)
    return Request(chat=chat, user_id=user, kind="action", name=route.name, value=arg, message_id="9")


def _shown_here(items: list[ReplyItem]) -> str:
    return Answer([i for i in items if not isinstance(i, InPrivate)]).text


def _assert_nothing_leaks(role: str, chat_kind: ChatKind, items: list[ReplyItem], where: str) -> None:
    here = _shown_here(items)
    private = Answer([i for item in items if isinstance(item, InPrivate) for i in item.items]).text
    everything = here + "\n" + private
    if chat_kind is not ChatKind.PRIVATE:
        assert not [s for s in HELD_CONTACT + INTERNAL if s in here], f"{where}: private data shown in the chat"
    if role not in SEES_HELD_LEAD:
        assert not [s for s in HELD_CONTACT if s in everything], f"{where}: another partner's lead contact shown"
    if role not in STAFF or chat_kind is not ChatKind.PRIVATE:
        visible = everything if role not in STAFF else here
        assert not [s for s in INTERNAL if s in visible], f"{where}: internal article shown"


@pytest.mark.parametrize(("kind", "route", "role"), CASES)
async def test_authorization_matrix_console(matrix_app: App, kind: str, route: Route, role: str) -> None:
    for chat_kind in ChatKind:
        where = f"{kind} {route.name} as {role} in a {chat_kind} chat"
        items = await matrix_app.dispatcher.handle(_request(kind, route, role, chat_kind))
        here = _shown_here(items)
        moved = [i for i in items if isinstance(i, InPrivate)]
        assert here or moved, f"{where}: no answer at all"
        assert "Something went wrong" not in here + str(moved), f"{where}: crashed"
        _assert_nothing_leaks(role, chat_kind, items, where)
        if ROLES[role] is None and route.linked:
            assert "Link your chat" in here and not moved, f"{where}: should get linking instructions"
        elif ROLES[role] is not None and route.roles is not None and role_name(role) not in route.roles:
            assert "not available for your role" in here and not moved, f"{where}: should be refused"
        elif route.answers_in(chat_kind):
            assert not moved, f"{where}: answers in place"
        else:
            shown = [i for i in items if not isinstance(i, InPrivate)]
            assert len(shown) == 1 and isinstance(shown[0], (Notice if kind == "action" else Reply)), where
            assert here == POINTER, f"{where}: only the private-chat pointer in the chat"
            if ROLES[role] is not None:
                assert len(moved) == 1 and moved[0].chat.chat_id == ROLES[role], f"{where}: continues privately"
                assert moved[0].chat.kind is ChatKind.PRIVATE


def role_name(role: str) -> str:
    """The people-file role of a matrix role."""
    return {
        "partner_user": "partner_rep",
        "partner_admin": "partner_admin",
        "other_partner_user": "partner_rep",
        "cam": "cam",
        "other_cam": "cam",
        "support_agent": "support_agent",
        "admin": "admin",
    }[role]


def test_authorization_matrix_covers_every_route_of_the_app() -> None:
    """The matrix is the routing table: every router bot/app.py wires, every command and action in it."""
    names = {(kind, route.name) for kind, route in ROUTES}
    assert len(names) == len(ROUTES), "a name registered twice"
    assert {"lead.claim", "lead.update", "kb.article"} <= {r.name for k, r in ROUTES if k == "action"}
    assert {"leads", "kb", "settings"} <= {r.name for k, r in ROUTES if k == "command"}
    private_data = {r.name for _k, r in ROUTES if not r.answers_in(ChatKind.GROUP)}
    assert {"lead.claim", "lead.update", "lead.accept", "leads", "claim", "settings"} <= private_data


@pytest.mark.parametrize("role", [r for r in ROLES if r not in STAFF])
async def test_authorization_matrix_refused_read_looks_like_a_missing_article(matrix_app: App, role: str) -> None:
    user = ROLES[role] or "stranger@nowhere.example"
    from handlers.model import Chat

    def press(value: str) -> Request:
        chat = Chat("console", user, ChatKind.PRIVATE)
        return Request(chat=chat, user_id=user, kind="action", name="kb.article", value=value)

    refused = await matrix_app.dispatcher.handle(press("agent-escalation-runbook"))
    missing = await matrix_app.dispatcher.handle(press("no-such-article"))
    assert Answer(refused).text == Answer(missing).text


def _params(call: Any) -> str:
    return str(call.params)


@pytest.mark.slow
async def test_authorization_matrix_telegram(tg: Any, tmp_path: Path) -> None:
    """Every action and command through the real webhook, in a group, a supergroup and a channel post's
    buttons, by the lead's holder and by another partner: nothing private reaches the shared chat."""
    from tests.fakes.telegram_updates import tg_callback_query_update, tg_group_chat, tg_message, tg_message_update
    from tests.telegram.harness import ana

    await tg.link("ana@acme.example", ana())
    ben = {"id": 2002, "is_bot": False, "first_name": "Ben", "username": "ben", "language_code": "en"}
    await tg.link("ben@globex.example", ben)
    kb_dir = tmp_path / "kb"
    _write_articles(kb_dir)
    await tg.app.deps.services[KnowledgeBase].import_dir(kb_dir, now=tg.clock())
    await import_leads(
        tg.app,
        [lead_row("M-1", contact_name="Mira Holder", contact_email="mira@m-1.example", contact_phone=HELD_CONTACT[2])],
    )
    assert await tg.post(tg_callback_query_update("lead.claim|M-1", ana())) == 200
    bot = {"id": 123456789, "is_bot": True, "first_name": "Bot"}
    chats = [
        tg_group_chat(-100, type="group"),
        tg_group_chat(-1001, type="supergroup"),
        tg_group_chat(-1002, type="channel"),
    ]
    for user in (ben, ana()):  # Ben first: Ana's own presses may release or convert her lead
        for chat in chats:
            for kind, route in ROUTES:
                tg.fake.reset_calls()
                arg = ARGS.get(route.name, "M-1")
                if kind == "action":
                    update = tg_callback_query_update(f"{route.name}|{arg}", user, tg_message("card", bot, chat))
                elif chat["type"] == "channel":
                    continue  # nobody types commands in a channel
                else:
                    update = tg_message_update(f"/{route.name} {arg}".strip(), user, chat)
                assert await tg.post(update) == 200
                shared = [
                    _params(c)
                    for method in ("sendMessage", "editMessageText", "answerCallbackQuery")
                    for c in tg.fake.calls_to(method)
                    if str(c.params.get("chat_id", chat["id"])) == str(chat["id"])
                ]
                leaked = [s for s in HELD_CONTACT + INTERNAL if s in "".join(shared)]
                assert not leaked, f"{route.name} by {user['first_name']} in a {chat['type']}: {leaked}"
                if user is ben:
                    private = "".join(_params(c) for c in tg.fake.calls_to("sendMessage"))
                    assert not [s for s in HELD_CONTACT if s in private], f"{route.name}: Ben saw Ana's lead"


async def test_authorization_matrix_slack(harness: Any, fake_slack: Any) -> None:
    """Every action and command through Slack, in a public channel and a multi-person DM, by the lead's
    holder: nothing private in the channel, not even ephemerally; it all goes to the DM."""
    from tests.slack.conftest import ANA

    fake_slack.add_channel("C0GENERAL", "general")
    fake_slack.add_channel("G0MPIM", "mpdm-ana--ben-1", is_private=True)
    await harness.command("help", channel_id="D0ANA")
    await import_leads(
        harness.app,
        [lead_row("M-1", contact_name="Mira Holder", contact_email="mira@m-1.example", contact_phone=HELD_CONTACT[2])],
    )
    await harness.command("claim M-1", channel_id="D0ANA")
    assert "mira@m-1.example" in harness.dm_text(ANA)
    message = {"type": "message", "ts": "1700000000.000100", "text": "card", "user": "U0BOT"}
    for channel, name in (("C0GENERAL", "general"), ("G0MPIM", "mpdm-ana--ben-1")):
        for kind, route in ROUTES:
            fake_slack.reset_calls()
            arg = ARGS.get(route.name, "M-1")
            if kind == "action":
                await harness.press(route.name, arg, message, channel)
            else:
                await harness.command(f"{route.name} {arg}".strip(), channel_id=channel, channel_name=name)
            shared = str(fake_slack.messages(channel)) + str(fake_slack.ephemerals) + str(fake_slack.responses)
            leaked = [s for s in HELD_CONTACT + INTERNAL if s in shared]
            assert not leaked, f"{kind} {route.name} in {name}: {leaked}"
