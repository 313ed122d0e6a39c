"""The homogeneity check's two bands measured on labelled pairs (issue 13).

Pure functions, no database. Run with ``-s`` to read the figures: precision and recall of each
band, on the development pairs (the method was tuned looking at them), on the held-out pairs
(see tests/projects/homogeneity_heldout.py for what "held out" means here) and on both.
"""

import pytest

from projects import similarity
from projects.similarity import CLOSE_CALL_THRESHOLD, FLAG_THRESHOLD
from tests.projects.homogeneity_heldout import HELDOUT_DISTINCT, HELDOUT_DUPLICATES
from tests.projects.homogeneity_pairs import (
    DEV_DISTINCT,
    DEV_DUPLICATES,
    FULL_DISTINCT,
    FULL_DUPLICATES,
    ISSUE_DUPLICATES,
)


def score(pair):
    a, b = pair
    if isinstance(a, tuple):  # (title, logline, local elements)
        return similarity.similarity(a[0], b[0], logline_a=a[1], logline_b=b[1], local_a=a[2], local_b=b[2])
    return similarity.similarity(a, b)


def bands(duplicates, distinct):
    dup = [score(p) for p in duplicates]
    dis = [score(p) for p in distinct]
    flagged_tp = sum(s >= FLAG_THRESHOLD for s in dup)
    flagged_fp = sum(s >= FLAG_THRESHOLD for s in dis)
    shown_tp = sum(s >= CLOSE_CALL_THRESHOLD for s in dup)
    shown_fp = sum(s >= CLOSE_CALL_THRESHOLD for s in dis)
    return {
        "pairs": len(dup) + len(dis),
        "flag_precision": flagged_tp / (flagged_tp + flagged_fp) if flagged_tp + flagged_fp else 1.0,
        "flag_recall": flagged_tp / len(dup),
        "shown_precision": shown_tp / (shown_tp + shown_fp) if shown_tp + shown_fp else 1.0,
        "shown_recall": shown_tp / len(dup),
    }


SETS = {
    "development": (DEV_DUPLICATES + FULL_DUPLICATES, DEV_DISTINCT + FULL_DISTINCT),
    "held-out": (HELDOUT_DUPLICATES, HELDOUT_DISTINCT),
}
SETS["all"] = (SETS["development"][0] + SETS["held-out"][0], SETS["development"][1] + SETS["held-out"][1])


def test_the_bands_on_the_labelled_pairs():
    print(f"\nhomogeneity bands: flagged >= {FLAG_THRESHOLD}, close call >= {CLOSE_CALL_THRESHOLD}")
    figures = {}
    for name, (dups, dists) in SETS.items():
        f = figures[name] = bands(dups, dists)
        print(f"  {name:11} {f['pairs']:3} pairs ({len(dups)} near-duplicates, {len(dists)} distinct): "
              f"flagged precision {f['flag_precision']:.2f} recall {f['flag_recall']:.2f}; "
              f"flagged + close calls precision {f['shown_precision']:.2f} recall {f['shown_recall']:.2f}")
    for name in ("development", "held-out"):
        dups, dists = SETS[name]
        for p in dups:
            if score(p) < FLAG_THRESHOLD:
                print(f"  {name}: not flagged {score(p):.2f} {p}")
        for p in dists:
            if score(p) >= CLOSE_CALL_THRESHOLD:
                print(f"  {name}: distinct shown {score(p):.2f} {p}")
    everything = figures["all"]
    assert everything["pairs"] >= 60
    assert everything["flag_precision"] == 1.0
    assert everything["flag_recall"] >= 0.85
    assert everything["shown_recall"] >= 0.95


@pytest.mark.parametrize("pair", ISSUE_DUPLICATES, ids=lambda p: p[0])
def test_the_issues_examples_are_flagged(pair):
    assert score(pair) >= FLAG_THRESHOLD


def test_two_stories_of_one_first_secretary_stay_apart():
    assert score(("驻村第一书记的扶贫日记", "驻村第一书记带领村民修水渠")) < CLOSE_CALL_THRESHOLD


def test_a_duplicate_behind_a_new_title_is_at_least_a_close_call_thanks_to_the_logline():
    (a, b) = FULL_DUPLICATES[0]
    assert similarity.similarity(a[0], b[0]) < CLOSE_CALL_THRESHOLD
    assert score((a, b)) >= CLOSE_CALL_THRESHOLD


def test_the_thresholds_are_ordered():
    assert 0 < CLOSE_CALL_THRESHOLD < FLAG_THRESHOLD < 1
    assert similarity.band_of(FLAG_THRESHOLD) == similarity.FLAGGED
    assert similarity.band_of(CLOSE_CALL_THRESHOLD) == similarity.CLOSE_CALL
    assert similarity.band_of(CLOSE_CALL_THRESHOLD - 0.01) == ""


def test_the_vocabulary_folds_variants_and_keeps_domain_words_whole():
    v = similarity.default_vocabulary()
    assert "党建地图" in v.words_of("“党建地图”让党群活动触手可及")
    assert v.words_of("带头")[0] == v.words_of("带领")[0]
    assert v.words_of("脱贫攻坚")[0] == "扶贫"
    # 增收致富 is one word folded to 致富, not 致富 twice.
    assert [w for w in v.words_of("增收致富") if w[0] != similarity.CHAR_MARK] == ["致富"]
    # An office's own entry takes effect: a new variant folds.
    extended = similarity.Vocabulary.build(words=["云岭先锋"], synonyms=[("党员户", "党员")], themes=[("党员", 0.25)])
    assert extended.words_of("党员户")[0] == "党员"


def test_theme_words_weigh_less_than_story_words():
    v = similarity.default_vocabulary()
    assert v.base_weight("党员") < v.base_weight("蓝莓")
    # Damping by the earlier topics: a word in half of 1,000 topics keeps a fraction of its weight,
    # a word in 3 of them keeps all of it, and with no topics at all nothing is damped.
    assert similarity.damping(500, 1000) < 0.3
    assert similarity.damping(3, 1000) == 1.0
    assert similarity.damping(0, 0) == 1.0


def test_the_index_finds_what_scoring_every_topic_finds():
    # The index reads only the postings of heavy words; on a corpus of every labelled text (with
    # its damping) it must return exactly what scoring each topic one by one returns.
    vocabulary = similarity.default_vocabulary()
    index = similarity.Index(vocabulary)
    texts = []
    for dups, dists in (SETS["all"],):
        for a, b in dups + dists:
            for t in (a, b):
                texts.append(t if isinstance(t, tuple) else (t, "", ""))
    texts = list(dict.fromkeys(texts))
    for key, (title, logline, local) in enumerate(texts):
        index.add(key, title, logline, local)
    assert len(index) == len(texts) > 150
    for title, logline, local in texts[::7]:
        query = similarity.Topic.of(vocabulary, title, logline, local)
        brute = sorted(
            ((score, key) for key, t in enumerate(texts)
             if (score := similarity.score_topics(query, similarity.Topic.of(vocabulary, *t), index.weight)[0])
             >= CLOSE_CALL_THRESHOLD),
            key=lambda row: (-row[0], row[1]),
        )
        found = index.search(query, limit=len(texts))
        assert [m.key for m in found] == [key for _s, key in brute]
        assert [m.score for m in found] == pytest.approx([s for s, _k in brute])
        assert found[0].score == 1.0  # itself
