"""Detect the language of a chat message, offline, in well under a millisecond.

Pipeline:

1. Remove what carries no language (URLs, @mentions, /commands, e-mails)
   and count the remaining letters per Unicode script.
2. A script written by one language only (Thai, Georgian, Hangul, Kana,
   Tamil, ...) decides by itself.
3. Otherwise py3langid decides; CLD3 overrides it only for a language
   py3langid does not know, when CLD3 is confident and the text is long
   enough for it.

``reliable`` is False for short or ambiguous text ("ok", emoji, numbers,
code): callers should then fall back to the user's language.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Final

from bot.language import backends
from bot.language.codes import UNDETERMINED
from bot.language.scripts import (
    ASSAMESE_LETTERS,
    CANTONESE_MARKERS,
    SHAN_LETTERS,
    SINGLE_LANGUAGE_SCRIPTS,
    count_scripts,
    weighted_length,
)
from bot.language.supported import LANGID_LANGUAGES

#: Fewer (weighted) letters than this and no detection is reliable.
MIN_RELIABLE_LETTERS: Final = 6
#: A single-script language needs only this many letters to be reliable.
MIN_SCRIPT_LETTERS: Final = 3
#: py3langid probability needed for a reliable answer.
MIN_RELIABLE_PROBABILITY: Final = 0.5
#: CLD3 may override py3langid only with this probability, on this many letters.
CLD3_MIN_PROBABILITY: Final = 0.7
CLD3_MIN_LETTERS: Final = 15

_NOISE = re.compile(
    r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|(?<!\w)[@/][A-Za-z0-9_]+(?:@\w+)?",
)


@dataclass(frozen=True, slots=True)
class Detection:
    """The detected language of a text.

    ``code`` is ISO 639-1 where the language has one, else ISO 639-3
    (``"und"`` when nothing could be detected); see :mod:`bot.language.codes`.
    """

    code: str
    confidence: float
    reliable: bool


UNDETECTED: Final = Detection(UNDETERMINED, 0.0, False)


def detect_language(text: str) -> Detection:
    """Detect the language of ``text``; thread-safe, models loaded on first call."""
    cleaned = _NOISE.sub(" ", text)
    counts = count_scripts(cleaned)
    if not counts:
        return UNDETECTED
    script = counts.most_common(1)[0][0]
    by_script = _by_script(cleaned, counts, script)
    if by_script is not None:
        return by_script
    if script == "Hani":
        return _chinese(cleaned, counts)
    return _statistical(cleaned, counts, script)


def _by_script(text: str, counts: Counter[str], script: str) -> Detection | None:
    """Decide from the script alone when only one language writes it."""
    total = sum(counts.values())
    if counts["Kana"] and script in ("Hani", "Kana"):
        script = "Kana"  # Japanese mixes kanji with kana; Chinese never has kana
    code = SINGLE_LANGUAGE_SCRIPTS.get(script)
    if code is None:
        return None
    if script == "Mymr" and any(char in SHAN_LETTERS for char in text):
        code = "shn"
    share = (counts[script] + (counts["Hani"] if script == "Kana" else 0)) / total
    reliable = counts[script] >= MIN_SCRIPT_LETTERS and share >= 0.5
    return Detection(code, round(share, 4), reliable)


def _chinese(text: str, counts: Counter[str]) -> Detection:
    """Han without kana: Cantonese if it has Cantonese-only characters, else Chinese.

    py3langid splits Han text between zh, yue and wuu (it calls most Traditional
    Chinese "yue"), so the characters decide instead.
    """
    code = "yue" if any(char in CANTONESE_MARKERS for char in text) else "zh"
    share = counts["Hani"] / sum(counts.values())
    reliable = counts["Hani"] >= MIN_SCRIPT_LETTERS and share >= 0.5
    return Detection(code, round(share, 4), reliable)


def _statistical(text: str, counts: Counter[str], script: str) -> Detection:
    """Ask py3langid, let CLD3 add the languages py3langid lacks."""
    letters = weighted_length(counts)
    guess = backends.langid_guess(text)
    if letters >= CLD3_MIN_LETTERS:
        second = backends.cld3_guess(text)
        if _cld3_wins(second):
            return Detection(second.code, round(second.probability, 4), True)
    code = _script_fix(guess.code, text, script)
    reliable = (
        code != UNDETERMINED
        and letters >= MIN_RELIABLE_LETTERS
        and guess.probability >= MIN_RELIABLE_PROBABILITY
    )
    return Detection(code, round(guess.probability, 4), reliable)


def _cld3_wins(guess: backends.Guess) -> bool:
    """Tell whether CLD3 found a confident language unknown to py3langid."""
    return (
        guess.reliable
        and guess.probability >= CLD3_MIN_PROBABILITY
        and guess.code != UNDETERMINED
        and guess.code not in LANGID_LANGUAGES
    )


def _script_fix(code: str, text: str, script: str) -> str:
    """Correct answers that contradict the script: Assamese-only letters, Bengali."""
    if script == "Beng":
        if any(char in ASSAMESE_LETTERS for char in text):
            return "as"
        return code if code in ("bn", "as") else "bn"
    return code
