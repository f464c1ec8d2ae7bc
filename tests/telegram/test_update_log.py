"""Each update recorded once, and its sender read in the same transaction (no second look-up per update)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from domain.people import PersonView
from tests.fakes.telegram_updates import tg_message_update, tg_user
from tests.telegram.harness import TelegramHarness, ana


async def test_a_batch_records_each_id_once_and_names_the_linked_senders(tg: TelegramHarness) -> None:
    await tg.link("ana@acme.example", ana())
    log = tg.adapter.processor.log
    results = await asyncio.gather(
        log.first_time(501, "1001"),
        log.first_time(502, "4242"),  # an account nobody linked
        log.first_time(501, "1001"),  # the same id twice in one batch
        log.first_time(503),
    )
    (new_ana, person), (new_eve, nobody), (again, _), (new_anon, anon) = results
    assert new_ana and new_eve and new_anon and not again
    assert isinstance(person, PersonView) and person.email == "ana@acme.example"
    assert nobody is None and anon is None
    assert await log.first_time(502, "4242") == (False, None)  # a redelivery, later


async def test_the_dispatcher_does_not_look_the_sender_up_again(
    tg: TelegramHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.dispatch

    await tg.link("ana@acme.example", ana())
    looked_up: list[str] = []
    who_is = handlers.dispatch.who_is

    async def counting(uow: Any, platform: str, user_id: str) -> PersonView | None:
        looked_up.append(user_id)
        return await who_is(uow, platform, user_id)

    monkeypatch.setattr(handlers.dispatch, "who_is", counting)
    assert await tg.post(tg_message_update("/help", ana())) == 200
    assert "/settings" in tg.fake.texts_to(1001)[-1]  # answered as the linked Ana
    assert looked_up == []
    assert await tg.post(tg_message_update("/help", tg_user(4242, "Eve"))) == 200
    assert "link code" in tg.fake.texts_to(4242)[-1]  # a stranger: the dispatcher still tries to link
    assert looked_up == ["4242"]
