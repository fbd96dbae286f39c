"""Behaviour of detect_language: short text, scripts, speed and thread safety."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.language import DETECTABLE_LANGUAGES, Detection, detect_language, warm_up
from bot.language.evaluate import load_samples

DATA = Path(__file__).parent / "data" / "chat_sentences.tsv"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "ok", "OK!", "👍", "👍👍👍", "12345", "3.14", "hi", "lol", "?!", "ок",
     "https://example.com/a?b=c", "/start", "@someone", "user@example.com",
     "def f(x): return x + 1", "x = [1, 2, 3]", "ok 👍", "haha", "Hola"],
)
def test_short_or_ambiguous_text_is_unreliable(text):
    detection = detect_language(text)
    assert isinstance(detection, Detection)
    assert detection.reliable is False


@pytest.mark.parametrize(
    ("text", "code"),
    [("ครับ ขอบคุณมาก", "th"), ("გამარჯობა", "ka"), ("Բարև ձեզ", "hy"), ("안녕하세요", "ko"),
     ("こんにちは", "ja"), ("今日は雨ですね、どうしよう", "ja"), ("Καλημέρα σας", "el"),
     ("வணக்கம் நண்பா", "ta"), ("ನಮಸ್ಕಾರ ಹೇಗಿದ್ದೀರಿ", "kn"), ("សួស្តី", "km"),
     ("ᱡᱚᱦᱟᱨ", "sat"), ("ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ", "tzm")],
)
def test_single_language_scripts_decide_alone(text, code):
    detection = detect_language(text)
    assert detection.code == code
    assert detection.reliable


@pytest.mark.parametrize(
    ("text", "code"),
    [("Can you help me with my homework?", "en"), ("Bonjour à tous, ça va ?", "fr"),
     ("Wie spät ist es gerade in Berlin?", "de"), ("¿Dónde está la estación de tren?", "es"),
     ("Привет, как у тебя дела сегодня?", "ru"), ("Як справи, що нового у тебе?", "uk"),
     ("मुझे कल की मीटिंग के बारे में बताओ", "hi"), ("請問附近有便利商店嗎？", "zh"),
     ("你今晚食咗飯未呀？", "yue"),
     ("ঘৰলৈ কেতিয়া আহিবা?", "as"), ("Naha anjeun teu acan dahar? Hayu urang dahar babarengan", "su")],
)
def test_ordinary_messages_are_detected_reliably(text, code):
    detection = detect_language(text)
    assert (detection.code, detection.reliable) == (code, True)


def test_urls_and_mentions_do_not_count_as_language():
    detection = detect_language("@friend look https://example.com/very/long/english/path")
    assert detection.code == "en" or not detection.reliable
    assert detect_language("Regarde ça https://example.com/page, c'est génial !").code == "fr"


def test_confidence_is_a_probability_and_codes_are_known():
    for text in ["Hello there, how are you doing?", "ok", "გამარჯობა", ""]:
        detection = detect_language(text)
        assert 0.0 <= detection.confidence <= 1.0
        assert detection.code in DETECTABLE_LANGUAGES | {"und"}


def test_fast_enough_for_every_message():
    warm_up()
    texts = [sample.text for sample in load_samples(DATA)]
    start = time.perf_counter()
    for text in texts:
        detect_language(text)
    per_message = (time.perf_counter() - start) / len(texts)
    assert per_message < 0.005  # measured ~0.3 ms


def test_thread_safe_smoke():
    texts = [sample.text for sample in load_samples(DATA)] * 3
    expected = [detect_language(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(detect_language, texts))
    assert got == expected
