"""The workload: multilingual users with multi-turn conversations and Poisson arrivals."""

from __future__ import annotations

import random
from dataclasses import dataclass

# Everyday questions in twelve languages and eight scripts.
PHRASES: dict[str, tuple[str, ...]] = {
    "en": ("How do I bake bread at home?", "What is the capital of Australia?",
           "Can you explain how vaccines work?", "Please suggest a name for my cat."),
    "es": ("¿Cómo puedo aprender a tocar la guitarra?", "¿Qué tiempo hace en Madrid en mayo?",
           "Explícame la fotosíntesis, por favor.", "¿Cuál es la mejor manera de ahorrar?"),
    "de": ("Wie funktioniert eine Wärmepumpe?", "Was soll ich heute Abend kochen?",
           "Erkläre mir bitte die Relativitätstheorie.", "Wie lerne ich am besten Vokabeln?"),
    "fr": ("Comment préparer une bonne ratatouille ?", "Pourquoi le ciel est-il bleu ?",
           "Peux-tu résumer la Révolution française ?", "Quel livre me conseilles-tu ?"),
    "pt": ("Como faço para plantar tomates?", "Qual é a história do samba?",
           "Explique o que é inflação.", "Quais lugares visitar em Lisboa?"),
    "ru": ("Как приготовить борщ?", "Почему небо голубое?",
           "Объясни, пожалуйста, что такое блокчейн.", "Какие книги почитать летом?"),
    "uk": ("Як вивчити нову мову швидко?", "Що подивитися у Львові?",
           "Поясни, як працює інтернет.", "Порадь рецепт вареників."),
    "ar": ("كيف أتعلم البرمجة من الصفر؟", "ما هي عاصمة المغرب؟",
           "اشرح لي كيف تعمل الطاقة الشمسية.", "ما هو أفضل وقت لزيارة مصر؟"),
    "hi": ("मैं अंग्रेज़ी बोलना कैसे सुधारूँ?", "दिल्ली में घूमने की अच्छी जगहें कौन सी हैं?",
           "कृपया प्रकाश संश्लेषण समझाइए।", "स्वस्थ नाश्ते के लिए क्या खाएँ?"),
    "zh": ("怎样才能学好中文？", "北京有哪些好玩的地方？", "请解释一下人工智能是什么。",
           "推荐几本适合初学者的小说。"),
    "ja": ("おいしいカレーの作り方を教えてください。", "東京でおすすめの観光地はどこですか？",
           "量子コンピュータとは何ですか？", "日本語の敬語を説明してください。"),
    "ko": ("김치찌개는 어떻게 만들어요?", "서울에서 가볼 만한 곳을 추천해 주세요.",
           "블랙홀이 무엇인지 설명해 주세요.", "영어 공부를 잘하는 방법이 있을까요?"),
}
LANGUAGES = tuple(PHRASES)


@dataclass(frozen=True)
class WorkloadConfig:
    """Sizes and pacing of the simulated users."""

    users: int = 20
    turns: int = 2
    arrival_rate: float = 10.0  # users per second, Poisson; 0 means all at once
    think_time: float = 2.0  # mean seconds between an answer and the next turn (exponential)
    message_chars_min: int = 20
    message_chars_max: int = 200
    turn_timeout: float = 180.0
    first_chat_id: int = 100_000
    seed: int = 42


@dataclass(frozen=True)
class UserPlan:
    """One simulated person: a private chat, when they start, what they say and how they pause."""

    chat_id: int
    language: str
    start: float
    texts: tuple[str, ...]
    pauses: tuple[float, ...]


def user_text(rng: random.Random, language: str, low: int, high: int) -> str:
    """A message in `language` of about `low`..`high` characters, from whole phrases."""
    target = rng.randint(low, max(low, high))
    phrases = PHRASES[language]
    text = rng.choice(phrases)
    while len(text) < target:
        text = f"{text} {rng.choice(phrases)}"
    return text


def plan_users(config: WorkloadConfig) -> list[UserPlan]:
    """Every user of the run, with Poisson arrival times, deterministic for a seed."""
    rng = random.Random(config.seed)
    plans: list[UserPlan] = []
    clock = 0.0
    for index in range(config.users):
        if config.arrival_rate > 0 and index:
            clock += rng.expovariate(config.arrival_rate)
        language = LANGUAGES[index % len(LANGUAGES)]
        texts = tuple(
            user_text(rng, language, config.message_chars_min, config.message_chars_max)
            for _ in range(config.turns)
        )
        pauses = tuple(_pause(rng, config.think_time) for _ in range(config.turns))
        plans.append(UserPlan(config.first_chat_id + index, language, clock, texts, pauses))
    return plans


def _pause(rng: random.Random, mean: float) -> float:
    return rng.expovariate(1 / mean) if mean > 0 else 0.0
