"""The models whose tables the migrations keep: every SQLAlchemy metadata of the project."""

from __future__ import annotations

from bot.channels.seen import Base as SeenBase
from bot.channels.zalo_tokens import Base as ZaloTokenBase
from bot.console.throttle import Base as ThrottleBase
from bot.feedback.models import Base as FeedbackBase
from bot.handoff.models import Base as HandoffBase
from knowledge.models import Base as KnowledgeBase

METADATA = [
    KnowledgeBase.metadata,
    HandoffBase.metadata,
    FeedbackBase.metadata,
    SeenBase.metadata,
    ThrottleBase.metadata,
    ZaloTokenBase.metadata,
]
