"""Where a message can go, as the domain sees it: an opaque platform name and a chat id.

The domain never knows what a platform is; the messenger adapters name them. A channel the
operator configures (the program's CAM channel, a partner's own) is stored as ``platform:chat``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Address:
    platform: str
    chat_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.chat_id}"

    @classmethod
    def parse(cls, text: str | None) -> Address | None:
        """``platform:chat`` as stored, else None (an empty or malformed value reaches nobody)."""
        platform, sep, chat_id = (text or "").partition(":")
        if not sep or not platform or not chat_id:
            return None
        return cls(platform, chat_id)
