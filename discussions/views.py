"""Discussion pages and their POST forms; they work without JavaScript."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from discussions import selectors, services
from discussions.forms import ReplyForm, ThreadForm
from discussions.models import Reply, Thread


def _messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _back(request, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or fallback
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return HttpResponseRedirect(target)


def _refused(request, exc, fallback: str) -> HttpResponseRedirect:
    text = exc.messages if isinstance(exc, ValidationError) else [str(exc) or _("Not allowed.")]
    for line in text:
        messages.error(request, line)
    return _back(request, fallback)


def _held_notice(request, post) -> None:
    if not post.is_visible:
        messages.info(request, _("Thanks! A moderator will look at this before it is shown."))


@require_http_methods(["GET", "POST"])
@login_required
def thread_new(request, kind, pk):
    kind_obj, target = selectors.target_of(kind, pk, request.user)
    form = ThreadForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        try:
            thread = services.thread_create(
                author=request.user,
                target=target,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = _messages_of(exc) if isinstance(exc, ValidationError) else [str(exc)]
        else:
            _held_notice(request, thread)
            return HttpResponseRedirect(thread.get_absolute_url())
    return render(
        request,
        "discussions/thread_new.html",
        {"target": target, "kind": kind_obj, "form": form, "errors": errors},
        status=400 if errors else 200,
    )


@require_GET
def thread_detail(request, pk):
    thread = selectors.thread_get_for_user(pk=pk, user=request.user)
    sort = request.GET.get("sort", "oldest")
    if sort not in selectors.REPLY_SORTS:
        sort = "oldest"
    replies = selectors.replies_for_thread(thread=thread, user=request.user, sort=sort)
    reply_ids = [r.pk for r in replies] + [c.pk for r in replies for c in r.shown_children]
    access = selectors.area_access(user=request.user, target=thread.target_obj)
    return render(
        request,
        "discussions/thread_detail.html",
        {
            "thread": thread,
            "target": thread.target_obj,
            "replies": replies,
            "sort": sort,
            "access": access,
            "liked_replies": selectors.liked_ids(user=request.user, model=Reply, ids=reply_ids),
            "thread_liked": bool(
                selectors.liked_ids(user=request.user, model=type(thread), ids=[thread.pk])
            ),
            "editable_until": thread.created_at + services.edit_window(),
            "reply_form": ReplyForm(),
        },
    )


def _post_edit(
    request: HttpRequest,
    post: Thread | Reply,
    save: Callable[[], Thread | Reply],
    form: Form,
    context: dict[str, object],
) -> HttpResponse:
    """The edit page of a thread or reply: `save()` on POST, then back to the post."""
    errors: list[str] = []
    if request.method == "POST":
        try:
            post = save()
        except PermissionDenied as exc:
            return _refused(request, exc, post.get_absolute_url())
        except ValidationError as exc:
            errors = exc.messages
        else:
            _held_notice(request, post)
            return HttpResponseRedirect(post.get_absolute_url())
    return render(
        request,
        "discussions/post_edit.html",
        {**context, "form": form, "errors": errors, "post": post},
        status=400 if errors else 200,
    )


def _post_delete(
    request: HttpRequest, post: Thread | Reply, delete: Callable[[], object], done: str
) -> HttpResponse:
    try:
        delete()
    except PermissionDenied as exc:
        return _refused(request, exc, post.get_absolute_url())
    messages.success(request, done)
    return HttpResponseRedirect(post.get_absolute_url())


@require_http_methods(["GET", "POST"])
@login_required
def thread_edit(request, pk):
    thread = selectors.thread_get_for_user(pk=pk, user=request.user)
    title, body = request.POST.get("title", ""), request.POST.get("body", "")
    return _post_edit(
        request,
        thread,
        lambda: services.thread_edit(user=request.user, thread=thread, title=title, body=body),
        ThreadForm(request.POST or None, initial={"title": thread.title, "body": thread.body}),
        {"thread": thread},
    )


@require_POST
@login_required
def thread_delete(request, pk):
    thread = selectors.thread_get_for_user(pk=pk, user=request.user)
    return _post_delete(
        request,
        thread,
        lambda: services.thread_delete(user=request.user, thread=thread),
        _("Your thread was deleted."),
    )


@require_POST
@login_required
def thread_flag(request, pk, flag):
    thread = selectors.thread_get_for_user(pk=pk, user=request.user)
    try:
        services.thread_flag_set(
            user=request.user, thread=thread, flag=flag, on=request.POST.get("on") == "1"
        )
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc, thread.get_absolute_url())
    return _back(request, thread.get_absolute_url())


@require_POST
@login_required
def reply_create(request, pk):
    thread = selectors.thread_get_for_user(pk=pk, user=request.user)
    in_reply_to = None
    raw = request.POST.get("in_reply_to", "")
    if raw:
        try:
            in_reply_to = selectors.reply_get_for_user(pk=int(raw), user=request.user)
        except (ValueError, Http404):
            messages.error(request, _("The reply you answered no longer exists."))
            return HttpResponseRedirect(thread.get_absolute_url())
    try:
        reply = services.reply_create(
            author=request.user,
            thread=thread,
            body=request.POST.get("body", ""),
            in_reply_to=in_reply_to,
        )
    except (PermissionDenied, ValidationError) as exc:
        return _refused(request, exc, thread.get_absolute_url())
    _held_notice(request, reply)
    return HttpResponseRedirect(reply.get_absolute_url())


@require_http_methods(["GET", "POST"])
@login_required
def reply_edit(request, pk):
    reply = selectors.reply_get_for_user(pk=pk, user=request.user)
    body = request.POST.get("body", "")
    return _post_edit(
        request,
        reply,
        lambda: services.reply_edit(user=request.user, reply=reply, body=body),
        ReplyForm(request.POST or None, initial={"body": reply.body}),
        {"thread": reply.thread, "is_reply": True},
    )


@require_POST
@login_required
def reply_delete(request, pk):
    reply = selectors.reply_get_for_user(pk=pk, user=request.user)
    return _post_delete(
        request,
        reply,
        lambda: services.reply_delete(user=request.user, reply=reply),
        _("Your reply was deleted."),
    )


@require_POST
@login_required
def like(request, kind, pk):
    """`liked=1` likes, `liked=0` unlikes: the button says what the user wants, so a
    double click can never undo itself."""
    try:
        obj = selectors.like_target_get_for_user(kind_name=kind, pk=pk, user=request.user)
        services.like_set(user=request.user, obj=obj, liked=request.POST.get("liked") != "0")
    except PermissionDenied as exc:
        return _refused(request, exc, "/")
    fallback = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "/"
    return _back(request, fallback)
