"""Homogeneity (同质化) checker: labelled pairs plus focused behaviour tests.

Pure functions only, no database: run with ``-p no:django`` while the rest of
the project is being built.
"""

import pytest

from projects.similarity import (
    HOMOGENEITY_THRESHOLD,
    Match,
    closest,
    normalize,
    similarity,
)

# Near-duplicates: the same story pitched again in other words (rephrased,
# reordered, synonyms, modifiers such as 党员/基层/新时代 added or dropped).
DUPLICATES = [
    ("退役军人返乡创业带富一方", "退役军人党员回乡创业 带领乡亲致富"),
    ("第一书记扎根山村助力脱贫攻坚", "扎根山村的驻村第一书记助力脱贫"),
    ("老党员义务守护烈士陵园四十年", "四十年如一日守护烈士陵园的老党员"),
    ("党员志愿者为社区独居老人送餐", "社区党员志愿者给独居老人送餐上门"),
    ("大学生村官带领村民种植蓝莓致富", "大学生村官带动村民种蓝莓增收"),
    ("新时代女民兵守护边境线", "边境女民兵：守护祖国边防线"),
    ("深山乡村教师坚守讲台三十年", "三十年坚守大山讲台的乡村教师"),
    ("非遗传承人带领村民刺绣致富", "党员非遗传承人带动乡亲刺绣增收"),
    ("村党支部书记带领村民修路", "村支书带领群众修通致富路"),
    ("党员医生扎根海岛守护群众健康", "海岛上的党员医生守护岛上群众健康"),
    ("快递小哥党员的城市微光", "党员快递小哥：城市里的微光"),
    ("党员网格员化解邻里纠纷", "基层网格员党员调解邻里矛盾"),
    ("退休老党员义务讲党课", "退休老党员二十年义务宣讲党课"),
    ("大山里的党员护林员", "党员护林员守护大山森林"),
    ("党员养蜂人带动乡亲甜蜜致富", "养蜂带富的党员能手"),
    ("党员电商主播直播带货助农", "直播带货助农的党员主播"),
    ("新时代枫桥经验的基层实践", "枫桥经验在基层：矛盾不上交"),
    ("“红色管家”让老旧小区焕新颜", "红色管家助力老旧小区改造"),
    ("戈壁滩上的治沙人", "新时代治沙人坚守戈壁滩"),
    ("小岗村：改革再出发", "改革再出发——新时代的小岗村"),
    ("党员律师为农民工讨薪", "为农民工讨薪的基层党员律师"),
    ("黄河滩区群众搬迁住上新居", "滩区群众告别洪水 搬迁住上新居"),
    # Second batch, written after the first version of the method as a
    # held-out check (it then informed the stock-word list).
    ("草原上的流动党校", "流动党校走进草原牧区"),
    ("赶考路上的乡村女书记", "乡村女书记的赶考路"),
    ("守岛卫国三十二年", "王继才夫妇守岛卫国32年"),
    ("党员菜农种出“致富菜”", "党员菜农带领乡亲种菜致富"),
    ("老兵讲述抗美援朝故事", "抗美援朝老兵讲故事"),
    ("火车上的流动党支部", "列车上的流动党支部"),
    ("渔村党员带领渔民转型海上养殖", "渔村党员带动渔民发展海洋养殖致富"),
    ("高原上的党员邮递员", "雪域高原党员邮递员的坚守"),
    ("银发党员巡河护水", "退休党员志愿巡河护水"),
    ("返乡青年直播卖茶", "青年回乡直播带货卖茶叶"),
    ("社区“跑腿代办”服务暖民心", "社区党员跑腿代办暖民心"),
    ("党员技术员田间地头教种粮", "党员农技员在田间地头指导种粮"),
]

# Different stories that share the domain's stock phrases (党建引领, 党员,
# 基层, 社区, 红色, 乡村振兴 ...) or even a subject; these must NOT be flagged.
DISTINCT = [
    ("党建引领基层治理新格局", "党建引领乡村特色产业发展"),
    ("红色物业服务社区群众", "红色教育基地传承革命精神"),
    ("党员先锋岗奋战抗洪一线", "党员先锋岗守护社区疫情防控"),
    ("基层党组织带领村民发展乡村旅游", "基层党组织带领村民治理生活污水"),
    ("退役军人返乡创业带富一方", "退役军人冲锋在抗洪抢险一线"),
    ("老党员义务守护烈士陵园", "老党员义务调解邻里纠纷"),
    ("社区党员志愿者服务群众", "乡村振兴中的党员先锋"),
    ("大学生村官带领村民种植蓝莓", "大学生返乡开网店卖山货"),
    ("乡村振兴看产业：茶叶飘香", "乡村振兴看人才：青年回流"),
    ("第一书记扎根山村助力脱贫", "驻村工作队帮扶易地搬迁群众"),
    ("红色家书里的初心", "红色旅游带动乡村振兴"),
    ("党员干部下沉社区服务群众", "社区党组织推行垃圾分类"),
    ("党员医生扎根海岛守护群众健康", "海岛边防民警守护渔民平安"),
    ("新时代文明实践站里的志愿服务", "新时代好青年的创业故事"),
    ("党员教师支教西部山区", "党员医生援藏巡回医疗"),
    ("党建引领“街乡吹哨、部门报到”", "党建引领小微企业抱团发展"),
    ("基层党员的初心与使命", "基层党组织书记的一天"),
    ("红色基因代代传", "红色文艺轻骑兵走基层"),
    ("党员突击队抢修电网", "党员突击队驰援地震灾区"),
    ("社区党群服务中心的温暖", "社区党员带头推进加装电梯"),
    ("乡村振兴路上的致富带头人", "乡村振兴中的生态保护"),
    ("村党支部书记带领村民修路", "村党支部书记带领村民发展光伏"),
    # Second batch (held-out, see above).
    ("草原上的流动党校", "草原牧民的党员联户长"),
    ("乡村女书记带领村民种花椒", "乡村女书记带领村民搞民宿"),
    ("老兵讲述抗美援朝故事", "老兵守护红军烈士墓"),
    ("党员邮递员守护高原邮路", "党员医生守护高原牧民健康"),
    ("社区党组织推进老旧小区改造", "社区党组织开办四点半课堂"),
    ("返乡青年直播卖茶", "返乡青年养殖肉牛"),
    ("党员巡河护水", "党员护林防火"),
    ("党建引领物业管理", "党建引领乡村治理积分制"),
    ("基层党员冲锋在防汛一线", "基层党员冲锋在森林灭火一线"),
    ("红色故事进校园", "红色故事进军营"),
    ("新时代党员的初心坚守", "新时代基层党员的奉献担当"),
    ("驻村第一书记的扶贫日记", "驻村第一书记带领村民修水渠"),
]


def _confusion(pairs, label):
    hits = [similarity(a, b) >= HOMOGENEITY_THRESHOLD for a, b in pairs]
    return [(hit, label) for hit in hits]


def test_precision_and_recall_on_labelled_pairs():
    rows = _confusion(DUPLICATES, True) + _confusion(DISTINCT, False)
    tp = sum(1 for hit, label in rows if hit and label)
    fp = sum(1 for hit, label in rows if hit and not label)
    fn = sum(1 for hit, label in rows if not hit and label)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    n = len(rows)
    print(f"\nhomogeneity: precision={precision:.2f} recall={recall:.2f} on {n} pairs "
          f"({len(DUPLICATES)} duplicates, {len(DISTINCT)} distinct, "
          f"threshold={HOMOGENEITY_THRESHOLD})")
    for a, b in DUPLICATES:
        s = similarity(a, b)
        if s < HOMOGENEITY_THRESHOLD:
            print(f"  missed  {s:.2f}  {a} / {b}")
    for a, b in DISTINCT:
        s = similarity(a, b)
        if s >= HOMOGENEITY_THRESHOLD:
            print(f"  false+  {s:.2f}  {a} / {b}")
    assert n >= 30
    assert precision >= 0.9
    assert recall >= 0.9


def test_required_pair_is_flagged():
    assert similarity("退役军人返乡创业带富一方",
                      "退役军人党员回乡创业 带领乡亲致富") >= HOMOGENEITY_THRESHOLD


def test_shared_domain_vocabulary_alone_is_not_flagged():
    a = "党建引领基层党员冬季植树"
    b = "党建引领基层党员夜校开课"
    assert similarity(a, b) < HOMOGENEITY_THRESHOLD


def test_similarity_is_symmetric_and_bounded():
    for a, b in DUPLICATES[:5] + DISTINCT[:5]:
        s = similarity(a, b)
        assert s == pytest.approx(similarity(b, a))
        assert 0.0 <= s <= 1.0


def test_identical_text_scores_one():
    assert similarity("红色管家助力老旧小区改造", "红色管家助力老旧小区改造") == pytest.approx(1.0)
    # Identical after normalisation: punctuation, full-width forms, whitespace.
    assert similarity("“红色管家” 助力老旧小区改造！", "红色管家助力老旧小区改造") == pytest.approx(1.0)


def test_empty_strings_score_zero():
    assert similarity("", "") == 0.0
    assert similarity("", "退役军人返乡创业") == 0.0
    assert similarity("，。！ ", "退役军人返乡创业") == 0.0
    assert closest("", [(1, "退役军人返乡创业")]) == []


def test_normalize_folds_synonyms_and_strips_punctuation():
    assert normalize("回乡") == normalize("返乡")
    assert normalize("坚守三十二年") == normalize("坚守32年")
    assert normalize("ＡＢＣ，１２３！") == normalize("ABC123")
    assert "，" not in normalize("红色，管家")


def test_closest_orders_best_first_and_respects_limit_and_threshold():
    corpus = [
        (1, "党建引领乡村特色产业发展"),
        (2, "退役军人党员回乡创业 带领乡亲致富"),
        (3, "退役军人回乡创业带富乡亲"),
        (4, "红色教育基地传承革命精神"),
        (5, "退役军人返乡创业带富一方"),
    ]
    query = "退役军人返乡创业带富一方"
    found = closest(query, corpus)
    assert [m.key for m in found][0] == 5
    assert {m.key for m in found} == {2, 3, 5}
    assert all(isinstance(m, Match) for m in found)
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert all(m.score >= HOMOGENEITY_THRESHOLD for m in found)
    assert found[0].text == "退役军人返乡创业带富一方"

    assert len(closest(query, corpus, limit=1)) == 1
    assert closest(query, corpus, limit=0) == []
    everything = closest(query, corpus, threshold=0.0)
    assert len(everything) == len(corpus)
    assert everything[-1].score <= everything[0].score
