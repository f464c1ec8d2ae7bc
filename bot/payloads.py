"""Limits on JSON from outside (Slack, Telegram): depth and integer range, checked before any use.

`json.loads` raises `RecursionError` (not `ValueError`) on a body nested some thousand levels deep, and
happily returns integers of any size, which the database then refuses mid-request (PostgreSQL `bigint`,
SQLite's 64 bits). Both become one clear 400 here instead of a 500 or a 503 the platform retries forever.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
"""Neither platform nests anywhere near this deep (a Block Kit view state is about 8)."""
INT64 = (-(2**63), 2**63 - 1)


class PayloadError(ValueError):
    """The body is not JSON we accept; the message says why, without echoing the data."""


def load_json(raw: bytes | str) -> Any:
    """Parse and `check`; malformed JSON, bad UTF-8 and too deep a nesting are all `PayloadError`."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise PayloadError("nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise PayloadError(type(exc).__name__) from None
    check(data)
    return data


def check(data: Any) -> None:
    """Refuse nesting beyond `MAX_DEPTH` and integers outside 64 bits, without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, bool):
            continue
        if isinstance(node, int) and not INT64[0] <= node <= INT64[1]:
            raise PayloadError("an integer beyond 64 bits")
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                raise PayloadError("nested too deeply")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
