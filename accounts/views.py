from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import profile_sections
from accounts.forms import ConsentForm, DeletionForm, ProfileForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Notification
from accounts.selectors import (
    consent_history,
    consents_for,
    deletion_open_for,
    export_get_for_user,
    exports_for,
)
from accounts.services import notifications_mark_read, user_update_profile
from accounts.services.consent import consents_save
from accounts.services.deletion import (
    account_deletion_cancel,
    account_deletion_request,
    deletion_blockers,
)
from accounts.services.exports import data_export_request, export_storage
from core.views import form_save


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "bio": user.bio,
            "preferred_language": user.preferred_language,
            "time_zone": user.time_zone,
        },
    )
    saved = form_save(
        request,
        form,
        lambda data: user_update_profile(user=user, **data),
        done=_("Your profile is saved."),
        then="accounts:profile",
    )
    if saved is not None:
        return saved
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "sections": profile_sections.sections_for(user)},
        status=400 if form.errors else 200,
    )


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's inbox, newest first; opening it marks everything read."""
    items = list(Notification.objects.filter(user=request.user)[:50])
    notifications_mark_read(user=request.user)
    return render(request, "accounts/notifications.html", {"notifications": items})


# --- privacy: consents, export, deletion (docs/privacy.md) ----------------------------


@login_required
def privacy(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The Privacy page: consent switches (posted here), the export and deletion
    panels (posted to their own views)."""
    user = request.user
    consent_form = ConsentForm(
        request.POST if request.method == "POST" else None, initial=consents_for(user.pk)
    )
    saved = form_save(
        request,
        consent_form,
        lambda data: consents_save(user=user, choices=data),
        done=_("Your choices are saved and apply from now on."),
        then="accounts:privacy",
    )
    if saved is not None:
        return saved
    return _privacy_render(request, consent_form=consent_form)


def _privacy_render(
    request: AuthenticatedHttpRequest,
    *,
    consent_form: ConsentForm | None = None,
    deletion_form: DeletionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    deletion = deletion_open_for(user=user)
    return render(
        request,
        "accounts/privacy.html",
        {
            "consent_form": consent_form or ConsentForm(initial=consents_for(user.pk)),
            "consent_history": consent_history(user=user),
            "exports": exports_for(user=user),
            "deletion": deletion,
            "deletion_form": deletion_form or DeletionForm(),
            "blockers": [] if deletion else deletion_blockers(user=user),
        },
        status=status,
    )


@login_required
@require_POST
def export_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    data_export_request(user=request.user)
    messages.success(request, _("Your export is being prepared; we will e-mail you a link."))
    return redirect("accounts:privacy")


@login_required
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The zip, for its owner only, while it is valid."""
    export = export_get_for_user(pk=pk, user=request.user)
    try:
        handle = export_storage.open(export.file)
    except (OSError, ValueError):
        raise Http404(_("This download is not available (it may have expired).")) from None
    filename = f"zhiliao-data-{export.created_at:%Y%m%d}.zip"
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def deletion_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeletionForm(request.POST)
    saved = form_save(
        request,
        form,
        lambda data: account_deletion_request(
            user=request.user, contributions=data["contributions"]
        ),
        done=_("Your account will be deleted after the grace period. You can cancel until then."),
        then="accounts:privacy",
        errors=lambda form, error: form.add_error(None, error),
    )
    if saved is not None:
        return saved
    return _privacy_render(request, deletion_form=form, status=400)


@login_required
@require_POST
def deletion_cancel(request: AuthenticatedHttpRequest) -> HttpResponse:
    if account_deletion_cancel(user=request.user):
        messages.success(request, _("The deletion of your account is cancelled."))
    else:
        messages.error(request, _("There is no scheduled deletion to cancel."))
    return redirect("accounts:privacy")
