"""Property tests for what the webhooks take from outside: any JSON is a 2xx or a 4xx, never a 5xx, and
button data that fits round-trips to the same action."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.payloads import INT64, PayloadError, check
from bot.telegram.render import MAX_CALLBACK_DATA, callback_data
from handlers.model import Button

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _has_big_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not INT64[0] <= value <= INT64[1]
    if isinstance(value, dict):
        return any(_has_big_int(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_big_int(v) for v in value)
    return False


@SETTINGS
@given(JSON_VALUES)
def test_property_check_refuses_exactly_the_integers_beyond_64_bits(value: Any) -> None:
    try:
        check(value)
    except PayloadError:
        assert _has_big_int(value)
    else:
        assert not _has_big_int(value)


@SETTINGS
@given(action=st.from_regex(r"[a-z]{1,8}\.[a-z_]{1,12}", fullmatch=True), value=st.text(max_size=80))
def test_property_callback_data_that_fits_round_trips(action: str, value: str) -> None:
    data = callback_data(Button("label", action, value))
    if data is None:
        assert len(f"{action}|{value}".encode()) > MAX_CALLBACK_DATA
    else:
        parsed_action, _, parsed_value = data.partition("|")
        assert (parsed_action, parsed_value) == (action, value)


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 2**31, 2**63 - 1, 2**63, -(2**64), rng.randrange(-(10**30), 10**30)])
    if kind == 3:
        return rng.random() * 10 ** rng.randrange(-5, 30)
    if kind == 4:
        return "".join(chr(rng.randrange(32, 0x3000)) for _ in range(rng.randrange(12)))
    if kind in (5, 6):
        keys = ["type", "event", "update_id", "message", "payload", "team_id", "x", "callback_query"]
        return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}
    return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]


async def test_property_any_signed_json_to_the_webhooks_is_never_a_5xx(harness: Any, tg: Any) -> None:
    """Random JSON shapes (seeded, so a failure replays), signed correctly, to both webhooks."""
    rng = random.Random(11)
    for _ in range(80):
        body = json.dumps(_random_json(rng))
        slack = await harness.post(body, headers={"Content-Type": "application/json"})
        assert slack.status < 500, body
        assert await tg.post_raw(body) < 500, body
