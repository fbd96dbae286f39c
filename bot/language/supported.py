"""Which languages the detector can name (our codes, see :mod:`bot.language.codes`).

``tests/bot/language/test_supported.py`` checks these sets against the
installed models, so they cannot drift from the pinned wheels.
"""

from __future__ import annotations

from typing import Final

from bot.language.scripts import SINGLE_LANGUAGE_SCRIPTS

#: Every label of py3langid 0.4.0's model, normalised (139 languages).
LANGID_LANGUAGES: Final = frozenset({
    "ace", "af", "am", "an", "ar", "ary", "arz", "as", "az", "ba", "bcl", "be", "bg", "bn",
    "br", "bs", "ca", "crh", "cs", "cy", "da", "de", "dz", "el", "en", "eo", "es", "et",
    "eu", "ext", "fa", "ff", "fi", "fo", "fr", "fy", "ga", "gcf", "gcr", "gd", "gl", "gn",
    "gom", "grc", "gu", "guw", "ha", "hbo", "he", "hi", "hr", "ht", "hu", "hy", "id", "ig",
    "is", "it", "ja", "jv", "ka", "kab", "ki", "kk", "km", "kn", "ko", "ku", "ky", "la",
    "lb", "lg", "lij", "ln", "lo", "lt", "ltg", "lv", "mg", "mk", "ml", "mn", "mr", "ms",
    "mt", "my", "nb", "ne", "nl", "nn", "nso", "oc", "om", "or", "pa", "pcm", "pl", "ps",
    "pt", "qu", "ro", "ru", "rw", "sa", "sdh", "se", "si", "sk", "sl", "sn", "so", "sq",
    "sr", "st", "sv", "sw", "ta", "te", "tg", "th", "tk", "tl", "tr", "tt", "ug", "uk",
    "ur", "uz", "uzs", "vec", "vi", "vo", "wa", "wuu", "xh", "yo", "yue", "zh", "zu",
})

#: CLD3 languages py3langid lacks; CLD3 may name only these.
CLD3_EXTRA_LANGUAGES: Final = frozenset({
    "ceb", "co", "haw", "hmn", "mi", "ny", "sd", "sm", "su", "yi",
})

#: Languages named from their script alone (plus Shan, told apart within Myanmar script).
SCRIPT_LANGUAGES: Final = frozenset(SINGLE_LANGUAGE_SCRIPTS.values()) | {"shn"}

#: Tibetan script is always reported as Standard Tibetan, so Dzongkha is never output.
_UNREACHABLE: Final = frozenset({"dz"})

#: Every code :func:`bot.language.detect_language` can return, besides ``"und"``.
DETECTABLE_LANGUAGES: Final = (
    (LANGID_LANGUAGES | CLD3_EXTRA_LANGUAGES | SCRIPT_LANGUAGES) - _UNREACHABLE
)
