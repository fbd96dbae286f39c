"""Classify letters by Unicode script, and name scripts used by one language only."""

from __future__ import annotations

import bisect
import unicodedata
from collections import Counter
from typing import Final

# (first, last, script) code point ranges, ISO 15924 script codes; sorted by first.
_RANGES: Final[tuple[tuple[int, int, str], ...]] = (
    (0x0041, 0x005A, "Latn"), (0x0061, 0x007A, "Latn"), (0x00C0, 0x024F, "Latn"),
    (0x0370, 0x03FF, "Grek"), (0x0400, 0x052F, "Cyrl"), (0x0530, 0x058F, "Armn"),
    (0x0590, 0x05FF, "Hebr"), (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"),
    (0x0780, 0x07BF, "Thaa"), (0x08A0, 0x08FF, "Arab"), (0x0900, 0x097F, "Deva"),
    (0x0980, 0x09FF, "Beng"), (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"),
    (0x0B00, 0x0B7F, "Orya"), (0x0B80, 0x0BFF, "Taml"), (0x0C00, 0x0C7F, "Telu"),
    (0x0C80, 0x0CFF, "Knda"), (0x0D00, 0x0D7F, "Mlym"), (0x0D80, 0x0DFF, "Sinh"),
    (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Laoo"), (0x0F00, 0x0FFF, "Tibt"),
    (0x1000, 0x109F, "Mymr"), (0x10A0, 0x10FF, "Geor"), (0x1100, 0x11FF, "Hang"),
    (0x1200, 0x139F, "Ethi"), (0x1780, 0x17FF, "Khmr"), (0x19E0, 0x19FF, "Khmr"),
    (0x1C50, 0x1C7F, "Olck"), (0x1C80, 0x1C8F, "Cyrl"), (0x1C90, 0x1CBF, "Geor"),
    (0x1E00, 0x1EFF, "Latn"), (0x1F00, 0x1FFF, "Grek"), (0x2D00, 0x2D2F, "Geor"),
    (0x2D30, 0x2D7F, "Tfng"), (0x2D80, 0x2DDF, "Ethi"), (0x2DE0, 0x2DFF, "Cyrl"),
    (0x3040, 0x309F, "Kana"), (0x30A0, 0x30FF, "Kana"), (0x3130, 0x318F, "Hang"),
    (0x31F0, 0x31FF, "Kana"), (0x3400, 0x4DBF, "Hani"), (0x4E00, 0x9FFF, "Hani"),
    (0xA640, 0xA69F, "Cyrl"), (0xA8E0, 0xA8FF, "Deva"), (0xA960, 0xA97F, "Hang"),
    (0xA9E0, 0xA9FF, "Mymr"), (0xAA60, 0xAA7F, "Mymr"), (0xAB00, 0xAB2F, "Ethi"),
    (0xAC00, 0xD7FF, "Hang"), (0xF900, 0xFAFF, "Hani"), (0xFB1D, 0xFB4F, "Hebr"),
    (0xFB50, 0xFDFF, "Arab"), (0xFE70, 0xFEFF, "Arab"), (0xFF66, 0xFF9F, "Kana"),
    (0x20000, 0x3134F, "Hani"),
)
_STARTS: Final = tuple(first for first, _, _ in _RANGES)

#: Scripts written (in FLORES-200 and everyday chat) by a single language.
SINGLE_LANGUAGE_SCRIPTS: Final[dict[str, str]] = {
    "Grek": "el", "Armn": "hy", "Geor": "ka", "Hang": "ko", "Kana": "ja",
    "Thai": "th", "Laoo": "lo", "Khmr": "km", "Sinh": "si", "Gujr": "gu",
    "Guru": "pa", "Orya": "or", "Taml": "ta", "Telu": "te", "Knda": "kn",
    "Mlym": "ml", "Tibt": "bo", "Olck": "sat", "Tfng": "tzm", "Thaa": "dv",
    "Mymr": "my",
}

#: Letters only Shan writes in Myanmar script; only Assamese in Bengali script.
SHAN_LETTERS: Final = frozenset("ၵၶၷၸၹၺၻၼၽၾၿႀႁႂ႞႟")
ASSAMESE_LETTERS: Final = frozenset("ৰৱ")

#: Characters written in Cantonese but not in Standard Chinese.
CANTONESE_MARKERS: Final = frozenset("嘅咗唔係喺嘢咩啲佢冇嚟睇乜哋噉㗎囉啩嗰嘞吓咁諗攞俾畀")

#: How much one character of a script weighs when judging if a text is long enough.
CHARACTER_WEIGHT: Final[dict[str, int]] = {"Hani": 2, "Kana": 1, "Hang": 2}


def script_of(char: str) -> str | None:
    """Return the ISO 15924 code of ``char``'s script, or ``None`` (digits, emoji...)."""
    code = ord(char)
    index = bisect.bisect_right(_STARTS, code) - 1
    if index < 0:
        return None
    _, last, script = _RANGES[index]
    if code > last or not _is_letter_like(char):
        return None
    return script


def count_scripts(text: str) -> Counter[str]:
    """Count the letters (and combining signs) of ``text`` per script."""
    counts: Counter[str] = Counter()
    for char in text:
        script = script_of(char)
        if script is not None:
            counts[script] += 1
    return counts


def weighted_length(counts: Counter[str]) -> int:
    """Return the letter count, with dense scripts (Han, Hangul) counting double."""
    return sum(n * CHARACTER_WEIGHT.get(script, 1) for script, n in counts.items())


def _is_letter_like(char: str) -> bool:
    """Tell letters and combining marks (Indic vowel signs) from punctuation."""
    return char.isalpha() or unicodedata.category(char).startswith("M")
