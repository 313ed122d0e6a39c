"""The homogeneity check as the app runs it: the office's vocabulary from the database and, per
process, an index of every earlier topic (``similarity.Index``), kept in step with the tables.

Each check asks the database, in one statement, the vocabulary's and the topics' count and last
change; only when one moved is anything reloaded: the vocabulary and the whole index when the
vocabulary changed, else just the topics added or removed since. Topics are never edited after the
pitch, so a topic's id and pitch time identify its text.
"""

import threading
from dataclasses import dataclass

from django.db import connection

from projects import similarity
from projects.models import Topic, VocabularyTerm

_lock = threading.Lock()
_vocabulary_key = None
_vocabulary: similarity.Vocabulary | None = None
_topics_key = None
_index: similarity.Index | None = None
_stamps: dict[int, object] = {}  # topic id → pitch time, of what the index holds


def _change_keys() -> tuple[tuple, tuple]:
    """What says whether the vocabulary or the topics changed: (count, last change) of the terms,
    (count, last id, last pitch time) of the topics. One statement, as each keystroke's check asks
    (two ORM aggregates cost it twice the round trips and statement compiling)."""
    q = connection.ops.quote_name
    terms, topics = q(VocabularyTerm._meta.db_table), q(Topic._meta.db_table)
    updated, created, pk = (q(c) for c in ("updated_at", "created_at", Topic._meta.pk.column))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {terms}), (SELECT MAX({updated}) FROM {terms}),"
            f" (SELECT COUNT(*) FROM {topics}), (SELECT MAX({pk}) FROM {topics}), (SELECT MAX({created}) FROM {topics})"
        )
        row = cursor.fetchone()
    return tuple(row[:2]), tuple(row[2:])


def vocabulary(key: tuple | None = None) -> similarity.Vocabulary:
    """The vocabulary the office keeps in the admin (reloaded when a term changed)."""
    global _vocabulary_key, _vocabulary, _index
    key = key or _change_keys()[0]
    with _lock:
        if key != _vocabulary_key or _vocabulary is None:
            rows = list(VocabularyTerm.objects.values_list("kind", "term", "canonical", "weight"))
            kinds = VocabularyTerm.Kind
            _vocabulary = similarity.Vocabulary.build(
                words=[t for k, t, _c, _w in rows if k == kinds.WORD],
                synonyms=[(t, c) for k, t, c, _w in rows if k == kinds.SYNONYM],
                themes=[(t, w) for k, t, _c, w in rows if k == kinds.THEME],
                stops=[t for k, t, _c, _w in rows if k == kinds.STOP],
            )
            _vocabulary_key = key
            _index = None  # every topic's words depend on the vocabulary
        return _vocabulary


def index() -> similarity.Index:
    """The index of every topic in the database, brought up to date."""
    global _topics_key, _index, _stamps
    vocabulary_key, key = _change_keys()
    vocab = vocabulary(vocabulary_key)
    with _lock:
        if _index is None or _index.vocabulary is not vocab:
            _index, _stamps, _topics_key = similarity.Index(vocab), {}, None
        if key != _topics_key:
            if not (_stamps and _add_pitched_since(count=key[0])):
                _bring_up_to_date()
            _topics_key = key
        return _index


_FIELDS = ("pk", "title", "logline", "local_elements", "created_at")


def _add_pitched_since(*, count: int) -> bool:
    """The usual change, new pitches, read as such: the rows from the highest id the index holds on
    (that row too: SQLite gives a deleted last id to the next row). True when they account for all
    ``count`` topics, i.e. nothing else was deleted; else nothing is changed."""
    rows = Topic.objects.filter(pk__gte=max(_stamps)).values_list(*_FIELDS)
    changed = [row for row in rows if _stamps.get(row[0]) != row[-1]]
    if len(_stamps) + sum(1 for row in changed if row[0] not in _stamps) != count:
        return False
    for pk, title, logline, local, created in changed:
        _index.add(pk, title, logline, local)  # in place of the row it replaces, if any
        _stamps[pk] = created
    return True


def _bring_up_to_date() -> None:
    """Every topic id compared with the index's: the removed ones removed, the missing ones added."""
    current = dict(Topic.objects.values_list("pk", "created_at"))
    for pk in [pk for pk, stamp in _stamps.items() if current.get(pk) != stamp]:
        _index.remove(pk)
        del _stamps[pk]
    missing = [pk for pk in current if pk not in _stamps]
    for start in range(0, len(missing), 2000):
        chunk = missing[start:start + 2000]
        for pk, title, logline, local, created in Topic.objects.filter(pk__in=chunk).values_list(*_FIELDS):
            _index.add(pk, title, logline, local)
            _stamps[pk] = created


@dataclass(frozen=True)
class Query:
    title: str
    logline: str = ""
    local_elements: str = ""


def check(query: Query, *, exclude=(), limit: int = 5, threshold: float = similarity.CLOSE_CALL_THRESHOLD):
    """The earlier topics the pitch resembles, best first: flagged and close calls (``Match.band``)."""
    idx = index()
    topic = similarity.Topic.of(idx.vocabulary, query.title, query.logline, query.local_elements)
    with _lock:
        return idx.search(topic, limit=limit, threshold=threshold, exclude=exclude)


def marked(text: str, shared) -> list[dict]:
    """``text`` in pieces, each saying whether it is one of the ``shared`` words (to highlight)."""
    shared = set(shared)
    pieces: list[dict] = []
    # The vocabulary the check that found ``shared`` just used (no second look at the database).
    for surface, canonical in (_vocabulary or vocabulary()).segments(text):
        hit = any(w in shared for w in canonical)
        if pieces and pieces[-1]["shared"] == hit:
            pieces[-1]["text"] += surface
        else:
            pieces.append({"text": surface, "shared": hit})
    return pieces


def story_words(shared) -> list[str]:
    """The shared words worth showing a person (not the characters the score also counts)."""
    return [w for w in shared if w[0] != similarity.CHAR_MARK]


@dataclass(frozen=True)
class Recheck:
    topic: Topic
    stored_flagged: bool
    stored_max: float
    stored: dict  # other id → (score, flagged)
    now: list  # similarity.Match, against the topics pitched before it

    @property
    def now_flagged(self) -> bool:
        return any(m.band == similarity.FLAGGED for m in self.now)

    @property
    def changed(self) -> bool:
        return self.now_flagged != self.stored_flagged or {m.key for m in self.now} != set(self.stored)


def recheck_call(call, *, limit: int = 5) -> list[Recheck]:
    """Each topic of the call checked again, today's vocabulary and thresholds, against the topics
    pitched before it; what is stored is read, never written."""
    topics = list(call.topics.order_by("created_at", "pk").prefetch_related("similarities"))
    idx = index()
    out = []
    for topic in topics:
        query = similarity.Topic.of(idx.vocabulary, topic.title, topic.logline, topic.local_elements)
        earlier = set(
            Topic.objects.filter(created_at__lt=topic.created_at).values_list("pk", flat=True)
        ) | set(Topic.objects.filter(created_at=topic.created_at, pk__lt=topic.pk).values_list("pk", flat=True))
        with _lock:
            found = idx.search(query, limit=len(idx), threshold=similarity.CLOSE_CALL_THRESHOLD)
        now = [m for m in found if m.key in earlier][:limit]
        stored = {s.other_id: (s.score, s.flagged) for s in topic.similarities.all()}
        out.append(Recheck(topic, topic.flagged, topic.max_similarity, stored, now))
    return out
