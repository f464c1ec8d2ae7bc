"""Plain words in a private chat that mean a command: "my leads", "claim l-1001", "L1001", "show my tickets",
"lang de", "meine Leads", "ajuda" (issue 17, item 1).

Built on the routing table: any command the person may use is understood by its name, with "my", "show"
and their German, Portuguese and Japanese equivalents around it, or with a typo (rapidfuzz). Ids are read
case- and dash-insensitively ("l1001" is L-1001). Only short texts that fit a command's shape are taken:
a question ("how do I claim a lead?") stays a knowledge-base search. A guess says what it understood.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

FILLERS = frozenset(
    "my me show list see all please pls open the meine mein zeige zeig alle bitte meus minhas meu minha mostrar "
    "ver todos os as por favor 私の 見せて 表示".split()
)
SYNONYMS = {
    # what people type → the command it means (the command names themselves need no entry)
    "hilfe": "help",
    "ajuda": "help",
    "ヘルプ": "help",
    "menu": "help",
    "sprache": "lang",
    "idioma": "lang",
    "language": "lang",
    "言語": "lang",
    "リード": "leads",
    "チケット": "tickets",
    "案件": "deals",
    "コミッション": "commission",
    "provision": "commission",
    "provisionen": "commission",
    "comissão": "commission",
    "comissao": "commission",
    "einstellungen": "settings",
    "configurações": "settings",
    "configuracoes": "settings",
    "設定": "settings",
    "lead": "leads",
    "ticket list": "tickets",
    "tickets": "queue",  # for support, who have no `tickets`: their open tickets are the queue
    "abbrechen": "cancel",
    "cancelar": "cancel",
}
ID = re.compile(r"^([a-z]{1,3})[-\s]?(\d{1,9})$", re.IGNORECASE)
NEEDS_ID = frozenset({"claim", "why"})
TAKES_ID = frozenset({"leads"})
TAKES_WORD = {
    # the one word each command takes: anything else ("comission payot date") is a question, not a command
    "lang": re.compile(r"^[a-zA-Z_\-]{2,20}$|^[^\x00-\x7f]{1,10}$"),
    "commission": re.compile(r"^\d{4}-\d{1,2}$|^\d{1,2}[./]\d{4}$"),
    "partners": re.compile(r"^(risk|health|overdue|activation|activity|name)$", re.IGNORECASE),
    "onboarding": re.compile(r"^[a-zA-Z]{1,5}-[a-zA-Z0-9]{1,40}$"),
}
MAX_WORDS = 4
ID_THEN_TEXT = {"ticket": "T", "deal": "D"}
"""Commands taking an id and then a message of any length ("ticket T-42 the logs are attached, see?"):
the command's own name followed by an id of its kind says which command is meant, sentence or not."""


@dataclass(frozen=True)
class Understood:
    command: str
    args: str
    guessed: bool


def normal_id(text: str) -> str | None:
    """`l1001`, `L-1001`, `l 1001` → `L-1001`; None when it is not an id."""
    found = ID.match(text.strip())
    return f"{found[1].upper()}-{found[2]}" if found else None


def _command_of(word: str, commands: Iterable[str]) -> tuple[str, bool] | None:
    names = list(commands)
    lowered = word.lower().lstrip("/")
    if lowered in names:
        return lowered, False
    if lowered in SYNONYMS and SYNONYMS[lowered] in names:
        return SYNONYMS[lowered], True
    if len(lowered) >= 4 and lowered.isalpha():
        match = process.extractOne(lowered, names, scorer=fuzz.ratio, score_cutoff=80)
        if match:
            return str(match[0]), True
    return None


def _id_then_text(raw: str, names: set[str]) -> Understood | None:
    """`ticket t42 It works now` → /ticket T-42 It works now (the command's exact name, not a guess)."""
    parts = raw.split(maxsplit=2)
    if len(parts) < 3:
        return None
    command, ref = parts[0].lower().lstrip("/"), normal_id(parts[1])
    prefix = ID_THEN_TEXT.get(command)
    if prefix is None or command not in names or ref is None or not ref.startswith(f"{prefix}-"):
        return None
    return Understood(command, f"{ref} {parts[2]}", guessed=ref != parts[1])


def understand(text: str, commands: Iterable[str]) -> Understood | None:
    """The command short plain text means, if it clearly means one; None leaves it to the KB search."""
    raw = (text or "").strip()
    names = set(commands)
    with_message = _id_then_text(raw, names)
    if with_message is not None:
        return with_message
    if not raw or "?" in raw or len(raw) > 60:
        return None
    lead = normal_id(raw)
    if lead and "leads" in names:  # an id alone: show it
        return Understood("leads", lead, True)
    words = [w for w in re.split(r"\s+", raw) if w.lower() not in FILLERS]
    if not words or len(words) > MAX_WORDS:
        return None
    found = _command_of(words[0], names)
    if found is None and len(words) >= 2:  # "ticket list", "lead L-1"
        found = _command_of(" ".join(words[:2]), names)
        words = [" ".join(words[:2]), *words[2:]] if found else words
    if found is None:
        return None
    command, guessed = found
    rest = words[1:]
    guessed = guessed or len(words) != len(re.split(r"\s+", raw))
    if command in NEEDS_ID or (command in TAKES_ID and rest):
        ids = [normal_id(" ".join(rest))] if rest else []
        if not ids or ids[0] is None:
            return None
        return Understood(command, ids[0], guessed or ids[0] != " ".join(rest))
    if command in TAKES_WORD:
        if not rest:
            return Understood(command, "", guessed)
        return Understood(command, rest[0], guessed) if len(rest) == 1 and TAKES_WORD[command].match(rest[0]) else None
    return Understood(command, "", guessed) if not rest else None
