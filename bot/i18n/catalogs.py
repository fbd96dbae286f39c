"""Maintain the gettext catalogs: extract, update and compile with Babel.

Run from the repository root::

    python -m bot.i18n.catalogs extract   # texts.py -> messages.pot
    python -m bot.i18n.catalogs update    # messages.pot -> locales/*/messages.po
    python -m bot.i18n.catalogs compile   # locales/*/messages.po -> messages.mo
    python -m bot.i18n.catalogs all       # the three, in order

The compiled ``.mo`` files are committed next to their ``.po`` files;
``tests/bot/i18n/test_catalogs.py`` fails when they are out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

I18N_DIR = Path(__file__).resolve().parent
LOCALES_DIR = I18N_DIR / "locales"
POT_FILE = I18N_DIR / "messages.pot"
BABEL_CFG = I18N_DIR / "babel.cfg"
REPO_ROOT = I18N_DIR.parent.parent
DOMAIN = "messages"
KEYWORDS = ("N_", "NP_:1,2", "C_:1c,2")


def _run(args: list[str]) -> None:
    """Run one pybabel sub-command with ``args``."""
    CommandLineInterface().run(["pybabel", "-q", *args])  # type: ignore[no-untyped-call]


def extract() -> None:
    """Write ``messages.pot`` from the marked strings in ``texts.py``."""
    keywords = [arg for kw in KEYWORDS for arg in ("-k", kw)]
    _run([
        "extract", "-F", str(BABEL_CFG), *keywords, "--no-location", "--sort-output",
        "--project=Parley", "--version=0.1.0", "--copyright-holder=Parley contributors",
        "-o", str(POT_FILE), str(REPO_ROOT / "bot" / "i18n" / "texts.py"),
    ])


def update() -> None:
    """Merge ``messages.pot`` into every ``locales/<lang>/LC_MESSAGES/messages.po``."""
    _run([
        "update", "-i", str(POT_FILE), "-d", str(LOCALES_DIR), "-D", DOMAIN,
        "--no-fuzzy-matching", "--ignore-obsolete",
    ])


def compile_all() -> None:
    """Compile every ``messages.po`` into ``messages.mo`` beside it."""
    _run(["compile", "-d", str(LOCALES_DIR), "-D", DOMAIN, "--statistics"])


def main(argv: list[str]) -> int:
    """Dispatch ``extract``, ``update``, ``compile`` or ``all``."""
    steps = {"extract": [extract], "update": [update], "compile": [compile_all]}
    steps["all"] = [extract, update, compile_all]
    if len(argv) != 1 or argv[0] not in steps:
        print(f"usage: python -m bot.i18n.catalogs {{{','.join(steps)}}}", file=sys.stderr)
        return 2
    for step in steps[argv[0]]:
        step()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
