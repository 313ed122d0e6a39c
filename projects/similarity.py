"""Homogeneity (同质化) check for Chinese topic pitches.

No Django here: ``projects.homogeneity`` feeds it the vocabulary the office keeps in the admin and
the earlier topics, and stores what it finds.

Method. Text is cut into words: the vocabulary's own terms first (党建地图, 驻村第一书记, 五华元素 …
are kept whole, longest first), jieba (its default dictionary, no HMM guessing, so one string is
always cut the same way whatever surrounds it) for the rest. Each word is folded to its canonical
form (带头 → 带领, 脱贫攻坚 → 扶贫, 村民 → 群众 …; a canonical may be several words: 种花 → 种植 花卉),
stop words are dropped, and what remains is a set of words per field (title, logline, local
elements). A word weighs 1, a theme word (党员, 故事, 红色 … that every pitch shares) its
vocabulary weight, and either is damped further by how many of the earlier topics contain it
(``damping``): that is the corpus IDF, smoothed so that a handful of topics cannot teach it that a
word is common. Two topics are compared by cosine per field; the score is the title's cosine or,
when it is higher, the fields' weighted mean over the fields both topics have (``FIELD_WEIGHTS``):
loglines and local elements can reveal a duplicate hiding behind a new title, but never hide one.

Bands: ``FLAG_THRESHOLD`` and above is flagged (approval needs a written reason);
``CLOSE_CALL_THRESHOLD`` up to the flag is a close call, shown and not blocking. How they were
chosen is in the README (Homogeneity check).

Speed. ``Index`` keeps the earlier topics' words with a posting list per word and field. A query
is scored against every topic at once with numpy (the dot products from the query words' postings,
the norms from one pass over every topic's words, redone only after a topic was added or
removed), and the few topics that estimate puts in the answer are scored again by
``score_topics``, whose scores are the ones returned: the estimate only chooses, with a margin for
its rounding, so it never changes a score or a band. One check against 10,000 topics takes a few
milliseconds; the check after a new topic a few more (bench/similarity.py).
"""

from __future__ import annotations

import math
import re
import sys
import threading
import unicodedata
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np

# Chosen on the development pairs (tests/projects/homogeneity_pairs.py), checked on the held-out
# ones; see the README. A flag only asks a person to write why the topic is different, a close
# call only shows the match.
FLAG_THRESHOLD: float = 0.4
CLOSE_CALL_THRESHOLD: float = 0.25
HOMOGENEITY_THRESHOLD = FLAG_THRESHOLD  # the name callers used before there were two bands

FLAGGED, CLOSE_CALL = "flagged", "close"

# The blend of the fields counts only when it beats the title's cosine, i.e. when the loglines say
# more than the titles (a duplicate behind a new title): then the logline leads. Local elements
# (本土特色) are often just the district's name, so they count least.
FIELD_WEIGHTS: Mapping[str, float] = {"title": 0.3, "logline": 0.55, "local": 0.15}
FIELDS = tuple(FIELD_WEIGHTS)
# A logline of a few words (故事梗概, a placeholder) says nothing the title does not: compared only
# from this many words on.
MIN_FIELD_WORDS: Mapping[str, int] = {"title": 1, "logline": 6, "local": 1}

# Damping by document frequency over the earlier topics: a word in a share p of them keeps
# log(1/p) / log(1/COMMON_SHARE) of its weight (all of it below COMMON_SHARE, never less than
# MIN_DAMPING). The share is estimated with PRIOR_TOPICS pseudo-topics at COMMON_SHARE, so with
# few topics every word keeps its weight and the theme list does the work alone.
COMMON_SHARE = 0.01
PRIOR_TOPICS = 100
MIN_DAMPING = 0.1

# A word of one character (边, 进, 女, 帮 …) is mostly grammar or half of a word jieba did not know;
# it counts half. (Added after the first run on the held-out pairs, see the README.)
SINGLE_CHARACTER_WEIGHT = 0.5

# Partial credit where two spellings of one thing are cut differently (修路 / 修通 路, 边境线 /
# 边防线, 十万 / 10万元): the characters of each word that is not a theme word are features too, at
# this weight. They are marked so as never to meet a one-character word.
CHARACTER_WEIGHT = 0.3
CHAR_MARK = "\x00"

# Added to both squared norms of a cosine, as if each topic had a word of its own of this squared
# weight: without it, two titles made only of theme words (新时代党员的初心坚守 / 新时代基层党员的
# 奉献担当) would score as if their shared stock words were specific, cosine being blind to scale.
NORM_PRIOR = 0.5

# How far below the cut a numpy estimate may fall and still be scored again exactly (rounding in
# numpy's sums is ~1e-15; see ``Index.search``).
ESTIMATE_MARGIN = 1e-9

_RUN = re.compile(r"[^\W_]+")  # letters and digits: punctuation and spaces separate words
_YEARS = r"[0-9０-９一二三四五六七八九十两]{1,4}年"
_AGENT_SUFFIXES = "人员者"
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def _years_to_digits(s: str) -> str:
    """三十二年 → 32年 (a staple of these titles, written both ways); anything else unchanged."""
    digits = unicodedata.normalize("NFKC", s[:-1])
    if digits.isdigit():
        return f"{int(digits)}年"
    tens, ten, units = digits.partition("十")
    if ten and len(tens) <= 1 and len(units) <= 1 and all(c in _CN_DIGITS for c in tens + units):
        return f"{_CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(units, 0)}年"
    if len(digits) == 1 and digits in _CN_DIGITS:
        return f"{_CN_DIGITS[digits]}年"
    return s


_jieba = None
_jieba_lock = threading.Lock()


def _segmenter():
    """jieba's tokenizer, loaded once per process (~1 s and ~60 MB for its dictionary)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                logging.getLogger("jieba").setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _jieba = tokenizer
    return _jieba


@dataclass(frozen=True)
class Vocabulary:
    """The office's data: whole words, variant → canonical, theme word → weight, stop words."""

    words: frozenset = frozenset()
    synonyms: Mapping[str, str] = field(default_factory=dict)
    themes: Mapping[str, float] = field(default_factory=dict)
    stops: frozenset = frozenset()

    @classmethod
    def build(cls, *, words=(), synonyms=(), themes=(), stops=()) -> "Vocabulary":
        clean = lambda s: unicodedata.normalize("NFKC", s).strip().lower()  # noqa: E731
        return cls(
            words=frozenset(clean(w) for w in words if clean(w)),
            synonyms={clean(v): " ".join(clean(c).split()) for v, c in synonyms if clean(v) and clean(c)},
            themes={clean(w): max(0.0, min(1.0, float(x))) for w, x in themes if clean(w)},
            stops=frozenset(clean(w) for w in stops if clean(w)),
        )

    def __post_init__(self):
        # Every term of two characters or more is kept whole, so folding and weighting see the
        # same word the office wrote (jieba alone cuts 脱贫攻坚 in two).
        # Two-character variants jieba knows are left to it (forced, 种花 would cut 种花椒 wrongly),
        # unless jieba's dictionary has it or it is longer (带富 is not, 脱贫攻坚 is cut in two).
        dictionary = _segmenter().FREQ
        terms = set(self.words) | set(self.themes) | {t for t in self.synonyms if len(t) > 2 or not dictionary.get(t)}
        for canonical in self.synonyms.values():
            terms.update(canonical.split())
        terms = sorted((t for t in terms if len(t) > 1), key=len, reverse=True)
        pattern = "|".join([_YEARS] + [re.escape(t) for t in terms])
        object.__setattr__(self, "_terms", re.compile(pattern, re.IGNORECASE))

    def fold(self, token: str) -> list[str]:
        """A token's canonical words ([] for a stop word)."""
        token = unicodedata.normalize("NFKC", token).lower()
        if token.endswith("年") and re.fullmatch(_YEARS, token):
            token = _years_to_digits(token)
        if token in self.stops:
            return []
        canonical = self.synonyms.get(token)
        if canonical is None:
            # The one who does it is the doing: 养蜂人 / 养蜂, 护林员 / 护林, 治沙人 / 治沙.
            if len(token) > 2 and token[-1] in _AGENT_SUFFIXES and token not in self.words and token not in self.themes:
                token = token[:-1]
            canonical = self.synonyms.get(token, token)
        return [w for w in canonical.split() if w not in self.stops]

    def segments(self, text: str) -> list[tuple[str, list[str]]]:
        """The text cut into (surface, canonical words) pieces that cover it in order; punctuation
        and stop words come with no canonical word. Used for scoring and for highlighting."""
        out: list[tuple[str, list[str]]] = []
        pos = 0
        for run in _RUN.finditer(text or ""):
            if run.start() > pos:
                out.append((text[pos:run.start()], []))
            start = run.start()
            for m in self._terms.finditer(text, run.start(), run.end()):
                if m.start() > start:
                    out.extend(self._cut(text[start:m.start()]))
                out.append((m.group(), self.fold(m.group())))
                start = m.end()
            if start < run.end():
                out.extend(self._cut(text[start:run.end()]))
            pos = run.end()
        if pos < len(text or ""):
            out.append((text[pos:], []))
        return out

    def _cut(self, chunk: str) -> list[tuple[str, list[str]]]:
        return [(tok, self.fold(tok)) for tok in _segmenter().cut(chunk, HMM=False)]

    def words_of(self, text: str) -> tuple[str, ...]:
        """The distinct canonical words of a text, in order of first appearance, then the
        characters of its words that are not theme words (as ``CHAR_MARK`` + character)."""
        seen: dict[str, None] = {}
        chars: dict[str, None] = {}
        for _surface, canon in self.segments(text):
            for w in canon:
                seen.setdefault(w, None)
                if len(w) > 1 and w not in self.themes:
                    for ch in w:
                        if not ch.isdigit():
                            chars.setdefault(CHAR_MARK + ch, None)
        return tuple(seen) + tuple(chars)

    def base_weight(self, word: str) -> float:
        if word[0] == CHAR_MARK:
            return CHARACTER_WEIGHT
        weight = self.themes.get(word)
        if weight is None:
            weight = SINGLE_CHARACTER_WEIGHT if len(word) == 1 else 1.0
        return weight


def normalize(text: str, vocabulary: Vocabulary | None = None) -> str:
    """The text's canonical words run together (what the check compares, as one string)."""
    return "".join(w for w in (vocabulary or default_vocabulary()).words_of(text) if w[0] != CHAR_MARK)


_default = None


def default_vocabulary() -> Vocabulary:
    """The shipped vocabulary (``projects.reference_data``), for callers without a database."""
    global _default
    if _default is None:
        from projects import reference_data as data

        _default = Vocabulary.build(
            words=data.VOCABULARY_WORDS,
            synonyms=data.VOCABULARY_SYNONYMS,
            themes=data.VOCABULARY_THEMES,
            stops=data.VOCABULARY_STOPS,
        )
    return _default


def damping(df: int, n: int) -> float:
    """How much of its weight a word in ``df`` of ``n`` earlier topics keeps (see COMMON_SHARE)."""
    share = (df + PRIOR_TOPICS * COMMON_SHARE) / (n + PRIOR_TOPICS)
    if share <= COMMON_SHARE:
        return 1.0
    return max(MIN_DAMPING, math.log(1 / share) / math.log(1 / COMMON_SHARE))


@dataclass(frozen=True)
class Topic:
    """What is compared: the words of each field (see ``Vocabulary.words_of``)."""

    title: tuple[str, ...] = ()
    logline: tuple[str, ...] = ()
    local: tuple[str, ...] = ()

    @classmethod
    def of(cls, vocabulary: Vocabulary, title: str = "", logline: str = "", local_elements: str = "") -> "Topic":
        return cls(vocabulary.words_of(title), vocabulary.words_of(logline), vocabulary.words_of(local_elements))

    def field(self, name: str) -> tuple[str, ...]:
        return getattr(self, name)

    def all_words(self) -> set[str]:
        return set(self.title) | set(self.logline) | set(self.local)


@dataclass(frozen=True)
class Match:
    """An earlier topic that looks like the pitch: caller's key, its title, the score, its band
    and why (the shared canonical words, heaviest first)."""

    key: object
    text: str
    score: float
    band: str = ""
    shared: tuple[str, ...] = ()


def band_of(score: float) -> str:
    if score >= FLAG_THRESHOLD:
        return FLAGGED
    if score >= CLOSE_CALL_THRESHOLD:
        return CLOSE_CALL
    return ""


def _combine(field_cosines: dict[str, float]) -> float:
    """The score from the cosines of the fields both topics have (see the module docstring)."""
    if not field_cosines:
        return 0.0
    total = sum(FIELD_WEIGHTS[f] for f in field_cosines)
    blended = sum(FIELD_WEIGHTS[f] * c for f, c in field_cosines.items()) / total
    return min(1.0, max(field_cosines.get("title", 0.0), blended))


def _story_count(words) -> int:
    return sum(1 for w in words if w[0] != CHAR_MARK)


def score_topics(a: Topic, b: Topic, weight=None) -> tuple[float, tuple[str, ...]]:
    """Score two topics from 0.0 to 1.0 and say why (shared words, heaviest first).

    ``weight(word)`` is the word's weight (the default: its vocabulary weight, undamped)."""
    weight = weight or default_vocabulary().base_weight
    cosines: dict[str, float] = {}
    contributions: Counter = Counter()
    for name in FIELDS:
        wa, wb = a.field(name), b.field(name)
        if min(_story_count(wa), _story_count(wb)) < MIN_FIELD_WORDS[name]:
            continue
        if name == "title" and wa == wb:  # the same title once folded (a long logline never is)
            cosines[name] = 1.0
        na = math.sqrt(sum(weight(w) ** 2 for w in wa) + NORM_PRIOR)
        nb = math.sqrt(sum(weight(w) ** 2 for w in wb) + NORM_PRIOR)
        shared = set(wa) & set(wb)
        dot = sum(weight(w) ** 2 for w in shared)
        if name not in cosines:
            cosines[name] = dot / (na * nb)
        for w in shared:
            contributions[w] += FIELD_WEIGHTS[name] * weight(w) ** 2
    return _combine(cosines), tuple(w for w, _c in contributions.most_common() if _c > 0)


def similarity(a: str, b: str, *, vocabulary: Vocabulary | None = None, logline_a: str = "", logline_b: str = "",
               local_a: str = "", local_b: str = "") -> float:
    """Score how alike two topics are, 0.0 (nothing shared) to 1.0, without corpus statistics.

    The function the labelled pairs measure: symmetric; identical after folding scores 1.0; an
    empty or punctuation-only text scores 0.0 against anything."""
    vocabulary = vocabulary or default_vocabulary()
    ta = Topic.of(vocabulary, a, logline_a, local_a)
    tb = Topic.of(vocabulary, b, logline_b, local_b)
    return score_topics(ta, tb, vocabulary.base_weight)[0]


class Index:
    """Earlier topics, searchable by a pitch. Not thread-safe: callers lock (a search reads
    arrays that a write replaces).

    Each topic gets a slot (the order it was added); every distinct word an id. Kept per field: a
    posting list per word (the slots that have it, ``array('i')``), every (slot, word) pair, and each
    slot's count of story words; per word its document frequency. Nothing that depends on the
    weights is kept between changes: a new topic changes ``damping`` of every common word and so
    every norm, and recomputing them is one numpy pass over the pairs (a few milliseconds at
    10,000 topics), done by the first search after a change. A search scores every topic with
    numpy from the query words' postings, then scores the best few again with ``score_topics``:
    the returned scores are that function's, numpy only chooses which topics to score.
    """

    def __init__(self, vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self._slots: dict[object, int] = {}  # key → slot of the topics present
        self._docs: list[tuple[object, Topic, str] | None] = []  # slot → (key, words, title); None once removed
        self._ids: dict[str, int] = {}
        self._base: array = array("d")  # word id → vocabulary weight
        self._df: array = array("l")  # word id → topics that have it
        self._postings: dict[str, dict[int, array]] = {f: {} for f in FIELDS}
        self._pairs: dict[str, tuple[array, array]] = {f: (array("i"), array("i")) for f in FIELDS}  # slots, ids
        self._counts: dict[str, array] = {f: array("i") for f in FIELDS}  # slot → story words
        self._titles: dict[tuple, list[int]] = {}  # the title's words → slots (a folded title seen twice)
        self._arrays = None  # numpy views of the above with the norms, until the next change

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, key) -> bool:
        return key in self._slots

    def keys(self):
        return self._slots.keys()

    def add(self, key, title: str, logline: str = "", local_elements: str = "", topic: Topic | None = None) -> None:
        if key in self._slots:
            self.remove(key)
        topic = topic or Topic.of(self.vocabulary, title, logline, local_elements)
        # One string per word however many topics have it.
        topic = Topic(*(tuple(sys.intern(w) for w in topic.field(name)) for name in FIELDS))
        slot = len(self._docs)
        self._docs.append((key, topic, title))
        self._slots[key] = slot
        for name in FIELDS:
            words = topic.field(name)
            postings, (slots, ids) = self._postings[name], self._pairs[name]
            for w in words:
                i = self._id(w)
                postings.setdefault(i, array("i")).append(slot)
                slots.append(slot)
                ids.append(i)
            self._counts[name].append(_story_count(words))
        for w in topic.all_words():
            self._df[self._ids[w]] += 1
        self._titles.setdefault(topic.title, []).append(slot)
        self._arrays = None

    def remove(self, key) -> None:
        # The slot stays in the postings, marked gone (topics are hardly ever deleted).
        slot = self._slots.pop(key)
        _key, topic, _title = self._docs[slot]
        self._docs[slot] = None
        for w in topic.all_words():
            self._df[self._ids[w]] -= 1
        self._titles[topic.title].remove(slot)
        self._arrays = None

    def _id(self, word: str) -> int:
        i = self._ids.get(word)
        if i is None:
            i = self._ids[word] = len(self._base)
            self._base.append(self.vocabulary.base_weight(word))
            self._df.append(0)
        return i

    def weight(self, word: str) -> float:
        """The word's weight: its vocabulary weight, damped by how many of the topics have it."""
        i = self._ids.get(word)
        if i is None or self._df[i] <= 0:
            return self.vocabulary.base_weight(word)
        return self._base[i] * damping(self._df[i], len(self._slots))

    def _refresh(self):
        if self._arrays is not None:
            return self._arrays
        n = len(self._slots)
        df = np.array(self._df, dtype=np.float64)
        share = (df + PRIOR_TOPICS * COMMON_SHARE) / (n + PRIOR_TOPICS)
        damped = np.where(share <= COMMON_SHARE, 1.0,
                          np.maximum(MIN_DAMPING, np.log(1 / share) / math.log(1 / COMMON_SHARE)))
        squared = (np.array(self._base, dtype=np.float64) * damped) ** 2
        size = len(self._docs)
        norms, present = {}, {}
        for name in FIELDS:
            slots, ids = (np.array(a, dtype=np.intc) for a in self._pairs[name])
            norms[name] = np.bincount(slots, weights=squared[ids], minlength=size) + NORM_PRIOR
            present[name] = np.array(self._counts[name], dtype=np.intc) >= MIN_FIELD_WORDS[name]
        alive = np.array([doc is not None for doc in self._docs], dtype=bool)
        self._arrays = (norms, present, alive)
        return self._arrays

    def _estimate(self, q: dict[str, dict[str, float]], title_words: tuple):
        """Every slot's score against the query's fields ``q`` (field → {word: squared weight}),
        as numpy computes it: equal to ``score_topics`` up to rounding."""
        norms, present, alive = self._refresh()
        size = len(self._docs)
        num, den, title = np.zeros(size), np.zeros(size), np.zeros(size)
        for name, qw in q.items():
            postings = self._postings[name]
            lists, xs = [], []
            for w, x in qw.items():
                i = self._ids.get(w)
                if i is not None and i in postings:
                    lists.append(np.frombuffer(postings[i], dtype=np.intc))
                    xs.append(x)
            if lists:
                slots = np.concatenate(lists)
                dot = np.bincount(slots, weights=np.repeat(xs, [len(p) for p in lists]), minlength=size)
                del lists
            else:
                dot = np.zeros(size)
            cosine = dot / np.sqrt((sum(qw.values()) + NORM_PRIOR) * norms[name])
            cosine[~present[name]] = 0.0
            if name == "title":
                cosine[self._titles.get(title_words, [])] = 1.0
                title = cosine
            num += FIELD_WEIGHTS[name] * cosine
            den += FIELD_WEIGHTS[name] * present[name]
        blended = np.divide(num, den, out=np.zeros(size), where=den > 0)
        score = np.minimum(1.0, np.maximum(title, blended))
        score[~alive] = -1.0
        return score

    def search(self, query: Topic, *, limit: int = 5, threshold: float = CLOSE_CALL_THRESHOLD,
               exclude=()) -> list[Match]:
        """The earlier topics scoring ``>= threshold`` against ``query``, best first (ties: the
        order they were added), at most ``limit``; each score is ``score_topics`` with this
        index's weights, and says why."""
        if limit <= 0 or not self._slots:
            return []
        weights: dict[str, float] = {}  # this search's, each word's computed once

        def weight(word: str) -> float:
            w = weights.get(word)
            if w is None:
                w = weights[word] = self.weight(word)
            return w

        q = {}  # field → {word: squared weight}, the fields that can be compared at all
        for name in FIELDS:
            words = query.field(name)
            if _story_count(words) >= MIN_FIELD_WORDS[name]:
                q[name] = {w: weight(w) ** 2 for w in words}
        if not q:
            return []
        estimate = self._estimate(q, query.title)
        for key in exclude:
            if key in self._slots:
                estimate[self._slots[key]] = -1.0
        # Scored again exactly: every topic the estimate puts at or above the limit-th best (or the
        # threshold), with a margin for rounding, so that neither a score nor a tie is decided by it.
        cut = threshold
        if limit < len(estimate):
            cut = max(cut, float(np.partition(estimate, -limit)[-limit]))
        found = []
        for slot in np.flatnonzero(estimate >= cut - ESTIMATE_MARGIN).tolist():
            key, topic, title = self._docs[slot]
            score, shared = score_topics(query, topic, weight)
            if score >= threshold:
                found.append((score, slot, key, title, shared))
        found.sort(key=lambda row: (-row[0], row[1]))
        return [Match(key, title, score, band_of(score), shared) for score, _slot, key, title, shared in found[:limit]]


def closest(
    text: str,
    candidates: Iterable[tuple[object, str]],
    *,
    limit: int = 5,
    threshold: float = CLOSE_CALL_THRESHOLD,
    vocabulary: Vocabulary | None = None,
) -> list[Match]:
    """The candidates ``(key, title)`` that ``text`` resembles, best first, at most ``limit``
    with a score ``>= threshold``; ties keep the candidates' order. Builds a throwaway index (the
    app keeps one: ``projects.homogeneity``)."""
    vocabulary = vocabulary or default_vocabulary()
    index = Index(vocabulary)
    for key, other in candidates:
        index.add(key, other)
    query = Topic.of(vocabulary, text)
    if not query.title:
        return []
    return index.search(query, limit=limit, threshold=threshold)
