"""The Telegram harness fixtures, for the ticket tests that put a partner on Telegram."""

from tests.telegram.conftest import start_harness, tg  # noqa: F401
