"""Pages for users: report content, appeal a rejection, apply for verification."""

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from core.uploads import uploaded_file_headers
from core.views import flash_outcome, form_save
from moderation import registry, services
from moderation.forms import AppealForm, ReportForm, VerificationForm
from moderation.models import ExpertVerification, ReviewItem, VerificationDocument
from moderation.selectors import content_url, expert_is_verified


def content_get(content_type_id: int, object_id: int) -> Model:
    """The registered content named in a URL, or 404."""
    content_type = ContentType.objects.filter(pk=content_type_id).first()
    model = content_type.model_class() if content_type else None
    if model is None or model not in registry.registered_models():
        raise Http404(_("There is nothing to report here."))
    return get_object_or_404(model, pk=object_id)


def _next(request: HttpRequest, obj: Model) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return content_url(obj) or "/"


@login_required
@require_http_methods(["GET", "POST"])
def report(request: AuthenticatedHttpRequest, content_type_id: int, object_id: int) -> HttpResponse:
    obj = content_get(content_type_id, object_id)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        flash_outcome(
            request,
            lambda: services.report_submit(reporter=request.user, obj=obj, reason=reason),
            _("Thank you. Moderators will look at it and tell you the outcome."),
        )
        return redirect(_next(request, obj))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "moderation/report_form.html",
        {"form": form, "obj": obj, "next": _next(request, obj)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ReviewItem, pk=pk, author=request.user)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        flash_outcome(
            request,
            lambda: services.review_appeal(item=item, user=request.user, text=text),
            _("Your appeal is in the moderators' queue."),
        )
        return redirect("moderation:appeal", pk=item.pk)
    return render(request, "moderation/appeal.html", {"form": form, "item": item})


def _errors_above_form(form: Form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
def verification(request: AuthenticatedHttpRequest) -> HttpResponse:
    applications = ExpertVerification.objects.filter(user=request.user).prefetch_related(
        "documents"
    )
    form = VerificationForm(request.POST or None, request.FILES or None)
    applied = form_save(
        request,
        form,
        lambda data: services.verification_apply(
            user=request.user, credentials=data["credentials"], documents=data["documents"]
        ),
        done=_("Thank you: a moderator will review your application."),
        then="moderation:verification",
        errors=_errors_above_form,
    )
    if applied is not None:
        return applied
    return render(
        request,
        "moderation/verification.html",
        {
            "form": form,
            "applications": applications,
            "verified": expert_is_verified(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@permission_required("moderation.view_expertverification", raise_exception=True)
def verification_document(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A verification document, for moderators only (it is not under MEDIA_URL)."""
    document = get_object_or_404(VerificationDocument.objects.select_related("verification"), pk=pk)
    services.personal_data_viewed(
        staff_id=request.user.pk,
        user_id=document.verification.user_id,
        what=f"verification document #{document.pk}",
    )
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):  # gone from storage, or no file at all
        raise Http404(_("This document's file is missing from storage.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=(document.original_name or document.file.name or "").rsplit("/", 1)[-1],
        content_type=document.content_type,
    )
    return uploaded_file_headers(response)
