"""Reads of lessons and articles, by concern: `access` (who may read what, what a
viewer sees of a body), `courses` (outline, neighbours, progress) and `listings`
(public lists, the studio)."""

from content.selectors.access import (
    BodyView,
    ContentItem,
    article_get_by_pk_for_user,
    article_get_for_user,
    asset_get_for_download,
    body_for_viewer,
    is_channel_owner,
    item_access_check,
    item_attachments,
    item_page_extras,
    lesson_get_by_pk_for_user,
    lesson_get_for_user,
)
from content.selectors.courses import (
    Outline,
    Progress,
    course_outline,
    course_progress,
    course_progress_get_for_user,
    courses_progress,
    lesson_neighbours,
    outline_neighbours,
)
from content.selectors.listings import (
    StudioItems,
    api_articles,
    api_lessons,
    channel_articles,
    item_get_for_editor,
    item_revisions,
    public_articles,
    studio_items,
)

__all__ = [
    "courses_progress",
    "BodyView",
    "ContentItem",
    "Outline",
    "Progress",
    "StudioItems",
    "api_articles",
    "api_lessons",
    "article_get_by_pk_for_user",
    "article_get_for_user",
    "asset_get_for_download",
    "body_for_viewer",
    "channel_articles",
    "course_outline",
    "course_progress",
    "course_progress_get_for_user",
    "is_channel_owner",
    "item_access_check",
    "item_attachments",
    "item_get_for_editor",
    "item_page_extras",
    "item_revisions",
    "lesson_get_by_pk_for_user",
    "lesson_get_for_user",
    "lesson_neighbours",
    "outline_neighbours",
    "public_articles",
    "studio_items",
]
