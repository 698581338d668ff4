"""Writes to lessons, articles, sections and revisions.

Each create/update screens the text with moderation (after saving, inside the
transaction: a refusal rolls everything back)."""

from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from content.models import Access, Article, Lesson, Revision, Section, Status
from content.models import ContentItem as BaseItem
from content.rendering import normalise_newlines
from core import events
from core.slugs import unique_slug
from marketplace.models import Channel, Course, SubscriptionTier
from moderation.services import content_screen

ContentItem = Lesson | Article
Item = TypeVar("Item", Lesson, Article)
EDITABLE = ("title", "summary", "body", "access", "required_tier", "section", "position", "slug")


def _owner_check(user: User, channel: Channel) -> None:
    if channel.creator.user_id != user.pk:
        raise PermissionDenied("not the channel's creator")


def _check_paywall(item: ContentItem) -> None:
    if item.access == Access.TICKET and isinstance(item, Article):
        raise ValidationError({"access": _("Articles have no tickets: choose subscribers.")})
    tier = item.required_tier
    if tier is not None:
        if tier.channel_id != item.channel.pk:
            raise ValidationError({"required_tier": _("Choose a tier of this channel.")})
        if item.access != Access.SUBSCRIBERS:
            item.required_tier = None


def _revision_add(
    item: ContentItem, *, user: User, restored_from: Revision | None = None
) -> Revision:
    field = item.kind
    # The item's row is locked by the caller, so numbers cannot collide.
    last = Revision.objects.filter(**{field: item}).aggregate(n=Max("number"))["n"] or 0
    revision = Revision.objects.create(
        **{field: item},
        number=last + 1,
        title=item.title,
        body=item.body,
        author=user,
        restored_from=restored_from,
    )
    item.revision = revision
    item.save(update_fields=["revision", "updated_at"])
    return revision


@transaction.atomic
def revision_record_staff_edit(*, user: User, item: ContentItem) -> Revision:
    """Record an edit made by staff in the Django admin as a revision, so the
    creator's history shows it and it can be undone like any other."""
    return _revision_add(_locked(item), user=user)


def _changed(item: ContentItem | BaseItem) -> None:
    """Tell the assistant (above) to re-read this item once the transaction commits."""
    kind = "lesson" if isinstance(item, Lesson) else "article"
    events.send_on_commit(events.KnowledgeChanged(kind=kind, object_id=item.pk))


def _save(item: ContentItem) -> None:
    item.body = normalise_newlines(item.body)
    item.full_clean(exclude=["revision", "author"])
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": _("This address is already taken.")}) from exc
    _changed(item)


def item_set_visible(item: ContentItem, visible: bool) -> None:
    """Moderation's switch (registered in ContentConfig.ready)."""
    type(item).objects.filter(pk=item.pk).update(is_visible=visible)
    item.is_visible = visible
    _changed(item)


def _created(
    model: type[Item], *, user: User, scope: dict[str, Course | Channel], slug: str, **fields: Any
) -> Item:
    """Build, check, store and screen a new lesson or article, with its first revision.
    `scope` is the course or channel its address is unique in."""
    title = fields["title"]
    item = model(
        **scope,
        **fields,
        author=user,
        slug=slugify(slug) or unique_slug(model, title, fallback=model.kind, scope=scope),
    )
    _check_paywall(item)
    _save(item)
    _revision_add(item, user=user)
    content_screen(obj=item)
    return item


@transaction.atomic
def lesson_create(
    *,
    user: User,
    course: Course,
    title: str,
    body: str = "",
    summary: str = "",
    access: str = Access.FREE,
    required_tier: SubscriptionTier | None = None,
    section: Section | None = None,
    slug: str = "",
) -> Lesson:
    _owner_check(user, course.channel)
    if section is not None and section.course_id != course.pk:
        raise ValidationError({"section": _("Choose a section of this course.")})
    position = (Lesson.objects.filter(course=course).aggregate(n=Max("position"))["n"] or 0) + 1
    return _created(
        Lesson,
        user=user,
        scope={"course": course},
        slug=slug,
        section=section,
        position=position,
        title=title,
        body=body,
        summary=summary,
        access=access,
        required_tier=required_tier,
    )


@transaction.atomic
def article_create(
    *,
    user: User,
    channel: Channel,
    title: str,
    body: str = "",
    summary: str = "",
    access: str = Access.FREE,
    required_tier: SubscriptionTier | None = None,
    slug: str = "",
) -> Article:
    _owner_check(user, channel)
    return _created(
        Article,
        user=user,
        scope={"channel": channel},
        slug=slug,
        title=title,
        body=body,
        summary=summary,
        access=access,
        required_tier=required_tier,
    )


def _locked(item: ContentItem) -> ContentItem:
    fresh = type(item).objects.select_for_update().get(pk=item.pk)
    return fresh


@transaction.atomic
def item_update(*, user: User, item: ContentItem, **fields: Any) -> ContentItem:
    """Change any of EDITABLE; a changed title or body makes a new revision."""
    _owner_check(user, item.channel)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    locked = _locked(item)
    if isinstance(locked, Lesson):
        if isinstance(item, Lesson):  # the same row: keep its loaded course and channel
            locked.course = item.course
        section = fields.get("section")
        if section is not None and section.course_id != locked.course_id:
            raise ValidationError({"section": _("Choose a section of this course.")})
    else:
        locked.channel = item.channel
    if "body" in fields:
        fields["body"] = normalise_newlines(fields["body"])
    text_changed = any(k in fields and fields[k] != getattr(locked, k) for k in ("title", "body"))
    for name, value in fields.items():
        if name == "slug":
            value = slugify(value) or locked.slug
        setattr(locked, name, value)
    _check_paywall(locked)
    _save(locked)
    if text_changed:
        _revision_add(locked, user=user)
    content_screen(obj=locked)
    return locked


@transaction.atomic
def item_publish(*, user: User, item: ContentItem, at: datetime | None = None) -> ContentItem:
    """Publish now, or schedule for `at` (content_publish_due publishes it then).

    Scheduling something already published is refused rather than taking it off
    the site until `at`: readers keep it, and the creator unpublishes it first if
    that is really what they want."""
    _owner_check(user, item.channel)
    locked = _locked(item)
    now = timezone.now()
    if at is not None and at > now:
        if locked.status == Status.PUBLISHED:
            raise ValidationError(
                _(
                    "This is already published, so readers have it now. To publish it "
                    "again later, unpublish it first, then schedule it."
                )
            )
        locked.status = Status.SCHEDULED
        locked.publish_at = at
    else:
        locked.status = Status.PUBLISHED
        locked.publish_at = None
        locked.published_at = locked.published_at or now
    locked.save(update_fields=["status", "publish_at", "published_at", "updated_at"])
    _changed(locked)
    content_screen(obj=locked)
    return locked


@transaction.atomic
def item_unpublish(*, user: User, item: ContentItem) -> ContentItem:
    _owner_check(user, item.channel)
    locked = _locked(item)
    locked.status = Status.DRAFT
    locked.publish_at = None
    locked.save(update_fields=["status", "publish_at", "updated_at"])
    _changed(locked)
    return locked


@transaction.atomic
def revision_restore(*, user: User, item: ContentItem, revision: Revision) -> Revision:
    """Bring back an old title and body as a new revision (history is never rewritten)."""
    _owner_check(user, item.channel)
    if getattr(revision, f"{item.kind}_id") != item.pk:
        raise ValidationError(_("That revision belongs to something else."))
    locked = _locked(item)
    locked.title, locked.body = revision.title, revision.body
    locked.save(update_fields=["title", "body", "updated_at"])
    _changed(locked)
    new = _revision_add(locked, user=user, restored_from=revision)
    content_screen(obj=locked)
    return new


def content_publish_due(*, now: datetime | None = None) -> int:
    """Publish scheduled items whose time has come. Safe to run twice or at once in
    two workers: each row is locked (SKIP LOCKED) and re-checked, so it flips once."""
    now = now or timezone.now()
    published = 0
    for model in (Lesson, Article):
        with transaction.atomic():
            due = list(
                model.objects.select_for_update(skip_locked=True)
                .filter(status=Status.SCHEDULED, publish_at__lte=now)
                .order_by("pk")
            )
            for item in due:
                item.status = Status.PUBLISHED
                item.published_at = item.published_at or item.publish_at or now
                item.save(update_fields=["status", "published_at", "updated_at"])
                _changed(item)
                published += 1
    return published


@transaction.atomic
def section_create(*, user: User, course: Course, title: str) -> Section:
    _owner_check(user, course.channel)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Give the section a title.")})
    position = (Section.objects.filter(course=course).aggregate(n=Max("position"))["n"] or 0) + 1
    section = Section(course=course, title=title[:120], position=position)
    section.full_clean()
    section.save()
    return section
