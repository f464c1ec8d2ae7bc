"""Issue 11, item 12: a partner learns nothing about leads that were never theirs.

"Does not exist", "offered to someone else" and "another partner's" must read the same on every lead
action, so a partner cannot probe lead ids to find out which exist.
"""

from __future__ import annotations

import pytest

from bot.app import App
from tests.chat import ChatFactory, Clock
from tests.leads.helpers import import_leads, lead_row

ACTIONS = [
    ("press", "lead.claim", "{ref}"),
    ("press", "lead.accept", "{ref}"),
    ("press", "lead.update", "{ref}:contacted"),
    ("send", "/leads {ref}", None),
    ("send", "/claim {ref}", None),
]


async def _answers(chat: object, ref: str) -> list[str]:
    out = []
    for how, what, value in ACTIONS:
        if how == "press":
            answer = await chat.press(what, value.format(ref=ref))  # type: ignore[attr-defined]
        else:
            answer = await chat.send(what.format(ref=ref))  # type: ignore[attr-defined]
        out.append(answer.text.replace(ref, "<ref>"))
    return out


@pytest.mark.parametrize("missing", ["NOPE-1", "X-404"])
async def test_item12_unknown_and_not_yours_leads_get_the_same_answer(
    app: App, chats: ChatFactory, clock: Clock, missing: str
) -> None:
    clock.advance(hours=3)
    ana = await chats.linked("ana@acme.example")
    hugo = await chats.linked("hugo@hooli.example")
    await import_leads(
        app,
        [
            lead_row("D-1", region="latam", product="backup", assignment="direct", partner_id="P-HOOLI"),
            lead_row("D-2", region="latam", product="backup", assignment="direct", partner_id="P-HOOLI"),
        ],
    )
    await hugo.press("lead.accept", "D-2")  # D-1 is assigned to Hooli, D-2 is Hooli's own now

    unknown = await _answers(ana, missing)
    assigned_to_another = await _answers(ana, "D-1")
    held_by_another = await _answers(ana, "D-2")
    assert unknown == assigned_to_another == held_by_another
    assert all("not available to you" in text for text in unknown[:3])
    for text in unknown + assigned_to_another + held_by_another:
        assert "pat@" not in text and "Company D" not in text and "hooli" not in text.lower()
