"""Question-level ranking: every answer in the bank scored against the words of a question.

An answer is found by the ways people ask it (its `asked_as` phrasings and title) and by what it
says (summary and points). Three similarities, each a cosine between TF-IDF vectors:

- character 3- to 5-grams of the question against each phrasing (the best phrasing counts): they
  survive typos, texting spellings and inflection ("traficked", "pics", "groomer");
- content lemmas and lemma pairs against each phrasing ("survival sex", "debt bondage");
- content lemmas against the answer's text, for questions worded as the answer is.

The caller adds the full-text search's rank and the classifier's signals (actions/repository.py).
No pretrained model: none ships inside the pinned packages, and these need only the answers.
The weights are in docs/EVALUATION.md ("Answer retrieval"), with how they were chosen.
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge.language import lemmas_of
from knowledge.schema import Answer

PHRASING_CHARACTERS, PHRASING_LEMMAS, ANSWER_TEXT = 1.0, 1.0, 1.0
# A message is plainly about one answer when that answer fits it very closely, and clearly better than
# any other: "is childhelp a reporting line", "what is branding". Chosen on the first retrieval set
# (docs/EVALUATION.md); used where an answer takes the place of another reply.
VERY_CLOSE = 1.2
PLAINLY_ABOUT = 0.2  # the lead in fit over the next best answer
# A message longer than this is usually a story ending in a question: the question sentences are
# scored again on their own, so the story's details do not drown what is asked.
LONG_MESSAGE = 300
_SENTENCE = re.compile(r"[^.?!\n]+[?]+")


def leads_plainly(lead: float) -> bool:
    """Does an answer that fits better than the next best by `lead` stand out as the one meant?"""
    return lead >= PLAINLY_ABOUT


def lemmas(text: str) -> str:
    return " ".join(lemmas_of(text))


def asked_part(text: str) -> str | None:
    """The question sentences of a long message, or None when it is short or asks nothing."""
    if len(text) <= LONG_MESSAGE:
        return None
    asked = " ".join(s.strip() for s in _SENTENCE.findall(text)[-2:])
    return asked or None


class AnswerIndex:
    """Similarities of a question to every answer, in the order of `answers`."""

    def __init__(self, answers: Sequence[Answer], general_file: str) -> None:
        self.answers = list(answers)
        self.position = {a.key: i for i, a in enumerate(self.answers)}
        self.topics = np.array([a.topic for a in self.answers])
        self.general = np.array([a.file == general_file for a in self.answers])  # a topic's general answers
        firsts = {a.topic: i for i, a in reversed(list(enumerate(self.answers)))}
        self.first_of_topic = np.array([firsts[a.topic] == i for i, a in enumerate(self.answers)])
        phrasings = [(i, p) for i, a in enumerate(self.answers) for p in (a.title, *a.asked_as)]
        self._owner = np.array([i for i, _ in phrasings])
        self._characters = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        self._by_characters = self._characters.fit_transform([p.lower() for _, p in phrasings])
        self._lemmas = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
        self._by_lemmas = self._lemmas.fit_transform([lemmas(p) for _, p in phrasings])
        self._texts = TfidfVectorizer(analyzer="word", sublinear_tf=True)
        self._by_text = self._texts.fit_transform(
            [lemmas(" ".join([a.title, a.summary, *a.points])) for a in self.answers])

    def similarity(self, question: str) -> npt.NDArray[np.float64]:
        """The weighted similarity of the question to each answer (0 when nothing is shared)."""
        scores = self._similarity(question)
        asked = asked_part(question)
        return scores if asked is None else (scores + self._similarity(asked)) / 2

    def plainly_about(self, question: str) -> Answer | None:
        """The answer the question is plainly about (VERY_CLOSE, PLAINLY_ABOUT), if there is one."""
        fits = self.similarity(question)
        if len(fits) < 2:
            return None
        second, best = np.argsort(fits)[-2:]
        return self.answers[best] if fits[best] >= VERY_CLOSE and leads_plainly(fits[best] - fits[second]) else None

    def _similarity(self, question: str) -> npt.NDArray[np.float64]:
        lemmatized = lemmas(question)
        by_phrasing = (PHRASING_CHARACTERS * (self._by_characters @ self._characters.transform([question.lower()]).T)
                       + PHRASING_LEMMAS * (self._by_lemmas @ self._lemmas.transform([lemmatized]).T))
        best = np.zeros(len(self.answers))
        np.maximum.at(best, self._owner, by_phrasing.toarray().ravel())
        by_text: npt.NDArray[np.float64] = (self._by_text @ self._texts.transform([lemmatized]).T).toarray().ravel()
        return best + ANSWER_TEXT * by_text
