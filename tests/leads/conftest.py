"""The lead rules are language-independent; their tests read English text, so everyone reads English here.

(The demo program has German, Japanese and Portuguese speakers; that their pushes arrive translated is
tested in tests/test_account.py and tests/e2e.)
"""

from __future__ import annotations

import pytest_asyncio
from sqlalchemy import update

from domain.models import Partner, Person
from tests.chat import ChatFactory


async def _everyone_in_english(factory: ChatFactory) -> ChatFactory:
    async with factory.app.uow() as uow:
        await uow.session.execute(update(Person).values(language="en"))
        await uow.session.execute(update(Partner).values(language="en"))
        await uow.commit()
    return factory


@pytest_asyncio.fixture
async def chats(chats: ChatFactory) -> ChatFactory:
    return await _everyone_in_english(chats)
