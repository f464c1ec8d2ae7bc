"""Issue 11, item 6: data is shown as written on every surface; markup comes only from templates.

A lead's company or contact name like `[Click here](https://evil.example)`, `<https://evil.example|label>`,
`*bold*`, `_italic_`, `~strike~`, `@channel` or `<!here>` must never become a link, formatting or a
mention in Slack, nor markup in Telegram's HTML.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.slack.blocks import message_blocks
from handlers.model import Markdown, Message
from tests.fakes import FakeSlackAPI
from tests.fakes.telegram_updates import tg_callback_query_update, tg_message
from tests.leads.helpers import import_leads, lead_row
from tests.slack.conftest import ANA, SlackHarness
from tests.telegram.harness import TelegramHarness, ana

HOSTILE = [
    "[Click here](https://evil.example)",
    "<https://evil.example|Click here>",
    "*Urgent* _now_ ~gone~ `code`",
    "Ping @channel and @here",
    "<!here> <!channel> <@U0ADMIN>",
]
BOT = {"id": 123456789, "is_bot": True, "first_name": "Bot"}


def _mrkdwn_texts(node: Any) -> list[str]:
    """Every string Slack parses as mrkdwn in a message: mrkdwn text objects and the top-level text."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found += _mrkdwn_texts(value)
    elif isinstance(node, list):
        for value in node:
            found += _mrkdwn_texts(value)
    return found


def _live_markup(text: str) -> list[str]:
    """What Slack would turn into a link, mention or formatting from this mrkdwn (a field's bold label
    is the template's own markup)."""
    text = re.sub(r"^\*[^*\n]+\*\n", "", text)
    live = re.findall(r"<[^>]*>", text)  # <url|label>, <!here>, <@U…>: escaped data shows as &lt;…&gt;
    live += re.findall(r"(?<![\w\u200b])\*[^*\u200b\s][^*]*\*(?![\w\u200b])", text)
    live += re.findall(r"(?<![\w\u200b])[_~`][^\u200b\s][^_~`]*[_~`](?![\w\u200b])", text)
    live += re.findall(r"@(?:channel|here|everyone)\b", text)
    live += re.findall(r"\]\(https?://", text)
    return live


@pytest.mark.parametrize("company", HOSTILE)
async def test_item6_a_hostile_company_name_in_a_slack_card_is_shown_not_obeyed(
    harness: SlackHarness, fake_slack: FakeSlackAPI, company: str
) -> None:
    await harness.command("help", channel_id="D0ANA")  # links Ana by her email
    await import_leads(harness.app, [lead_row("E-1", company=company, contact_name=company)])
    message = {"type": "message", "ts": "1700000000.000100", "text": "Lead E-1", "user": "U0BOT"}
    assert (await harness.press("lead.claim", "E-1", message, "D0ANA")).status == 200
    posted = harness.dm(ANA)
    assert any("E-1" in json.dumps(m) for m in posted), "the card reached Ana"
    for m in posted:
        for text in [*_mrkdwn_texts(m.get("blocks")), m["text"]]:
            assert _live_markup(text) == [], text


@pytest.mark.parametrize("company", HOSTILE)
async def test_item6_a_hostile_company_name_in_telegram_html_is_escaped(tg: TelegramHarness, company: str) -> None:
    await tg.link("ana@acme.example", ana())
    await import_leads(tg.app, [lead_row("E-2", company=company, contact_name=company)])
    tg.fake.reset_calls()
    card = tg_message("Lead E-2", BOT, {"id": ana()["id"], "type": "private"})
    assert await tg.post(tg_callback_query_update("lead.claim|E-2", ana(), card)) == 200
    sent = [c.params for c in tg.fake.calls_to("sendMessage")]
    assert sent, "the winner's card was sent"
    for params in sent:
        assert params.get("parse_mode") == "HTML"
        tags = set(re.findall(r"</?([a-zA-Z]+)", params["text"]))
        assert tags <= {"b", "i"}, f"only the template's own tags: {tags}"
        assert "https://evil.example" not in re.findall(r'href="([^"]*)"', params["text"])


def test_item6_only_authored_markdown_becomes_links_and_plain_text_never_does() -> None:
    hostile = "[portal](https://evil.example) **bold**"
    (data,) = message_blocks(Message(text=hostile))
    assert _live_markup(data["text"]["text"]) == []
    (authored,) = message_blocks(Message(text=Markdown("[portal](https://portal.example) **bold**")))
    assert authored["text"]["text"] == "<https://portal.example|portal> *bold*"
