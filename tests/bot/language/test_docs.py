"""docs/languages.md is generated from the current code and data."""

from __future__ import annotations

import re

from bot.language import docs_table


def test_languages_doc_is_up_to_date():
    assert docs_table.DOC_PATH.read_text(encoding="utf-8") == docs_table.build(), (
        "run: python -m bot.language.docs_table"
    )


def test_doc_lists_all_flores_varieties():
    rows = re.findall(r"^\| [a-z]{3}_[A-Z][a-z]{3} \|", docs_table.build(), flags=re.MULTILINE)
    assert len(rows) == 204
