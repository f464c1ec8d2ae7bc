"""Forms as small state machines: validation of one field, and the field-by-field conversation.

Surfaces with modals (Slack) show the whole form and submit every value at once; the others are asked
one field at a time. Both paths validate through `parse_value`, so a value is judged the same wherever it
was typed. The conversation state lives in the database, keyed by (platform, chat, person).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from domain.amounts import parse_amount, show_amount
from domain.errors import InvalidInput
from domain.i18n import N_, _, current_language
from handlers.errors import error_reply
from handlers.model import FormField, FormSpec, Message

SKIP_WORDS = frozenset({"-", "skip", "/skip"})
_EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(raw: str) -> str:
    """Drop control characters that no person meant to type (line breaks and tabs stay)."""
    return _CONTROL_RE.sub("", raw) if raw else raw


def clean_text(raw: str) -> str:
    """Trim and drop control characters that no person meant to type."""
    return strip_controls(raw).strip()


def parse_value(spec_field: FormField, raw: str | None) -> Any:
    """The stored value of one field, or `InvalidInput` with a reason the person can act on."""
    text = clean_text(raw or "")
    if not text or text.lower() in SKIP_WORDS:
        if spec_field.required:
            raise InvalidInput(N_("%(field)s is required."), field=spec_field.label)
        return None
    if len(text) > spec_field.max_length:
        raise InvalidInput(
            N_("%(field)s can be at most %(max)s characters (you sent %(length)s)."),
            field=spec_field.label,
            max=spec_field.max_length,
            length=len(text),
        )
    if spec_field.kind == "choice":
        text = _match_choice(spec_field, text)
    elif spec_field.kind == "date":
        try:
            text = dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise InvalidInput(
                N_("%(value)s is not a date. Use YYYY-MM-DD, for example 2027-03-31."), value=text
            ) from None
    elif spec_field.kind == "email":
        if not _EMAIL_RE.match(text):
            raise InvalidInput(N_("%(value)s is not an email address."), value=text)
        text = text.lower()
    elif spec_field.kind == "number" and spec_field.parse is None:
        text = str(parse_amount(text, current_language()))  # by the person's language; ambiguity refused
    return spec_field.parse(text) if spec_field.parse else text


def shown_back(spec_field: FormField, value: Any) -> str | None:
    """An amount as it was understood, in the person's own notation, before the form moves on: a
    misread "48.000,00" must be caught now, not in the CAM's approval queue."""
    if spec_field.kind != "number" or value in (None, ""):
        return None
    return _("%(field)s: %(value)s — noted.") % {
        "field": spec_field.label,
        "value": show_amount(Decimal(str(value)), current_language()),
    }


def _match_choice(spec_field: FormField, text: str) -> str:
    lowered = text.lower()
    for index, (value, label) in enumerate(spec_field.choices, start=1):
        if lowered in (value.lower(), label.lower(), str(index)):
            return value
    options = ", ".join(label for _, label in spec_field.choices)
    raise InvalidInput(N_("Choose one of: %(options)s."), options=options)


def validate_all(spec: FormSpec, raw: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate a whole submission: (values, errors by field), for modals."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec_field in spec.fields:
        try:
            values[spec_field.name] = parse_value(spec_field, raw.get(spec_field.name))
        except InvalidInput as exc:
            errors[spec_field.name] = error_reply(exc)
    return values, errors


def question(spec: FormSpec, index: int, *, prefill: Any = None, reason: str | None = None) -> Message:
    """How one field is asked in a chat without modals."""
    spec_field = spec.fields[index]
    lines = []
    if reason:
        lines.append(reason)
    label = (
        spec_field.label
        if spec_field.required
        else _("%(field)s (optional, send - to skip)") % {"field": spec_field.label}
    )
    lines.append(label)
    if spec_field.hint:
        lines.append(spec_field.hint)
    if prefill not in (None, ""):
        lines.append(_("Suggested: %(value)s (send it again or type another)") % {"value": prefill})
    return Message(
        title=_("%(form)s — step %(step)s of %(total)s")
        % {"form": spec.title, "step": index + 1, "total": len(spec.fields)},
        text="\n".join(lines),
        suggestions=[label for _, label in spec_field.choices],
        footer=_("Send /cancel to stop; nothing is saved until the last step."),
    )
