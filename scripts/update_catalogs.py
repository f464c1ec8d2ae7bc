"""Extract every translatable string and merge it into the de/ja/pt_BR catalogs (Babel).

Run after changing user-visible text: `python scripts/update_catalogs.py`; then translate the new
entries in domain/locale/*/LC_MESSAGES/messages.po (tests/test_i18n.py fails while any is missing).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "domain" / "locale"
PACKAGES = ("bot", "domain", "handlers")
KEYWORDS = {"_": None, "N_": None, "Nn_": (1, 2), "gettext": None, "ngettext": (1, 2)}
LANGUAGES = ("de", "ja", "pt_BR")


# A fixed header date, no source locations and sorted entries: catalogs change only where text changes,
# so branches that each add strings merge without conflicts.
CREATION_DATE = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def extract() -> Catalog:
    template = Catalog(project="partnerbot", msgid_bugs_address="", charset="utf-8", creation_date=CREATION_DATE)
    for package in PACKAGES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            template.add(message, None, [(f"{package}/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def main() -> None:
    template = extract()
    with (LOCALE / "messages.pot").open("wb") as handle:
        write_po(handle, template, width=0, no_location=True, sort_output=True)
    for language in LANGUAGES:
        path = LOCALE / language / "LC_MESSAGES" / "messages.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            catalog = Catalog(locale=language, project="partnerbot", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=0, ignore_obsolete=True, no_location=True, sort_output=True)
        missing = sum(1 for m in catalog if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string]))
        print(f"{language}: {len(catalog)} messages, {missing} untranslated")


if __name__ == "__main__":
    main()
