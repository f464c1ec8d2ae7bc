"""The Slack and Telegram harness fixtures, for hardening tests that go through every surface."""

from __future__ import annotations

import pytest

from tests.slack.conftest import harness
from tests.telegram.conftest import start_harness, tg

# PTB warns on every `RetryAfter.retry_after` read that it will become a timedelta; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

__all__ = ["harness", "start_harness", "tg"]
