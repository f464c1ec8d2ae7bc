"""Business failures a person can understand; their message becomes the reply (STYLE.md §8)."""

from __future__ import annotations

from typing import Any

from domain.i18n import Plural


class UserFacingError(Exception):
    """An expected refusal. `message` is an untranslated gettext msgid with `%(name)s` placeholders, or a
    `Plural` (domain.i18n.Nn_) whose form the `count` parameter chooses."""

    def __init__(self, message: str | Plural, **params: Any) -> None:
        super().__init__(message if isinstance(message, str) else message.singular)
        self.message = message
        self.params = params


class NotFound(UserFacingError):
    pass


class NotAllowed(UserFacingError):
    pass


class InvalidInput(UserFacingError):
    pass


class Conflict(UserFacingError):
    pass
