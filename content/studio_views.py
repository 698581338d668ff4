"""The creator's pages for lessons and articles: write, preview, upload, schedule,
revisions, unpublish. Every fetch is scoped to the creator's own channels."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from content import rendering, selectors, services
from content.forms import ItemForm, ScheduleForm, SectionForm, UploadForm
from content.models import Asset, Revision
from content.services import ContentItem
from core.views import flash_outcome, form_page
from marketplace.models import Channel, Course


def _errors_to_form(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _edit_url(item: ContentItem) -> HttpResponse:
    return redirect("content:item_edit", kind=item.kind, pk=item.pk)


@login_required
def content_list(request):
    return render(request, "content/studio/list.html", selectors.studio_items(user=request.user))


def _create(
    request: HttpRequest, *, kind: str, channel: Channel, course: Course | None = None
) -> HttpResponse:
    form = ItemForm(request.POST or None, channel=channel, kind=kind, course=course)
    user = cast(User, request.user)  # login_required

    def save(data: dict[str, Any]) -> ContentItem:
        if course is not None:
            return services.lesson_create(user=user, course=course, **data)
        return services.article_create(user=user, channel=channel, **data)

    return form_page(
        request,
        form,
        save,
        done=_("Saved as a draft."),
        then=_edit_url,
        errors=_errors_to_form,
        template="content/studio/edit.html",
        context=lambda: {"kind": kind, "owner": course or channel, "item": None},
    )


@login_required
def lesson_create(request):
    course = get_object_or_404(
        Course.objects.select_related("channel", "channel__creator"),
        slug=request.GET.get("course", ""),
        channel__creator__user_id=request.user.pk,
    )
    return _create(request, kind="lesson", channel=course.channel, course=course)


@login_required
def article_create(request):
    channel = get_object_or_404(
        Channel.objects.select_related("creator"),
        slug=request.GET.get("channel", ""),
        creator__user_id=request.user.pk,
    )
    return _create(request, kind="article", channel=channel)


@login_required
def section_create(request, slug):
    course = get_object_or_404(
        Course.objects.select_related("channel", "channel__creator"),
        slug=slug,
        channel__creator__user_id=request.user.pk,
    )
    form = SectionForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.section_create(user=request.user, course=course, **data),
        done=_("Section added."),
        then="content:studio_list",
        errors=_errors_to_form,
        template="content/studio/section_form.html",
        context=lambda: {"course": course},
    )


def _item(request, kind, pk):
    return selectors.item_get_for_editor(kind=kind, pk=pk, user=request.user)


@login_required
def item_edit(request, kind, pk):
    item = _item(request, kind, pk)
    initial = {
        "title": item.title,
        "slug": item.slug,
        "summary": item.summary,
        "body": item.body,
        "access": item.access,
        "required_tier": item.required_tier,
    }
    if kind == "lesson":
        initial["section"] = item.section
    form = ItemForm(
        request.POST or None,
        initial=initial,
        channel=item.channel,
        kind=kind,
        course=item.course,
    )
    return form_page(
        request,
        form,
        lambda data: services.item_update(user=request.user, item=item, **data),
        done=_("Saved."),
        then=_edit_url,
        errors=_errors_to_form,
        template="content/studio/edit.html",
        context=lambda: {
            "kind": kind,
            "item": item,
            "owner": item.course if kind == "lesson" else item.channel,
            "assets": list(item.assets.all()),
            "upload_form": UploadForm(),
            "schedule_form": ScheduleForm(),
        },
    )


@login_required
@require_POST
def preview(request):
    """The live preview button: the unsaved Markdown, rendered as learners see it."""
    body = request.POST.get("body", "")[:200_000]
    rendered = rendering.render_body(body)
    return render(
        request,
        "content/includes/preview_fragment.html",
        {"preview_html": rendered.preview_html, "rest_html": rendered.rest_html},
    )


@login_required
def learner_view(request, kind, pk):
    """The saved item exactly as a visitor without access sees it (preview + prompt)."""
    item = _item(request, kind, pk)
    body = selectors.body_for_viewer(item=item, user=request.user, full=False)
    return render(
        request,
        "content/studio/learner_view.html",
        {"item": item, "body": body, **selectors.item_page_extras(item=item)},
    )


@login_required
@require_POST
def item_publish(request, kind, pk):
    item = _item(request, kind, pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date and time to schedule."))
        return _edit_url(item)
    try:
        item = services.item_publish(
            user=request.user, item=item, at=form.cleaned_data.get("publish_at")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _edit_url(item)
    if item.status == "scheduled":
        messages.success(request, _("Scheduled."))
    elif not item.is_visible:
        messages.info(request, _("Published: a moderator will look at it before it is shown."))
    else:
        messages.success(request, _("Published."))
    return _edit_url(item)


@login_required
@require_POST
def item_unpublish(request, kind, pk):
    item = services.item_unpublish(user=request.user, item=_item(request, kind, pk))
    messages.success(request, _("Unpublished: back to draft."))
    return _edit_url(item)


@login_required
@require_POST
def asset_upload(request, kind, pk):
    item = _item(request, kind, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = "; ".join(" ".join(str(m) for m in e) for e in form.errors.values())
        messages.error(request, _("Upload refused: %(errors)s") % {"errors": errors})
        return _edit_url(item)
    try:
        asset = services.asset_upload(
            user=request.user,
            item=item,
            upload=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
        )
    except ValidationError as exc:
        messages.error(
            request, _("Upload refused: %(errors)s") % {"errors": " ".join(exc.messages)}
        )
        return _edit_url(item)
    if asset.kind == Asset.Kind.IMAGE:
        messages.success(
            request,
            _("Image uploaded. Paste this into the body: %(md)s")
            % {"md": f"![{asset.name}]({asset.get_absolute_url()})"},
        )
    else:
        messages.success(request, _("Attachment uploaded: %(name)s") % {"name": asset.name})
    return _edit_url(item)


@login_required
def revisions(request, kind, pk):
    item = _item(request, kind, pk)
    return render(
        request,
        "content/studio/revisions.html",
        {"item": item, "kind": kind, "revisions": selectors.item_revisions(item=item)},
    )


@login_required
@require_POST
def revision_restore(request, kind, pk, rev):
    item = _item(request, kind, pk)
    revision = Revision.objects.filter(pk=rev, **{kind: item}).first()
    if revision is None:
        raise Http404
    flash_outcome(
        request,
        lambda: services.revision_restore(user=request.user, item=item, revision=revision),
        lambda new: (
            _("Revision %(old)s restored as revision %(new)s.")
            % {"old": revision.number, "new": new.number}
        ),
    )
    return _edit_url(item)
