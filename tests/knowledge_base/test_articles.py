"""The article file format: what imports, and how each bad file is reported (file + reason)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.articles import ArticleError, ArticleErrors, load_articles, parse_article

GOOD = """---
id: reset-password
title: How do I reset my portal password?
tags: [portal, login]
aliases: [forgot password, locked out]
source: handbook
license: CC BY 4.0
---

Open the portal login page and choose **Forgot password**.
"""


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_good_article_keeps_every_field_and_unknown_keys() -> None:
    art = parse_article(GOOD, "en/reset-password.md")
    assert art.id == "reset-password"
    assert art.title == "How do I reset my portal password?"
    assert art.body == "Open the portal login page and choose **Forgot password**."
    assert art.tags == ("portal", "login")
    assert art.aliases == ("forgot password", "locked out")
    assert (art.language, art.audience) == ("en", "partner")  # defaults
    assert art.extra == {"source": "handbook", "license": "CC BY 4.0"}
    assert art.path == "en/reset-password.md"


def test_language_and_audience_are_read() -> None:
    text = GOOD.replace("tags:", "language: pt_BR\naudience: internal\ntags:")
    art = parse_article(text, "x.md")
    assert (art.language, art.audience) == ("pt_BR", "internal")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (GOOD.replace("id: reset-password\n", ""), "missing or empty 'id'"),
        (GOOD.replace("id: reset-password", "id: ''"), "missing or empty 'id'"),
        (GOOD.replace("title: How do I reset my portal password?", "title:"), "missing or empty 'title'"),
        (GOOD.replace("tags: [portal, login]", "tags: [portal, login"), "bad YAML"),
        ("---\n- just\n- a list\n---\nbody\n", "must be a mapping"),
        (GOOD.replace("tags:", "audience: everyone\ntags:"), "'audience' must be partner or internal"),
        (GOOD.replace("tags:", "language: English\ntags:"), "'language' must be a code"),
        (GOOD.replace("tags:", "language: de/../x\ntags:"), "'language' must be a code"),
        ("no front matter at all\n", "missing YAML front matter"),
        ("---\nid: x\ntitle: y\n", "not closed"),
    ],
)
def test_each_bad_article_names_the_file_and_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ArticleError) as err:
        parse_article(text, "kb/en/broken.md")
    assert err.value.path == "kb/en/broken.md"
    assert reason in err.value.reason
    assert "kb/en/broken.md" in str(err.value)


def test_load_reads_every_md_recursively_and_accepts_translations(tmp_path: Path) -> None:
    write(tmp_path, "en/reset-password.md", GOOD)
    write(tmp_path, "de/reset-password.md", GOOD.replace("tags:", "language: de\ntags:"))
    write(tmp_path, "README.md", "# how this directory works\n")  # documentation, not an article
    write(tmp_path, "notes.txt", "not markdown")
    articles = load_articles(tmp_path)
    assert sorted(a.key for a in articles) == [("reset-password", "de"), ("reset-password", "en")]


def test_load_reports_all_errors_at_once_including_duplicates(tmp_path: Path) -> None:
    first = write(tmp_path, "a/reset-password.md", GOOD)
    second = write(tmp_path, "b/reset-password-copy.md", GOOD)
    no_title = write(tmp_path, "c/no-title.md", GOOD.replace("id: reset-password", "id: other").replace(
        "title: How do I reset my portal password?\n", ""
    ))  # fmt: skip
    latin1 = write(
        tmp_path, "d/latin1.md", GOOD.replace("reset-password", "latin").encode("utf-8") + "é".encode("latin-1")
    )
    write(tmp_path, "e/fine.md", GOOD.replace("reset-password", "fine"))

    with pytest.raises(ArticleErrors) as err:
        load_articles(tmp_path)
    by_path = {e.path: e.reason for e in err.value.errors}
    assert set(by_path) == {str(second), str(no_title), str(latin1)}
    assert "duplicate id 'reset-password'" in by_path[str(second)]
    assert str(first) in by_path[str(second)]  # names both files
    assert "title" in by_path[str(no_title)]
    assert "UTF-8" in by_path[str(latin1)]
    message = str(err.value)
    assert "3 article error(s)" in message and str(latin1) in message


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ArticleErrors) as err:
        load_articles(tmp_path / "nope")
    assert "not a directory" in str(err.value)
