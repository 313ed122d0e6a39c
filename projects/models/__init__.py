from projects.models.catalog import (
    ChecklistItem,
    Genre,
    Holiday,
    Stage,
    StageDuration,
    Track,
)
from projects.models.deliverables import Deliverable, Shot, StageReview, StageReviewItem
from projects.models.org import Membership, Unit
from projects.models.schedule import Milestone, PlanChange
from projects.models.topics import Topic, TopicCall, TopicSimilarity, VocabularyTerm
from projects.models.workflow import (
    FRAME_RATES,
    Origin,
    ProjectTransition,
    Resolution,
    State,
    VideoProject,
)

__all__ = [
    "ChecklistItem",
    "Deliverable",
    "Genre",
    "Holiday",
    "Membership",
    "Milestone",
    "PlanChange",
    "FRAME_RATES",
    "Origin",
    "ProjectTransition",
    "Resolution",
    "Shot",
    "Stage",
    "StageDuration",
    "StageReview",
    "StageReviewItem",
    "State",
    "Topic",
    "TopicCall",
    "VocabularyTerm",
    "TopicSimilarity",
    "Track",
    "Unit",
    "VideoProject",
]
