"""Linking a chat, help, personal settings and language: what every person can do.

The account capability also owns the program's directory (the partners and people imports) and the
housekeeping sweeps (link codes and reminders, expired forms, processed update ids)."""

from __future__ import annotations

from functools import partial
from typing import Any

from domain import directory, housekeeping, linking
from domain.errors import InvalidInput
from domain.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, format_datetime, set_language
from domain.people import PersonView, checked_quiet_hours, checked_timezone, save_preferences
from handlers.capability import Capability, ImportKind
from handlers.deps import Deps
from handlers.dispatch import Dispatcher
from handlers.messengers import MESSENGERS, PARTNER_CHANNEL_COLUMNS, PEOPLE_ID_COLUMNS, PLATFORMS
from handlers.model import FormField, FormSpec, Message, OpenForm, Reply, ReplyItem, Request
from handlers.router import Router

router = Router("account")

ON_WORDS = frozenset({"on", "yes", "true", "1", "ja", "sim", "はい"})
OFF_WORDS = frozenset({"off", "no", "false", "0", "nein", "não", "nao", "いいえ"})


def _welcome(person: PersonView) -> Message:
    where = _(" at %(partner)s") % {"partner": person.partner_name} if person.partner_name else ""
    return Message(
        title=_("Welcome, %(name)s!") % {"name": person.name},
        text=_("Your chat is linked to the partner program as %(email)s%(where)s. Send /help to see what you can do.")
        % {"email": person.email, "where": where},
    )


async def _redeem(req: Request, deps: Deps, code: str) -> list[ReplyItem]:
    view = await linking.redeem(
        deps.uow,
        code,
        platform=req.platform,
        user_id=req.user_id,
        chat_id=req.chat.chat_id,
        username=req.username,
        now=deps.now(),
    )
    set_language(view.language or deps.default_language)
    return [Reply(_welcome(view))]


@router.command("start", linked=False, help=N_("link this chat or show the welcome"), usage=N_("/start [CODE]"))
async def start(req: Request, deps: Deps) -> list[ReplyItem]:
    code = req.args.strip()
    if req.person is not None:
        if code:
            return [Reply(Message(text=_("This chat is already linked to %(email)s.") % {"email": req.person.email}))]
        return [Reply(_welcome(req.person))]
    if not code:
        return [Reply(deps.services[Dispatcher].linking_instructions())]
    return await _redeem(req, deps, code)


@router.command("link", linked=False, help=N_("link this chat with a code"), usage=N_("/link CODE"))
async def link(req: Request, deps: Deps) -> list[ReplyItem]:
    code = req.args.strip()
    if req.person is not None:
        return [Reply(Message(text=_("This chat is already linked to %(email)s.") % {"email": req.person.email}))]
    if not code:
        raise InvalidInput(N_("Send the code with the command, like this: /link CODE"))
    return await _redeem(req, deps, code)


@router.command("help", linked=False, private=False, help=N_("what you can do here"))
async def help_(req: Request, deps: Deps) -> list[ReplyItem]:
    dispatcher = deps.services[Dispatcher]
    if req.person is None:
        return [Reply(dispatcher.linking_instructions())]
    items = [
        f"/{_(route.usage).lstrip('/') if route.usage else route.name} — {_(route.help or '')}"
        for route in dispatcher.visible_commands(req.person)
        if route.name not in ("start", "link")
    ]
    return [
        Reply(
            Message(
                title=_("What you can do"),
                items=items,
                footer=_("In a private chat you can also just type a question to search the knowledge base."),
            )
        )
    ]


@router.command("cancel", private=False, help=N_("stop the form you are filling in"))
async def cancel(req: Request, deps: Deps) -> list[ReplyItem]:
    # The dispatcher already dropped any open form before routing a command here.
    return [Reply(Message(text=_("Cancelled. Nothing was saved.")))]


def _settings_message(person: PersonView, deps: Deps) -> Message:
    lang = person.language or deps.default_language
    quiet = person.quiet_hours or deps.default_quiet_hours
    return Message(
        title=_("Your settings"),
        fields=[
            (_("Language"), LANGUAGE_NAMES.get(lang, lang)),
            (_("Timezone"), person.timezone or deps.calendar.timezone),
            (_("Quiet hours"), _("off") if quiet == "off" else quiet),
            (_("Urgent messages in quiet hours"), _("yes") if person.urgent_in_quiet_hours else _("no")),
            (_("Preferred platform"), person.preferred_platform or _("where you last linked")),
            (_("Local time now"), format_datetime(deps.now(), person.timezone or deps.calendar.timezone)),
        ],
        items=[
            "/settings edit  " + _("(all at once)"),
            "/lang " + "|".join(LANGUAGES),
            "/settings timezone Europe/Berlin",
            "/settings quiet 21:00-07:00  " + _("(or off)"),
            "/settings urgent on|off",
            "/settings platform " + "|".join(PLATFORMS),
        ],
        footer=_("Change one setting at a time with the commands above."),
    )


SETTING_NAMES = {
    "language": "language",
    "lang": "language",
    "sprache": "language",
    "idioma": "language",
    "言語": "language",
    "timezone": "timezone",
    "tz": "timezone",
    "zeitzone": "timezone",
    "fuso": "timezone",
    "quiet": "quiet_hours",
    "quiet_hours": "quiet_hours",
    "ruhezeit": "quiet_hours",
    "urgent": "urgent_in_quiet_hours",
    "platform": "preferred_platform",
}


def settings_form() -> FormSpec:
    """All preferences at once: one modal on Slack, five short questions elsewhere."""
    yes_no = (("on", _("yes")), ("off", _("no")))
    return FormSpec(
        name="settings",
        title=_("Settings"),
        submit_label=_("Save"),
        fields=(
            FormField("language", _("Language"), "choice", choices=tuple((c, LANGUAGE_NAMES[c]) for c in LANGUAGES)),
            FormField(
                "timezone",
                _("Timezone"),
                hint=_("An IANA name such as Europe/Berlin or America/Sao_Paulo"),
                max_length=64,
                parse=checked_timezone,
            ),
            FormField(
                "quiet_hours",
                _("Quiet hours"),
                hint=_("Like 20:00-08:00, or off"),
                max_length=11,
                parse=checked_quiet_hours,
            ),
            FormField("urgent_in_quiet_hours", _("Urgent messages in quiet hours"), "choice", choices=yes_no),
            FormField(
                "preferred_platform",
                _("Preferred platform"),
                "choice",
                required=False,
                choices=tuple((m.platform, _(m.label)) for m in MESSENGERS),
            ),
        ),
    )


@router.form("settings", settings_form)
async def settings_submitted(
    req: Request, deps: Deps, values: dict[str, Any], context: dict[str, Any]
) -> list[ReplyItem]:
    changes = {k: v for k, v in values.items() if v is not None}
    if "urgent_in_quiet_hours" in changes:
        changes["urgent_in_quiet_hours"] = changes["urgent_in_quiet_hours"] == "on"
    return await _apply(req, deps, changes)


@router.command(
    "settings",
    help=N_("language, timezone, quiet hours, preferred platform"),
    usage=N_("/settings [edit | NAME VALUE]"),
)
async def settings(req: Request, deps: Deps) -> list[ReplyItem]:
    assert req.person is not None
    parts = req.args.split(maxsplit=1)
    if not parts:
        return [Reply(_settings_message(req.person, deps))]
    if parts[0].lower() == "edit":
        person = req.person
        current = {
            "language": person.language or deps.default_language,
            "timezone": person.timezone or deps.calendar.timezone,
            "quiet_hours": person.quiet_hours or deps.default_quiet_hours,
            "urgent_in_quiet_hours": "on" if person.urgent_in_quiet_hours else "off",
            "preferred_platform": person.preferred_platform,
        }
        return [OpenForm(settings_form(), {k: v for k, v in current.items() if v})]
    name = SETTING_NAMES.get(parts[0].lower())
    if name is None or len(parts) < 2:
        raise InvalidInput(N_("Use /settings NAME VALUE, where NAME is language, timezone, quiet, urgent or platform."))
    value = parts[1].strip()
    changes: dict[str, Any] = {name: value}
    if name == "urgent_in_quiet_hours":
        if value.lower() not in ON_WORDS | OFF_WORDS:
            raise InvalidInput(N_("Answer on or off."))
        changes[name] = value.lower() in ON_WORDS
    return await _apply(req, deps, changes)


async def _apply(req: Request, deps: Deps, changes: dict[str, Any]) -> list[ReplyItem]:
    assert req.person is not None
    view = await save_preferences(deps.uow, req.person.id, changes, platforms=PLATFORMS)
    set_language(view.language or deps.default_language)
    return [Reply(Message(text=_("Saved."))), Reply(_settings_message(view, deps))]


@router.command("lang", help=N_("switch language: en, de, ja, pt_BR"), usage=N_("/lang CODE"))
async def lang(req: Request, deps: Deps) -> list[ReplyItem]:
    code = req.args.strip()
    if not code:
        names = ", ".join(f"{c} ({LANGUAGE_NAMES[c]})" for c in LANGUAGES)
        return [Reply(Message(text=_("Send /lang with one of: %(names)s") % {"names": names}))]
    assert req.person is not None
    view = await save_preferences(deps.uow, req.person.id, {"language": code})
    set_language(view.language)
    return [Reply(Message(text=_("Language set to English.")))]


@router.notification("link.reminder")
def render_link_reminder(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Your partner program chat is waiting"),
        text=_(
            "You were invited to the partner program bot but have not linked a chat yet. Send /start with the "
            "code from your invitation; if it expired, ask your partner admin or CAM for a new one."
        ),
    )


@router.notification("link.reminder_cam")
def render_link_reminder_cam(payload: dict[str, Any], person: PersonView | None) -> Message:
    return Message(
        title=_("Invited but not linked"),
        text=_("%(name)s (%(email)s) of %(partner)s was invited 3 days ago and has not linked a chat yet.")
        % {"name": payload.get("name", ""), "email": payload.get("email", ""), "partner": payload.get("partner", "")},
        footer=_("Send them a new link code if theirs is lost: partnerbot link-code EMAIL"),
    )


CAPABILITY = Capability(
    name="account",
    router=router,
    sweeps=lambda deps: (*linking.SWEEPS, *housekeeping.SWEEPS),
    imports={
        "partners": ImportKind(
            directory.partner_columns(PARTNER_CHANNEL_COLUMNS),
            directory.validate_partners,
            partial(directory.import_partners, channels=PARTNER_CHANNEL_COLUMNS),
            help="Partners: partner_id, name, type, tier, region, country, verticals, products, cam_email, …",
            batch=None,  # a partner may name its parent further down the file
        ),
        "people": ImportKind(
            directory.people_columns(PEOPLE_ID_COLUMNS),
            partial(directory.validate_people, identities=PEOPLE_ID_COLUMNS),
            partial(directory.import_people, identities=PEOPLE_ID_COLUMNS),
            help="Partner users and vendor staff: email, name, role, partner_id, slack_user_id, …",
        ),
    },
)
