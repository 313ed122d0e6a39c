"""Homogeneity (同质化) check for Chinese topic pitches.

Pure standard library, no Django: the view/model layer calls ``closest`` with
the earlier topics and shows the matches; nothing here touches the database.

Method: titles are normalised (NFKC, punctuation dropped, a few synonyms
folded), cut into character bigrams, and compared by weighted cosine.  Chinese
has no spaces and a segmenter (jieba) would be a heavy dependency whose
dictionary still misses names like 红色管家 or 小岗村; overlapping bigrams
survive reordering and added modifiers without one.

The catch is that every pitch in this domain is written with the same stock
phrases (党建引领, 基层党组织, 党员先锋 ...), so raw bigram overlap makes
unrelated topics look alike.  Corpus IDF would fix that on a big corpus, but
a yearly pitch list is a few dozen titles, far too few for IDF to learn that
党员 is noise.  Instead a built-in list of domain boilerplate marks those
characters, and any bigram touching them counts only a fraction.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

# Sits in the gap between labelled duplicates (mostly 0.45+) and distinct
# pairs (mostly below 0.35) in the tests, leaning low: a flag only asks a
# person to look, while a miss lets a duplicate through.
HOMOGENEITY_THRESHOLD: float = 0.4

# Stock vocabulary of 党员教育 titles.  These words say what genre a pitch is,
# not what it is about, so two pitches sharing only them are not duplicates.
# Keep entries as whole words: matching is longest-first on the normalised text.
DOMAIN_TERMS: tuple[str, ...] = (
    "党建引领", "党建", "引领", "党员", "老党员", "党员干部", "干部", "党组织",
    "基层", "党支部", "支部", "党委", "书记", "村支书", "支书", "第一书记",
    "驻村", "党群", "先锋", "冲锋", "模范", "榜样", "红色", "服务", "为民",
    "群众", "人民", "社区", "乡村振兴", "乡村", "振兴", "新时代", "时代",
    "初心", "使命", "担当", "奉献", "奋斗", "精神", "传承", "志愿者", "志愿",
    "一线", "故事", "力量", "建设", "发展", "实践", "治理", "助力", "带头",
    "带领", "守护", "扎根", "坚守", "之路", "路上", "中国", "幸福", "美丽",
    "温暖",
)
# Low enough that a shared 党员 is noise, but not zero: when two titles share
# nothing specific, agreeing on the boilerplate should still rank them.
DOMAIN_WEIGHT = 0.2
_TERMS_LONGEST_FIRST = sorted(DOMAIN_TERMS, key=len, reverse=True)

# Synonym folding, kept deliberately small: only pairs that pitch writers use
# interchangeably for the *same* story.  Each rule is (pattern, replacement)
# applied in order to the already punctuation-free text.
SYNONYMS: tuple[tuple[str, str], ...] = (
    # 回乡/还乡/归乡 are stylistic variants of 返乡.
    (r"[回还归]乡", "返乡"),
    # "带领/带动 X 致富/增收" is the long form of 带富 (lead X to prosperity).
    (r"带[领动]([^带]{0,6}?)(?:致富|增收)", r"带富\1"),
    (r"增收", "致富"),
    # Whoever is being helped (村民/乡亲/老乡) reads as 群众 in these pitches.
    (r"村民|乡亲|老乡", "群众"),
    # Village party secretary has three common spellings.
    (r"村党(?:总)?支部书记", "村支书"),
    (r"调解", "化解"),
    (r"矛盾", "纠纷"),
)
_SYNONYMS = tuple((re.compile(p), r) for p, r in SYNONYMS)

# 的 and 在 glue modifiers and places onto nearly every title; they carry no
# topic but would otherwise create bigrams like 锋在 shared by unrelated pitches.
_PARTICLES = str.maketrans("", "", "的在")

# Years of service are a staple of these titles and written both ways
# (坚守三十二年 / 坚守32年); only numbers before 年 are folded, 1..99.
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_CN_YEARS = re.compile(r"([一二三四五六七八九十]{1,3})年")


def _years_to_digits(m: re.Match) -> str:
    s = m.group(1)
    tens, ten, units = s.partition("十")
    if ten and len(tens) <= 1 and len(units) <= 1:
        value = _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(units, 0)
    elif len(s) == 1:
        value = _CN_DIGITS[s]
    else:  # 一二年 and the like are not a number of years
        return m.group(0)
    return f"{value}年"


def normalize(text: str) -> str:
    """Return ``text`` in canonical form for comparison.

    NFKC (full-width letters/digits to ASCII), lower case, every character
    that is not a letter or digit removed (punctuation, quotes, spaces), the
    particles 的/在 dropped, the ``SYNONYMS`` table applied, and Chinese year
    counts (三十年) written as digits (30年).
    """
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    text = text.translate(_PARTICLES)
    for pattern, repl in _SYNONYMS:
        text = pattern.sub(repl, text)
    return _CN_YEARS.sub(_years_to_digits, text)


def _generic_mask(text: str) -> list[bool]:
    # Longest match first so 党建引领 wins over 党建; a mask (rather than
    # deleting the words) keeps the bigrams that straddle a term boundary
    # from turning into spurious "specific" grams.
    mask = [False] * len(text)
    terms = _TERMS_LONGEST_FIRST
    i = 0
    while i < len(text):
        for term in terms:
            if text.startswith(term, i):
                mask[i:i + len(term)] = [True] * len(term)
                i += len(term)
                break
        else:
            i += 1
    return mask


def _vector(text: str) -> dict[str, float]:
    norm = normalize(text)
    if len(norm) == 1:  # no bigram at all, yet it should still match itself
        return {norm: 1.0}
    mask = _generic_mask(norm)
    grams = Counter()
    weights: dict[str, float] = {}
    for i in range(len(norm) - 1):
        gram = norm[i:i + 2]
        grams[gram] += 1
        w = DOMAIN_WEIGHT if (mask[i] or mask[i + 1]) else 1.0
        weights[gram] = max(weights.get(gram, 0.0), w)
    return {g: c * weights[g] for g, c in grams.items()}


def _cosine(va: dict[str, float], vb: dict[str, float]) -> float:
    if not va or not vb:
        return 0.0
    if va == vb:  # exact 1.0 for identical text, not 0.9999999999999998
        return 1.0
    dot = sum(w * vb[g] for g, w in va.items() if g in vb)
    na = math.sqrt(sum(w * w for w in va.values()))
    nb = math.sqrt(sum(w * w for w in vb.values()))
    return min(1.0, dot / (na * nb))


def similarity(a: str, b: str) -> float:
    """Score how alike two topic texts are, from 0.0 (nothing shared) to 1.0.

    Symmetric; identical texts after ``normalize`` score 1.0, and an empty or
    punctuation-only text scores 0.0 against anything.
    """
    return _cosine(_vector(a), _vector(b))


@dataclass(frozen=True)
class Match:
    """An earlier topic that looks like the pitch: caller's key, text, score."""

    key: object
    text: str
    score: float


def closest(
    text: str,
    candidates: Iterable[tuple[object, str]],
    *,
    limit: int = 5,
    threshold: float = HOMOGENEITY_THRESHOLD,
) -> list[Match]:
    """Return the candidates that ``text`` nearly duplicates, best first.

    ``candidates`` yields ``(key, text)`` pairs (key is opaque, e.g. a topic
    id).  Only scores ``>= threshold`` are kept, at most ``limit`` of them;
    ties keep the candidates' original order.
    """
    if limit <= 0:
        return []
    query = _vector(text)
    if not query:
        return []
    found = []
    for key, other in candidates:
        score = _cosine(query, _vector(other))
        if score >= threshold:
            found.append(Match(key, other, score))
    found.sort(key=lambda m: m.score, reverse=True)
    return found[:limit]
