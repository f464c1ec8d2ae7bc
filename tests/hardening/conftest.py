"""The Slack and Telegram harness fixtures, for hardening tests that go through every surface."""

from __future__ import annotations

from tests.slack.conftest import harness
from tests.telegram.conftest import start_harness, tg

__all__ = ["harness", "start_harness", "tg"]
