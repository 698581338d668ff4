"""Learner pages: lesson, article, attachment download, mark done."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.core.files.storage import storages
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.static import serve

from content import selectors, services
from content.models import IMAGE_UPLOAD_DIR
from core.uploads import uploaded_file_headers


def lesson_detail(request, course, slug):
    lesson = selectors.lesson_get_for_user(course_slug=course, slug=slug, user=request.user)
    body = selectors.body_for_viewer(item=lesson, user=request.user)
    outline = selectors.course_outline(course=lesson.course, user=request.user)
    previous, following = selectors.outline_neighbours(outline=outline, lesson=lesson)
    services.progress_open(user=request.user, lesson=lesson)
    mine = next((x for x in outline["lessons"] if x.pk == lesson.pk), None)
    done = mine is not None and mine.is_done
    return render(
        request,
        "content/lesson_detail.html",
        {
            "item": lesson,
            "lesson": lesson,
            "course": lesson.course,
            "body": body,
            "outline": outline,
            "previous": previous,
            "next": following,
            "is_done": done,
            "reading_position": mine.reading_position if mine is not None else 0,
            "attachments": selectors.item_attachments(item=lesson) if body.is_full else [],
            "locked_attachments": (
                selectors.item_attachments(item=lesson) if not body.is_full else []
            ),
            **selectors.item_page_extras(item=lesson),
        },
    )


def article_detail(request, channel, slug):
    article = selectors.article_get_for_user(channel_slug=channel, slug=slug, user=request.user)
    body = selectors.body_for_viewer(item=article, user=request.user)
    services.article_viewed(user=request.user, article=article)
    attachments = selectors.item_attachments(item=article)
    return render(
        request,
        "content/article_detail.html",
        {
            "item": article,
            "article": article,
            "channel": article.channel,
            "body": body,
            "attachments": attachments if body.is_full else [],
            "locked_attachments": attachments if not body.is_full else [],
            **selectors.item_page_extras(item=article),
        },
    )


def asset_download(request, key):
    """A paid file, only for those who may read its lesson or article."""
    try:
        asset = selectors.asset_get_for_download(key=key, user=request.user)
    except PermissionDenied as exc:
        return HttpResponseForbidden(str(exc), content_type="text/plain")
    storage = storages[settings.CONTENT_PRIVATE_STORAGE]
    if getattr(storage, "querystring_auth", False):
        # Object storage: a short-lived presigned URL, never a public one.
        return HttpResponseRedirect(storage.url(asset.file.name))
    try:
        handle = storage.open(asset.file.name or "", "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=asset.name, content_type=asset.content_type
    )
    return uploaded_file_headers(response)


@login_required
@require_POST
def lesson_mark_done(request, pk):
    lesson = selectors.lesson_get_by_pk_for_user(pk=pk, user=request.user)
    done = request.POST.get("done", "1") != "0"
    try:
        services.progress_mark(user=request.user, lesson=lesson, done=done)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(lesson.get_absolute_url())
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(lesson.get_absolute_url())
    _, following = selectors.lesson_neighbours(lesson=lesson, user=request.user)
    if done and following is not None and request.POST.get("next") == "1":
        return redirect(following.get_absolute_url())
    return redirect(lesson.get_absolute_url())


@login_required
@require_POST
def lesson_position(request, pk):
    """The lesson page's script reports how far down the learner has read (204)."""
    lesson = selectors.lesson_get_by_pk_for_user(pk=pk, user=request.user)
    try:
        services.progress_position_save(
            user=request.user, lesson=lesson, position=request.POST.get("position")
        )
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages), content_type="text/plain")
    return HttpResponse(status=204)


def public_image(request, path):
    """A lesson or article image from MEDIA_ROOT/content/img/, with DEBUG off too.

    Images are public by design (random names, checked by Pillow at upload); nothing
    else under MEDIA_ROOT is reachable here. nginx may serve the same folder itself
    (deploy/nginx-site.conf); with MEDIA_S3_BUCKET set the URLs point at the bucket.
    """
    try:
        response = serve(
            request, path, document_root=str(Path(settings.MEDIA_ROOT) / IMAGE_UPLOAD_DIR)
        )
    except SuspiciousFileOperation:  # "../" tricks: the file is not there, as far as anyone asks
        raise Http404 from None
    return uploaded_file_headers(response, public=True)
