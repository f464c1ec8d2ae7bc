"""Wiring in one place (STYLE.md §7): settings in, a ready application object out.

Nothing here runs at import time; `build_app` is called by the CLI and by tests, each with its own
settings, so any number of independent apps can exist in one process.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.capabilities import CAPABILITIES, routers
from bot.config import Settings
from bot.pacing import Pacer, SharedPacer
from bot.sender import Sender
from bot.transport import Transport
from domain.calendar import BusinessCalendar, load_holidays, parse_business_hours
from domain.db import UowFactory, create_engine, uow_factory
from domain.migrate import upgrade
from domain.sweeps import Rehearsal, Sweep, SweepContext, rehearse_sweeps, run_sweeps
from handlers.capability import Capability, Setting
from handlers.deps import Deps, ImmediateDelivery
from handlers.dispatch import Dispatcher

logger = logging.getLogger(__name__)


def _setting_reader(settings: Settings, capability: Capability) -> Setting:
    """What a capability's ``services`` reads settings with: only the ones it declared."""

    def read(name: str) -> Any:
        if name not in capability.settings:
            raise KeyError(f"capability {capability.name!r} reads setting {name!r} without declaring it")
        return getattr(settings, name)

    return read


def calendar_from(settings: Settings) -> BusinessCalendar:
    return BusinessCalendar(
        hours=parse_business_hours(settings.business_hours),
        holidays=load_holidays(settings.holidays),
        timezone=settings.timezone,
    )


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow: UowFactory
    deps: Deps
    dispatcher: Dispatcher
    calendar: BusinessCalendar
    sweeps: list[Sweep]
    capabilities: tuple[Capability, ...] = CAPABILITIES
    transports: dict[str, Transport] = field(default_factory=dict)
    services: dict[str, Any] = field(default_factory=dict)
    pacer: Pacer | SharedPacer = field(default_factory=Pacer)

    async def migrate(self) -> None:
        await upgrade(self.engine)

    def sender(self, transports: dict[str, Transport] | None = None, **kwargs: Any) -> Sender:
        return Sender(
            self.uow,
            self.dispatcher,
            transports if transports is not None else self.transports,
            calendar=self.calendar,
            default_language=self.settings.language,
            default_quiet_hours=self.settings.quiet_hours,
            clock=self.deps.clock,
            **{"pacer": self.pacer, **kwargs},
        )

    async def sweep(self, at: dt.datetime) -> dict[str, int]:
        return await run_sweeps(self.sweeps, SweepContext(at=at, uow=self.uow, calendar=self.calendar))

    async def rehearse_sweep(self, at: dt.datetime) -> Rehearsal:
        """The same sweeps as `sweep`, in a transaction that is rolled back: what they would do."""
        return await rehearse_sweeps(self.sweeps, at, self.engine, self.calendar)

    async def close(self) -> None:
        for closer in self.services.get("closers", []):
            await closer()
        await self.engine.dispose()


def build_app(
    settings: Settings,
    *,
    clock: Callable[[], dt.datetime] = _utcnow,
    engine: AsyncEngine | None = None,
    capabilities: Sequence[Capability] = CAPABILITIES,
) -> App:
    engine = engine or create_engine(settings.database_url, pool_limit=settings.database_pool_size)
    uow = uow_factory(engine)
    calendar = calendar_from(settings)
    deps = Deps(
        uow=uow,
        calendar=calendar,
        default_language=settings.language,
        default_quiet_hours=settings.quiet_hours,
        clock=clock,
    )
    for capability in capabilities:
        for service in capability.services(deps, _setting_reader(settings, capability)):
            deps.services.provide(service)
    dispatcher = Dispatcher(routers(capabilities), deps)
    deps.services.provide(dispatcher)
    background = [_background(job) for capability in capabilities for job in capability.background]
    application = App(
        settings=settings,
        engine=engine,
        uow=uow,
        deps=deps,
        dispatcher=dispatcher,
        calendar=calendar,
        sweeps=[sweep for capability in capabilities for sweep in capability.sweeps(deps)],
        capabilities=tuple(capabilities),
        services={"http_mounts": [], "platform_setups": [], "background": background, "closers": []},
        # One schedule per installation: in memory for the one process SQLite serves, in the database
        # when several processes share a PostgreSQL server.
        pacer=Pacer() if engine.dialect.name == "sqlite" else SharedPacer(uow, engine=engine),
    )
    deps.services.provide(ImmediateDelivery(_deliver_now(application)))
    install_platforms(application)
    return application


def _deliver_now(application: App) -> Callable[[int, str], Awaitable[None]]:
    """What a handler calls to hand a person their queued answer at once (the winner's card), on the
    platform they pressed on.

    The rows were committed with the change; this only spares them the wait for the sender's next
    round. Any failure, or a surface without a transport here (the terminal), leaves them to that round.
    """

    async def deliver(person_id: int, platform: str) -> None:
        transport = application.transports.get(platform)
        if transport is None:
            return
        try:
            await application.sender({platform: transport}, person_id=person_id, at_once=True).drain()
        except Exception:
            logger.exception("delivering queued answers to person %s at once failed", person_id)

    return deliver


def _background(job: Callable[[Deps], Awaitable[None]]) -> Callable[[App, asyncio.Event], Awaitable[None]]:
    """A capability's start-up work (warming the KB index), run by `serve` beside the platforms'."""

    async def run(application: App, stop: asyncio.Event) -> None:
        await job(application.deps)

    return run


def install_platforms(application: App) -> None:
    """Each messenger switched on in the settings registers its endpoint, transport and start-up work."""
    if application.settings.slack_enabled:
        from bot.slack import install as install_slack

        install_slack(application)
    if application.settings.telegram_enabled:
        from bot.telegram import install as install_telegram

        install_telegram(application)
