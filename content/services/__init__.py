"""Every write to lessons, articles, sections, revisions, assets and progress, by
concern: `items` (create, edit, publish, revisions, sections), `assets` (uploads)
and `progress` (resume, reading position, done; view signals)."""

from content.services.assets import asset_delete, asset_upload
from content.services.items import (
    EDITABLE,
    ContentItem,
    article_create,
    content_publish_due,
    item_publish,
    item_set_visible,
    item_unpublish,
    item_update,
    lesson_create,
    revision_record_staff_edit,
    revision_restore,
    section_create,
)
from content.services.progress import (
    article_viewed,
    progress_mark,
    progress_open,
    progress_position_save,
)

__all__ = [
    "EDITABLE",
    "ContentItem",
    "article_create",
    "article_viewed",
    "asset_delete",
    "asset_upload",
    "content_publish_due",
    "item_publish",
    "item_set_visible",
    "item_unpublish",
    "item_update",
    "lesson_create",
    "progress_mark",
    "progress_open",
    "progress_position_save",
    "revision_record_staff_edit",
    "revision_restore",
    "section_create",
]
