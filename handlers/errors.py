"""The one place that turns a failure into what a person reads."""

from __future__ import annotations

import logging
import secrets

from domain.errors import UserFacingError
from domain.i18n import Plural, _, ngettext

logger = logging.getLogger("handlers.dispatch")


def error_reply(exc: UserFacingError) -> str:
    """A refusal the domain worded (not found, not allowed, invalid input), in the person's language."""
    if isinstance(exc.message, Plural):
        return ngettext(exc.message.singular, exc.message.plural, int(exc.params["count"])) % exc.params
    return _(exc.message) % exc.params if exc.params else _(exc.message)


def unexpected_reply(where: str) -> str:
    """Log the traceback under a short reference the person can quote to support."""
    ref = secrets.token_hex(3)
    logger.exception("unexpected error in %s (ref %s)", where, ref)
    return _("Something went wrong (ref %(ref)s). Please try again; if it keeps happening, quote this reference.") % {
        "ref": ref
    }
