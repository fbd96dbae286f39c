"""Measure detection accuracy per language on a labelled sentence set."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.language.codes import flores200
from bot.language.detection import detect_language
from bot.language.supported import DETECTABLE_LANGUAGES


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled sentence: its FLORES-200 variety and text."""

    flores: str
    text: str


@dataclass(slots=True)
class LanguageScore:
    """Accuracy counts for one FLORES-200 variety."""

    flores: str
    code: str
    total: int = 0
    correct: int = 0
    mistakes: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Return the share of sentences detected correctly."""
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    """Per-language scores on the languages the detector supports."""

    scores: tuple[LanguageScore, ...]
    unsupported: tuple[str, ...]  # FLORES varieties in the data the detector cannot name

    @property
    def total(self) -> int:
        """Return the number of sentences evaluated."""
        return sum(score.total for score in self.scores)

    @property
    def correct(self) -> int:
        """Return the number of sentences detected correctly."""
        return sum(score.correct for score in self.scores)

    @property
    def accuracy(self) -> float:
        """Return the overall (micro-averaged) accuracy."""
        return self.correct / self.total if self.total else 0.0

    def table(self) -> str:
        """Render the per-language scores as a fixed-width text table."""
        lines = [f"{'FLORES':<10} {'code':<5} {'ok':>3}/{'n':<3} {'acc':>6}  mistakes"]
        for s in self.scores:
            wrong = ", ".join(s.mistakes)
            lines.append(f"{s.flores:<10} {s.code:<5} {s.correct:>3}/{s.total:<3} "
                         f"{s.accuracy:>6.1%}  {wrong}")
        lines.append(f"overall: {self.correct}/{self.total} = {self.accuracy:.1%} "
                     f"on {len(self.scores)} languages; not supported: {len(self.unsupported)}")
        return "\n".join(lines)


def load_samples(path: Path) -> list[Sample]:
    """Read a TSV with ``flores`` and ``text`` columns."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Sample(row["flores"], row["text"]) for row in rows]


def evaluate(samples: Iterable[Sample]) -> Report:
    """Detect every sample whose language the detector supports and score it."""
    codes = {language.flores: language.code for language in flores200()}
    scores: dict[str, LanguageScore] = {}
    unsupported: set[str] = set()
    for sample in samples:
        code = codes[sample.flores]
        if code not in DETECTABLE_LANGUAGES:
            unsupported.add(sample.flores)
            continue
        score = scores.setdefault(sample.flores, LanguageScore(sample.flores, code))
        _score_one(score, detect_language(sample.text).code)
    ordered = tuple(sorted(scores.values(), key=lambda s: s.flores))
    return Report(ordered, tuple(sorted(unsupported)))


def _score_one(score: LanguageScore, detected: str) -> None:
    """Add one detection result to ``score``."""
    score.total += 1
    if detected == score.code:
        score.correct += 1
    else:
        score.mistakes.append(detected)
