"""Offline language detection of chat messages (py3langid + CLD3 + script rules).

Public API::

    detect_language(text) -> Detection(code, confidence, reliable)
    DETECTABLE_LANGUAGES   # frozenset of the codes it can return
    warm_up()              # optional: load the models before the first message

Codes are ISO 639-1 where one exists, else ISO 639-3 (see :mod:`bot.language.codes`).
"""

from bot.language.backends import warm_up
from bot.language.codes import UNDETERMINED
from bot.language.detection import Detection, detect_language
from bot.language.supported import DETECTABLE_LANGUAGES

__all__ = ["DETECTABLE_LANGUAGES", "UNDETERMINED", "Detection", "detect_language", "warm_up"]
