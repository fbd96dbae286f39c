"""The declared language sets match the installed models; the code tables are sane."""

from __future__ import annotations

from bot.i18n.locales_map import LLAMA4_OFFICIAL_LANGUAGES
from bot.language import backends
from bot.language.codes import flores200, flores_code, normalize_label
from bot.language.supported import (
    CLD3_EXTRA_LANGUAGES,
    DETECTABLE_LANGUAGES,
    LANGID_LANGUAGES,
)


def test_langid_languages_match_the_pinned_model():
    assert backends.langid_labels() - {"und"} == LANGID_LANGUAGES
    assert len(LANGID_LANGUAGES) == 139


def test_cld3_extra_languages_are_produced_by_cld3():
    samples = {
        "ceb": "Maayong buntag! Unsa may imong plano karong adlawa?",
        "yi": "װאָס מאַכסטו? איך האָב דיך שוין לאַנג נישט געזען.",
        "sd": "توهان ڪيئن آهيو؟ مان توهان سان ملڻ چاهيان ٿو.",
    }
    for code, text in samples.items():
        guess = backends.cld3_guess(text)
        assert guess.code == code
    assert not CLD3_EXTRA_LANGUAGES & LANGID_LANGUAGES


def test_detectable_covers_official_languages_and_100_flores_languages():
    assert LLAMA4_OFFICIAL_LANGUAGES <= DETECTABLE_LANGUAGES
    detected = {lang.flores for lang in flores200() if lang.code in DETECTABLE_LANGUAGES}
    assert len(detected) >= 120


def test_flores_table_has_204_unique_varieties():
    varieties = flores200()
    assert len(varieties) == 204
    assert len({v.flores for v in varieties}) == 204
    assert flores_code("zsm_Latn") == "ms"
    assert flores_code("eng_Latn") == "en"


def test_normalize_label():
    assert normalize_label("iw") == "he"
    assert normalize_label("no") == "nb"
    assert normalize_label("fil") == "tl"
    assert normalize_label("zxx") == "und"
    assert normalize_label("EN") == "en"
