"""Business failures a person can understand; their message becomes the reply (STYLE.md §8)."""

from __future__ import annotations

from typing import Any


class UserFacingError(Exception):
    """An expected refusal. `message` is an untranslated gettext msgid with `%(name)s` placeholders."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
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
