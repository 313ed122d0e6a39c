#!/usr/bin/env python
"""Benchmark: the live homogeneity check (避免同质化) against 10,000 earlier topics.

Not a test: it asserts nothing about time. Run from the repository root:

    .venv/bin/python bench/similarity.py                       # SQLite file in a fresh temp dir
    .venv/bin/python bench/similarity.py --database-url postgres://postgres@127.0.0.1:5432/reelwork_bench_sim

What it does (see bench/README.md, "similarity.py"):
1. A throwaway database (web_list's), ``seedbulk.make_world()``, then N synthetic topics (title,
   logline, local elements; bulk rows) made from the field's subjects, deeds, objects and places.
2. Keystrokes: P pitches are "typed" one character at a time (title, then the first 30 characters
   of the logline); every prefix is one request, as the pitch form's debounced JS sends it at worst.
   Measured per keystroke, interleaved so that a change of load hits all alike:
   * **today's** service and endpoint: ``projects/similarity.py`` and ``projects/homogeneity.py`` as
     they are at ``--today`` (read from git, the index kept per process as it was there), swapped
     in for the timing of these two rows only; the view and the service are the same code;
   * the **new** service, ``services.topic_similar``, and the **new** endpoint through Django's test
     Client as a producer (``GET /api/topics/similar/``, access check, the matches' units and years,
     the highlighted pieces);
   * on every ``--bigram-every``-th keystroke, the bigram method before issue 13 (``--before``):
     ``closest(title, Topic.objects.values_list("pk", "title"))``, what its service did (seconds a call).
3. Each index's cost: the first check (building it), a check after one new topic, memory of the index
   (resident-set growth while it is built; tracemalloc on a tenth of the topics for the new one) and
   of jieba's dictionary, peak RSS.
4. Writes its block of bench/RESULTS.md and prints it.
"""

import argparse
import gc
import importlib.util
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH_DIR))

import reporting  # noqa: E402
import web_list  # noqa: E402

# The commit before issue 13's work: projects/similarity.py as it was (character bigrams, every
# candidate re-normalised on every call).
BEFORE = "7f468aa"
# Today's: the index as it was before its numpy scoring (main when that work began).
TODAY = "a03dbb3"

SUBJECTS = ["老支书", "驻村第一书记", "村支书", "老党员", "党员医生", "退役军人", "大学生村官", "网格员", "党员教师",
            "非遗传承人", "快递小哥", "党员律师", "返乡青年", "女村支书", "党员护林员", "社区党组织", "党员志愿者",
            "党员突击队", "红色物业", "党员邮递员", "养蜂人", "菜农", "电商主播", "护水人", "老兵", "乡村教师"]
DEEDS = ["带领村民种植", "带头发展", "义务守护", "开办", "直播销售", "帮助群众修建", "推广", "创办", "守护",
         "调解", "服务", "坚守", "探索", "打造", "宣讲", "整治"]
OBJECTS = ["蓝莓", "花椒", "核桃", "茶叶", "中药材", "高原花卉", "肉牛", "民宿", "水渠", "烈士陵园", "老旧小区",
           "四点半课堂", "合作社", "乡村旅游", "垃圾分类", "党建地图", "农民夜校", "有声图书馆", "山区公路",
           "邻里纠纷", "生活污水", "防汛堤坝", "养老食堂", "电梯加装", "滇池湿地", "红色影院"]
PLACES = ["", "", "曙光社区", "西山区", "金马街道", "官渡古镇", "翠湖边", "吴井街道", "富民县", "东川区", "护国街道",
          "华山街道", "大观街道", "莲华街道", "红云街道", "龙翔街道", "丰宁街道", "普吉街道", "黑林铺", "西翥街道"]
TAILS = ["", "", "的故事", "记", "：一个人的坚守", "三十年", "的新路子", "——来自基层的报告", "的日记", "的一天"]
LOGLINES = ["{s}在{p}{d}{o}，{n}年来带动{k}户群众增收。", "讲述{s}{d}{o}的经历，展现基层党员的担当。",
            "{p}的{s}克服困难{d}{o}，让群众得到实惠。", "{s}扎根{p}，用{n}年时间{d}{o}。"]
DATA_LABELS = {
    "synthetic": "synthetic",
    "varied": "varied synthetic (subjects, verbs, objects and places also drawn from 2,000 nouns, 800 verbs and "
              "300 place names of jieba's dictionary)",
}


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database-url", default="", help="default: SQLite file in a fresh temp dir")
    ap.add_argument("--topics", type=int, default=10000, help="earlier topics in the database")
    ap.add_argument("--pitches", type=int, default=12, help="pitches typed keystroke by keystroke")
    ap.add_argument("--data", choices=("synthetic", "varied"), default="synthetic",
                    help="synthetic: the field's short word lists (the reference set); varied: words from jieba's dictionary too")
    ap.add_argument("--today", default=TODAY, help="commit whose projects/similarity.py and homogeneity.py are today's")
    ap.add_argument("--before", default=BEFORE, help="commit whose projects/similarity.py is the bigram method")
    ap.add_argument("--bigram-every", type=int, default=10, help="time the bigram method on every N-th keystroke (0: never)")
    ap.add_argument("--results", default=str(BENCH_DIR / "RESULTS.md"), help="markdown file to update ('' to skip)")
    ap.add_argument("--keep-db", action="store_true")
    return ap.parse_args()


def synthetic(rng, i):
    s, d, o, p = rng.choice(SUBJECTS), rng.choice(DEEDS), rng.choice(OBJECTS), rng.choice(PLACES)
    title = f"{p}{s}{d}{o}{rng.choice(TAILS)}"[:120]
    logline = rng.choice(LOGLINES).format(s=s, d=d, o=o, p=p or "村里", n=rng.randint(2, 40), k=rng.randint(5, 300))
    local = " ".join(x for x in ["五华元素", p] if x)
    return title, logline, local


def varied_pools(rng):
    """For ``--data varied``: nouns, verbs and place names jieba's dictionary knows (frequent, 2–3
    characters), a sample of each; a call's vocabulary is far wider than the synthetic lists."""
    import jieba

    pools = {"n": [], "v": [], "ns": []}
    for line in jieba.get_dict_file():
        word, freq, tag = line.decode("utf-8").split()
        if tag in pools and 2 <= len(word) <= 3 and int(freq) >= 500:
            pools[tag].append(word)
    return {tag: rng.sample(words, min(len(words), size)) for (tag, words), size in zip(pools.items(), (2000, 800, 300))}


def varied(rng, pools):
    """A topic of the varied set: the field's subjects half the time, else a noun; one or two verbs
    and objects from the pools; a place from the pools or the district's list."""
    n, v, places = pools["n"], pools["v"], pools["ns"]
    s = rng.choice(SUBJECTS) if rng.random() < 0.5 else rng.choice(n)
    d = rng.choice(v) + (rng.choice(v) if rng.random() < 0.3 else "")
    o = rng.choice(n) + (rng.choice(n) if rng.random() < 0.5 else "")
    p = rng.choice(PLACES) if rng.random() < 0.5 else rng.choice(places)
    title = f"{p}{s}{d}{o}{rng.choice(TAILS)}"[:120]
    logline = rng.choice(LOGLINES).format(s=s, d=d, o=o + rng.choice(n), p=p or "村里", n=rng.randint(2, 40),
                                         k=rng.randint(5, 300))
    local = " ".join(x for x in ["五华元素", p] if x)
    return title, logline, local


def load_module(commit, path, name, replace=()):
    """``path`` as it is at ``commit`` (``git show``), imported as module ``name``; ``replace``:
    (old, new) pairs applied to the source first (to point its imports at other loaded modules)."""
    source = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    for old, new in replace:
        assert old in source, (path, old)
        source = source.replace(old, new)
    file = Path(tempfile.mkdtemp(prefix="reelwork-sim-old-")) / f"{name}.py"
    file.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def load_before(commit):
    return load_module(commit, "projects/similarity.py", "similarity_before")


def load_today(commit):
    """Today's ``homogeneity`` module, over today's ``similarity`` (its own per-process index)."""
    load_module(commit, "projects/similarity.py", "similarity_today")
    return load_module(commit, "projects/homogeneity.py", "homogeneity_today",
                       replace=[("from projects import similarity\n", "import similarity_today as similarity\n")])


class Swapped:
    """Within ``with``: the service and the view call ``module`` where they call ``homogeneity``."""

    def __init__(self, module):
        from projects import services
        from projects.api import views

        self.module, self.targets = module, (services, views)

    def __enter__(self):
        self.saved = [t.homogeneity for t in self.targets]
        for t in self.targets:
            t.homogeneity = self.module

    def __exit__(self, *exc):
        for t, saved in zip(self.targets, self.saved):
            t.homogeneity = saved


def rss_mib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    args = parse_args()
    tmpdir = Path(tempfile.mkdtemp(prefix="reelwork-bench-sim-"))
    try:
        database_url = web_list.prepare_database(args.database_url, tmpdir)
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    os.environ.update({
        "DATABASE_URL": database_url, "DEBUG": "false", "ALLOWED_HOSTS": "testserver",
        "REELWORK_VAR_DIR": str(tmpdir / "var"), "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "studio.settings",
    })
    try:
        run(args)
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            web_list.drop_database(database_url)
            shutil.rmtree(tmpdir, ignore_errors=True)
        else:
            print(f"kept: {database_url} (temp dir {tmpdir})")


def run(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    import seedbulk
    from projects import homogeneity, services, similarity
    from projects.models import Topic

    load_start = os.getloadavg()
    call_command("migrate", verbosity=0, interactive=False)
    world = seedbulk.make_world()
    rng = random.Random(20261203)
    if args.data == "varied":
        pools = varied_pools(random.Random(20261204))
        make = lambda rng, i: varied(rng, pools)  # noqa: E731
    else:
        make = synthetic
    t0 = time.perf_counter()
    rows = []
    for i in range(args.topics):
        title, logline, local = make(rng, i)
        unit = rng.choice(world.units)
        rows.append(Topic(call=world.call, unit=unit, title=title, logline=logline, local_elements=local,
                          genre=rng.choice(world.genres), proposed_track=world.tracks["project"],
                          pitched_by=world.producers[unit.pk]))
    Topic.objects.bulk_create(rows, batch_size=2000)
    seed_s = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    before = load_before(args.before)
    today = load_today(args.today)

    # jieba's dictionary, loaded once per process, measured on its own. Memory as resident-set
    # growth (tracemalloc would slow the 10,000-topic build many times over).
    gc.collect()
    rss0 = rss_mib()
    t0 = time.perf_counter()
    similarity._segmenter()
    jieba_s = time.perf_counter() - t0
    gc.collect()
    jieba_mb = rss_mib() - rss0

    # Each index built by its first check: today's, then the new one.
    builds = {}
    for module in (today, homogeneity):
        module.vocabulary()  # not the index's cost (nor the first-time costs it brings)
    for name, module in (("today", today), ("new", homogeneity)):
        gc.collect()
        rss0 = rss_mib()
        t0 = time.perf_counter()
        with Swapped(module):
            services.topic_similar(title="老支书带领村民种植花椒")
        seconds = time.perf_counter() - t0
        gc.collect()
        builds[name] = (seconds, rss_mib() - rss0, len(module.index()))
        print(f"{name}: index of {builds[name][2]} topics built in {seconds:.1f} s", file=sys.stderr, flush=True)
    n_index = builds["new"][2]
    # Cross-check on a tenth of the topics with tracemalloc (exact Python and numpy allocations).
    few = list(Topic.objects.values_list("pk", "title", "logline", "local_elements")[: max(1, args.topics // 10)])
    sample_mb = {}
    for name, module in (("today", today), ("new", homogeneity)):
        sim = module.similarity
        sample = sim.Index(module.vocabulary())
        tracemalloc.start()
        for pk, title_, logline_, local_ in few:
            sample.add(pk, title_, logline_, local_)
        sample.search(sim.Topic.of(sample.vocabulary, "老支书"))
        sample_mb[name] = tracemalloc.get_traced_memory()[0] / 2**20
        tracemalloc.stop()
        del sample

    client = Client()
    producer = next(iter(world.producers.values()))
    client.force_login(producer)
    url = reverse("api-topic-similar")
    for module in (today, homogeneity):  # warm-up
        with Swapped(module):
            client.get(url, {"title": "老支书", "call": world.call.pk})

    pitches = [make(rng, -1) for _ in range(args.pitches)]
    keystrokes = []
    for title, logline, local in pitches:
        keystrokes += [(title[:k], "") for k in range(1, len(title) + 1)]
        keystrokes += [(title, logline[:k]) for k in range(2, min(30, len(logline)) + 1, 2)]
    rows = ("today_service", "today_endpoint", "service", "endpoint", "before")
    times = {key: [] for key in rows}
    found = {key: 0 for key in rows}
    differ = 0
    for i, (title, logline) in enumerate(keystrokes):
        if i % 20 == 0:
            print(f"keystroke {i}/{len(keystrokes)}", file=sys.stderr, flush=True)
        if args.bigram_every and i % args.bigram_every == 0:
            t0 = time.perf_counter()
            m = before.closest(title, Topic.objects.values_list("pk", "title"))
            times["before"].append(time.perf_counter() - t0)
            found["before"] += len(m)
        with Swapped(today):
            t0 = time.perf_counter()
            old = services.topic_similar(title=title, logline=logline)
            times["today_service"].append(time.perf_counter() - t0)
            found["today_service"] += len(old)
            t0 = time.perf_counter()
            r = client.get(url, {"title": title, "logline": logline, "call": world.call.pk})
            times["today_endpoint"].append(time.perf_counter() - t0)
            assert r.status_code == 200, r.content
            found["today_endpoint"] += len(r.json())
        t0 = time.perf_counter()
        m = services.topic_similar(title=title, logline=logline)
        times["service"].append(time.perf_counter() - t0)
        found["service"] += len(m)
        # The same answer as today's (keys in order; scores equal up to rounding).
        if [x.key for x in m] != [x.key for x in old] or any(abs(x.score - y.score) > 1e-9 for x, y in zip(m, old)):
            differ += 1
        t0 = time.perf_counter()
        r = client.get(url, {"title": title, "logline": logline, "call": world.call.pk})
        times["endpoint"].append(time.perf_counter() - t0)
        assert r.status_code == 200, r.content
        found["endpoint"] += len(r.json())

    # A new pitch changes every common word's weight, so every norm: the next check of each
    # implementation recomputes them (the new pitch's own check is the new implementation's).
    title, logline, local = pitches[0]
    t0 = time.perf_counter()
    services.topic_pitch(user=producer, call=world.call, unit=producer.units.get(), title=title, logline=logline,
                         genre=world.genres[0], proposed_track=world.tracks["project"], local_elements=local)
    pitch_s = time.perf_counter() - t0
    after_new = {}
    for name, module in (("today", today), ("new", homogeneity)):
        with Swapped(module):
            t0 = time.perf_counter()
            services.topic_similar(title="老支书带领村民种植花椒")
            after_new[name] = time.perf_counter() - t0
            t0 = time.perf_counter()
            services.topic_similar(title="老支书带领村民种植花椒")
            after_new[name + " again"] = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    ms = lambda s: f"{s * 1000:.1f}"  # noqa: E731
    table = ["| per keystroke | requests | p50 ms | p95 ms | max ms | × today's p95 | matches shown per keystroke |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    labels = {
        "before": f"bigram `closest` over `values_list` (before issue 13, {args.before}), every {args.bigram_every}th keystroke",
        "today_service": f"today's `services.topic_similar` (index at {args.today})",
        "today_endpoint": f"today's `GET /api/topics/similar/` (index at {args.today}; test Client, producer)",
        "service": "new `services.topic_similar` (numpy-scored index)",
        "endpoint": "new `GET /api/topics/similar/` (test Client, producer)",
    }
    against = {"before": "today_service", "today_service": "today_service", "service": "today_service",
               "today_endpoint": "today_endpoint", "endpoint": "today_endpoint"}
    for key in ("before", "today_service", "service", "today_endpoint", "endpoint"):
        t = times[key]
        if not t:
            continue
        table.append(f"| {labels[key]} | {len(t)} | {ms(statistics.median(t))} | {ms(pct(t, 0.95))} | {ms(max(t))} | "
                     f"{pct(t, 0.95) / pct(times[against[key]], 0.95):.3f} | {found[key] / len(t):.2f} |")
    block = "\n".join([
        "### " + ("PostgreSQL" if connection.vendor == "postgresql" else "SQLite")
        + (", varied topics (`--data varied`)" if args.data == "varied" else ""),
        "",
        reporting.machine(f"Django {django.get_version()}", f"{connection.vendor}", load_start=load_start),
        "",
        f"Data: {args.topics:,} {DATA_LABELS[args.data]} earlier topics (bulk rows in {seed_s:.1f} s); "
        f"{len(keystrokes)} keystrokes "
        f"= {args.pitches} pitches typed one character at a time (title, then the logline's first 30 characters "
        "in steps of two), each request timed in turn for the rows below (service rows against today's service, "
        "endpoint rows against today's endpoint).",
        "",
        *table,
        "",
        f"- Same answers: the new service returned other topics, in another order or another score (> 1e-9) than "
        f"today's on {differ} of {len(keystrokes)} keystrokes.",
        f"- Index, built on the first check ({n_index:,} topics: segmenting every title, logline and local "
        f"elements): today's in {builds['today'][0]:.2f} s, the process grew by {builds['today'][1]:.0f} MiB "
        f"(tracemalloc on a tenth of the topics: {sample_mb['today']:.1f} MiB); the new one in "
        f"{builds['new'][0]:.2f} s, **{builds['new'][1]:.0f} MiB** (resident set; tracemalloc on a tenth: "
        f"{sample_mb['new']:.1f} MiB, ×10 ≈ {sample_mb['new'] * 10:.0f} MiB). jieba's dictionary: {jieba_s:.2f} s "
        f"to load, {jieba_mb:.0f} MiB resident, once per process. Peak RSS of the process (both indexes) "
        f"{rss_mb:.0f} MiB.",
        f"- A new pitch (`services.topic_pitch`, its own check included) took {pitch_s * 1000:.0f} ms; the next "
        f"check (every weight and norm recomputed): today's {after_new['today'] * 1000:.0f} ms (then "
        f"{after_new['today again'] * 1000:.0f} ms), new {after_new['new'] * 1000:.1f} ms (then "
        f"{after_new['new again'] * 1000:.1f} ms).",
        f"- Target p95 ≤ 50 ms per keystroke request: new endpoint p95 {ms(pct(times['endpoint'], 0.95))} ms "
        f"(today's {ms(pct(times['today_endpoint'], 0.95))} ms).",
    ])
    print(block)
    if args.results:
        reporting.write_block(
            Path(args.results), section="## Homogeneity check: live check against 10,000 topics",
            key=f"similarity:{connection.vendor}" + (":varied" if args.data == "varied" else ""),
            intro="Produced by `bench/similarity.py`; a re-run replaces the block of its database backend.",
            block=block,
        )

if __name__ == "__main__":
    main()
