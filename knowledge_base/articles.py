"""The knowledge-base article format: one markdown file, YAML front matter, then the body.

    ---
    id: reset-password
    title: How do I reset my portal password?
    tags: [portal, login]
    language: en            # default en; translations share the English article's id
    audience: partner       # partner (default) or internal
    aliases: [forgot password, locked out]
    source: anything else   # unknown keys are kept in Article.extra
    ---
    Body text ...

The unique key of an article is ``(id, language)``.  ``load_articles`` reads a whole directory and
reports every problem at once (file + reason), so an import is all-or-nothing and the operator can
fix all files in one pass instead of one error per run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

AUDIENCES = frozenset({"partner", "internal"})
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z]{2,4})?$")  # en, de, ja, pt_BR, zh-Hant
_KNOWN_KEYS = {"id", "title", "body", "tags", "language", "audience", "aliases"}


class ArticleError(ValueError):
    """One article file that cannot be imported, with the file and the reason."""

    def __init__(self, path: str | None, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path or '<text>'}: {reason}")


class ArticleErrors(ValueError):
    """Every problem found in a directory; nothing should be imported when this is raised."""

    def __init__(self, errors: list[ArticleError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"  {e}" for e in self.errors)
        super().__init__(f"{len(self.errors)} article error(s):\n{lines}")


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    language: str = "en"
    audience: str = "partner"
    aliases: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    path: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The unique key: translations share ``id`` and differ in ``language``."""
        return (self.id, self.language)


def _str_list(value: Any, name: str, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise ArticleError(path, f"'{name}' must be a list of strings")
    return tuple(str(v).strip() for v in value if str(v).strip())


MAX_ARTICLE_BYTES = 1_000_000
"""An article is read in a chat: a megabyte is several hundred pages, so anything larger is a mistake."""
MAX_FRONT_MATTER_CHARS = 16_000


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without aliases (`*name`: a "billion laughs" bomb expands to gigabytes), and with dates
    kept as the text written (`date: 2026-01-01` is metadata, not a value the database must store)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.YAMLError(f"aliases (*name) are not allowed in front matter (line {mark.line + 1})")
        return super().compose_node(parent, index)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _plain(value: Any) -> Any:
    """Front-matter values kept in `extra` as JSON-able data (a `!!binary` or `!!set` becomes its text)."""
    return json.loads(json.dumps(value, default=str))


def _split_front_matter(text: str, path: str) -> tuple[str, str]:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise ArticleError(path, "missing YAML front matter (the file must start with a '---' line)")
    end = re.search(r"^---[ \t]*$", text[4:], flags=re.MULTILINE)
    if end is None:
        raise ArticleError(path, "front matter is not closed by a '---' line")
    return text[4 : 4 + end.start()], text[4 + end.end() :].strip()


def parse_article(text: str, path: str) -> Article:
    """Parse one article; raises ``ArticleError(path, reason)`` on any problem."""
    front, body = _split_front_matter(text, path)
    if len(front) > MAX_FRONT_MATTER_CHARS:
        raise ArticleError(path, f"front matter is longer than {MAX_FRONT_MATTER_CHARS} characters")
    try:
        meta = yaml.load(front, Loader=_FrontMatterLoader)
    except yaml.YAMLError as exc:
        raise ArticleError(path, f"bad YAML in front matter: {str(exc).splitlines()[0]}") from None
    if not isinstance(meta, dict):
        raise ArticleError(path, "front matter must be a mapping of keys to values")
    art_id = str(meta.get("id") or "").strip()
    if not art_id:
        raise ArticleError(path, "missing or empty 'id'")
    title = str(meta.get("title") or "").strip()
    if not title:
        raise ArticleError(path, "missing or empty 'title'")
    language = str(meta.get("language") or "en").strip()
    if not _LANGUAGE.match(language):
        raise ArticleError(path, f"'language' must be a code like en, de, ja or pt_BR, not {language!r}")
    audience = str(meta.get("audience") or "partner").strip()
    if audience not in AUDIENCES:
        raise ArticleError(path, f"'audience' must be partner or internal, not {audience!r}")
    return Article(
        id=art_id,
        title=title,
        body=body,
        tags=_str_list(meta.get("tags"), "tags", path),
        language=language,
        audience=audience,
        aliases=_str_list(meta.get("aliases"), "aliases", path),
        extra={str(k): _plain(v) for k, v in meta.items() if k not in _KNOWN_KEYS},
        path=path,
    )


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ArticleError(str(path), f"{size:,} bytes; an article may have at most {MAX_ARTICLE_BYTES:,}")
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleError(str(path), f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ArticleError(str(path), f"cannot read file: {exc.strerror}") from None


def load_articles(directory: str | Path) -> list[Article]:
    """Every ``*.md`` below ``directory`` (sorted; ``README.md`` files skipped), or ``ArticleErrors``
    listing all problems."""
    root = Path(directory)
    if not root.is_dir():
        raise ArticleErrors([ArticleError(str(root), "not a directory")])
    articles: list[Article] = []
    errors: list[ArticleError] = []
    seen: dict[tuple[str, str], str] = {}
    for path in sorted(root.rglob("*.md")):
        if not path.is_file() or path.name.lower() == "readme.md":
            continue
        try:
            art = parse_article(_read(path), str(path))
        except ArticleError as exc:
            errors.append(exc)
            continue
        first = seen.setdefault(art.key, str(path))
        if first != str(path):
            errors.append(
                ArticleError(str(path), f"duplicate id {art.id!r} (language {art.language}): also in {first}")
            )
            continue
        articles.append(art)
    if errors:
        raise ArticleErrors(errors)
    return articles
