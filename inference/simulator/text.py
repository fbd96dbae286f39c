"""Deterministic answer text: multilingual filler, an echo, or Markdown with a code block."""

from __future__ import annotations

import random
from dataclasses import dataclass

from inference.simulator import tokenizer
from inference.simulator.config import SimulatorConfig

WORDS = {
    "en": "the model answers every question with care and a little patience while the river "
    "of tokens keeps flowing through the quiet server room",
    "es": "el modelo responde cada pregunta con calma y un poco de paciencia mientras el río "
    "de palabras sigue fluyendo por la sala tranquila",
    "de": "das Modell beantwortet jede Frage mit Sorgfalt und etwas Geduld während der Strom "
    "der Wörter ruhig durch den Serverraum fließt",
    "fr": "le modèle répond à chaque question avec soin et un peu de patience pendant que le "
    "fleuve des mots traverse la salle des serveurs",
    "ru": "модель отвечает на каждый вопрос спокойно и терпеливо пока поток слов тихо течёт "
    "через серверную комнату",
    "pt": "o modelo responde a cada pergunta com cuidado e um pouco de paciência enquanto o rio "
    "de palavras corre pela sala silenciosa",
}

MARKDOWN = (
    "## Summary\n\nHere is a short overview with **bold**, _italic_ and `inline code`.\n\n"
    "- First point\n- Second point, with a [link](https://example.com)\n\n"
    '```python\ndef greet(name: str) -> str:\n    return f"Hello, {name}!"\n```\n\n'
    "1. Step one\n2. Step two\n\n"
)


@dataclass(frozen=True)
class Answer:
    """The pieces (one per token) to stream and why generation ends."""

    pieces: list[str]
    finish_reason: str


def make_answer(
    config: SimulatorConfig, last_user_text: str, max_tokens: int, rng: random.Random
) -> Answer:
    """Build the answer for a request: length min(max_tokens, natural length)."""
    head = _head(config, last_user_text, rng)
    natural = config.output_tokens or rng.randint(
        config.output_tokens_min, config.output_tokens_max
    )
    if config.content != "filler" or config.think:
        natural = max(natural, tokenizer.count(head))
    length = max(0, min(max_tokens, natural))
    pieces = tokenizer.split(head)
    language = _language(last_user_text, rng)
    while len(pieces) < length:
        sentence = filler_sentence(rng, language)
        pieces += tokenizer.split(sentence if pieces else sentence.lstrip())
    finish = "length" if natural > max_tokens else "stop"
    return Answer(pieces[:length], finish)


def filler_sentence(rng: random.Random, language: str) -> str:
    """One sentence of plausible words in a language, with a comma now and then."""
    words = WORDS[language].split()
    chosen = [rng.choice(words) for _ in range(rng.randint(6, 14))]
    if len(chosen) > 8:
        chosen[rng.randint(3, len(chosen) - 3)] += ","
    return " " + " ".join(chosen).capitalize() + "."


def _head(config: SimulatorConfig, last_user_text: str, rng: random.Random) -> str:
    head = ""
    if config.think:
        thought = "".join(filler_sentence(rng, "en") for _ in range(2)).strip()
        head = f"<think>\n{thought}\n</think>\n\n"
    if config.content == "echo":
        head += f"You said: {last_user_text}"
    elif config.content == "markdown":
        head += MARKDOWN
    return head


def _language(text: str, rng: random.Random) -> str:
    """Answer Cyrillic with Russian filler; otherwise pick a language per answer."""
    if any("\u0400" <= char <= "\u04ff" for char in text):
        return "ru"
    return rng.choice(sorted(WORDS))
