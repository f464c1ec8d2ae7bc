"""Property tests for files from outside: any cell is a value or a row-numbered error; any front matter is
an article or an `ArticleError` naming the file — never a crash."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import directory, importing
from knowledge_base.articles import ArticleError, parse_article

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CELLS = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)


@SETTINGS
@given(rows=st.lists(st.lists(CELLS, min_size=8, max_size=9), min_size=1, max_size=5))
def test_property_any_people_cells_are_values_or_row_errors(rows: list[list[str]], tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.name for c in directory.PEOPLE_COLUMNS])
        writer.writerows(rows)
    try:
        _names, table = importing.read_table(path)
    except importing.ImportFileError:
        return  # a file-level refusal (e.g. a broken quote): one clear line
    validated = importing.validate_rows(table, directory.PEOPLE_COLUMNS)
    numbers = {number for number, _ in table}
    assert all(error.row in numbers for error in validated.errors)
    good = {number for number, _ in validated.rows} - {error.row for error in validated.errors}
    for number, row in validated.rows:
        if number in good:
            assert all("\x00" not in str(value) for value in row.values())


@SETTINGS
@given(front=st.text(max_size=300), body=st.text(max_size=100))
def test_property_any_front_matter_is_an_article_or_one_named_error(front: str, body: str) -> None:
    try:
        article = parse_article(f"---\n{front}\n---\n{body}", "x.md")
    except ArticleError as error:
        assert "x.md" in str(error)
    else:
        assert article.id and article.title
