"""Every user-visible string has a German, Japanese and Brazilian Portuguese translation."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from update_catalogs import LANGUAGES, LOCALE, extract  # noqa: E402

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def source_ids() -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language: str, source_ids: set[str]) -> None:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if all(strings):
            translated[msgid] = strings
    missing = sorted(source_ids - set(translated))
    assert missing == [], f"{language}: {len(missing)} untranslated, run scripts/update_catalogs.py and translate"
    wrong = [
        msgid
        for msgid, strings in translated.items()
        if msgid in source_ids and any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(msgid)) for s in strings)
    ]
    assert wrong == []
