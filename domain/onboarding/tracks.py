"""Milestones, their target windows and CAM alert triggers, and the track of each partner type.

The defaults are DOMAIN.md's table; `PARTNERBOT_ONBOARDING_TRACKS` (YAML or TOML) overrides which
milestones a type's track has, their order and the activation window:

    [tracks.reseller]
    milestones = ["profile_complete", "messenger_linked", "welcome_call", "sales_cert", "first_deal"]
    activation_days = [45, 60]

A file is checked when the settings are read; a bad key stops start-up with one line naming it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from domain.i18n import N_


@dataclass(frozen=True)
class Trigger:
    """When the CAM hears: at `day`, if the milestone is in this state."""

    day: int
    kind: str  # not_done | below_percent | no_attempt | not_passed | not_started
    percent: int = 0


@dataclass(frozen=True)
class Milestone:
    key: str
    title: str
    start: int
    end: int
    triggers: tuple[Trigger, ...]
    verified: bool = False
    """The bot knows by itself (a linked person, a registered deal): no one confirms it."""
    admins_confirm: bool = False
    """Only a partner admin may say it is done in chat."""


MILESTONES: dict[str, Milestone] = {
    m.key: m
    for m in (
        Milestone(
            "profile_complete",
            N_("Portal access confirmed, profile complete"),
            1,
            3,
            (Trigger(5, "not_done"),),
            admins_confirm=True,
        ),
        Milestone("welcome_call", N_("Welcome call completed"), 1, 5, (Trigger(7, "not_done"),)),
        Milestone("orientation", N_("Orientation modules completed"), 3, 14, (Trigger(14, "below_percent", 50),)),
        Milestone(
            "sales_cert",
            N_("Foundational sales certification"),
            7,
            45,
            (Trigger(30, "no_attempt"), Trigger(45, "not_passed")),
        ),
        Milestone(
            "tech_cert", N_("Technical certification"), 14, 60, (Trigger(45, "no_attempt"), Trigger(60, "not_passed"))
        ),
        Milestone("first_deal", N_("First deal registered"), 21, 75, (Trigger(45, "not_done"),), verified=True),
        Milestone("first_marketing", N_("First MDF request or co-marketing asset"), 30, 75, (Trigger(60, "not_done"),)),
        Milestone("review_90", N_("90-day onboarding review"), 75, 90, (Trigger(70, "not_started"),)),
        Milestone("business_plan", N_("First joint business plan"), 80, 90, (Trigger(85, "not_started"),)),
        Milestone(
            "messenger_linked",
            N_("First partner user linked to the bot"),
            1,
            7,
            (Trigger(10, "not_done"),),
            verified=True,
        ),
    )
}

PARTNER_TYPES = ("reseller", "msp", "si", "distributor", "referral", "technology")
REVIEW_DAY = 90


@dataclass(frozen=True)
class Track:
    type: str
    milestones: tuple[str, ...]
    activation_days: tuple[int, int]

    def steps(self) -> list[Milestone]:
        return [MILESTONES[key] for key in self.milestones]


_BASE = ("profile_complete", "messenger_linked", "welcome_call", "orientation")
DEFAULT_TRACKS: dict[str, Track] = {
    "reseller": Track(
        "reseller", (*_BASE, "sales_cert", "first_deal", "first_marketing", "review_90", "business_plan"), (45, 60)
    ),
    "msp": Track(
        "msp",
        (*_BASE, "sales_cert", "tech_cert", "first_deal", "first_marketing", "review_90", "business_plan"),
        (60, 90),
    ),
    "si": Track("si", (*_BASE, "tech_cert", "sales_cert", "first_deal", "review_90", "business_plan"), (60, 90)),
    "distributor": Track("distributor", (*_BASE, "sales_cert", "first_deal", "review_90", "business_plan"), (30, 45)),
    "referral": Track("referral", (*_BASE, "first_deal", "review_90"), (21, 30)),
    "technology": Track("technology", (*_BASE, "tech_cert", "first_marketing", "review_90", "business_plan"), (45, 75)),
}


class TrackFileError(ValueError):
    """A track file that cannot be used; the message names the key."""


def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        return yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise TrackFileError(f"{path.name} cannot be read: {str(exc).splitlines()[0]}") from None


def load_tracks(path: Path | None) -> dict[str, Track]:
    """The default tracks, with the types the file names replaced; `TrackFileError` names a bad key."""
    tracks = dict(DEFAULT_TRACKS)
    if path is None or not str(path):
        return tracks
    if not path.is_file():
        raise TrackFileError(f"no such file {str(path)!r}")
    data = _read(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("tracks"), Mapping):
        raise TrackFileError("the file needs a top-level 'tracks' table")
    for unknown in set(data) - {"tracks"}:
        raise TrackFileError(f"unknown key {unknown!r} (only 'tracks')")
    for type_, spec in data["tracks"].items():
        where = f"tracks.{type_}"
        if type_ not in PARTNER_TYPES:
            raise TrackFileError(f"{where}: unknown partner type (one of {', '.join(PARTNER_TYPES)})")
        if not isinstance(spec, Mapping):
            raise TrackFileError(f"{where}: must be a table with 'milestones' and 'activation_days'")
        for key in set(spec) - {"milestones", "activation_days"}:
            raise TrackFileError(f"{where}.{key}: unknown key (only milestones, activation_days)")
        milestones = spec.get("milestones", list(DEFAULT_TRACKS[type_].milestones))
        if not isinstance(milestones, list) or not milestones:
            raise TrackFileError(f"{where}.milestones: must be a non-empty list")
        for n, key in enumerate(milestones):
            if key not in MILESTONES:
                raise TrackFileError(f"{where}.milestones[{n}]: unknown milestone {key!r}")
        if len(set(milestones)) != len(milestones):
            raise TrackFileError(f"{where}.milestones: a milestone is listed twice")
        window = spec.get("activation_days", list(DEFAULT_TRACKS[type_].activation_days))
        if (
            not isinstance(window, list)
            or len(window) != 2
            or not all(isinstance(d, int) and 1 <= d <= 365 for d in window)
            or window[0] > window[1]
        ):
            raise TrackFileError(f"{where}.activation_days: must be two days [from, to], 1–365, from ≤ to")
        tracks[type_] = Track(type_, tuple(milestones), (window[0], window[1]))
    return tracks
