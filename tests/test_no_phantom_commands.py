"""No promise of what does not exist (issue 17, item 2): every command the knowledge base, the Slack
manifest and the commands' own usage lines name is registered in the routing table."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.capabilities import routers

ROOT = Path(__file__).resolve().parent.parent
SLASH = re.compile(r"(?:^|[\s(`\"'])/([a-z_]+)\b")
SLACK_COMMAND = "partner"  # the one Slack slash command that carries all others (PARTNERBOT_SLACK_COMMAND)


def registered() -> set[str]:
    return {name for router in routers() for name in router.commands}


def test_the_knowledge_base_names_only_registered_commands() -> None:
    named: dict[str, str] = {}
    for article in (ROOT / "knowledge_base" / "articles").rglob("*.md"):
        for command in SLASH.findall(article.read_text(encoding="utf-8")):
            named.setdefault(command, article.name)
    phantom = {c: where for c, where in named.items() if c not in registered() | {SLACK_COMMAND}}
    assert not phantom, phantom


def test_the_slack_manifest_names_only_registered_commands() -> None:
    manifest = yaml.safe_load((ROOT / "slack-manifest.yaml").read_text(encoding="utf-8"))
    (command,) = manifest["features"]["slash_commands"]
    hinted = {word for word in re.split(r"[|\s]+", command["usage_hint"]) if word.isalpha() and word.islower()}
    hinted -= {"QUESTION"}
    assert hinted <= registered(), hinted - registered()


def test_every_usage_line_names_its_own_registered_command() -> None:
    for router in routers():
        for name, route in router.commands.items():
            if route.usage:
                assert route.usage.split()[0].lstrip("/") == name, (name, route.usage)
            for mentioned in SLASH.findall(route.help or ""):
                assert mentioned in registered(), (name, mentioned)
