"""Language codes: detector labels to our scheme, and the FLORES-200 table.

Our scheme: the ISO 639-1 code where the language has one (``"en"``, ``"fa"``,
``"ms"``); otherwise ISO 639-3 (``"ceb"``, ``"yue"``, ``"ckb"``). Individual
languages that are the standard form of a macrolanguage use the
macrolanguage's 639-1 code (Standard Malay ``zsm`` -> ``ms``, Western Persian
``pes`` -> ``fa``, Standard Latvian ``lvs`` -> ``lv``); Arabic dialects keep
their own 639-3 codes (``arz``, ``ary``). ``"und"`` means undetermined.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from typing import Final, NamedTuple

UNDETERMINED: Final = "und"

# Detector labels that differ from our scheme.
_LABEL_FIXES: Final[dict[str, str]] = {
    "iw": "he",  # CLD3's old code for Hebrew
    "ji": "yi",
    "in": "id",
    "jw": "jv",
    "fil": "tl",
    "no": "nb",  # both detectors' "Norwegian" is Bokmål text
    "zxx": UNDETERMINED,  # py3langid: "no linguistic content"
    "gug": "gn",  # Paraguayan Guarani
    "fuv": "ff",  # Nigerian Fulfulde, FLORES fuv_Latn
    "kik": "ki",
}


class FloresLanguage(NamedTuple):
    """One FLORES-200 language variety."""

    flores: str  # e.g. "eng_Latn"
    name: str
    code: str  # our code, see module docstring

    @property
    def script(self) -> str:
        """Return the ISO 15924 script of this variety (``"Latn"``)."""
        return self.flores.split("_", 1)[1]


def normalize_label(label: str) -> str:
    """Map a detector's label (``"iw"``, ``"no"``, ``"zh-Latn"``) to our scheme."""
    code = label.strip().lower().replace("_", "-")
    return _LABEL_FIXES.get(code, code)


@lru_cache(maxsize=1)
def flores200() -> tuple[FloresLanguage, ...]:
    """Return the 204 FLORES-200 varieties with their names and our codes."""
    data = resources.files("bot.language").joinpath("data/flores200.tsv")
    lines = data.read_text(encoding="utf-8").splitlines()
    rows = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return tuple(FloresLanguage(r["flores"], r["name"], r["code"]) for r in rows)


def flores_code(flores: str) -> str:
    """Return our code for a FLORES-200 variety such as ``"zsm_Latn"`` (-> ``"ms"``)."""
    for language in flores200():
        if language.flores == flores:
            return language.code
    raise KeyError(flores)
