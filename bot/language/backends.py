"""The two statistical detectors, loaded once, lazily, and safe to call from threads.

* py3langid 0.4.0 (primary): naive Bayes over byte n-grams, 139 languages;
  its model (``py3langid/data/model.npz.xz``) ships inside the wheel.
* cld3-py 3.1.0 (secondary): Google's CLD3 network, ~107 languages, the
  weights compiled into the extension module. Used only for languages
  py3langid does not know (Cebuano, Sundanese, Sindhi, Yiddish, ...).

Neither downloads anything at run time.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

from bot.language.codes import normalize_label


class Guess(NamedTuple):
    """One detector's best language (normalised code) and its probability."""

    code: str
    probability: float
    reliable: bool


_load_lock = threading.Lock()
_cld3_lock = threading.Lock()
_langid: Any = None
_cld3: Any = None


def langid_guess(text: str) -> Guess:
    """Classify ``text`` with py3langid; ``probability`` is calibrated to [0, 1]."""
    label, probability = _langid_model().classify(text)
    return Guess(normalize_label(str(label)), float(probability), True)


def langid_labels() -> frozenset[str]:
    """Return every normalised language code py3langid can output."""
    return frozenset(normalize_label(str(label)) for label in _langid_model().nb_classes)


def cld3_guess(text: str) -> Guess:
    """Classify ``text`` with CLD3 (serialised: the C++ object keeps per-call state)."""
    model = _cld3_model()
    with _cld3_lock:
        result = model.FindLanguage(text)
    code = str(result.language)
    if "-" in code:  # romanised variants such as "ru-Latn" are not languages of their own
        return Guess("und", 0.0, False)
    return Guess(normalize_label(code), float(result.probability), bool(result.is_reliable))


def warm_up() -> None:
    """Load both models now (e.g. at worker start) instead of on the first message."""
    _langid_model()
    _cld3_model()


def _langid_model() -> Any:
    """Return the shared py3langid identifier, loading it on first use."""
    global _langid
    if _langid is None:
        with _load_lock:
            if _langid is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _langid = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _langid


def _cld3_model() -> Any:
    """Return the shared CLD3 identifier, creating it on first use."""
    global _cld3
    if _cld3 is None:
        with _load_lock:
            if _cld3 is None:
                import gcld3

                _cld3 = gcld3.NNetLanguageIdentifier(min_num_bytes=0, max_num_bytes=1000)
    return _cld3
