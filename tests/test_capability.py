"""A capability is one package plus one line: a toy one, declared here, shows up everywhere the core
builds from the list — `help`, the authorization table, the sweeper, imports and reports."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.app import build_app
from bot.capabilities import CAPABILITIES, authorization_table, import_kinds
from bot.config import load_settings
from domain.sweeps import Sweep, SweepContext
from handlers.capability import Capability, ImportKind
from handlers.deps import Deps
from handlers.model import Message, Reply, ReplyItem, Request
from handlers.router import Router
from tests.chat import ChatFactory, Clock

toy = Router("toy")
ticks: list[dt.datetime] = []


class Pinger:
    """A service the toy offers to other capabilities."""

    def pong(self) -> str:
        return "pong"


@toy.command("ping", help="answer pong")
async def ping(req: Request, deps: Deps) -> list[ReplyItem]:
    return [Reply(Message(text=deps.services[Pinger].pong()))]


@toy.action("toy.poke", roles=frozenset({"cam"}))
async def poke(req: Request, deps: Deps) -> list[ReplyItem]:
    return [Reply(Message(text="poked"))]


async def tick(ctx: SweepContext) -> int:
    ticks.append(ctx.at)
    return 1


TOY = Capability(
    name="toy", router=toy, services=lambda deps, setting: [Pinger()], sweeps=lambda deps: [Sweep("toy_tick", tick)]
)


async def test_a_toy_capability_added_with_one_line_is_in_help_the_table_and_the_sweep(
    sqlite_url: str, clock: Clock
) -> None:
    app = build_app(load_settings(database_url=sqlite_url), clock=clock, capabilities=[*CAPABILITIES, TOY])
    try:
        chats = ChatFactory(app, clock)
        await chats.seed_program()
        ana = await chats.linked("ana@acme.example")
        assert "/ping — answer pong" in (await ana.send("/help")).text
        assert (await ana.send("/ping")).text == "pong"
        table = {(kind, route.name): route for kind, route in authorization_table(app.capabilities)}
        assert table[("action", "toy.poke")].roles == frozenset({"cam"})
        assert (
            "not allowed" in (await ana.press("toy.poke", "")).text.lower()
            or "poked" not in (await ana.press("toy.poke", "")).text
        )
        counts = await app.sweep(clock())
        assert counts["toy_tick"] == 1 and ticks[-1] == clock()
    finally:
        await app.close()


def test_without_the_line_the_toy_is_nowhere(sqlite_url: str, clock: Clock) -> None:
    assert ("action", "toy.poke") not in [(k, r.name) for k, r in authorization_table()]
    assert "/ping" not in {f"/{r.name}" for _, r in authorization_table()}


def test_two_capabilities_cannot_declare_one_import_kind() -> None:
    twin = Capability(name="twin", router=Router("twin"), imports={"leads": ImportKind((), _noop, _noop)})
    with pytest.raises(ValueError, match="import kind 'leads'"):
        import_kinds([*CAPABILITIES, twin])


async def _noop(*args: object, **kwargs: object) -> None:
    return None
