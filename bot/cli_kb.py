"""`partnerbot kb import|drafts|publish|search` (CONTRACT.md §3): the knowledge base from the terminal.

Registered on the `kb` sub-app of `bot/cli.py`, which imports this module at its end.

`kb import DIR` shows its plan first (what the folder adds, changes and removes) and removes
nothing the operator did not agree to: `--yes`, an answer at the terminal, or `--keep-missing` to
remove nothing. Without a terminal to ask at it refuses (exit 2) and changes nothing at all.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli import DatabaseUrl, Debug, UsageError, _run, kb_app, opened

if TYPE_CHECKING:
    from domain.kb.sync import ImportPlan, PlannedArticle

SHOWN = 20
"""Articles listed per part of the plan; the rest are counted ("… and 7 more")."""


def _can_ask() -> bool:
    """Whether a question can be answered: standard input is a terminal (tests replace this)."""
    return sys.stdin.isatty()


def _list(heading: str, articles: Sequence[PlannedArticle]) -> None:
    if not articles:
        return
    typer.echo(f"{heading}:")
    for article in articles[:SHOWN]:
        changed = f"  ({', '.join(article.fields)})" if article.fields else ""
        typer.echo(f"  {article.article_id}  {article.language}  {article.title}{changed}")
    if len(articles) > SHOWN:
        typer.echo(f"  … and {len(articles) - SHOWN} more")


def _print_plan(directory: Path, plan: ImportPlan, *, keep_missing: bool) -> None:
    missing = len(plan.removed)
    counts = [f"{len(plan.added)} to add", f"{len(plan.changed)} to change"]
    counts.append(f"{missing} to keep although not in the folder" if keep_missing else f"{missing} to remove")
    typer.echo(f"kb import {directory}: {', '.join(counts)}, {plan.unchanged} unchanged")
    _list("add", plan.added)
    _list("change", plan.changed)
    _list("keep (--keep-missing)" if keep_missing else "remove (no longer in the folder)", plan.removed)


@kb_app.command("import")
def kb_import(
    directory: Annotated[Path, typer.Argument(help="Folder of markdown articles.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; change nothing.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Remove the articles no longer in the folder without asking.")
    ] = False,
    keep_missing: Annotated[bool, typer.Option("--keep-missing", help="Add and change articles; remove none.")] = False,
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """Load a folder of articles: every file is checked first, the plan is shown, and removing articles
    whose files are gone needs --yes or a "y" at the terminal. Nothing is written unless all of it is."""
    from domain.kb import KnowledgeBase
    from domain.kb.sync import ImportPlanChanged

    async def go() -> None:
        if not directory.is_dir():
            raise UsageError(f"{directory} is not a folder")
        async with opened(database_url) as application:
            kb = application.deps.services[KnowledgeBase]
            plan = await kb.plan_import(directory)
            _print_plan(directory, plan, keep_missing=keep_missing)
            if dry_run:
                typer.echo("dry run: nothing changed")
                return
            if plan.removed and not (yes or keep_missing):
                _confirm_removal(len(plan.removed))
            try:
                summary = await kb.apply_import(plan, now=application.deps.now(), remove_missing=not keep_missing)
            except ImportPlanChanged as exc:
                typer.echo(f"partnerbot: {exc}", err=True)
                raise typer.Exit(1) from None
        typer.echo(
            f"articles: {summary.created} new, {summary.updated} updated, {summary.unchanged} unchanged, "
            f"{summary.removed} removed"
        )

    _run(go, debug)


def _confirm_removal(count: int) -> None:
    """Ask at the terminal; without one refuse with exit 2. Either way a "no" changes nothing."""
    articles, them = (f"{count} articles", "them") if count != 1 else ("1 article", "it")
    if not _can_ask():
        raise UsageError(
            f"kb import would remove {articles} no longer in the folder; nothing changed: pass --yes to remove "
            f"{them} or --keep-missing to keep {them}"
        )
    try:
        agreed = typer.confirm(f"Remove {articles}?", default=False)
    except typer.Abort:
        agreed = False
    if not agreed:
        typer.echo("partnerbot: nothing changed (--keep-missing imports the rest and removes nothing)", err=True)
        raise typer.Exit(1)


@kb_app.command("drafts")
def kb_drafts(database_url: DatabaseUrl = None, debug: Debug = False) -> None:
    """Articles drafted from resolved tickets, waiting to be published."""
    from domain.kb import drafts

    async def go() -> None:
        async with opened(database_url) as application:
            waiting = await drafts.drafts(application.uow)
        if not waiting:
            typer.echo("no drafts")
        for draft in waiting:
            typer.echo(f"{draft.article_id}  {draft.language}  {draft.updated_at:%Y-%m-%d}  {draft.title}")

    _run(go, debug)


@kb_app.command("publish")
def kb_publish(
    article_id: Annotated[str, typer.Argument(help="The draft's id, as `kb drafts` lists it.")],
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """Publish a draft: from now on the chat's search finds it."""
    from domain.kb import drafts

    async def go() -> None:
        async with opened(database_url) as application:
            count = await drafts.publish(application.uow, article_id, application.deps.now())
        typer.echo(f"published {article_id} ({count} language{'s' if count != 1 else ''})")

    _run(go, debug)


@kb_app.command("search")
def kb_search(
    query: Annotated[str, typer.Argument(help="The question; - reads one question a line from stdin.")],
    top: Annotated[int, typer.Option("--top", min=1, max=50)] = 3,
    lang: Annotated[str, typer.Option("--lang")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON line per query.")] = False,
    database_url: DatabaseUrl = None,
    debug: Debug = False,
) -> None:
    """The same search the chat uses."""
    from domain.i18n import normalize_language
    from domain.kb import KnowledgeBase, clean_query

    async def go() -> None:
        language = normalize_language(lang)
        if language is None:
            raise UsageError(f"--lang: unknown language {lang!r} (en, de, ja, pt_BR)")
        async with opened(database_url) as application:
            kb = application.deps.services[KnowledgeBase]
            await kb.ready()  # the chat's answers once its sentence model is warm, not the first seconds'
            queries = (line.rstrip("\n") for line in sys.stdin) if query == "-" else iter([query])
            for q in queries:
                cleaned = clean_query(q)
                hits = [] if not cleaned else (await kb.search(cleaned, language=language, top=top, record=False)).hits
                if as_json:
                    results = [{"id": h.id, "title": h.title, "score": h.score} for h in hits]
                    typer.echo(json.dumps({"query": q, "results": results}, ensure_ascii=False))
                elif not hits:
                    typer.echo(f"{q}\n  (no article)")
                else:
                    typer.echo(q)
                    for h in hits:
                        typer.echo(f"  {h.score:5.1f}  {h.id}  {h.title}")
                sys.stdout.flush()

    _run(go, debug)
