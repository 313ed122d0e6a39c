"""Development pairs for the homogeneity check: the vocabulary, the weights and the thresholds
were chosen looking at these (tests/projects/homogeneity_heldout.py holds the pairs that were not).

The first batches come from tests/projects/test_homogeneity.py (the earlier bigram method's set);
then the four examples of issue 13 and pairs on the seed text's local topics.
"""

from tests.projects.test_homogeneity import DISTINCT as BIGRAM_DISTINCT
from tests.projects.test_homogeneity import DUPLICATES as BIGRAM_DUPLICATES

ISSUE_DUPLICATES = [
    ("老支书带领村民发展高原特色花卉产业", "老支书带头种花 村民增收致富"),
    ("“党建地图”让党群活动触手可及", "党建地图：党群活动一键预约"),
    ("一名驻村第一书记的扶贫日记", "驻村第一书记的脱贫攻坚日记"),
    ("曙光社区：无人管理社区管", "曙光社区探索无物业小区“社区管”模式"),
]

DEV_DUPLICATES = BIGRAM_DUPLICATES + ISSUE_DUPLICATES + [
    ("党员教育实训基地里的现场教学", "实训基地现场教学：党员教育新课堂"),
    ("微党课人才库分赴村组宣讲", "微党课宣讲员走进村组"),
    ("五华区党员教育电影周", "党员教育电影周在五华"),
    ("党校车辆接送山区老党员上课", "山区老党员坐上党校的接送车"),
]

DEV_DISTINCT = BIGRAM_DISTINCT + [
    ("驻村第一书记的扶贫日记", "驻村第一书记带领村民修水渠"),
    ("曙光社区：无人管理社区管", "曙光社区党员志愿者照顾空巢老人"),
    ("“党建地图”让党群活动触手可及", "党建地图上的红色影院"),
    ("老支书带领村民发展高原特色花卉产业", "老支书带领村民发展高原生态养殖"),
    ("党员教育实训基地里的现场教学", "党员教育实训基地的讲解员"),
    ("微党课大赛里的年轻党员", "微党课走进田间地头"),
]

# Whole pitches: the title alone does not tell, the logline and the local elements do.
FULL_DUPLICATES = [
    (("夜校里的新农人", "村里的党员开办农民夜校，教乡亲们用手机直播销售山核桃，一年带动三十户增收。", "五华元素 西翥街道"),
     ("直播间里的山核桃", "党员创办夜校培训村民直播卖核桃，三十户村民因此致富。", "西翥街道")),
    (("一条路的故事", "老支书带着村民用了八年时间在悬崖上凿出一条通往山外的路。", "五华元素"),
     ("悬崖上的天路", "村支书带领群众八年凿通悬崖路，山里的核桃第一次运出大山。", "五华元素")),
]
FULL_DISTINCT = [
    (("夜校里的新农人", "村里的党员开办农民夜校，教乡亲们用手机直播销售山核桃，一年带动三十户增收。", "五华元素 西翥街道"),
     ("夜校里的读书声", "社区党组织为外来务工人员开办夜校，帮他们考取技能证书。", "五华元素 西翥街道")),
    (("一条路的故事", "老支书带着村民用了八年时间在悬崖上凿出一条通往山外的路。", "五华元素"),
     ("一口井的故事", "驻村第一书记为缺水的村子打出第一口深水井，结束了村民挑水吃的历史。", "五华元素")),
]
