"""Certifications and agreements: reminders 30 and 7 days before expiry (at the right days with `sweep
--at`), the CAM on expiry, deal registration paused on a lapsed agreement where configured; tier news
once per review period; the health score with its reasons in `partners`, and a drop of 15 alerting the CAM."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.app import App
from bot.config import SettingsError, load_settings
from bot.importer import import_file
from domain.deals.models import Deal
from domain.health.models import HealthSnapshot
from tests.chat import ChatFactory, Clock
from tests.conftest import make_app
from tests.deals.conftest import ANA, ARNO, CARLA, VALUES, register

HEADER = "partner_id,person_email,kind,expires_on\n"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


async def _import(app: App, tmp_path: Path, kind: str, rows: str) -> list[str]:
    path = tmp_path / f"{kind}.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    result, errors = await import_file(app, kind, path, skip_invalid=False)
    return [f"{e.row}:{e.column}:{e.message}" for e in errors] if result is None else []


async def test_a_certification_is_reminded_at_30_and_7_days_and_its_expiry_reaches_the_cam(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    await chats.seed_program()
    for email in (ANA, ARNO, CARLA):
        await chats.linked(email)
    expires = dt.date(2027, 2, 15)
    assert await _import(app, tmp_path, "certifications", f"P-ACME,{ANA},Cloud Suite Sales,{expires}\n") == []
    seen: dict[dt.date, list[str]] = {}
    day = clock().date()
    while day <= expires + dt.timedelta(days=1):
        clock.now = at(day)
        counts = await app.sweep(clock())
        if counts.get("health_compliance_reminders"):
            await chats.deliver()
            seen[day] = [d.current.plain_text().split("\n")[0] for d in chats.transport.messages][-3:]
        day += dt.timedelta(days=1)
    assert sorted(seen) == [expires - dt.timedelta(days=30), expires - dt.timedelta(days=7), expires]
    ana = [d.current.plain_text() for d in chats.transport.to(ANA) if "Cloud Suite Sales" in d.current.plain_text()]
    assert any("expires in 30 days" in t for t in ana) and any("expires in 7 days" in t for t in ana)
    assert any("läuft in 30 Tagen ab" in d.current.plain_text() for d in chats.transport.to(ARNO))  # in German
    assert any("has expired" in d.current.plain_text() for d in chats.transport.to(CARLA))


async def test_bad_certification_and_agreement_files(app: App, chats: ChatFactory, tmp_path: Path) -> None:
    await chats.seed_program()
    errors = await _import(
        app,
        tmp_path,
        "certifications",
        f"P-ACME,nobody@acme.example,Sales,2027-05-01\nP-ACME,ben@globex.example,Sales,2027-05-01\n"
        f"P-ACME,{ANA},Sales,2020-01-01\nP-NOPE,{ANA},Sales,2027-05-01\nP-ACME,,Sales,2027-05-01\n",
    )
    joined = "\n".join(errors)
    assert "2:person_email:no person" in joined and "3:person_email" in joined and "4:expires_on" in joined
    assert "5:partner_id" in joined and "6:person_email:is required" in joined
    assert await _import(app, tmp_path, "agreements", "P-ACME,,Reseller agreement,2027-06-30\n") == []


async def test_a_lapsed_agreement_pauses_deal_registration_where_configured(
    sqlite_url: str, clock: Clock, tmp_path: Path
) -> None:
    app = make_app(sqlite_url, clock, PARTNERBOT_BLOCK_DEALS_ON_EXPIRED_AGREEMENT="true")
    try:
        chats = ChatFactory(app, clock)
        await chats.seed_program()
        assert (
            await _import(app, tmp_path, "agreements", f"P-ACME,,Reseller,{clock().date() + dt.timedelta(days=3)}\n")
            == []
        )
        ana = await chats.linked(ANA)
        await register(ana)  # still valid
        clock.advance(days=5)
        refused = await ana.submit("deal.register", {**VALUES, "company": "Other Co", "domain": "other.example.com"})
        assert "Deal registration is paused: your Reseller agreement has expired" in refused.text
        assert (
            await _import(app, tmp_path, "agreements", f"P-ACME,,Reseller,{clock().date() + dt.timedelta(days=365)}\n")
            == []
        )
        assert (
            "Deal D-000002"
            in (
                await ana.submit("deal.register", {**VALUES, "company": "Other Co", "domain": "other.example.com"})
            ).text
        )
    finally:
        await app.close()


async def test_tier_advancement_and_risk_are_told_once_per_review_period(
    sqlite_url: str, clock: Clock, tmp_path: Path
) -> None:
    app = make_app(sqlite_url, clock, PARTNERBOT_TIER_THRESHOLDS="silver=1000:0,gold=10000:1,platinum=500000:2")
    try:
        chats = ChatFactory(app, clock)
        await chats.seed_program()
        for email in (ANA, ARNO, CARLA):
            await chats.linked(email)
        await register(await chats.linked(ANA), amount="600000")
        async with app.uow() as uow:  # won this year, in the CRM
            await uow.session.execute(update(Deal).values(status="won", closed_on=clock().date()))
            await uow.commit()
        await app.sweep(clock())
        await chats.deliver()
        assert not any("platinum" in d.current.plain_text() for d in chats.transport.to(ARNO))  # nobody certified
        certs = "".join(f"P-ACME,{e},Sales,2027-09-01\n" for e in (ANA, ARNO))
        assert await _import(app, tmp_path, "certifications", certs) == []
        for _day in range(3):
            clock.advance(days=1)
            await app.sweep(clock())
        await chats.deliver()
        told = [d.current.plain_text() for d in chats.transport.to(ARNO) if "platinum" in d.current.plain_text()]
        assert len(told) == 1 and "Acme Cloud Resellers" in told[0]  # once, in Arno's German
        assert any("qualifies for platinum" in d.current.plain_text() for d in chats.transport.to(CARLA))

        # Globex is platinum with nothing won: at risk within 60 days of its review (10 May), told once.
        gwen = "gwen@globex.example"
        await chats.linked(gwen)
        for day in (dt.date(2027, 3, 1), dt.date(2027, 3, 12), dt.date(2027, 3, 13)):
            clock.now = at(day)
            await app.sweep(clock())
        await chats.deliver()
        risk = [d for d in chats.transport.to(gwen) if "tier at risk" in d.current.plain_text()]
        assert len(risk) == 1 and "May 10, 2027" in risk[0].current.plain_text()
    finally:
        await app.close()


async def test_partners_shows_the_health_score_with_reasons_and_a_drop_alerts_the_cam(
    app: App, chats: ChatFactory, clock: Clock
) -> None:
    await chats.seed_program()
    carla = await chats.linked(CARLA)
    await app.sweep(clock())
    listed = await carla.command("partners", "health")
    first = listed.messages[0].items[0]
    assert "health " in first and "no certification current" in first
    async with app.uow() as uow:  # a week ago Acme was doing fine
        await uow.session.execute(update(HealthSnapshot).values(score=95, day=clock().date() - dt.timedelta(days=7)))
        await uow.commit()
    await app.sweep(clock())
    await chats.deliver()
    dropped = [d.current.plain_text() for d in chats.transport.to(CARLA) if "in a week" in d.current.plain_text()]
    assert any("Acme Cloud Resellers: health 95 →" in t and "Why:" in t for t in dropped)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PARTNERBOT_TIER_THRESHOLDS", "silver=500000:1,gold=100000:3"),
        ("PARTNERBOT_TIER_THRESHOLDS", "diamond=1:1"),
        ("PARTNERBOT_HEALTH_WEIGHTS", "leads=50,deals=60"),
        ("PARTNERBOT_HEALTH_WEIGHTS", "vibes=100"),
    ],
)
def test_bad_thresholds_and_weights_stop_start_up_with_one_line(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as stopped:
        load_settings(database_url="sqlite+aiosqlite://", **{name: value})
    assert str(stopped.value).startswith(name) and "\n" not in str(stopped.value)


async def test_after_downtime_past_the_expiry_one_expiry_message_and_then_silence(
    app: App, chats: ChatFactory, clock: Clock, tmp_path: Path
) -> None:
    await chats.seed_program()
    await chats.linked(ANA)
    expires = clock().date() + dt.timedelta(days=40)
    assert await _import(app, tmp_path, "certifications", f"P-ACME,{ANA},Sales,{expires}\n") == []
    clock.now = at(expires + dt.timedelta(days=2))  # the scheduler was off for six weeks
    first = await app.sweep(clock())
    again = await app.sweep(clock() + dt.timedelta(minutes=1))
    assert first["health_compliance_reminders"] == 1 and again["health_compliance_reminders"] == 0
    await chats.deliver()
    said = [d.current.plain_text() for d in chats.transport.to(ANA) if "Sales" in d.current.plain_text()]
    assert len(said) == 1 and "has expired" in said[0]
